#include "shamisa/error.h"

namespace shamisa {

int exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kUsage: return kExitUsage;
    case ErrorKind::kInput: return kExitInput;
    case ErrorKind::kModel: return kExitModel;
    case ErrorKind::kInternal: break;
  }
  return kExitInternal;
}

Error::Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}

namespace {
[[noreturn]] void throw_error(ErrorKind kind, const std::string& subject, const std::string& problem) {
  throw Error(kind, subject.empty() ? problem : subject + ": " + problem);
}
}  // namespace

void throw_input_error(const std::string& subject, const std::string& problem) {
  throw_error(ErrorKind::kInput, subject, problem);
}
void throw_usage_error(const std::string& subject, const std::string& problem) {
  throw_error(ErrorKind::kUsage, subject, problem);
}
void throw_model_error(const std::string& subject, const std::string& problem) {
  throw_error(ErrorKind::kModel, subject, problem);
}
void throw_internal_error(const std::string& subject, const std::string& problem) {
  throw_error(ErrorKind::kInternal, subject, problem);
}

}  // namespace shamisa
