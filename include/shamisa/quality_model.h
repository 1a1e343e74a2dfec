// The SHAMISA quality model file and what it predicts (DESIGN.md "Model file"; METHOD-SHAMISA.md
// §10.1, §10.2, §10.6): a frozen encoder and projector with up to two linear heads, one
// no-reference (NR) on [h_full ; h_half] and one full-reference (FR) on |z_ref − z_dist| at both
// scales.
//
// File: a safetensors archive with "encoder.<torchvision name>" and "projector.*" (parameters and
// buffers), "nr_head.weights" / "fr_head.weights" (float64) when the heads exist, and one metadata
// entry "header", a JSON object:
//   {"format": "shamisa-quality-model", "format_version": 1, "name", "method": "shamisa",
//    "architecture": {"encoder": {"depth", "width"}, "feature_dim", "projector": {...}},
//    "input": {"crop", "crops", "normalisation"},
//    "nr_head" / "fr_head": {"intercept", "alpha", "features", "target": {"lower_better", "range"},
//                            "trained_on": {...}}   (absent when the head is absent),
//    "score": "...",  "provenance": {"config", "images_digest", "steps", "seed", "threads",
//    "code_version"}}.
// Reading only parses JSON and copies tensors (nothing in the file is executed); a missing,
// corrupt, truncated or incompatible file is a model error naming it.
#ifndef SHAMISA_QUALITY_MODEL_H_
#define SHAMISA_QUALITY_MODEL_H_

#include <optional>
#include <string>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <torch/torch.h>

#include "shamisa/encoder.h"
#include "shamisa/train_config.h"
#include "shamisa/training_model.h"

namespace shamisa {

// The model `score` and `compare --model` use without --model (model_paths.h).
inline constexpr char kDefaultQualityModel[] = "shamisa-default.safetensors";

// A ridge head: prediction = mean over the 5 crops of (features · weights + intercept), on the
// scale of the scores it was fitted to.
struct QualityHead {
  torch::Tensor weights;  // [d] float64
  double intercept = 0.0;
  double alpha = 0.0;
  bool lower_better = false;   // the target scale's direction
  double range_lo = 0.0;       // the target scale's nominal range, mapped to 0 and 100
  double range_hi = 100.0;
  nlohmann::json trained_on = nlohmann::json::object();  // what it was fitted on (free-form)
};

struct QualityModel {
  std::string name;
  TrainConfig config;        // the training run's resolved config (architecture, crop)
  nlohmann::json provenance; // as in the header
  ResNetEncoder encoder{nullptr};
  Projector projector{nullptr};
  std::optional<QualityHead> nr_head;
  std::optional<QualityHead> fr_head;

  int crop() const { return config.item.crop; }
};

// The encoder and projector of a training checkpoint, without heads, in eval mode.
QualityModel quality_model_from_checkpoint(const TrainingState& state, const std::string& name);

// The header written for `model` (what `model info` prints).
nlohmann::json quality_model_header(const QualityModel& model);

// Writes atomically (temporary name, then rename).
void write_quality_model(const std::string& path, const QualityModel& model);
// Model error naming the file for anything that is not a complete model of this format.
QualityModel read_quality_model(const std::string& path);
// read_quality_model(path), or of the default model (model_paths.h) when path is empty.
QualityModel load_quality_model(const std::string& path);

// NR features of an 8-bit RGB image: [5, 2·feature_dim] (encoder_protocol_features).
torch::Tensor quality_nr_features(QualityModel& model, const cv::Mat& rgb8);
// What one image contributes to FR features: the projector outputs z of its 10 protocol crops,
// [10, projector_out], so that a reference shared by many images is encoded once.
struct FrEmbedding {
  cv::Size size;
  torch::Tensor z;
};
FrEmbedding quality_fr_embedding(QualityModel& model, const cv::Mat& rgb8);
// FR features: [5, 2·projector_out], row i = [|z_ref − z_dist| full ; the same at half scale] for
// the protocol's crop i. The two images must have the same size (input error otherwise).
torch::Tensor quality_fr_features(const FrEmbedding& ref, const FrEmbedding& dist);
torch::Tensor quality_fr_features(QualityModel& model, const cv::Mat& ref8, const cv::Mat& dist8);

// The head's prediction for one image's features [crops, d] (mean of the crop predictions).
double head_prediction(const QualityHead& head, const torch::Tensor& features);
// A prediction on the head's target scale mapped to [0, 100], higher is better:
// 100·(p − lo)/(hi − lo), flipped for a lower-better scale, clamped to [0, 100].
double head_score_100(const QualityHead& head, double prediction);

// The NR score on [0, 100] of one image's features: head_score_100 of head_prediction.
double nr_score_100(const QualityHead& head, const torch::Tensor& features);

// The full-reference score on [0, 100] for FR features u: relative to identical images, whose u is
// 0, so that an image compared with itself scores exactly 100, the best possible:
// clamp(100 + score(p(u)) − score(p(0)), 0, 100) with score the unclamped head_score_100 map.
double fr_score_100(const QualityHead& head, const torch::Tensor& features);

}  // namespace shamisa

#endif  // SHAMISA_QUALITY_MODEL_H_
