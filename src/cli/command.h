// Shared pieces of the command-line program: global options, how a subcommand registers itself,
// and batch outcome -> exit code.
#ifndef SHAMISA_CLI_COMMAND_H_
#define SHAMISA_CLI_COMMAND_H_

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

namespace shamisa::cli {

struct GlobalOptions {
  int threads = 0;  // 0: one per core
  bool quiet = false;
  // Progress lines are drawn only on a terminal and never with --quiet.
  bool show_progress() const;
};

// A subcommand's registration: it adds itself (options, help) to `parent` and, when chosen, sets
// `action`, which returns the process exit code. Library errors propagate as shamisa::Error.
using Action = std::function<int()>;
struct Registration {
  CLI::App& parent;
  const GlobalOptions& globals;
  Action& action;
};

void register_image_commands(Registration r);
void register_distort_commands(Registration r);
void register_eval_commands(Registration r);
void register_train_commands(Registration r);
void register_relate_commands(Registration r);
void register_model_commands(Registration r);

// Exit code of a batch: success, partial failure (5), or the input error code (3) when every
// input failed.
int batch_exit_code(std::size_t inputs, std::size_t failures);

// One line on stderr: "shamisa: <message>".
void report_error(const std::string& message);

}  // namespace shamisa::cli

#endif  // SHAMISA_CLI_COMMAND_H_
