// `shamisa train`: training runs with checkpoints, SHAMISA's (src/train/trainer.cpp) or the
// relational method's (src/relational/relational_trainer.cpp), chosen by the config.
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "shamisa/config_reader.h"
#include "shamisa/error.h"
#include "shamisa/relational_trainer.h"
#include "shamisa/train_config.h"
#include "shamisa/trainer.h"

namespace shamisa::cli {
namespace {

struct TrainOptions {
  std::string config;
  std::string images;
  std::string out;
  std::string init;
  std::int64_t steps = 0;
  std::uint64_t seed = 0;
  std::int64_t stop_after = -1;
  bool resume = false;
  bool steps_given = false, seed_given = false;
};

// Whether the run is of the relational method: the config file says so, or, resuming without
// one, the config.json the run folder holds.
bool relational_run(const std::optional<nlohmann::json>& config, const TrainOptions& o) {
  if (config) return is_relational_config(*config);
  std::error_code ec;
  const std::string saved = run_config_path(o.out);
  return o.resume && std::filesystem::exists(saved, ec) && is_relational_config(read_json_file(saved));
}

int run_train(const TrainOptions& o, const GlobalOptions& globals) {
  std::optional<nlohmann::json> config_json;
  if (!o.config.empty()) config_json = read_json_file(o.config);
  TrainRunOptions run;
  run.images_dir = o.images;
  run.run_dir = o.out;
  run.resume = o.resume;
  run.init = o.init;
  if (o.steps_given) run.steps = o.steps;
  if (o.seed_given) run.seed = o.seed;
  if (o.stop_after >= 0) run.stop_after = o.stop_after;
  run.progress = globals.show_progress();
  TrainRunSummary s;
  if (relational_run(config_json, o)) {
    std::optional<RelationalConfig> config;
    if (config_json) config = relational_config_from_json(*config_json, o.config);
    s = run_relational_training(config, run);
  } else {
    std::optional<TrainConfig> config;
    if (config_json) config = train_config_from_json(*config_json, o.config);
    s = run_training(config, run);
  }
  nlohmann::ordered_json out = {{"run", o.out},
                                {"checkpoint", s.checkpoint},
                                {"steps_done", s.steps_done},
                                {"total_steps", s.total_steps},
                                {"steps_this_invocation", s.steps_done - s.first_step},
                                {"last_loss", s.last_loss},
                                {"seconds", s.seconds},
                                {"images_per_second", s.images_per_second},
                                {"data_wait_share", s.data_wait_share}};
  std::cout << out.dump(2) << '\n';
  return kExitSuccess;
}

}  // namespace

void register_train_commands(Registration r) {
  auto o = std::make_shared<TrainOptions>();
  CLI::App* train = r.parent.add_subcommand(
      "train", "Training with checkpoints in RUN: SHAMISA (or the VICReg/SimCLR baselines), or the relational method");
  train->add_option("--config", o->config, "Training config (configs/*.json); optional with --resume");
  train->add_option("--images", o->images, "Folder of pristine training images (searched recursively)")->required();
  train->add_option("--out", o->out, "Run folder: config.json, checkpoint.safetensors, log.jsonl")->required();
  train->add_option("--steps", o->steps, "Total steps of the schedule (overrides the config)")
      ->check(CLI::PositiveNumber);
  train->add_option("--seed", o->seed, "Seed of the run (overrides the config)");
  train->add_flag("--resume", o->resume, "Continue RUN from its checkpoint, bit for bit (a relational run not yet in stage 2 may take a config whose name or scorer section changed)");
  train->add_option("--init", o->init, "Encoder weights exported from torchvision (safetensors; docs/encoder.md); SHAMISA only");
  train->add_option("--stop-after", o->stop_after, "Stop once this many steps are done (checkpointed)")
      ->check(CLI::NonNegativeNumber);
  const GlobalOptions& globals = r.globals;
  Action& action = r.action;
  train->callback([o, train, &globals, &action] {
    o->steps_given = train->count("--steps") > 0;
    o->seed_given = train->count("--seed") > 0;
    action = [o, &globals] { return run_train(*o, globals); };
  });
}

}  // namespace shamisa::cli
