// The `shamisa` program: parses the command line, runs one subcommand, and maps library errors to
// the documented exit codes. Results go to stdout; messages and progress to stderr.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "shamisa/error.h"
#include "shamisa/runtime.h"
#include "shamisa/version.h"

namespace {

int run(int argc, char** argv) {
  using namespace shamisa;
  CLI::App app{"shamisa: perceptual image quality without human labels (SHAMISA and Pixel Perfect)",
               "shamisa"};
  app.footer("Exit codes: 0 success, 1 internal error, 2 usage error, 3 input error, 4 model error, "
             "5 partial failure (some inputs of a batch failed).");
  app.require_subcommand(0, 1);
  app.fallthrough();  // global options are accepted after the subcommand too

  cli::GlobalOptions globals;
  bool show_version = false;
  app.add_flag("--version", show_version, "Print the versions of shamisa, LibTorch, OpenCV and the BLAS");
  app.add_option("--threads", globals.threads, "Threads for LibTorch and OpenCV (default: one per core)")
      ->check(CLI::PositiveNumber);
  app.add_flag("--quiet,-q", globals.quiet, "No progress display");

  cli::Action action;
  cli::register_image_commands({app, globals, action});
  cli::register_distort_commands({app, globals, action});
  cli::register_eval_commands({app, globals, action});
  cli::register_train_commands({app, globals, action});
  cli::register_relate_commands({app, globals, action});
  cli::register_model_commands({app, globals, action});

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    cli::report_error(std::string("usage error: ") + e.what() + "\nRun 'shamisa --help' for the commands and options.");
    return kExitUsage;
  }
  if (show_version) {
    std::cout << version_report();
    return kExitSuccess;
  }
  if (!action) {
    std::cerr << app.help();
    return kExitUsage;
  }
  set_thread_count(globals.threads == 0 ? default_thread_count() : globals.threads);
  return action();
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const shamisa::Error& e) {
    shamisa::cli::report_error(e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    shamisa::cli::report_error(std::string("internal error: ") + e.what());
    return shamisa::kExitInternal;
  }
}
