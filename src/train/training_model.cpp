// Training networks and checkpoints; see include/shamisa/training_model.h.
#include "shamisa/training_model.h"

#include <cstdio>
#include <algorithm>
#include <filesystem>
#include <set>

#include "shamisa/distort.h"
#include "shamisa/error.h"
#include "shamisa/rng.h"
#include "shamisa/run_folder.h"
#include "shamisa/tensor_archive.h"
#include "shamisa/train_step.h"

namespace shamisa {
namespace {

constexpr char kFormat[] = "shamisa-training-checkpoint";
constexpr char kFormatVersion[] = "1";

// Sub-stream ids of the network initialisations.
enum : std::uint64_t { kInitEncoder = 0x1e0, kInitProjector = 0x1e1, kInitPrototypes = 0x1e2 };

std::uint64_t init_seed(std::uint64_t seed, std::uint64_t which) {
  return Rng::stream(seed, {which}).next_u64();
}


// A zero-initialised Linear: an auxiliary head that starts by predicting nothing whatever the
// global torch RNG held (the default init's draws are overwritten).
torch::nn::Linear zero_linear(int in, int out) {
  torch::nn::Linear head(in, out);
  torch::NoGradGuard no_grad;
  head->weight.zero_();
  head->bias.zero_();
  return head;
}

}  // namespace

NamedTensors TrainingModel::trainable_parameters(const TrainConfig& config) const {
  NamedTensors out;
  append_named(out, "model.encoder.", *encoder, false);
  append_named(out, "model.projector.", *projector, false);
  if (prototypes) append_named(out, "model.prototypes.", *prototypes, false);
  if (branch_mlp && config.relations.branch_weights == BranchWeightMode::kTrained) {
    append_named(out, "model.branch_mlp.", *branch_mlp, false);
  }
  if (quality_head) append_named(out, "model.quality_head.", *quality_head, false);
  if (group_head) append_named(out, "model.group_head.", *group_head, false);
  return out;
}

NamedTensors TrainingModel::state() const {
  NamedTensors out;
  append_named(out, "model.encoder.", *encoder, true);
  append_named(out, "model.projector.", *projector, true);
  if (prototypes) append_named(out, "model.prototypes.", *prototypes, true);
  if (branch_mlp) append_named(out, "model.branch_mlp.", *branch_mlp, true);
  if (quality_head) append_named(out, "model.quality_head.", *quality_head, true);
  if (group_head) append_named(out, "model.group_head.", *group_head, true);
  return out;
}

void TrainingModel::train(bool on) {
  encoder->train(on);
  projector->train(on);
  if (prototypes) prototypes->train(on);
  if (branch_mlp) branch_mlp->train(on);
  if (quality_head) quality_head->train(on);
  if (group_head) group_head->train(on);
}

TrainingModel make_training_model(const TrainConfig& config) {
  TrainingModel m;
  m.encoder = ResNetEncoder(config.encoder, init_seed(config.seed, kInitEncoder));
  m.projector = Projector(m.encoder->feature_dim(), config.projector_hidden, config.projector_out,
                          init_seed(config.seed, kInitProjector), config.projector_init_gain,
                          config.projector_batch_norm, config.projector_output_batch_norm);
  if (config.objective == Objective::kShamisa) {
    m.prototypes = PrototypeHead(m.encoder->feature_dim(), config.prototypes,
                                 init_seed(config.seed, kInitPrototypes));
    m.branch_mlp = BranchWeightMlp(config.relations.branch_weight_seed);
  }
  if (config.quality_target > 0.0) m.quality_head = zero_linear(m.encoder->feature_dim(), 1);
  if (config.group_target > 0.0) {
    m.group_head = zero_linear(m.encoder->feature_dim(), static_cast<int>(distortion_groups().size()));
  }
  return m;
}

TrainingState make_training_state(const TrainConfig& config, const std::string& images_digest) {
  TrainingState s;
  s.config = config;
  s.model = make_training_model(config);
  s.images_digest = images_digest;
  s.threads = torch::get_num_threads();
  return s;
}

void save_checkpoint(const std::string& path, const TrainingState& state) {
  write_checkpoint(path,
                   {kFormat, kFormatVersion, train_config_to_json(state.config), state.step, state.images_digest,
                    state.threads},
                   state.model.state(), state.momentum, "optimizer.momentum.",
                   {{"momentum_buffers", std::to_string(state.momentum.size())}});
}

TrainingState load_checkpoint(const std::string& path) {
  CheckpointReader reader(read_tensor_archive(path), path, kFormat, kFormatVersion);
  TrainingState state;
  try {
    state.config = train_config_from_json(reader.config(), path + " (embedded config)");
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kModel) throw;
    throw_model_error(path, e.what());
  }
  state.step = reader.step();
  state.threads = reader.threads();
  state.images_digest = reader.images_digest();
  const std::int64_t momentum_buffers = reader.count("momentum_buffers");
  state.model = make_training_model(state.config);
  reader.restore(state.model.state());
  state.momentum = reader.buffers("optimizer.momentum.", optimizer_slots(state.config.optimizer, state.model.trainable_parameters(state.config)));
  if (static_cast<std::int64_t>(state.momentum.size()) != momentum_buffers) {
    throw_model_error(path, "checkpoint does not match its config: " + std::to_string(momentum_buffers) +
                                " momentum buffers recorded, " + std::to_string(state.momentum.size()) + " found");
  }
  reader.finish();
  return state;
}

std::string image_list_digest(const std::vector<std::string>& paths, const std::string& root) {
  namespace fs = std::filesystem;
  std::uint64_t hash = 1469598103934665603ULL;
  auto mix = [&](const std::string& bytes) {
    for (unsigned char c : bytes) {
      hash ^= c;
      hash *= 1099511628211ULL;
    }
    hash ^= 0xff;  // separator
    hash *= 1099511628211ULL;
  };
  const fs::path base = fs::absolute(root).lexically_normal();
  for (const std::string& p : paths) {
    std::error_code ec;
    mix(fs::absolute(p).lexically_normal().lexically_relative(base).generic_string());
    const auto size = fs::file_size(p, ec);
    mix(ec ? std::string("?") : std::to_string(size));
  }
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

}  // namespace shamisa
