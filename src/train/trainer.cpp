// Training runs; see include/shamisa/trainer.h.
#include "shamisa/trainer.h"

#include <algorithm>
#include <chrono>

#include "shamisa/error.h"
#include "shamisa/training_batch.h"
#include "shamisa/training_model.h"

namespace shamisa {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// grad_norm: the global gradient norm before any clipping.
json log_line(double lr, const StepStatistics& s, double grad_norm, const TrainConfig& config,
              double step_seconds, double wait_seconds, std::int64_t images) {
  json line = {{"lr", lr}};
  for (const auto& [name, value] : s.terms) line[name] = value;
  if (config.objective == Objective::kShamisa) {
    line["branch_weights"] = s.branch_weights;
    line["branch_edges"] = s.branch_edges;
    line["w_edges"] = s.aggregated_edges;
  }
  line["h_std"] = s.h_std;
  line["z_std"] = s.z_std;
  line["grad_norm"] = grad_norm;
  line["step_seconds"] = step_seconds;
  line["data_wait_seconds"] = wait_seconds;
  line["images_per_second"] = step_seconds > 0 ? static_cast<double>(images) / step_seconds : 0.0;
  return line;
}

}  // namespace

TrainRunSummary run_training(const std::optional<TrainConfig>& given_config, const TrainRunOptions& options) {
  const TrainingImages images = list_training_images(options.images_dir);
  const std::string checkpoint = run_checkpoint_path(options.run_dir);
  auto with_overrides = [&](TrainConfig c) {
    if (options.steps) c.steps = *options.steps;
    if (options.seed) c.seed = *options.seed;
    validate_train_config(c, "--steps/--seed");
    return c;
  };

  TrainingState state;
  if (options.resume) {
    require_run_checkpoint(options.run_dir);
    if (!options.init.empty()) throw_usage_error("--init", "applies to a fresh run only, not with --resume");
    state = load_checkpoint(checkpoint);
    const RunIdentity saved{train_config_to_json(state.config), state.images_digest, state.threads};
    const RunIdentity wanted{train_config_to_json(with_overrides(given_config ? *given_config : state.config)),
                             images.digest, torch::get_num_threads()};
    check_resume(options.run_dir, saved, wanted, state.step, options.images_dir);
  } else {
    if (!given_config) throw_usage_error("--config", "a fresh run needs a config");
    const TrainConfig config = with_overrides(*given_config);
    start_run_folder(options.run_dir, train_config_to_json(config));
    state = make_training_state(config, images.digest);
    if (!options.init.empty()) load_torchvision_weights_file(state.model.encoder, options.init);
  }
  const TrainConfig& config = state.config;
  if (static_cast<int>(images.paths.size()) < config.item.n_refs) {
    throw_usage_error(options.images_dir, "holds " + std::to_string(images.paths.size()) +
                                              " image(s); data.refs needs at least " +
                                              std::to_string(config.item.n_refs));
  }

  TrainRunSummary summary;
  summary.first_step = state.step;
  summary.total_steps = config.steps;
  summary.checkpoint = checkpoint;
  StepLoop loop;
  loop.run_dir = options.run_dir;
  loop.end = std::min(config.steps, options.stop_after.value_or(config.steps));
  loop.checkpoint_every = config.checkpoint_every;
  loop.saved_step = options.resume ? state.step : -1;
  loop.units_per_step = train_batch_layout(config).nodes();
  loop.progress = options.progress;
  const bool gradient_cache = config.micro_batch > 0 && config.micro_batch < loop.units_per_step;

  TrainingBatchPrefetcher prefetcher(images.paths, config.items_per_step, config.seed, training_item_options(config),
                                     config.prefetch_depth, /*producer_threads=*/1, state.step);
  const NamedTensors parameters = state.model.trainable_parameters(config);
  const auto start = Clock::now();
  double wait_total = 0.0;
  auto take_step = [&] {
    const auto step_start = Clock::now();
    TrainingBatch batch = prefetcher.next();
    wait_total += batch.wait_seconds;
    const double lr = cosine_learning_rate(config.optimizer, state.step, config.steps);
    const StepStatistics stats =
        compute_step_gradients(state.model, config, batch_images(batch), batch_targets(batch), gradient_cache);
    const double loss = stats.terms.at("loss");
    const double grad_norm = clip_gradient_norm(parameters, config.optimizer.clip_grad_norm);
    check_step_finite(loss, grad_norm, parameters, state.step + 1, checkpoint);
    optimizer_update(parameters, state.momentum, config.optimizer, lr, state.step + 1);
    summary.last_loss = loss;
    return log_line(lr, stats, grad_norm, config, seconds_since(step_start), batch.wait_seconds,
                    loop.units_per_step);
  };
  run_step_loop(state.step, loop, take_step, [&] { save_checkpoint(checkpoint, state); });
  summary.steps_done = state.step;
  summary.seconds = seconds_since(start);
  const std::int64_t done = state.step - summary.first_step;
  summary.images_per_second =
      summary.seconds > 0 ? static_cast<double>(done * loop.units_per_step) / summary.seconds : 0;
  summary.data_wait_share = summary.seconds > 0 ? wait_total / summary.seconds : 0.0;
  return summary;
}

}  // namespace shamisa
