#include "cli/command.h"

#include <iostream>

#include "shamisa/error.h"
#include "shamisa/progress.h"

namespace shamisa::cli {

bool GlobalOptions::show_progress() const { return !quiet && stderr_is_terminal(); }

int batch_exit_code(std::size_t inputs, std::size_t failures) {
  if (failures == 0) return kExitSuccess;
  return failures == inputs ? kExitInput : kExitPartial;
}

void report_error(const std::string& message) { std::cerr << "shamisa: " << message << '\n'; }

}  // namespace shamisa::cli
