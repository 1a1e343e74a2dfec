// Training runs; see include/shamisa/trainer.h.
#include "shamisa/trainer.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "shamisa/error.h"
#include "shamisa/image_io.h"
#include "shamisa/image_paths.h"
#include "shamisa/progress.h"
#include "shamisa/training_batch.h"
#include "shamisa/training_model.h"

namespace shamisa {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void write_text_atomic(const std::string& path, const std::string& text) {
  write_file_atomic(path, std::vector<std::uint8_t>(text.begin(), text.end()));
}

// The keys whose values differ, for a readable mismatch message.
std::string differing_keys(const json& a, const json& b, const std::string& prefix = "") {
  std::string out;
  for (const auto& item : a.items()) {
    const std::string key = prefix + item.key();
    if (!b.contains(item.key())) {
      out += " " + key;
    } else if (item.value().is_object() && b[item.key()].is_object()) {
      out += differing_keys(item.value(), b[item.key()], key + ".");
    } else if (item.value() != b[item.key()]) {
      out += " " + key;
    }
  }
  return out;
}

// Keeps the log lines of steps 1..steps_done (a resumed run rewrites what came after its checkpoint).
void truncate_log(const std::string& path, std::int64_t steps_done) {
  std::ifstream in(path);
  if (!in) return;
  std::string kept, line;
  while (std::getline(in, line)) {
    try {
      if (json::parse(line).at("step").get<std::int64_t>() <= steps_done) kept += line + "\n";
    } catch (const json::exception&) {
      break;  // a line cut short by the interruption ends the usable log
    }
  }
  in.close();
  write_text_atomic(path, kept);
}

// grad_norm: the global gradient norm before any clipping.
json log_line(std::int64_t step, double lr, const StepStatistics& s, double grad_norm, const TrainConfig& config,
              double step_seconds, double wait_seconds, std::int64_t images) {
  json line = {{"step", step}, {"lr", lr}};
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

std::string run_config_path(const std::string& run_dir) { return (fs::path(run_dir) / "config.json").string(); }
std::string run_checkpoint_path(const std::string& run_dir) {
  return (fs::path(run_dir) / "checkpoint.safetensors").string();
}
std::string run_log_path(const std::string& run_dir) { return (fs::path(run_dir) / "log.jsonl").string(); }

TrainRunSummary run_training(const std::optional<TrainConfig>& given_config, const TrainRunOptions& options) {
  if (options.run_dir.empty()) throw_usage_error("--out", "no run folder given");
  std::error_code ec;
  if (!fs::is_directory(options.images_dir, ec)) {
    throw_usage_error(options.images_dir, "is not a folder of training images");
  }
  const std::vector<std::string> images = expand_image_paths({options.images_dir}, /*recursive=*/true);
  const std::string digest = image_list_digest(images, options.images_dir);
  const std::string checkpoint = run_checkpoint_path(options.run_dir);
  auto exists = [](const std::string& path) {
    std::error_code ignored;
    return fs::exists(path, ignored);
  };
  auto with_overrides = [&](TrainConfig c) {
    if (options.steps) c.steps = *options.steps;
    if (options.seed) c.seed = *options.seed;
    validate_train_config(c, "--steps/--seed");
    return c;
  };

  TrainingState state;
  if (options.resume) {
    if (!exists(checkpoint)) {
      throw_usage_error(options.run_dir, "has no checkpoint to resume (" + checkpoint + " does not exist)");
    }
    if (!options.init.empty()) throw_usage_error("--init", "applies to a fresh run only, not with --resume");
    state = load_checkpoint(checkpoint);
    const json saved = train_config_to_json(state.config);
    const json wanted = train_config_to_json(with_overrides(given_config ? *given_config : state.config));
    if (saved != wanted) {
      throw_usage_error(options.run_dir, "the checkpoint was trained with a different config (differs in:" +
                                             differing_keys(wanted, saved) + ")");
    }
    if (state.images_digest != digest) {
      throw_usage_error(options.images_dir, "is not the image list this run was trained on (the image names or "
                                            "sizes differ from the checkpoint's)");
    }
    if (state.threads != torch::get_num_threads()) {
      throw_usage_error("--threads", "the run was trained with " + std::to_string(state.threads) +
                                         " threads; resume it with --threads " + std::to_string(state.threads) +
                                         " (the floating-point sums, hence the result, depend on the count)");
    }
    truncate_log(run_log_path(options.run_dir), state.step);
  } else {
    if (!given_config) throw_usage_error("--config", "a fresh run needs a config");
    if (exists(checkpoint)) {
      throw_usage_error(options.run_dir, "already holds a run; pass --resume to continue it or choose another --out");
    }
    const TrainConfig config = with_overrides(*given_config);
    fs::create_directories(options.run_dir, ec);
    if (ec) throw_usage_error(options.run_dir, "cannot create the run folder: " + ec.message());
    state = make_training_state(config, digest);
    if (!options.init.empty()) load_torchvision_weights_file(state.model.encoder, options.init);
    write_text_atomic(run_config_path(options.run_dir), train_config_to_json(config).dump(2) + "\n");
    write_text_atomic(run_log_path(options.run_dir), "");
  }
  const TrainConfig& config = state.config;
  if (static_cast<int>(images.size()) < config.item.n_refs) {
    throw_usage_error(options.images_dir, "holds " + std::to_string(images.size()) + " image(s); data.refs needs at least " +
                                              std::to_string(config.item.n_refs));
  }

  TrainRunSummary summary;
  summary.first_step = state.step;
  summary.total_steps = config.steps;
  summary.checkpoint = checkpoint;
  const std::int64_t end = std::min(config.steps, options.stop_after.value_or(config.steps));
  const std::int64_t images_per_step = train_batch_layout(config).nodes();
  const bool gradient_cache = config.micro_batch > 0 && config.micro_batch < images_per_step;

  std::ofstream log(run_log_path(options.run_dir), std::ios::app);
  if (!log) throw_usage_error(run_log_path(options.run_dir), "cannot open the training log for writing");
  ProgressReporter progress("train (images)", std::max<std::int64_t>(0, end - state.step) * images_per_step,
                            options.progress);
  TrainingBatchPrefetcher prefetcher(images, config.items_per_step, config.seed, config.item, config.prefetch_depth,
                                     /*producer_threads=*/1, state.step);
  const NamedTensors parameters = state.model.trainable_parameters(config);
  const auto start = Clock::now();
  double wait_total = 0.0;
  // The step the checkpoint file holds (none yet for a fresh run).
  std::int64_t saved_step = options.resume ? state.step : -1;
  while (state.step < end) {
    const auto step_start = Clock::now();
    TrainingBatch batch = prefetcher.next();
    wait_total += batch.wait_seconds;
    const double lr = cosine_learning_rate(config.optimizer, state.step, config.steps);
    const StepStatistics stats = compute_step_gradients(state.model, config, batch_images(batch),
                                                        batch_variable_severity(batch), gradient_cache);
    const double loss = stats.terms.at("loss");
    if (!std::isfinite(loss)) {
      throw_internal_error("training", "the loss became " + std::to_string(loss) + " at step " +
                                           std::to_string(state.step + 1) + "; the last checkpoint is kept in " +
                                           checkpoint);
    }
    // A finite loss can still come with a non-finite gradient; stepping on it would put NaN into
    // the weights and then into the next checkpoint. The norm (the log's grad_norm) shows it.
    const double grad_norm = clip_gradient_norm(parameters, config.optimizer.clip_grad_norm);
    if (!std::isfinite(grad_norm)) {
      std::string name = "a parameter";
      for (const auto& [candidate, p] : parameters) {
        if (p.grad().defined() && !torch::isfinite(p.grad()).all().item<bool>()) {
          name = candidate;
          break;
        }
      }
      throw_internal_error("training", "the gradient of " + name + " became non-finite at step " +
                                           std::to_string(state.step + 1) + "; the last checkpoint is kept in " +
                                           checkpoint);
    }
    sgd_update(parameters, state.momentum, config.optimizer, lr);
    ++state.step;
    summary.last_loss = loss;
    log << log_line(state.step, lr, stats, grad_norm, config, seconds_since(step_start), batch.wait_seconds,
                    images_per_step)
               .dump()
        << "\n";
    log.flush();
    if (!log) throw_input_error(run_log_path(options.run_dir), "cannot write the training log (disk full?)");
    if (state.step % config.checkpoint_every == 0) {
      save_checkpoint(checkpoint, state);
      saved_step = state.step;
    }
    progress.advance(images_per_step);
  }
  if (saved_step != state.step) save_checkpoint(checkpoint, state);
  progress.finish();
  summary.steps_done = state.step;
  summary.seconds = seconds_since(start);
  const std::int64_t done = state.step - summary.first_step;
  summary.images_per_second = summary.seconds > 0 ? static_cast<double>(done * images_per_step) / summary.seconds : 0;
  summary.data_wait_share = summary.seconds > 0 ? wait_total / summary.seconds : 0.0;
  return summary;
}

}  // namespace shamisa
