#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include <nlohmann/json.hpp>

#include "shamisa/error.h"
#include "shamisa/evaluation.h"
#include "shamisa/metrics.h"
#include "shamisa/ridge.h"

namespace shamisa {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double median(std::vector<double> v) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return std::isnan(x); }), v.end());
  if (v.empty()) return kNaN;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// The correlations of x (predicted quality) with y (quality); `raw` and `scores` for the RMSE.
Agreement correlate(const std::vector<double>& x, const std::vector<double>& y, const std::vector<double>* raw,
                    const std::vector<double>* scores) {
  Agreement a;
  a.n = static_cast<int>(x.size());
  if (a.n < 3) {
    a.srcc = a.plcc = a.krcc = a.plcc_logistic = a.rmse = kNaN;
    return a;
  }
  a.srcc = srcc(x, y);
  a.plcc = plcc(x, y);
  a.krcc = krcc(x, y);
  if (raw) {  // ridge: predictions are on the score scale already
    a.rmse = rmse(*raw, *scores);
    a.plcc_logistic = plcc_logistic(x, y, &a.logistic_converged);
    return a;
  }
  // The best logistic found, converged or not (see plcc_logistic); RMSE of the mapped values.
  const LogisticFit fit = fit_logistic4(x, y);
  a.logistic_converged = fit.converged;
  std::vector<double> mapped(x.size());
  bool finite = fit.iterations > 0 || fit.converged;
  for (std::size_t i = 0; finite && i < x.size(); ++i) finite = std::isfinite(mapped[i] = logistic4(fit.beta, x[i]));
  a.plcc_logistic = finite ? plcc(mapped, y) : a.plcc;
  a.rmse = finite ? rmse(mapped, y) : kNaN;
  return a;
}

}  // namespace

Agreement agreement(const Dataset& dataset, const std::vector<double>& predictions, bool predictions_lower_better,
                    const std::vector<int>& indices) {
  if (predictions.size() != dataset.items.size())
    throw_internal_error("agreement", "one prediction per dataset item expected");
  std::vector<double> x, y;
  auto add = [&](int i) {
    if (std::isnan(predictions[i])) return;
    x.push_back(predictions_lower_better ? -predictions[i] : predictions[i]);
    y.push_back(dataset.quality(dataset.items[i]));
  };
  if (indices.empty())
    for (int i = 0; i < static_cast<int>(predictions.size()); ++i) add(i);
  else
    for (int i : indices) add(i);
  // Infinite predictions (PSNR of an image identical to its reference) rank beyond every finite
  // one: they become one unit past the finite extremes, so the correlations stay defined.
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (double v : x)
    if (std::isfinite(v)) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  for (double& v : x)
    if (std::isinf(v)) v = std::isfinite(hi) ? (v > 0 ? hi + 1.0 : lo - 1.0) : 0.0;
  return correlate(x, y, nullptr, nullptr);
}

namespace {

std::vector<TypeAgreement> per_type(const Dataset& dataset, const std::function<Agreement(const std::vector<int>&)>& of) {
  std::map<std::string, std::vector<int>> groups;
  for (int i = 0; i < static_cast<int>(dataset.items.size()); ++i)
    if (!dataset.items[i].type.empty()) groups[dataset.items[i].type].push_back(i);
  std::vector<TypeAgreement> out;
  for (const auto& [type, indices] : groups) out.push_back({type, of(indices)});
  return out;
}

}  // namespace

EvaluationResult evaluate_direct(const Dataset& dataset, const std::vector<double>& predictions,
                                 bool predictions_lower_better, const std::string& metric) {
  EvaluationResult r;
  r.dataset = dataset.name;
  r.metric = metric;
  r.protocol = "direct";
  r.overall = agreement(dataset, predictions, predictions_lower_better);
  r.n_images = r.overall.n;
  if (dataset.has_types())
    r.per_type = per_type(dataset, [&](const std::vector<int>& idx) {
      return agreement(dataset, predictions, predictions_lower_better, idx);
    });
  return r;
}

namespace {

// Rows of the training matrix: every crop of every item in `indices`, with its item's score.
void stack(const std::vector<torch::Tensor>& features, const Dataset& d, const std::vector<int>& indices,
           torch::Tensor& X, torch::Tensor& y) {
  std::vector<torch::Tensor> rows;
  std::vector<double> scores;
  for (int i : indices) {
    rows.push_back(features[i]);
    for (int c = 0; c < features[i].size(0); ++c) scores.push_back(d.items[i].score);
  }
  X = torch::cat(rows, 0).to(torch::kFloat64);
  y = torch::tensor(scores, torch::kFloat64);
}

// Mean over crops of the ridge prediction, per item in `indices`.
std::vector<double> predict_items(const RidgeModel& model, const std::vector<torch::Tensor>& features,
                                  const std::vector<int>& indices) {
  std::vector<double> out;
  for (int i : indices) out.push_back(model.predict(features[i]).mean().item<double>());
  return out;
}

std::vector<int> all_indices(std::size_t n) {
  std::vector<int> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<int>(i);
  return v;
}

// Agreement of ridge predictions (on `d`'s or the source's score scale) with d's scores.
Agreement ridge_agreement(const Dataset& source, const Dataset& d, const std::vector<double>& predictions,
                          const std::vector<int>& indices) {
  std::vector<double> x, y, raw, scores;
  for (std::size_t k = 0; k < indices.size(); ++k) {
    const DatasetItem& item = d.items[indices[k]];
    x.push_back(source.lower_better ? -predictions[k] : predictions[k]);
    y.push_back(d.quality(item));
    raw.push_back(predictions[k]);
    scores.push_back(item.score);
  }
  // RMSE is meaningful only on the scale the ridge was fitted to.
  const bool same_scale = &source == &d;
  Agreement a = correlate(x, y, &raw, &scores);
  if (!same_scale) a.rmse = kNaN;
  return a;
}

}  // namespace

ProtocolRidge::ProtocolRidge(const torch::Tensor& X, const torch::Tensor& y, const RidgeProtocolOptions& options,
                             bool lower_better)
    : path_(X, y) {
  if (options.sign_constrained) constrained_.emplace(path_, lower_better ? 1.0 : -1.0);
}

RidgeModel ProtocolRidge::fit(double alpha, const RidgeModel* start) const {
  return constrained_ ? constrained_->fit(alpha, start) : path_.fit(alpha);
}

EvaluationResult evaluate_ridge(const Dataset& dataset, const std::vector<torch::Tensor>& features,
                                const std::string& feature_name, const RidgeProtocolOptions& options,
                                const Dataset* cross, const std::vector<torch::Tensor>* cross_features) {
  if (features.size() != dataset.items.size()) throw_internal_error("evaluate_ridge", "one feature tensor per item expected");
  if (cross && (!cross_features || cross_features->size() != cross->items.size()))
    throw_internal_error("evaluate_ridge", "cross features missing");
  const std::vector<Split> splits = make_splits(dataset, options.splits);

  // One eigendecomposition (and, constrained, one Gram matrix) per split's train part serves
  // every alpha.
  std::vector<ProtocolRidge> paths;
  for (const Split& s : splits) {
    torch::Tensor X, y;
    stack(features, dataset, s.train, X, y);
    paths.emplace_back(X, y, options, dataset.lower_better);
  }

  // A fit per split, warm-started from the split's previous one (the grid moves alpha a little at
  // a time, so a constrained solve needs few sweeps).
  std::vector<std::optional<RidgeModel>> previous(splits.size());
  auto fit_split = [&](std::size_t s, double a) {
    previous[s] = paths[s].fit(a, previous[s] ? &*previous[s] : nullptr);
    return *previous[s];
  };

  double alpha = 0;
  if (options.fixed_alpha) {
    alpha = *options.fixed_alpha;
  } else {
    const std::vector<double> grid = options.alphas.empty() ? geomspace(1e-3, 1e3, 100) : options.alphas;
    double best = -std::numeric_limits<double>::infinity();
    alpha = grid.front();
    for (double a : grid) {
      std::vector<double> val_srcc;
      for (std::size_t s = 0; s < splits.size(); ++s) {
        if (splits[s].val.size() < 3) continue;
        // Only the SRCC matters here (and ridge predictions and scores share a scale and sign).
        const auto pred = predict_items(fit_split(s, a), features, splits[s].val);
        std::vector<double> truth;
        for (int i : splits[s].val) truth.push_back(dataset.items[i].score);
        val_srcc.push_back(srcc(pred, truth));
      }
      const double m = median(val_srcc);
      if (m > best) {
        best = m;
        alpha = a;
      }
    }
  }

  EvaluationResult r;
  r.dataset = dataset.name;
  r.metric = feature_name;
  r.protocol = "ridge";
  r.alpha = alpha;
  r.split_method = split_method(dataset) + (split_method(dataset) == "official" ? "" : ", shamisa-xoshiro seed " +
                                                                                         std::to_string(options.splits.seed));
  const Dataset& target = cross ? *cross : dataset;
  const std::vector<torch::Tensor>& target_features = cross ? *cross_features : features;
  if (cross) r.cross_dataset = cross->name;

  std::map<std::string, std::vector<Agreement>> type_runs;
  for (std::size_t s = 0; s < splits.size(); ++s) {
    const RidgeModel model = fit_split(s, alpha);
    const std::vector<int> test = cross ? all_indices(target.items.size()) : splits[s].test;
    const std::vector<double> pred = predict_items(model, target_features, test);
    r.splits.push_back(ridge_agreement(dataset, target, pred, test));
    if (target.has_types()) {
      std::map<std::string, std::pair<std::vector<double>, std::vector<int>>> by_type;
      for (std::size_t k = 0; k < test.size(); ++k) {
        auto& entry = by_type[target.items[test[k]].type];
        entry.first.push_back(pred[k]);
        entry.second.push_back(test[k]);
      }
      for (const auto& [type, pi] : by_type)
        if (!type.empty()) type_runs[type].push_back(ridge_agreement(dataset, target, pi.first, pi.second));
    }
  }
  auto median_of = [](const std::vector<Agreement>& runs) {
    Agreement m;
    std::vector<double> srcc_v, plcc_v, krcc_v, rmse_v, logistic_v;
    for (const auto& a : runs) {
      srcc_v.push_back(a.srcc);
      plcc_v.push_back(a.plcc);
      krcc_v.push_back(a.krcc);
      rmse_v.push_back(a.rmse);
      logistic_v.push_back(a.plcc_logistic);
      m.n = std::max(m.n, a.n);
      m.logistic_converged = m.logistic_converged || a.logistic_converged;
    }
    m.srcc = median(srcc_v);
    m.plcc = median(plcc_v);
    m.krcc = median(krcc_v);
    m.rmse = median(rmse_v);
    m.plcc_logistic = median(logistic_v);
    return m;
  };
  r.overall = median_of(r.splits);
  r.n_images = static_cast<int>(target.items.size());
  for (const auto& [type, runs] : type_runs) r.per_type.push_back({type, median_of(runs)});
  return r;
}

nlohmann::ordered_json EvaluationResult::to_json() const {
  // JSON has no NaN: undefined figures are written as null.
  auto num = [](double v) { return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr); };
  nlohmann::ordered_json j;
  j["dataset"] = dataset;
  if (!cross_dataset.empty()) j["cross_dataset"] = cross_dataset;
  j["metric"] = metric;
  j["protocol"] = protocol;
  j["n_images"] = n_images;
  j["srcc"] = num(overall.srcc);
  j["plcc"] = num(overall.plcc);
  j["krcc"] = num(overall.krcc);
  j["rmse"] = num(overall.rmse);
  j["plcc_logistic"] = num(overall.plcc_logistic);
  j["alpha"] = alpha ? num(*alpha) : nlohmann::ordered_json(nullptr);
  if (!split_method.empty()) j["split_method"] = split_method;
  j["splits"] = nlohmann::ordered_json::array();
  for (const auto& s : splits) j["splits"].push_back({{"srcc", num(s.srcc)}, {"plcc", num(s.plcc)}});
  j["per_type"] = nlohmann::ordered_json::array();
  for (const auto& t : per_type)
    j["per_type"].push_back({{"type", t.type}, {"n", t.agreement.n}, {"srcc", num(t.agreement.srcc)},
                             {"plcc", num(t.agreement.plcc)}, {"krcc", num(t.agreement.krcc)}});
  j["failures"] = failures;
  return j;
}

}  // namespace shamisa
