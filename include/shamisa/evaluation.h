// The evaluation protocol: correlating a metric's predictions with human scores over a dataset
// ("direct"), and the split protocol with a ridge head on frozen features ("ridge"), within a
// dataset or across two (METHOD-SHAMISA.md section 10).
#ifndef SHAMISA_EVALUATION_H_
#define SHAMISA_EVALUATION_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <torch/torch.h>

#include "shamisa/dataset.h"
#include "shamisa/ridge.h"
#include "shamisa/splits.h"

namespace shamisa {

// Correlations are sign-corrected: computed between predicted quality and quality, both turned
// "higher is better" (a DMOS dataset is compared with -DMOS, a lower-better metric with -value),
// so they are positive when the predictions agree with people.
struct Agreement {
  int n = 0;
  double srcc = 0, plcc = 0, krcc = 0;
  double plcc_logistic = 0;  // PLCC after the 4-parameter logistic fit
  bool logistic_converged = false;
  double rmse = 0;           // of the logistic-mapped predictions against the scores (direct), or
                             // of the ridge predictions against the scores (ridge)
};

struct TypeAgreement {
  std::string type;
  Agreement agreement;
};

struct EvaluationResult {
  std::string dataset, metric, protocol;  // protocol: "direct" or "ridge"
  std::string cross_dataset;              // ridge across datasets: the test set's name
  int n_images = 0;
  Agreement overall;                      // direct: all images; ridge: medians over the splits
  std::optional<double> alpha;            // ridge
  std::string split_method;               // ridge
  std::vector<Agreement> splits;          // ridge: per split, on its test part
  std::vector<TypeAgreement> per_type;    // when the dataset has types
  std::vector<std::string> failures;      // images that could not be scored (excluded)

  // DESIGN.md's eval JSON: dataset, metric, protocol, n_images, srcc, plcc, krcc, rmse, alpha,
  // splits [{srcc, plcc}], plus plcc_logistic, per_type, split_method, failures.
  nlohmann::ordered_json to_json() const;
};

// Agreement of predictions with a dataset's scores on the items `indices` (all when empty).
Agreement agreement(const Dataset& dataset, const std::vector<double>& predictions, bool predictions_lower_better,
                    const std::vector<int>& indices = {});

// Direct protocol on precomputed predictions (NaN = the item failed and is left out; +-infinity,
// e.g. the PSNR of an identical pair, counts as one unit beyond the finite extremes).
EvaluationResult evaluate_direct(const Dataset& dataset, const std::vector<double>& predictions,
                                 bool predictions_lower_better, const std::string& metric);

// Features of one dataset item: [crops, d]; the ridge is trained on every crop with its image's
// score, and an image's prediction is the mean over its crops. Implementations are the pluggable
// feature sources (baseline features now, the SHAMISA encoder later).
class FeatureSource {
 public:
  virtual ~FeatureSource() = default;
  virtual std::string name() const = 0;
  virtual torch::Tensor features(const DatasetItem& item) const = 0;  // must be thread-safe
};

struct RidgeProtocolOptions {
  SplitOptions splits;
  std::vector<double> alphas;           // empty: geomspace(1e-3, 1e3, 100) (ARNIQA-style search)
  std::optional<double> fixed_alpha;    // skip the search
  // Weights that can only make the prediction worse (SignConstrainedRidge, sign from the dataset's
  // direction): for features that grow with a distortion, as the FR head's.
  bool sign_constrained = false;
};

// One ridge problem as the protocol fits it: the free ridge, or with options.sign_constrained the
// SignConstrainedRidge whose features can only predict worse quality on a scale of the given
// direction. Serves the protocol's splits and the final fit of a head alike.
class ProtocolRidge {
 public:
  ProtocolRidge(const torch::Tensor& X, const torch::Tensor& y, const RidgeProtocolOptions& options,
                bool lower_better);
  // `start` warm-starts a constrained fit and is ignored by the free one.
  RidgeModel fit(double alpha, const RidgeModel* start = nullptr) const;

 private:
  RidgePath path_;
  std::optional<SignConstrainedRidge> constrained_;
};

// Ridge protocol on precomputed features (one [crops, d] tensor per item). Alpha: the grid value
// with the highest median validation SRCC over the splits. With `cross`, fits on each split's
// train part of `dataset` and predicts the whole `cross` dataset (its own features in
// cross_features); correlations are then on the cross dataset.
EvaluationResult evaluate_ridge(const Dataset& dataset, const std::vector<torch::Tensor>& features,
                                const std::string& feature_name, const RidgeProtocolOptions& options,
                                const Dataset* cross = nullptr,
                                const std::vector<torch::Tensor>* cross_features = nullptr);

}  // namespace shamisa

#endif  // SHAMISA_EVALUATION_H_
