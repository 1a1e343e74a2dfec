// SHAMISA quality model files and their predictions; see include/shamisa/quality_model.h.
#include "shamisa/quality_model.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "shamisa/encoder_features.h"
#include "shamisa/error.h"
#include "shamisa/model_paths.h"
#include "shamisa/run_folder.h"
#include "shamisa/tensor_archive.h"
#include "shamisa/version.h"

namespace shamisa {
namespace {

using nlohmann::json;

constexpr char kModelFormat[] = "shamisa-quality-model";
constexpr int kModelFormatVersion = 1;

NamedTensors network_state(const QualityModel& m) {
  NamedTensors out;
  append_named(out, "encoder.", *m.encoder, true);
  append_named(out, "projector.", *m.projector, true);
  return out;
}

// Fresh networks of `config`'s architecture (their weights are overwritten by the caller).
void make_networks(QualityModel& m) {
  const TrainConfig& c = m.config;
  m.encoder = ResNetEncoder(c.encoder, 0);
  m.projector = Projector(m.encoder->feature_dim(), c.projector_hidden, c.projector_out, 0, 1.0,
                          c.projector_batch_norm, c.projector_output_batch_norm);
}

void set_eval(QualityModel& m) {
  m.encoder->eval();
  m.projector->eval();
}

json head_json(const QualityHead& head, const std::string& features) {
  return {{"intercept", head.intercept},
          {"alpha", head.alpha},
          {"features", features},
          {"dimensions", head.weights.defined() ? head.weights.numel() : 0},
          {"target", {{"lower_better", head.lower_better}, {"range", {head.range_lo, head.range_hi}}}},
          {"trained_on", head.trained_on}};
}

QualityHead head_from_json(const json& j, const TensorArchive& archive, const std::string& tensor_name,
                           std::int64_t dimensions, const std::string& path) {
  QualityHead head;
  head.intercept = j.at("intercept").get<double>();
  head.alpha = j.at("alpha").get<double>();
  head.lower_better = j.at("target").at("lower_better").get<bool>();
  head.range_lo = j.at("target").at("range").at(0).get<double>();
  head.range_hi = j.at("target").at("range").at(1).get<double>();
  head.trained_on = j.value("trained_on", json::object());
  if (!std::isfinite(head.intercept) || !(head.range_hi > head.range_lo) || !std::isfinite(head.range_lo) ||
      !std::isfinite(head.range_hi)) {
    throw_model_error(path, "the header of " + tensor_name + " has a non-finite intercept or an empty range");
  }
  const auto it = archive.tensors.find(tensor_name);
  if (it == archive.tensors.end()) throw_model_error(path, "the header names a head but " + tensor_name + " is missing");
  if (it->second.dim() != 1 || it->second.numel() != dimensions) {
    throw_model_error(path, tensor_name + " has " + std::to_string(it->second.numel()) + " weights where the model's " +
                                "features have " + std::to_string(dimensions));
  }
  head.weights = it->second.to(torch::kFloat64).contiguous();
  if (!torch::isfinite(head.weights).all().item<bool>()) throw_model_error(path, tensor_name + " holds non-finite weights");
  return head;
}

std::int64_t nr_dimensions(const QualityModel& m) { return 2 * static_cast<std::int64_t>(m.encoder->feature_dim()); }
std::int64_t fr_dimensions(const QualityModel& m) { return 2 * static_cast<std::int64_t>(m.config.projector_out); }

}  // namespace

QualityModel quality_model_from_checkpoint(const TrainingState& state, const std::string& name) {
  QualityModel m;
  m.name = name;
  m.config = state.config;
  m.provenance = {{"config", train_config_to_json(state.config)},
                  {"images_digest", state.images_digest},
                  {"steps", state.step},
                  {"seed", state.config.seed},
                  {"threads", state.threads},
                  {"code_version", version()}};
  make_networks(m);
  // The checkpoint names them "model.encoder.*" and "model.projector.*"; the model file without "model.".
  std::map<std::string, torch::Tensor> source;
  for (const auto& [key, tensor] : state.model.state()) source.emplace(key.substr(std::string("model.").size()), tensor);
  std::string problems;
  copy_named_tensors(source, network_state(m), problems);
  if (!problems.empty()) throw_internal_error("model export", "the checkpoint's networks do not match:" + problems);
  set_eval(m);
  return m;
}

json quality_model_header(const QualityModel& m) {
  const TrainConfig& c = m.config;
  json header = {
      {"format", kModelFormat},
      {"format_version", kModelFormatVersion},
      {"name", m.name},
      {"method", "shamisa"},
      {"architecture",
       {{"encoder", {{"depth", c.encoder.depth}, {"width", c.encoder.width}}},
        {"feature_dim", m.encoder->feature_dim()},
        {"projector",
         {{"hidden", c.projector_hidden},
          {"out", c.projector_out},
          {"batch_norm", c.projector_batch_norm},
          {"output_batch_norm", c.projector_output_batch_norm}}}}},
      {"input",
       {{"crop", m.crop()},
        {"crops", "centre and four corners of the image and of its half scale (Pillow bicubic)"},
        {"normalisation", "RGB in [0, 1], ImageNet mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225)"}}},
      {"score", "0-100, higher is better: the head's prediction p on its target range [lo, hi] as "
                "100 (p - lo) / (hi - lo), flipped when lower is better, clamped to [0, 100]"},
      {"provenance", m.provenance}};
  if (m.nr_head) header["nr_head"] = head_json(*m.nr_head, "[h_full ; h_half] of each crop (L2-normalised encoder features)");
  if (m.fr_head) header["fr_head"] = head_json(*m.fr_head, "|z_ref - z_dist| of each crop at full and half scale (projector outputs)");
  return header;
}

void write_quality_model(const std::string& path, const QualityModel& m) {
  TensorArchive archive;
  for (const auto& [name, tensor] : network_state(m)) archive.tensors[name] = tensor.detach().contiguous();
  if (m.nr_head) archive.tensors["nr_head.weights"] = m.nr_head->weights.to(torch::kFloat64).contiguous();
  if (m.fr_head) archive.tensors["fr_head.weights"] = m.fr_head->weights.to(torch::kFloat64).contiguous();
  archive.metadata["header"] = quality_model_header(m).dump();
  write_tensor_archive(path, archive);
}

QualityModel read_quality_model(const std::string& path) {
  TensorArchive archive = read_tensor_archive(path);
  const json header = model_file_header(archive, path, kModelFormat, kModelFormatVersion, "shamisa quality model");
  QualityModel m;
  try {
    m.name = header.at("name").get<std::string>();
    m.provenance = header.at("provenance");
    m.config = train_config_from_json(m.provenance.at("config"), path + " (embedded config)");
    make_networks(m);
    if (header.at("input").at("crop").get<int>() != m.crop()) {
      throw_model_error(path, "the header's crop differs from its embedded config's");
    }
    if (header.contains("nr_head")) {
      m.nr_head = head_from_json(header.at("nr_head"), archive, "nr_head.weights", nr_dimensions(m), path);
    }
    if (header.contains("fr_head")) {
      m.fr_head = head_from_json(header.at("fr_head"), archive, "fr_head.weights", fr_dimensions(m), path);
    }
  } catch (const json::exception& e) {
    throw_model_error(path, std::string("the header is not valid: ") + e.what());
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kModel) throw;
    throw_model_error(path, e.what());
  }
  std::string problems;
  const NamedTensors targets = network_state(m);
  copy_named_tensors(archive.tensors, targets, problems);
  const std::size_t heads = (m.nr_head ? 1 : 0) + (m.fr_head ? 1 : 0);
  if (archive.tensors.size() != targets.size() + heads) problems += " unexpected tensors;";
  if (!problems.empty()) {
    problems.pop_back();
    throw_model_error(path, "the weights do not match the header:" + problems);
  }
  for (const auto& [name, tensor] : targets) {
    if (tensor.is_floating_point() && !torch::isfinite(tensor).all().item<bool>()) {
      throw_model_error(path, name + " holds non-finite values");
    }
  }
  set_eval(m);
  return m;
}

QualityModel load_quality_model(const std::string& path) {
  return read_quality_model(path.empty() ? default_model_file(kDefaultQualityModel) : path);
}

torch::Tensor quality_nr_features(QualityModel& m, const cv::Mat& rgb8) {
  return encoder_protocol_features(m.encoder, rgb8, m.crop());
}

FrEmbedding quality_fr_embedding(QualityModel& m, const cv::Mat& rgb8) {
  const torch::Tensor h = encoder_protocol_rows(m.encoder, rgb8, m.crop());
  torch::NoGradGuard no_grad;
  return {rgb8.size(), m.projector->forward(h).to(torch::kFloat32)};
}

namespace {

void require_same_size(cv::Size ref, cv::Size dist) {
  if (ref != dist) {
    throw_input_error("full-reference features", "the images differ in size: " + std::to_string(ref.width) + "x" +
                                                     std::to_string(ref.height) + " and " + std::to_string(dist.width) +
                                                     "x" + std::to_string(dist.height));
  }
}

}  // namespace

torch::Tensor quality_fr_features(const FrEmbedding& ref, const FrEmbedding& dist) {
  require_same_size(ref.size, dist.size);
  return pair_protocol_scales((ref.z - dist.z).abs());
}

torch::Tensor quality_fr_features(QualityModel& m, const cv::Mat& ref8, const cv::Mat& dist8) {
  require_same_size(ref8.size(), dist8.size());  // before encoding either
  return quality_fr_features(quality_fr_embedding(m, ref8), quality_fr_embedding(m, dist8));
}

double head_prediction(const QualityHead& head, const torch::Tensor& features) {
  if (!features.defined() || features.dim() != 2 || features.size(1) != head.weights.numel()) {
    throw_usage_error("quality head", "expects [crops, " + std::to_string(head.weights.numel()) + "] features");
  }
  return (features.to(torch::kFloat64).matmul(head.weights) + head.intercept).mean().item<double>();
}

namespace {

// The head's scale as a fraction, 1 = best, unclamped.
double unit_quality(const QualityHead& head, double prediction) {
  const double unit = (prediction - head.range_lo) / (head.range_hi - head.range_lo);
  return head.lower_better ? 1.0 - unit : unit;
}

}  // namespace

double head_score_100(const QualityHead& head, double prediction) {
  return 100.0 * std::clamp(unit_quality(head, prediction), 0.0, 1.0);
}

double nr_score_100(const QualityHead& head, const torch::Tensor& features) {
  return head_score_100(head, head_prediction(head, features));
}

double fr_score_100(const QualityHead& head, const torch::Tensor& features) {
  const double identical = unit_quality(head, head_prediction(head, torch::zeros_like(features)));
  const double here = unit_quality(head, head_prediction(head, features));
  return 100.0 * std::clamp(1.0 + here - identical, 0.0, 1.0);
}

}  // namespace shamisa
