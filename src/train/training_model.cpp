// Training networks and checkpoints; see include/shamisa/training_model.h.
#include "shamisa/training_model.h"

#include <cstdio>
#include <algorithm>
#include <filesystem>
#include <set>

#include "shamisa/error.h"
#include "shamisa/rng.h"
#include "shamisa/tensor_archive.h"
#include "shamisa/version.h"

namespace shamisa {
namespace {

constexpr char kFormat[] = "shamisa-training-checkpoint";
constexpr char kFormatVersion[] = "1";

// Sub-stream ids of the network initialisations.
enum : std::uint64_t { kInitEncoder = 0x1e0, kInitProjector = 0x1e1, kInitPrototypes = 0x1e2 };

std::uint64_t init_seed(std::uint64_t seed, std::uint64_t which) {
  return Rng::stream(seed, {which}).next_u64();
}

void append_named(NamedTensors& out, const std::string& prefix, const torch::nn::Module& module,
                  bool buffers) {
  for (const auto& p : module.named_parameters()) out.emplace_back(prefix + p.key(), p.value());
  if (buffers) {
    for (const auto& b : module.named_buffers()) out.emplace_back(prefix + b.key(), b.value());
  }
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
  return out;
}

NamedTensors TrainingModel::state() const {
  NamedTensors out;
  append_named(out, "model.encoder.", *encoder, true);
  append_named(out, "model.projector.", *projector, true);
  if (prototypes) append_named(out, "model.prototypes.", *prototypes, true);
  if (branch_mlp) append_named(out, "model.branch_mlp.", *branch_mlp, true);
  return out;
}

void TrainingModel::train(bool on) {
  encoder->train(on);
  projector->train(on);
  if (prototypes) prototypes->train(on);
  if (branch_mlp) branch_mlp->train(on);
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
  TensorArchive archive;
  for (const auto& [name, tensor] : state.model.state()) {
    archive.tensors[name] = tensor.detach().contiguous();
  }
  for (const auto& [name, buffer] : state.momentum) {
    archive.tensors["optimizer.momentum." + name] = buffer.detach().contiguous();
  }
  archive.metadata["format"] = kFormat;
  archive.metadata["format_version"] = kFormatVersion;
  archive.metadata["config"] = train_config_to_json(state.config).dump();
  archive.metadata["step"] = std::to_string(state.step);
  archive.metadata["images_digest"] = state.images_digest;
  archive.metadata["threads"] = std::to_string(state.threads);
  archive.metadata["momentum_buffers"] = std::to_string(state.momentum.size());
  archive.metadata["code_version"] = version();
  write_tensor_archive(path, archive);
}

TrainingState load_checkpoint(const std::string& path) {
  TensorArchive archive = read_tensor_archive(path);
  auto meta = [&](const std::string& key) -> const std::string& {
    const auto it = archive.metadata.find(key);
    if (it == archive.metadata.end()) throw_model_error(path, "not a training checkpoint (no '" + key + "' metadata)");
    return it->second;
  };
  if (meta("format") != kFormat) throw_model_error(path, "not a training checkpoint (format '" + meta("format") + "')");
  if (meta("format_version") != kFormatVersion) {
    throw_model_error(path, "checkpoint format version " + meta("format_version") + " is not supported (expected " +
                                kFormatVersion + ")");
  }
  TrainingState state;
  try {
    state.config = train_config_from_json(nlohmann::json::parse(meta("config")), path + " (embedded config)");
  } catch (const nlohmann::json::exception& e) {
    throw_model_error(path, std::string("embedded config is not valid JSON: ") + e.what());
  } catch (const Error& e) {
    throw_model_error(path, e.what());
  }
  auto count = [&](const std::string& key) -> std::int64_t {
    const std::string& text = meta(key);
    try {
      std::size_t used = 0;
      const std::int64_t value = std::stoll(text, &used);
      if (used == text.size() && value >= 0) return value;
    } catch (const std::exception&) {
    }
    throw_model_error(path, "invalid " + key + " '" + text + "'");
  };
  state.step = count("step");
  state.threads = static_cast<int>(std::min<std::int64_t>(count("threads"), 1 << 20));
  const std::int64_t momentum_buffers = count("momentum_buffers");
  state.images_digest = meta("images_digest");
  state.model = make_training_model(state.config);

  std::string problems;
  std::set<std::string> expected;
  torch::NoGradGuard no_grad;
  for (auto& [name, target] : state.model.state()) {
    expected.insert(name);
    const auto it = archive.tensors.find(name);
    if (it == archive.tensors.end()) {
      problems += " missing " + name + ";";
    } else if (it->second.sizes() != target.sizes() || it->second.dtype() != target.dtype()) {
      problems += " wrong shape or type for " + name + ";";
    } else {
      target.copy_(it->second);
    }
  }
  std::map<std::string, torch::Tensor> trainable;
  for (const auto& [name, p] : state.model.trainable_parameters(state.config)) trainable[name] = p;
  const std::string momentum_prefix = "optimizer.momentum.";
  for (const auto& [name, tensor] : archive.tensors) {
    if (name.rfind(momentum_prefix, 0) == 0) {
      const std::string param = name.substr(momentum_prefix.size());
      const auto p = trainable.find(param);
      if (p == trainable.end() || p->second.sizes() != tensor.sizes() || p->second.dtype() != tensor.dtype()) {
        problems += " unexpected momentum " + param + ";";
      } else {
        state.momentum[param] = tensor.clone();
      }
    } else if (expected.count(name) == 0) {
      problems += " unexpected " + name + ";";
    }
  }
  if (static_cast<std::int64_t>(state.momentum.size()) != momentum_buffers) {
    problems += " " + std::to_string(momentum_buffers) + " momentum buffers recorded, " +
                std::to_string(state.momentum.size()) + " found;";
  }
  if (!problems.empty()) {
    problems.pop_back();
    throw_model_error(path, "checkpoint does not match its config:" + problems);
  }
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
