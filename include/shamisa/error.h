// Error reporting for the shamisa library.
//
// The library never prints: it throws shamisa::Error, whose kind says which of the documented
// exit codes (DESIGN.md) the command-line program should return, and whose message names the
// file or value and the problem in one line.
#ifndef SHAMISA_ERROR_H_
#define SHAMISA_ERROR_H_

#include <stdexcept>
#include <string>

namespace shamisa {

// Process exit codes of the `shamisa` program (the CLI contract).
enum ExitCode : int {
  kExitSuccess = 0,
  kExitInternal = 1,  // a bug or an unexpected failure inside shamisa or its libraries
  kExitUsage = 2,     // bad command line
  kExitInput = 3,     // missing, unreadable or corrupt image, bad CSV
  kExitModel = 4,     // missing, corrupt or incompatible model file
  kExitPartial = 5,   // a batch finished but some inputs failed
};

enum class ErrorKind { kInternal, kUsage, kInput, kModel };

// The exit code that an error of this kind maps to.
int exit_code_for(ErrorKind kind);

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message);
  ErrorKind kind() const { return kind_; }
  int exit_code() const { return exit_code_for(kind_); }

 private:
  ErrorKind kind_;
};

// "<subject>: <problem>", the one-line form every error message takes.
[[noreturn]] void throw_input_error(const std::string& subject, const std::string& problem);
[[noreturn]] void throw_usage_error(const std::string& subject, const std::string& problem);
[[noreturn]] void throw_model_error(const std::string& subject, const std::string& problem);
[[noreturn]] void throw_internal_error(const std::string& subject, const std::string& problem);

}  // namespace shamisa

#endif  // SHAMISA_ERROR_H_
