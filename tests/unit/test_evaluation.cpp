// The protocol runner on synthetic predictions and features: sign correction, per-type results,
// the ridge split protocol with its alpha search, cross-dataset evaluation and the JSON output.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "shamisa/evaluation.h"
#include "shamisa/rng.h"
#include "test_helpers.h"

namespace shamisa {
namespace {

// n items of 2 types over `refs` references; score = 10 * latent (+ noise), DMOS-like when asked.
Dataset synthetic(int n, int refs, bool lower_better, std::vector<double>& latent, std::uint64_t seed = 1) {
  Dataset d;
  d.name = lower_better ? "dmos-set" : "mos-set";
  d.source = "synthetic";
  d.lower_better = lower_better;
  Rng rng(seed);
  latent.clear();
  for (int i = 0; i < n; ++i) {
    const double q = rng.uniform();
    latent.push_back(q);
    DatasetItem item;
    item.image = "img" + std::to_string(i);
    item.ref = "ref" + std::to_string(i % refs);
    item.type = i % 2 ? "blur" : "noise";
    item.score = (lower_better ? 10.0 * (1.0 - q) : 10.0 * q) + rng.normal(0.0, 0.3);
    d.items.push_back(item);
  }
  return d;
}

TEST(EvaluationDirect, CorrelationsAreSignCorrected) {
  std::vector<double> latent;
  const Dataset dmos = synthetic(200, 20, true, latent);
  // A higher-is-better metric that tracks quality: positive against a DMOS dataset.
  const EvaluationResult r = evaluate_direct(dmos, latent, /*predictions_lower_better=*/false, "toy");
  EXPECT_GT(r.overall.srcc, 0.9);
  EXPECT_GT(r.overall.plcc, 0.9);
  EXPECT_GT(r.overall.krcc, 0.7);
  EXPECT_EQ(r.n_images, 200);
  // The same numbers for a lower-is-better metric giving the negated values.
  std::vector<double> negated;
  for (double v : latent) negated.push_back(-v);
  EXPECT_DOUBLE_EQ(evaluate_direct(dmos, negated, true, "toy").overall.srcc, r.overall.srcc);
  // Two types, each with its own figures.
  ASSERT_EQ(r.per_type.size(), 2u);
  EXPECT_EQ(r.per_type[0].type, "blur");
  EXPECT_EQ(r.per_type[0].agreement.n, 100);
  // A failed item (NaN) is left out, not counted as a value.
  std::vector<double> with_gap = latent;
  with_gap[5] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(evaluate_direct(dmos, with_gap, false, "toy").n_images, 199);
}

TEST(EvaluationDirect, JsonHasTheContractKeys) {
  std::vector<double> latent;
  const Dataset d = synthetic(50, 10, false, latent);
  const auto j = evaluate_direct(d, latent, false, "toy").to_json();
  for (const char* key : {"dataset", "metric", "protocol", "n_images", "srcc", "plcc", "krcc", "rmse", "alpha", "splits"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["protocol"], "direct");
  EXPECT_TRUE(j["alpha"].is_null());
}

std::vector<torch::Tensor> features_for(const std::vector<double>& latent, std::uint64_t seed) {
  // 8 features: two informative (linear in the latent quality), six noise; 3 crops per image.
  Rng rng(seed);
  std::vector<torch::Tensor> out;
  for (double q : latent) {
    torch::Tensor f = torch::empty({3, 8});
    for (int c = 0; c < 3; ++c) {
      f[c][0] = q + rng.normal(0, 0.05);
      f[c][1] = 2.0 * q + rng.normal(0, 0.05);
      for (int k = 2; k < 8; ++k) f[c][k] = rng.normal(0, 1);
    }
    out.push_back(f);
  }
  return out;
}

TEST(EvaluationRidge, SplitProtocolFindsTheSignal) {
  std::vector<double> latent;
  const Dataset d = synthetic(300, 30, true, latent);
  const auto features = features_for(latent, 2);
  RidgeProtocolOptions options;
  options.alphas = {1e-3, 1e-1, 10, 1e3};
  const EvaluationResult r = evaluate_ridge(d, features, "toy-features", options);
  EXPECT_EQ(r.protocol, "ridge");
  ASSERT_EQ(r.splits.size(), 10u);
  EXPECT_GT(r.overall.srcc, 0.9);  // the ridge is fit to DMOS; sign correction makes this positive
  EXPECT_GT(r.overall.plcc, 0.9);
  ASSERT_TRUE(r.alpha.has_value());
  EXPECT_LT(*r.alpha, 1e3);  // the largest alpha shrinks the signal away
  EXPECT_EQ(r.split_method, "reference-disjoint, shamisa-xoshiro seed 27");
  EXPECT_EQ(r.per_type.size(), 2u);
  // Deterministic.
  EXPECT_DOUBLE_EQ(evaluate_ridge(d, features, "toy-features", options).overall.srcc, r.overall.srcc);
}

TEST(EvaluationRidge, CrossDatasetFlipsBetweenMosAndDmos) {
  std::vector<double> latent_a, latent_b;
  const Dataset source = synthetic(200, 20, true, latent_a, 3);   // DMOS
  const Dataset target = synthetic(150, 15, false, latent_b, 4);  // MOS
  RidgeProtocolOptions options;
  options.fixed_alpha = 0.1;
  const auto fa = features_for(latent_a, 5), fb = features_for(latent_b, 6);
  const EvaluationResult r = evaluate_ridge(source, fa, "toy", options, &target, &fb);
  EXPECT_EQ(r.cross_dataset, "mos-set");
  EXPECT_EQ(r.n_images, 150);
  EXPECT_GT(r.overall.srcc, 0.9);  // predictions of DMOS agree with MOS once flipped
  EXPECT_TRUE(std::isnan(r.overall.rmse));  // different scales: no RMSE
  EXPECT_DOUBLE_EQ(*r.alpha, 0.1);
}

}  // namespace
}  // namespace shamisa
