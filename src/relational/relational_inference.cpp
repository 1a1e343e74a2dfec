// Relational model files, whole-image maps and scores; see include/shamisa/relational_inference.h.
#include "shamisa/relational_inference.h"

#include <algorithm>
#include <cmath>

#include "shamisa/error.h"
#include "shamisa/run_folder.h"
#include "shamisa/tensor.h"
#include "shamisa/tensor_archive.h"
#include "shamisa/version.h"

namespace shamisa {
namespace {

using nlohmann::json;

constexpr char kModelFormat[] = "shamisa-relational-model";
constexpr int kModelFormatVersion = 1;
constexpr double kAreaThreshold = 0.1;
constexpr int kTilesPerPass = 16;   // tiles through the map network at once
constexpr int kScorerTile = 256;    // scorer tiles: a multiple of 4 keeps its stride-2 grid aligned

void require_rgbf(const cv::Mat& x, const char* what) {
  if (x.empty() || x.type() != CV_32FC3) throw_usage_error(what, "needs RGB images as CV_32FC3");
}

void require_same_size(cv::Size a, cv::Size b, const char* what) {
  if (a != b) {
    throw_input_error(what, "the images differ in size: " + std::to_string(a.width) + "x" + std::to_string(a.height) +
                                " and " + std::to_string(b.width) + "x" + std::to_string(b.height) +
                                " (relational maps compare aligned images of one scene)");
  }
}

void require_pair(const cv::Mat& a, const cv::Mat& b, const char* what) {
  require_rgbf(a, what);
  require_rgbf(b, what);
  require_same_size(a.size(), b.size(), what);
}

// Tile origins along one side of `length`: 0, stride, ... and a last tile flush with the end.
std::vector<int> tile_origins(int length, int tile) {
  std::vector<int> origins;
  if (length <= tile) return {0};
  const int stride = std::max(1, tile / 2);
  for (int o = 0; o + tile < length; o += stride) origins.push_back(o);
  origins.push_back(length - tile);
  return origins;
}

torch::Tensor image_tensor(const cv::Mat& rgb) { return images_to_batch({rgb}, kNoNormalization)[0]; }

// f(G, X, R) over a whole image, by tiles: Σ w·s / Σ w accumulated over non-overlapping tiles.
double pooled_score(RelationalScorer& scorer, const torch::Tensor& maps, const torch::Tensor& image,
                    const torch::Tensor& reference) {
  const int64_t h = maps.size(1), w = maps.size(2);
  double weighted = 0.0, total = 0.0;
  for (int64_t y = 0; y < h; y += kScorerTile) {
    for (int64_t x = 0; x < w; x += kScorerTile) {
      const int64_t th = std::min<int64_t>(kScorerTile, h - y), tw = std::min<int64_t>(kScorerTile, w - x);
      auto tile = [&](const torch::Tensor& t) { return t.slice(1, y, y + th).slice(2, x, x + tw).unsqueeze(0); };
      const ScorerOutput out = scorer->forward(tile(maps), tile(image), tile(reference));
      weighted += (out.weight * out.local).sum().item<double>();
      total += out.weight.sum().item<double>();
    }
  }
  return weighted / total;
}

// G(A, B) of two [3, H, W] tensors of one size; see relational_maps.
torch::Tensor maps_of(RelationalModelFile& m, const torch::Tensor& ta, const torch::Tensor& tb) {
  torch::NoGradGuard no_grad;
  m.model.maps->eval();
  const int tile = m.tile;
  const int rows = static_cast<int>(ta.size(1)), cols = static_cast<int>(ta.size(2));
  const int height = std::max(rows, tile), width = std::max(cols, tile);
  // Zero-pad images smaller than a tile (as training pads small images).
  auto padded = [&](const torch::Tensor& t) {
    return torch::constant_pad_nd(t, {0, width - t.size(2), 0, height - t.size(1)}, 0.0);
  };
  const torch::Tensor pa = padded(ta), pb = padded(tb);
  torch::Tensor sum = torch::zeros({kRelationalAxes, height, width});
  torch::Tensor count = torch::zeros({1, height, width});
  // Tiles are blended with a tent weight that is highest at their centre, so no seam shows where
  // one tile's border meets its neighbour's; every weight is positive, so each pixel is covered.
  const torch::Tensor ramp = torch::minimum(torch::arange(1, tile + 1, torch::kFloat32),
                                            torch::arange(tile, 0, -1, torch::kFloat32));
  const torch::Tensor weight = (ramp.unsqueeze(1) * ramp.unsqueeze(0)).unsqueeze(0);
  std::vector<std::pair<int, int>> origins;
  for (int y : tile_origins(height, tile)) {
    for (int x : tile_origins(width, tile)) origins.emplace_back(y, x);
  }
  for (std::size_t first = 0; first < origins.size(); first += kTilesPerPass) {
    const std::size_t last = std::min(origins.size(), first + kTilesPerPass);
    std::vector<torch::Tensor> xa, xb;
    for (std::size_t i = first; i < last; ++i) {
      const auto [y, x] = origins[i];
      xa.push_back(pa.slice(1, y, y + tile).slice(2, x, x + tile));
      xb.push_back(pb.slice(1, y, y + tile).slice(2, x, x + tile));
    }
    const torch::Tensor g = m.model.maps->forward(torch::stack(xa), torch::stack(xb)).maps;
    for (std::size_t i = first; i < last; ++i) {
      const auto [y, x] = origins[i];
      sum.slice(1, y, y + tile).slice(2, x, x + tile) += g[static_cast<int64_t>(i - first)] * weight;
      count.slice(1, y, y + tile).slice(2, x, x + tile) += weight;
    }
  }
  return (sum / count).slice(1, 0, rows).slice(2, 0, cols).contiguous();
}

}  // namespace

const std::array<std::string, kRelationalAxes>& relational_axis_positive_meanings() {
  static const std::array<std::string, kRelationalAxes> meanings = {
      "A sharper", "A noisier", "A brighter", "A more contrasted", "A more saturated", "A warmer",
      "A more compression artefacts", "A more detail loss"};
  return meanings;
}

const std::array<std::string, kRelationalAxes>& relational_axis_negative_meanings() {
  static const std::array<std::string, kRelationalAxes> meanings = {
      "A blurrier", "A cleaner", "A darker", "A flatter", "A less saturated", "A cooler",
      "A fewer compression artefacts", "A less detail loss"};
  return meanings;
}

void write_relational_model(const std::string& path, const RelationalState& state) {
  const RelationalConfig& c = state.config;
  json axes = json::array();
  for (int k = 0; k < kRelationalAxes; ++k) {
    axes.push_back({{"name", relational_axis_names()[std::size_t(k)]},
                    {"positive", relational_axis_positive_meanings()[std::size_t(k)]}});
  }
  const json header = {
      {"format", kModelFormat},
      {"format_version", kModelFormatVersion},
      {"name", c.name},
      {"method", "relational"},
      {"axes", axes},
      {"architecture", {{"map_channels", c.network.channels}, {"scorer_channels", c.scorer_network.channels}}},
      {"input", "RGB in [0, 1], no normalisation"},
      {"tile", c.crop},
      {"area_threshold", kAreaThreshold},
      {"score",
       {{"pair", "s(A, B) = (q(A|B) - q(B|A)) / 2; > 0: A is better; relate(B, A) = -relate(A, B)"},
        {"reference", "q(X|R) = f(G(X, R), X, R) - f(0, R, R); 0 for X = R, lower is worse; 0-100 scale 100 exp(min(q, 0))"}}},
      {"provenance",
       {{"config", relational_config_to_json(c)},
        {"images_digest", state.images_digest},
        {"steps", state.step},
        {"seed", c.seed},
        {"threads", state.threads},
        {"code_version", version()}}}};
  TensorArchive archive;
  for (const auto& [name, tensor] : state.model.state()) archive.tensors[name] = tensor.detach().contiguous();
  archive.metadata["header"] = header.dump();
  write_tensor_archive(path, archive);
}

RelationalModelFile read_relational_model(const std::string& path) {
  TensorArchive archive = read_tensor_archive(path);
  RelationalModelFile m;
  m.header = model_file_header(archive, path, kModelFormat, kModelFormatVersion, "relational model");
  RelationalConfig config;
  try {
    m.name = m.header.at("name").get<std::string>();
    config = relational_config_from_json(m.header.at("provenance").at("config"), path + " (embedded config)");
    m.tile = m.header.at("tile").get<int>();
    m.area_threshold = m.header.at("area_threshold").get<double>();
  } catch (const json::exception& e) {
    throw_model_error(path, std::string("the header is not valid: ") + e.what());
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kModel) throw;
    throw_model_error(path, e.what());
  }
  if (m.tile < 8 || m.tile > 1024 || !(m.area_threshold > 0 && m.area_threshold < 1)) {
    throw_model_error(path, "the header's tile or area_threshold is out of range");
  }
  m.model = make_relational_model(config);
  std::string problems;
  copy_named_tensors(archive.tensors, m.model.state(), problems);
  if (archive.tensors.size() != m.model.state().size()) problems += " unexpected tensors;";
  if (!problems.empty()) {
    problems.pop_back();
    throw_model_error(path, "the weights do not match the header:" + problems);
  }
  m.model.maps->eval();
  m.model.scorer->eval();
  return m;
}

torch::Tensor relational_maps(RelationalModelFile& m, const cv::Mat& a, const cv::Mat& b) {
  require_pair(a, b, "relational maps");
  return maps_of(m, image_tensor(a), image_tensor(b));
}

Relation relate(RelationalModelFile& m, const cv::Mat& a, const cv::Mat& b) {
  require_pair(a, b, "relational maps");
  const torch::Tensor ta = image_tensor(a), tb = image_tensor(b);
  Relation r;
  r.maps = maps_of(m, ta, tb);
  for (int k = 0; k < kRelationalAxes; ++k) {
    const torch::Tensor g = r.maps[k];
    r.axes.push_back({relational_axis_names()[std::size_t(k)], g.mean().item<double>(),
                      g.abs().gt(m.area_threshold).to(torch::kFloat64).mean().item<double>()});
  }
  // q(A | B) − q(B | A), with G(B, A) = −G(A, B) exactly, so the second map costs nothing.
  torch::NoGradGuard no_grad;
  m.model.scorer->eval();
  const torch::Tensor zero = torch::zeros_like(r.maps);
  const double q_ab = pooled_score(m.model.scorer, r.maps, ta, tb) - pooled_score(m.model.scorer, zero, tb, tb);
  const double q_ba = pooled_score(m.model.scorer, -r.maps, tb, ta) - pooled_score(m.model.scorer, zero, ta, ta);
  r.score = 0.5 * (q_ab - q_ba);
  return r;
}

ReferenceQuality::ReferenceQuality(RelationalModelFile& model, const cv::Mat& reference)
    : model_(model), reference_size_(reference.size()) {
  require_rgbf(reference, "relational quality");
  reference_ = image_tensor(reference);
  torch::NoGradGuard no_grad;
  model_.model.scorer->eval();
  baseline_ = pooled_score(model_.model.scorer, torch::zeros({kRelationalAxes, reference.rows, reference.cols}),
                           reference_, reference_);
}

double ReferenceQuality::operator()(const cv::Mat& x) {
  require_rgbf(x, "relational quality");
  require_same_size(x.size(), reference_size_, "relational quality");
  const torch::Tensor tx = image_tensor(x);
  const torch::Tensor maps = maps_of(model_, tx, reference_);
  torch::NoGradGuard no_grad;
  model_.model.scorer->eval();
  return pooled_score(model_.model.scorer, maps, tx, reference_) - baseline_;
}

double relational_quality_against(RelationalModelFile& m, const cv::Mat& x, const cv::Mat& reference) {
  return ReferenceQuality(m, reference)(x);
}

double relational_score_100(double q) { return 100.0 * std::exp(std::min(q, 0.0)); }

}  // namespace shamisa
