// Training the relational method; see include/shamisa/relational_trainer.h.
#include "shamisa/relational_trainer.h"

#include <chrono>
#include <cmath>

#include "shamisa/error.h"
#include "shamisa/relational_inference.h"
#include "shamisa/rng.h"
#include "shamisa/run_folder.h"
#include "shamisa/train_step.h"

namespace shamisa {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr char kFormat[] = "shamisa-relational-checkpoint";
constexpr char kFormatVersion[] = "1";
enum : std::uint64_t { kInitMaps = 0x2e0, kInitScorer = 0x2e1 };

NamedTensors named_parameters(const std::string& prefix, const torch::nn::Module& module) {
  NamedTensors out;
  append_named(out, prefix, module, false);
  return out;
}

// Clips (when configured), checks and applies the Adam update of step `stage_step` of `stage`, at
// that step's rate on the stage's cosine schedule. Returns the log's "lr" and "grad_norm".
json update(const NamedTensors& parameters, RelationalState& state, const RelationalStage& stage,
            std::int64_t stage_step, double loss, const std::string& checkpoint) {
  const double grad_norm = clip_gradient_norm(parameters, stage.optimizer.clip_grad_norm);
  check_step_finite(loss, grad_norm, parameters, state.step + 1, checkpoint);
  const double lr = cosine_learning_rate(stage.optimizer, stage_step, stage.steps);
  optimizer_update(parameters, state.moments, stage.optimizer, lr, stage_step + 1);
  return {{"lr", lr}, {"grad_norm", grad_norm}};
}

void zero_gradients(const NamedTensors& parameters) {
  for (const auto& [name, p] : parameters) p.mutable_grad() = torch::Tensor();
}

json map_step(RelationalState& state, const std::vector<std::string>& images, const std::string& checkpoint) {
  const RelationalConfig& c = state.config;
  const auto data_start = Clock::now();
  const RelationalBatch batch = make_relational_batch(images, c.triplets, c.crop, c.seed, state.step, c.programs);
  const double data_seconds = seconds_since(data_start);
  const NamedTensors parameters = state.model.map_parameters();
  zero_gradients(parameters);
  state.model.maps->train();
  const MapOutput out = state.model.maps->forward(batch.a, batch.b);
  const MapLossTerms terms = map_loss(out, batch.targets, c.map_loss);
  const std::int64_t t = batch.triplets;
  const torch::Tensor cycle =
      cycle_loss(out.maps.slice(0, 2 * t, 3 * t), out.maps.slice(0, 0, t), out.maps.slice(0, t, 2 * t));
  const torch::Tensor loss = terms.total + c.cycle * cycle;
  loss.backward();
  const double value = loss.item<double>();
  json line = update(parameters, state, c.maps, state.step, value, checkpoint);
  line.update({{"stage", "maps"},       {"loss", value},          {"regression", terms.regression},
               {"leak", terms.leak},    {"type", terms.type},     {"cycle", cycle.item<double>()},
               {"data_seconds", data_seconds}});
  return line;
}

// Rows (a, b) of a ranked batch for the pair mode: distorted_pairs of every set, a the better.
std::pair<torch::Tensor, torch::Tensor> distorted_pair_rows(int sets, int set_size) {
  std::vector<std::int64_t> a, b;
  for (int s = 0; s < sets; ++s) {
    for (const auto& [i, j] : distorted_pairs(set_size)) {
      a.push_back(std::int64_t(s) * set_size + i);
      b.push_back(std::int64_t(s) * set_size + j);
    }
  }
  return {torch::tensor(a, torch::kLong), torch::tensor(b, torch::kLong)};
}

json scorer_step(RelationalState& state, const std::vector<std::string>& images, const std::string& checkpoint) {
  const RelationalConfig& c = state.config;
  const std::int64_t stage_step = state.step - c.maps.steps;
  const auto data_start = Clock::now();
  const RankedBatch batch = make_ranked_batch(images, c.sets, c.set_size, c.crop, c.seed, state.step, c.programs,
                                                ranked_set_kinds(c));
  const double data_seconds = seconds_since(data_start);
  torch::Tensor maps, pair_a, pair_b, pair_maps;
  {
    torch::NoGradGuard frozen;
    state.model.maps->eval();
    maps = state.model.maps->forward(batch.images, batch.references).maps;
    if (c.pair_mode > 0) {
      const auto [a, b] = distorted_pair_rows(batch.sets, batch.set_size);
      pair_a = batch.images.index_select(0, a);
      pair_b = batch.images.index_select(0, b);
      pair_maps = state.model.maps->forward(pair_a, pair_b).maps;
    }
  }
  const NamedTensors parameters = state.model.scorer_parameters();
  zero_gradients(parameters);
  state.model.scorer->train();
  const RelationalQuality q = relational_quality(state.model.scorer, maps, batch.images, batch.references);
  const torch::Tensor scores = q.q.view({batch.sets, batch.set_size});
  const torch::Tensor listmle = listmle_loss(scores, c.listmle_temperature);
  const torch::Tensor rnc = rank_n_contrast_loss(q.embedding.view({batch.sets, batch.set_size, -1}), c.rnc_temperature);
  const torch::Tensor fidelity = fidelity_loss(scores);
  torch::Tensor loss = listmle + c.rnc * rnc + c.fidelity * fidelity;
  // The pair mode: a is better than b; the fidelity loss of the pair score against 0.
  torch::Tensor pair_fidelity;
  if (c.pair_mode > 0) {
    const torch::Tensor s = relational_pair_score(state.model.scorer, pair_maps, pair_a, pair_b);
    pair_fidelity = fidelity_loss(torch::stack({s, torch::zeros_like(s)}, 1));
    loss = loss + c.pair_mode * pair_fidelity;
  }
  loss.backward();
  const double value = loss.item<double>();
  json line = update(parameters, state, c.scorer, stage_step, value, checkpoint);
  line.update({{"stage", "scorer"},
               {"loss", value},
               {"listmle", listmle.item<double>()},
               {"rnc", rnc.item<double>()},
               {"fidelity", fidelity.item<double>()},
               {"data_seconds", data_seconds}});
  if (pair_fidelity.defined()) line["pair_fidelity"] = pair_fidelity.item<double>();
  return line;
}

RelationalScorer make_scorer(const RelationalConfig& config) {
  ScorerConfig scorer = config.scorer_network;
  scorer.axes = kRelationalAxes;
  return RelationalScorer(scorer, Rng::stream(config.seed, {kInitScorer}).next_u64());
}

// True when `wanted` differs from `saved` only where stage 1 does not look: the name and the
// "scorer" section.
bool differs_only_in_stage_two(const RelationalConfig& saved, const RelationalConfig& wanted) {
  json x = relational_config_to_json(saved), y = relational_config_to_json(wanted);
  if (x == y) return false;
  for (json* j : {&x, &y}) {
    j->erase("name");
    j->erase("scorer");
  }
  return x == y;
}

RelationalConfig with_steps(RelationalConfig c, std::int64_t total) {
  const double share = static_cast<double>(c.maps.steps) / static_cast<double>(c.total_steps());
  c.maps.steps = std::llround(static_cast<double>(total) * share);
  c.scorer.steps = total - c.maps.steps;
  c.maps.optimizer.warmup_steps = std::min(c.maps.optimizer.warmup_steps, c.maps.steps);
  c.scorer.optimizer.warmup_steps = std::min(c.scorer.optimizer.warmup_steps, c.scorer.steps);
  return c;
}

}  // namespace

NamedTensors RelationalModel::map_parameters() const { return named_parameters("maps.", *maps); }
NamedTensors RelationalModel::scorer_parameters() const { return named_parameters("scorer.", *scorer); }
NamedTensors RelationalModel::state() const {
  NamedTensors all = map_parameters();
  for (auto& entry : scorer_parameters()) all.push_back(std::move(entry));
  return all;
}

RelationalModel make_relational_model(const RelationalConfig& config) {
  RelationalModel m;
  MapNetworkConfig network = config.network;
  network.axes = kRelationalAxes;
  m.maps = MapNetwork(network, Rng::stream(config.seed, {kInitMaps}).next_u64());
  m.scorer = make_scorer(config);
  return m;
}

void save_relational_checkpoint(const std::string& path, const RelationalState& state) {
  write_checkpoint(path,
                   {kFormat, kFormatVersion, relational_config_to_json(state.config), state.step, state.images_digest,
                    state.threads},
                   state.model.state(), state.moments, "optimizer.adam.");
}

RelationalState load_relational_checkpoint(const std::string& path) {
  CheckpointReader reader(read_tensor_archive(path), path, kFormat, kFormatVersion);
  RelationalState state;
  try {
    state.config = relational_config_from_json(reader.config(), path + " (embedded config)");
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kModel) throw;
    throw_model_error(path, e.what());
  }
  state.step = reader.step();
  state.threads = reader.threads();
  state.images_digest = reader.images_digest();
  state.model = make_relational_model(state.config);
  reader.restore(state.model.state());
  state.moments = reader.buffers("optimizer.adam.", optimizer_slots(state.config.maps.optimizer, state.model.state()));
  reader.finish();
  return state;
}

json relational_step(RelationalState& state, const std::vector<std::string>& images, const std::string& checkpoint) {
  const auto start = Clock::now();
  json line = state.step < state.config.maps.steps ? map_step(state, images, checkpoint)
                                                   : scorer_step(state, images, checkpoint);
  line["step_seconds"] = seconds_since(start);
  return line;
}

TrainRunSummary run_relational_training(const std::optional<RelationalConfig>& given_config,
                                        const TrainRunOptions& options) {
  if (!options.init.empty()) {
    throw_usage_error("--init", "names SHAMISA encoder weights; a relational run starts from its own seed");
  }
  const TrainingImages images = list_training_images(options.images_dir);
  if (images.paths.empty()) throw_usage_error(options.images_dir, "holds no images");
  const std::string checkpoint = run_checkpoint_path(options.run_dir);
  auto with_overrides = [&](RelationalConfig c) {
    if (options.steps) c = with_steps(c, *options.steps);
    if (options.seed) c.seed = *options.seed;
    validate_relational_config(c, "--steps/--seed");
    return c;
  };
  RelationalState state;
  if (options.resume) {
    require_run_checkpoint(options.run_dir);
    state = load_relational_checkpoint(checkpoint);
    const RelationalConfig wanted_config = with_overrides(given_config ? *given_config : state.config);
    // Stage 1 neither reads the name or the scorer's settings nor touches the scorer, so a run that
    // has not begun stage 2 may take new ones: the scorer is re-made from the seed under them,
    // exactly as a fresh run of that config has it at this step (the result is that run's, byte for
    // byte). config.json is rewritten only once the rest of the resume checks have passed.
    const bool new_stage_two = state.step <= state.config.maps.steps &&
                               differs_only_in_stage_two(state.config, wanted_config);
    if (new_stage_two) {
      state.config = wanted_config;
      state.model.scorer = make_scorer(wanted_config);
    }
    const RunIdentity saved{relational_config_to_json(state.config), state.images_digest, state.threads};
    const RunIdentity wanted{relational_config_to_json(wanted_config), images.digest, torch::get_num_threads()};
    check_resume(options.run_dir, saved, wanted, state.step, options.images_dir);
    if (new_stage_two) write_run_config(options.run_dir, relational_config_to_json(wanted_config));
  } else {
    if (!given_config) throw_usage_error("--config", "a fresh run needs a config");
    state.config = with_overrides(*given_config);
    start_run_folder(options.run_dir, relational_config_to_json(state.config));
    state.model = make_relational_model(state.config);
    state.images_digest = images.digest;
    state.threads = torch::get_num_threads();
  }
  const RelationalConfig& config = state.config;
  TrainRunSummary summary;
  summary.first_step = state.step;
  summary.total_steps = config.total_steps();
  summary.checkpoint = checkpoint;
  StepLoop loop;
  loop.run_dir = options.run_dir;
  loop.end = std::min(config.total_steps(), options.stop_after.value_or(config.total_steps()));
  loop.checkpoint_every = config.checkpoint_every;
  loop.saved_step = options.resume ? state.step : -1;
  loop.unit = "steps";
  loop.progress = options.progress;
  const auto start = Clock::now();
  double data_seconds = 0.0;
  auto take_step = [&] {
    json line = relational_step(state, images.paths, checkpoint);
    data_seconds += line["data_seconds"].get<double>();
    summary.last_loss = line["loss"].get<double>();
    return line;
  };
  run_step_loop(state.step, loop, take_step, [&] { save_relational_checkpoint(checkpoint, state); });
  write_relational_model(run_model_path(options.run_dir), state);
  summary.steps_done = state.step;
  summary.seconds = seconds_since(start);
  // Images through the map network per second (stage 1: 3 pairs per triplet; stage 2: the sets).
  const std::int64_t map_steps =
      std::min(state.step, config.maps.steps) - std::min(summary.first_step, config.maps.steps);
  const std::int64_t scorer_steps = (state.step - summary.first_step) - map_steps;
  const std::int64_t images_done = map_steps * 6 * config.triplets + scorer_steps * 2 * config.sets * config.set_size;
  summary.images_per_second = summary.seconds > 0 ? static_cast<double>(images_done) / summary.seconds : 0.0;
  summary.data_wait_share = summary.seconds > 0 ? data_seconds / summary.seconds : 0.0;
  return summary;
}

}  // namespace shamisa
