// Fitting the heads of a quality model; see include/shamisa/quality_fit.h.
#include "shamisa/quality_fit.h"

#include <algorithm>
#include <limits>
#include <map>
#include <mutex>

#include "shamisa/error.h"
#include "shamisa/image_io.h"
#include "shamisa/ridge.h"

namespace shamisa {
namespace {

class QualityFeatureSource : public FeatureSource {
 public:
  QualityFeatureSource(QualityModel& model, bool full_reference) : model_(model), full_reference_(full_reference) {}

  std::string name() const override { return "shamisa:" + model_.name + (full_reference_ ? ":fr" : ""); }

  torch::Tensor features(const DatasetItem& item) const override {
    const cv::Mat image = read_image_rgb8(item.image);  // its input errors name the file
    try {
      if (!full_reference_) return quality_nr_features(model_, image);
      if (item.ref.empty()) throw_input_error(item.image, "has no reference image (full-reference features need one)");
      return quality_fr_features(reference(item.ref), quality_fr_embedding(model_, image));
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::kInput) throw;
      throw_input_error(item.image, e.what());
    }
  }

 private:
  // A reference's embedding, computed once however many images share it (LIVE: 29 for 779).
  // Two workers may both compute a missing one; the results are identical and the first is kept.
  FrEmbedding reference(const std::string& path) const {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      const auto it = references_.find(path);
      if (it != references_.end()) return it->second;
    }
    FrEmbedding embedding = quality_fr_embedding(model_, read_image_rgb8(path));
    std::lock_guard<std::mutex> lock(mutex_);
    return references_.emplace(path, std::move(embedding)).first->second;
  }

  QualityModel& model_;
  bool full_reference_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, FrEmbedding> references_;
};

}  // namespace

std::unique_ptr<FeatureSource> make_quality_feature_source(QualityModel& model, bool full_reference) {
  return std::make_unique<QualityFeatureSource>(model, full_reference);
}

HeadFit fit_quality_head(const Dataset& dataset, const std::vector<torch::Tensor>& features,
                         const std::string& feature_name, const HeadFitOptions& options) {
  if (dataset.items.size() < 2 || features.size() != dataset.items.size()) {
    throw_usage_error("fit", "needs at least 2 images, each with its features");
  }
  HeadFit out;
  double alpha = 0.0;
  if (options.alpha) {
    alpha = *options.alpha;
  } else {
    out.protocol = evaluate_ridge(dataset, features, feature_name, options.protocol);
    alpha = out.protocol->alpha.value_or(0.0);
  }
  if (!(alpha > 0.0)) throw_usage_error("fit", "the ridge alpha must be positive");

  std::vector<torch::Tensor> rows;
  std::vector<double> targets;
  for (std::size_t i = 0; i < features.size(); ++i) {
    const torch::Tensor& f = features[i];
    if (!f.defined() || f.dim() != 2 || f.size(1) != features[0].size(1)) {
      throw_usage_error("fit", "the features of " + dataset.items[i].image + " do not have the others' size");
    }
    rows.push_back(f.to(torch::kFloat64));
    targets.insert(targets.end(), static_cast<std::size_t>(f.size(0)), dataset.items[i].score);
  }
  const RidgeModel ridge = ProtocolRidge(torch::cat(rows, 0), torch::tensor(targets, torch::kFloat64), options.protocol,
                                         dataset.lower_better)
                               .fit(alpha);

  QualityHead& head = out.head;
  head.weights = ridge.weights;
  head.intercept = ridge.intercept;
  head.alpha = alpha;
  head.lower_better = dataset.lower_better;
  if (dataset.score_range[0] < dataset.score_range[1]) {
    head.range_lo = dataset.score_range[0];
    head.range_hi = dataset.score_range[1];
  } else {
    const auto [lo, hi] = std::minmax_element(dataset.items.begin(), dataset.items.end(),
                                              [](const DatasetItem& a, const DatasetItem& b) { return a.score < b.score; });
    head.range_lo = lo->score;
    head.range_hi = hi->score > lo->score ? hi->score : lo->score + 1.0;
  }
  head.trained_on = {{"dataset", dataset.name},
                     {"source", dataset.source},
                     {"images", dataset.items.size()},
                     {"lower_better", dataset.lower_better},
                     {"alpha", options.alpha ? "given" : "validation search (median SRCC over the splits)"},
                     {"weights", options.protocol.sign_constrained
                                     ? "sign-constrained: each feature can only lower the predicted quality"
                                     : "unconstrained"}};
  if (out.protocol) {
    head.trained_on["protocol"] = {{"srcc", out.protocol->overall.srcc},
                                   {"plcc", out.protocol->overall.plcc},
                                   {"splits", out.protocol->splits.size()},
                                   {"split_method", out.protocol->split_method}};
  }
  return out;
}

}  // namespace shamisa
