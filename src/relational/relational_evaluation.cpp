// Relational model evaluation; see include/shamisa/relational_evaluation.h.
#include "shamisa/relational_evaluation.h"

#include <cmath>
#include <mutex>

#include "shamisa/error.h"
#include "shamisa/image_io.h"
#include "shamisa/metrics.h"
#include "shamisa/tensor.h"

namespace shamisa {
namespace {

// The thresholds τ of the "best τ" IoU (METHOD-RELATIONAL.md §3.8): 0.05, 0.10, ..., 0.50.
constexpr int kIouThresholds = 10;
double iou_threshold(int i) { return 0.05 * (i + 1); }

// Running sums of one axis over pixels.
struct AxisSums {
  double n = 0, g = 0, y = 0, gg = 0, yy = 0, gy = 0;
  double affected = 0, sign_right = 0, both = 0, either = 0, zero = 0, leak = 0;
  std::array<double, kIouThresholds> both_at{}, either_at{};  // {|G| > τ} and {|Y| > τ}, per τ
};

cv::Mat tensor_image(const torch::Tensor& chw) { return tensor_to_image(chw, kNoNormalization); }

void accumulate(std::vector<AxisSums>& sums, const torch::Tensor& g, const torch::Tensor& y, double threshold,
                RelationalEvaluation& out) {
  const torch::Tensor gd = g.to(torch::kFloat64), yd = y.to(torch::kFloat64);
  for (int k = 0; k < kRelationalAxes; ++k) {
    const torch::Tensor gk = gd[k], yk = yd[k];
    AxisSums& s = sums[std::size_t(k)];
    s.n += static_cast<double>(gk.numel());
    s.g += gk.sum().item<double>();
    s.y += yk.sum().item<double>();
    s.gg += (gk * gk).sum().item<double>();
    s.yy += (yk * yk).sum().item<double>();
    s.gy += (gk * yk).sum().item<double>();
    const torch::Tensor affected = yk.abs() > threshold;
    s.affected += affected.sum().item<double>();
    s.sign_right += (affected & (gk.sign() == yk.sign())).sum().item<double>();
    const torch::Tensor predicted = gk.abs() > threshold;
    s.both += (affected & predicted).sum().item<double>();
    s.either += (affected | predicted).sum().item<double>();
    const torch::Tensor zero = yk == 0;
    s.zero += zero.sum().item<double>();
    s.leak += gk.abs().masked_select(zero).sum().item<double>();
    for (int i = 0; i < kIouThresholds; ++i) {
      const torch::Tensor in_y = yk.abs() > iou_threshold(i), in_g = gk.abs() > iou_threshold(i);
      s.both_at[std::size_t(i)] += (in_y & in_g).sum().item<double>();
      s.either_at[std::size_t(i)] += (in_y | in_g).sum().item<double>();
    }
  }
  const auto [y_max, y_axis] = yd.abs().max(0);
  const torch::Tensor g_axis = gd.abs().argmax(0);
  const torch::Tensor typed = y_max > threshold;
  const torch::Tensor t = y_axis.masked_select(typed), p = g_axis.masked_select(typed);
  const auto ta = t.accessor<int64_t, 1>(), pa = p.accessor<int64_t, 1>();
  for (int64_t i = 0; i < t.numel(); ++i) ++out.confusion[std::size_t(ta[i])][std::size_t(pa[i])];
}

class RelationalMetric : public MetricScorer {
 public:
  explicit RelationalMetric(const std::string& path) : model_(read_relational_model(path)) {
    info_.name = "relational";
    info_.full_reference = true;
    info_.lower_better = false;
    info_.description = "q(X | R) of the relational model " + model_.name;
  }
  const MetricInfo& info() const override { return info_; }
  double score(const cv::Mat* ref, const cv::Mat& dist) const override {
    if (ref == nullptr) throw_usage_error("relational", "is a full-reference metric; the item has no reference");
    const cv::Mat x = to_rgbf(dist), r = to_rgbf(*ref);
    if (x.size() != r.size()) {
      throw_input_error("relational", "reference is " + std::to_string(r.cols) + "x" + std::to_string(r.rows) +
                                          ", distorted is " + std::to_string(x.cols) + "x" + std::to_string(x.rows));
    }
    // One image at a time: the networks' forward passes use LibTorch's own threads.
    std::lock_guard<std::mutex> lock(mutex_);
    return relational_quality_against(model_, x, r);
  }

 private:
  MetricInfo info_;
  mutable std::mutex mutex_;
  mutable RelationalModelFile model_;
};

}  // namespace

RelationalEvaluation evaluate_relational(RelationalModelFile& model, const std::vector<std::string>& images,
                                         const RelationalEvaluationOptions& o) {
  if (images.empty()) throw_usage_error("relational evaluation", "no images");
  if (o.triplets < 1 || o.sets < 1) throw_usage_error("relational evaluation", "needs at least one triplet and one set");
  RelationalEvaluation out;
  std::vector<AxisSums> sums(kRelationalAxes);
  double cycle = 0, target_cycle = 0;
  for (int i = 0; i < o.triplets; ++i) {
    // One triplet per batch so that each one's tensors are small.
    const RelationalBatch batch = make_relational_batch(images, 1, o.crop, o.seed, i, o.programs);
    std::array<torch::Tensor, 3> g;
    for (int p = 0; p < 3; ++p) {
      const cv::Mat a = tensor_image(batch.a[p]), b = tensor_image(batch.b[p]);
      g[std::size_t(p)] = relational_maps(model, a, b);
      accumulate(sums, g[std::size_t(p)], batch.targets[p], o.threshold, out);
      if (p == 0) {
        out.antisymmetry_error = std::max(out.antisymmetry_error,
                                          (g[0] + relational_maps(model, b, a)).abs().max().item<double>());
        out.identity_error = std::max(out.identity_error, relational_maps(model, a, a).abs().max().item<double>());
      }
    }
    cycle += (g[2] - g[0] - g[1]).abs().mean().item<double>();
    target_cycle += (batch.targets[2] - batch.targets[0] - batch.targets[1]).abs().mean().item<double>();
  }
  out.pairs = 3 * o.triplets;
  out.cycle_error = cycle / o.triplets;
  out.target_cycle_error = target_cycle / o.triplets;
  for (int k = 0; k < kRelationalAxes; ++k) {
    const AxisSums& s = sums[std::size_t(k)];
    AxisEvaluation a;
    a.name = relational_axis_names()[std::size_t(k)];
    const double cov = s.gy / s.n - (s.g / s.n) * (s.y / s.n);
    const double vg = s.gg / s.n - (s.g / s.n) * (s.g / s.n), vy = s.yy / s.n - (s.y / s.n) * (s.y / s.n);
    a.pearson = vg > 0 && vy > 0 ? cov / std::sqrt(vg * vy) : std::nan("");
    a.sign_accuracy = s.affected > 0 ? s.sign_right / s.affected : std::nan("");
    a.iou = s.either > 0 ? s.both / s.either : std::nan("");
    a.best_iou = std::nan("");
    for (int i = 0; i < kIouThresholds; ++i) {
      const double either = s.either_at[std::size_t(i)];
      const double iou = either > 0 ? s.both_at[std::size_t(i)] / either : std::nan("");
      if (std::isfinite(iou) && !(iou <= a.best_iou)) {
        a.best_iou = iou;
        a.best_iou_threshold = iou_threshold(i);
      }
    }
    a.leakage = s.zero > 0 ? s.leak / s.zero : 0.0;
    a.affected_pixels = static_cast<std::int64_t>(s.affected);
    out.axes.push_back(a);
  }
  double typed = 0, right = 0;
  for (int t = 0; t < kRelationalAxes; ++t) {
    for (int p = 0; p < kRelationalAxes; ++p) {
      typed += static_cast<double>(out.confusion[std::size_t(t)][std::size_t(p)]);
      if (t == p) right += static_cast<double>(out.confusion[std::size_t(t)][std::size_t(p)]);
    }
  }
  out.type_accuracy = typed > 0 ? right / typed : std::nan("");

  // q of every image of set `index` of a batch, best first by construction (or by the proxy).
  auto set_scores = [&](const RankedBatch& batch, int index) {
    ReferenceQuality quality(model, tensor_image(batch.references[index * o.set_size]));
    std::vector<double> q;
    for (int j = 0; j < o.set_size; ++j) q.push_back(quality(tensor_image(batch.images[index * o.set_size + j])));
    return q;
  };
  // Pairs ordered right (ties count as wrong).
  struct PairCount {
    double right = 0, pairs = 0;
    void add(bool ordered) {
      right += ordered ? 1 : 0;
      pairs += 1;
    }
    double accuracy() const { return pairs > 0 ? right / pairs : std::nan(""); }
  };
  struct Ranking {
    double tau_sum = 0;
    PairCount order;
    int sets = 0;
    void add(const std::vector<double>& q) {
      std::vector<double> truth;
      for (std::size_t j = 0; j < q.size(); ++j) truth.push_back(-static_cast<double>(j));
      const double tau = krcc(q, truth);
      tau_sum += std::isfinite(tau) ? tau : 0.0;
      ++sets;
      for (std::size_t i = 0; i < q.size(); ++i) {
        for (std::size_t j = i + 1; j < q.size(); ++j) order.add(q[i] > q[j]);
      }
    }
    double tau() const { return sets ? tau_sum / sets : std::nan(""); }
    double accuracy() const { return order.accuracy(); }
  };
  // The pair score of every two distorted images of set `index`, better first: right when > 0.
  auto add_pair_mode = [&](PairCount& count, const RankedBatch& batch, int index) {
    auto image = [&](int rank) { return tensor_image(batch.images[index * o.set_size + rank]); };
    for (const auto& [i, j] : distorted_pairs(o.set_size)) count.add(relate(model, image(i), image(j)).score > 0);
  };
  Ranking monotone, nested, cross;
  PairCount pair_mode, pair_mode_cross;
  for (int first = 0; first < o.sets; first += 2) {
    // Two sets per batch: a monotone one, then a nested one.
    const RankedBatch batch = make_ranked_batch(images, 2, o.set_size, o.crop, o.seed + 1, first / 2, o.programs);
    monotone.add(set_scores(batch, 0));
    add_pair_mode(pair_mode, batch, 0);
    if (first + 1 < o.sets) {
      nested.add(set_scores(batch, 1));
      add_pair_mode(pair_mode, batch, 1);
    }
  }
  for (int i = 0; i < o.cross_sets; ++i) {
    const RankedBatch batch = make_ranked_batch(images, 1, o.set_size, o.crop, o.seed + 2, i, o.programs,
                                                {RankedSetKind::kCrossProgram});
    cross.add(set_scores(batch, 0));
    add_pair_mode(pair_mode_cross, batch, 0);
  }
  out.sets = o.sets;
  out.kendall_tau = (monotone.tau_sum + nested.tau_sum) / o.sets;
  out.kendall_tau_monotone = monotone.tau();
  out.kendall_tau_nested = nested.tau();
  out.pairwise_accuracy = (monotone.order.right + nested.order.right) / (monotone.order.pairs + nested.order.pairs);
  out.cross_sets = o.cross_sets;
  out.kendall_tau_cross = cross.tau();
  out.pairwise_accuracy_cross = cross.accuracy();
  out.pair_mode_accuracy = pair_mode.accuracy();
  out.pair_mode_accuracy_cross = pair_mode_cross.accuracy();
  return out;
}

nlohmann::ordered_json RelationalEvaluation::to_json() const {
  auto number = [](double v) { return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr); };
  nlohmann::ordered_json axes_json = nlohmann::ordered_json::array();
  for (const AxisEvaluation& a : axes) {
    axes_json.push_back({{"name", a.name},
                         {"pearson", number(a.pearson)},
                         {"sign_accuracy", number(a.sign_accuracy)},
                         {"iou", number(a.iou)},
                         {"best_iou", number(a.best_iou)},
                         {"best_iou_threshold", number(a.best_iou_threshold)},
                         {"leakage", number(a.leakage)},
                         {"affected_pixels", a.affected_pixels}});
  }
  nlohmann::ordered_json matrix = nlohmann::ordered_json::array();
  for (const auto& row : confusion) matrix.push_back(row);
  return {{"pairs", pairs},
          {"sets", sets},
          {"axes", axes_json},
          {"type_accuracy", number(type_accuracy)},
          {"type_confusion", matrix},
          {"antisymmetry_error", antisymmetry_error},
          {"identity_error", identity_error},
          {"cycle_error", cycle_error},
          {"target_cycle_error", target_cycle_error},
          {"kendall_tau", number(kendall_tau)},
          {"kendall_tau_monotone", number(kendall_tau_monotone)},
          {"kendall_tau_nested", number(kendall_tau_nested)},
          {"pairwise_accuracy", number(pairwise_accuracy)},
          {"cross_sets", cross_sets},
          {"kendall_tau_cross", number(kendall_tau_cross)},
          {"pairwise_accuracy_cross", number(pairwise_accuracy_cross)},
          {"pair_mode_accuracy", number(pair_mode_accuracy)},
          {"pair_mode_accuracy_cross", number(pair_mode_accuracy_cross)}};
}

std::unique_ptr<MetricScorer> make_relational_metric(const std::string& path) {
  return std::make_unique<RelationalMetric>(path);
}

}  // namespace shamisa
