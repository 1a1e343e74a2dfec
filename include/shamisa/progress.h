// Progress of long runs: a one-line display with count, rate and ETA, written only where a
// person is watching (stderr is a terminal and --quiet was not given), so machine output on
// stdout and logs in files stay clean.
#ifndef SHAMISA_PROGRESS_H_
#define SHAMISA_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>

namespace shamisa {

// "label  37/120  12.3/s  ETA 0:07" (total <= 0: "label  37  12.3/s"). Pure, for tests.
std::string format_progress(const std::string& label, std::int64_t done, std::int64_t total,
                            double elapsed_seconds);

bool stderr_is_terminal();

class ProgressReporter {
 public:
  // Draws nothing when !enabled.
  ProgressReporter(std::string label, std::int64_t total, bool enabled);
  ProgressReporter(std::string label, std::int64_t total, bool enabled, std::ostream& out);
  ~ProgressReporter();
  ProgressReporter(const ProgressReporter&) = delete;
  ProgressReporter& operator=(const ProgressReporter&) = delete;

  void advance(std::int64_t n = 1);  // redraws at most 10 times a second
  void finish();                     // final redraw and newline; idempotent

 private:
  void draw();
  std::string label_;
  std::int64_t total_;
  std::int64_t done_ = 0;
  bool enabled_;
  bool finished_ = false;
  std::ostream* out_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace shamisa

#endif  // SHAMISA_PROGRESS_H_
