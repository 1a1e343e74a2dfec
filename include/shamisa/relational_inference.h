// Using a trained relational model: its model file, the maps of one image relative to another over
// images of any size, the per-axis summary and the relational scores (METHOD-RELATIONAL.md
// sections 3.1, 3.6 and 3.7).
//
// Model file (models/relational-*.safetensors): a safetensors archive with the two networks'
// parameters ("maps.*", "scorer.*") and one metadata entry "header", a JSON object:
//   {"format": "shamisa-relational-model", "format_version": 1, "name", "method": "relational",
//    "axes": [{"name", "positive"}…], "architecture": {"map_channels", "scorer_channels"},
//    "input": "RGB in [0, 1], no normalisation", "tile": crop, "area_threshold": 0.1,
//    "score": {...direction...}, "provenance": {"config", "images_digest", "steps", "seed",
//    "threads", "code_version"}}.
// Reading only parses JSON and copies tensors; a missing, corrupt or incompatible file is a model
// error naming it.
#ifndef SHAMISA_RELATIONAL_INFERENCE_H_
#define SHAMISA_RELATIONAL_INFERENCE_H_

#include <array>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <torch/torch.h>

#include "shamisa/masks.h"
#include "shamisa/relational_trainer.h"

namespace shamisa {

// The model `relate`, `rank` and `eval --metric relational` use without --model (model_paths.h).
inline constexpr char kDefaultRelationalModel[] = "relational-default.safetensors";

// What +1 and -1 mean on each axis ("A sharper", "A blurrier", ...), in channel order.
const std::array<std::string, kRelationalAxes>& relational_axis_positive_meanings();
const std::array<std::string, kRelationalAxes>& relational_axis_negative_meanings();

struct RelationalModelFile {
  std::string name;
  nlohmann::json header;
  RelationalModel model;
  int tile = 96;                 // the patch size the maps were trained on
  double area_threshold = 0.1;   // |G| above this counts as affected (the evaluation's threshold)
};

// Writes a completed run's networks as a model file (atomically).
void write_relational_model(const std::string& path, const RelationalState& state);
RelationalModelFile read_relational_model(const std::string& path);

// G(A, B) over whole images: [K, H, W] in (-1, 1). a, b: CV_32FC3 RGB in [0, 1] of one size (a usage
// error otherwise; images smaller than the tile are zero-padded to it). The network runs on tiles
// of the model's patch size with half-tile overlap, blended with a tent weight, so memory stays
// bounded whatever the image size and each tile sees what training saw. Each tile is
// anti-symmetric, hence so is the average: relational_maps(b, a) = -relational_maps(a, b) exactly.
torch::Tensor relational_maps(RelationalModelFile& model, const cv::Mat& a, const cv::Mat& b);

struct AxisSummary {
  std::string name;
  double mean = 0.0;  // mean signed intensity of A relative to B
  double area = 0.0;  // fraction of pixels with |G| > area_threshold
};

struct Relation {
  std::vector<AxisSummary> axes;
  double score = 0.0;  // s(A, B): > 0 when A is better than B; relate(B, A) negates it
  torch::Tensor maps;  // [K, H, W]
};

// The maps of A relative to B, their summary and the pair score
//   s(A, B) = ½ [q(A | B) − q(B | A)],  q(X | Y) = f(G(X, Y), X) − f(0, Y),
// anti-symmetric by construction (the no-reference pair mode, §3.7, built from the scorer).
Relation relate(RelationalModelFile& model, const cv::Mat& a, const cv::Mat& b);

// q(X | R) for any number of images X against one reference R: R's tensor and f(0, R) are computed
// once. 0 for X = R, lower is worse. Images as for relational_maps (an input error when X's size
// differs from R's).
class ReferenceQuality {
 public:
  ReferenceQuality(RelationalModelFile& model, const cv::Mat& reference);
  double operator()(const cv::Mat& x);

 private:
  RelationalModelFile& model_;
  cv::Size reference_size_;
  torch::Tensor reference_;
  double baseline_ = 0.0;  // f(0, R)
};

// q(X | R) for one image: ReferenceQuality(model, reference)(x).
double relational_quality_against(RelationalModelFile& model, const cv::Mat& x, const cv::Mat& reference);

// q on the 0-100 scale of the CLI: 100·exp(min(q, 0)), so the reference itself scores 100.
double relational_score_100(double q);

}  // namespace shamisa

#endif  // SHAMISA_RELATIONAL_INFERENCE_H_
