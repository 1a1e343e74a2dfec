#include "shamisa/progress.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace shamisa {

namespace {
std::string format_duration(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  char text[32];
  if (s >= 3600) std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(text, sizeof text, "%ld:%02ld", s / 60, s % 60);
  return text;
}
}  // namespace

std::string format_progress(const std::string& label, std::int64_t done, std::int64_t total,
                            double elapsed_seconds) {
  const double rate = elapsed_seconds > 0 ? double(done) / elapsed_seconds : 0.0;
  char rate_text[32];
  std::snprintf(rate_text, sizeof rate_text, "%.1f/s", rate);
  std::string line = label + "  " + std::to_string(done);
  if (total > 0) line += "/" + std::to_string(total);
  line += "  " + std::string(rate_text);
  if (total > 0 && rate > 0 && done <= total) line += "  ETA " + format_duration(double(total - done) / rate);
  return line;
}

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

ProgressReporter::ProgressReporter(std::string label, std::int64_t total, bool enabled)
    : ProgressReporter(std::move(label), total, enabled, std::cerr) {}

ProgressReporter::ProgressReporter(std::string label, std::int64_t total, bool enabled, std::ostream& out)
    : label_(std::move(label)), total_(total), enabled_(enabled), out_(&out),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

ProgressReporter::~ProgressReporter() { finish(); }

void ProgressReporter::advance(std::int64_t n) {
  done_ += n;
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ >= std::chrono::milliseconds(100) || done_ == total_) {
    last_draw_ = now;
    draw();
  }
}

void ProgressReporter::draw() {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  // \r returns to the line start, ESC[K clears what a longer earlier line left behind.
  *out_ << '\r' << format_progress(label_, done_, total_, elapsed) << "\033[K" << std::flush;
}

void ProgressReporter::finish() {
  if (finished_) return;
  finished_ = true;
  if (!enabled_) return;
  draw();
  *out_ << '\n' << std::flush;
}

}  // namespace shamisa
