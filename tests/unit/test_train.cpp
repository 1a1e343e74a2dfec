// Training: branch weights, baseline objectives, config, optimiser, the (gradient-cached) step,
// checkpoints and whole runs with resume.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include <gtest/gtest.h>

#include "shamisa/branch_weights.h"
#include "shamisa/composition.h"
#include "shamisa/distort.h"
#include "shamisa/error.h"
#include "shamisa/image_io.h"
#include "shamisa/objectives.h"
#include "shamisa/tensor_archive.h"
#include "shamisa/train_config.h"
#include "shamisa/train_step.h"
#include "shamisa/trainer.h"
#include "shamisa/training_model.h"
#include "test_helpers.h"
#include "tiny_train_config.h"

namespace shamisa {
namespace {

namespace fs = std::filesystem;
using test::expect_error;

std::string repo_file(const std::string& relative) {
  return (fs::path(SHAMISA_TEST_DATA) / ".." / ".." / relative).lexically_normal().string();
}

TrainConfig tiny_config(Objective objective = Objective::kShamisa) { return test::tiny_train_config(objective); }

std::vector<double> tiny_severity() { return {0.0, 2.5, 1.0, 4.0}; }

// Targets of hand-made images: the severities only.
BatchTargets severity_targets() {
  BatchTargets t;
  t.variable_severity = tiny_severity();
  return t;
}

torch::Tensor random_images(const TrainConfig& c, std::uint64_t seed) {
  torch::manual_seed(seed);
  return torch::randn({train_batch_layout(c).nodes(), 3, c.item.crop, c.item.crop});
}

// ---- branch weights ------------------------------------------------------------------------

TEST(BranchWeights, StatisticsAreEdgeCountsAndSumsOfTheRawBranches) {
  RelationBranches b;
  b.ref_ref = torch::tensor({0.f, 1.f, 1.f, 0.f}).reshape({2, 2});
  b.knn = torch::tensor({0.f, 0.5f, 0.25f, 0.f}).reshape({2, 2});
  const torch::Tensor s = branch_statistics(b);
  const std::vector<float> expected = {2, 2, 0, 0, 0, 0, 0, 0, 2, 0.75f, 0, 0};
  ASSERT_EQ(s.numel(), 12);
  for (int i = 0; i < 12; ++i) EXPECT_FLOAT_EQ(s[i].item<float>(), expected[i]) << i;
}

TEST(BranchWeights, ModesAndSwitchedOffBranches) {
  BranchWeightMlp mlp(27);
  const torch::Tensor stats = torch::arange(12, torch::kFloat32);
  const std::array<bool, kBranchCount> active = {true, true, false, true, true, true};
  const torch::Tensor uniform = branch_weights(mlp, stats, active, BranchWeightMode::kUniform);
  for (int b = 0; b < kBranchCount; ++b) EXPECT_FLOAT_EQ(uniform[b].item<float>(), b == 2 ? 0.f : 0.2f);

  const torch::Tensor frozen = branch_weights(mlp, stats, active, BranchWeightMode::kFrozen);
  EXPECT_FALSE(frozen.requires_grad());
  EXPECT_EQ(frozen[2].item<float>(), 0.f);
  EXPECT_NEAR(frozen.sum().item<float>(), 1.f, 1e-6);

  const torch::Tensor trained = branch_weights(mlp, stats, active, BranchWeightMode::kTrained);
  ASSERT_TRUE(trained.requires_grad());
  EXPECT_TRUE(torch::equal(trained.detach(), frozen));
  (trained * torch::arange(6, torch::kFloat32)).sum().backward();
  bool any_grad = false;
  for (const auto& p : mlp->parameters()) any_grad |= p.grad().defined() && p.grad().abs().sum().item<float>() > 0;
  EXPECT_TRUE(any_grad);

  expect_error([&] { branch_weights(mlp, stats, {false, false, false, false, false, false}, BranchWeightMode::kFrozen); },
               ErrorKind::kUsage, "every branch");
}

TEST(BranchWeights, InitialisationDependsOnlyOnTheSeed) {
  BranchWeightMlp a(27), b(27), c(28);
  const torch::Tensor stats = torch::linspace(-1, 5, 12);
  EXPECT_TRUE(torch::equal(a->forward(stats), b->forward(stats)));
  EXPECT_FALSE(torch::equal(a->forward(stats), c->forward(stats)));
}

// ---- objectives ----------------------------------------------------------------------------

TEST(Objectives, NtXentAgainstHandArithmetic) {
  // Rows (unnormalised): u0 = (1,0), u1 = (0,1), u2 = (1,1)/√2, u3 = (−1,0); positives 0–1 and 2–3; τ = 0.5.
  const torch::Tensor z = torch::tensor({1.f, 0.f, 0.f, 2.f, 3.f, 3.f, -1.f, 0.f}).reshape({4, 2});
  torch::Tensor pos = torch::zeros({4, 4}, torch::kBool);
  pos[0][1] = pos[1][0] = pos[2][3] = pos[3][2] = true;
  const double r = 1.0 / std::sqrt(2.0);
  const double cos[4][4] = {{1, 0, r, -1}, {0, 1, r, 0}, {r, r, 1, -r}, {-1, 0, -r, 1}};
  const int partner[4] = {1, 0, 3, 2};
  double expected = 0;
  for (int i = 0; i < 4; ++i) {
    double denominator = 0;
    for (int j = 0; j < 4; ++j) {
      if (j != i) denominator += std::exp(cos[i][j] / 0.5);
    }
    expected += -std::log(std::exp(cos[i][partner[i]] / 0.5) / denominator) / 4;
  }
  EXPECT_NEAR(nt_xent_loss(z, pos, 0.5).item<double>(), expected, 1e-6);
}

TEST(Objectives, SimclrPositivesAreSameScaleSameDistortionOtherContent) {
  const BatchLayout layout{2, 6, 2, 3};  // B = 2, 3 references, F = 2, L = 3
  const torch::Tensor m = simclr_positive_mask(layout);
  ASSERT_EQ(m.size(0), layout.nodes());
  EXPECT_TRUE(torch::equal(m, m.t()));
  EXPECT_TRUE(torch::equal(m.sum(1), torch::full({layout.nodes()}, 2, torch::kLong)));  // n_refs − 1 each
  const int d = layout.dist_node(0, 0, 1, 2);
  EXPECT_TRUE(m[d][layout.dist_node(0, 1, 1, 2)].item<bool>());    // other content, same scale
  EXPECT_TRUE(m[d][layout.dist_node(0, 2, 1, 2)].item<bool>());
  EXPECT_FALSE(m[d][layout.dist_node(0, 3, 1, 2)].item<bool>());   // same content, half scale: hard negative
  EXPECT_FALSE(m[d][layout.dist_node(0, 1, 1, 1)].item<bool>());   // other level
  EXPECT_FALSE(m[d][layout.dist_node(1, 1, 1, 2)].item<bool>());   // other item
  EXPECT_TRUE(m[layout.ref_node(1, 3)][layout.ref_node(1, 5)].item<bool>());  // pristine half-scale views
  EXPECT_FALSE(m[layout.ref_node(1, 3)][layout.ref_node(1, 0)].item<bool>());
}

TEST(Objectives, VicregPairsEachNodeWithItsOtherScaleTwin) {
  // B = 2, one reference per scale (V = 2), F = 1, L = 1: nodes ref(0,0)=0, ref(0,1)=1, ref(1,0)=2,
  // ref(1,1)=3, dist(0,0)=4, dist(0,1)=5, dist(1,0)=6, dist(1,1)=7. Pairs: 0–1, 4–5, 2–3, 6–7.
  const BatchLayout layout{2, 2, 1, 1};
  const auto pairs = scale_pairs(layout);
  EXPECT_TRUE(torch::equal(pairs.first, torch::tensor({0, 4, 2, 6}, torch::kLong)));
  EXPECT_TRUE(torch::equal(pairs.second, torch::tensor({1, 5, 3, 7}, torch::kLong)));
  // z_i = (i, i²): every pair differs by (1, 2i+1); squares summed over pairs 0,4,2,6:
  // (1+1) + (1+81) + (1+25) + (1+169) = 280 over 8 entries = 35.
  torch::Tensor z = torch::zeros({8, 2});
  for (int i = 0; i < 8; ++i) {
    z[i][0] = i;
    z[i][1] = i * i;
  }
  const ShamisaLossTerms t = vicreg_loss(z, layout);
  EXPECT_NEAR(t.inv.item<double>(), 35.0, 1e-5);
  EXPECT_NEAR(t.inv_total.item<double>(), 70.0, 1e-5);
  const ShamisaLossCoefficients k;
  const double expected = k.variance * t.var.item<double>() + k.invariance * 70.0 + k.covariance * t.cov.item<double>();
  EXPECT_NEAR(t.total.item<double>(), expected, 1e-6 * expected);  // float32 accumulation
}

// ---- config --------------------------------------------------------------------------------

TEST(TrainConfigTest, PaperFileIsThePublishedRecipe) {
  const TrainConfig paper = read_train_config(repo_file("configs/paper.json"));
  nlohmann::json file = train_config_to_json(paper);
  nlohmann::json defaults = train_config_to_json(TrainConfig{});
  EXPECT_EQ(paper.micro_batch, 36);  // the only departure: gradient caching on CPU
  file.erase("micro_batch");
  defaults.erase("micro_batch");
  EXPECT_EQ(file, defaults);
  EXPECT_EQ(train_batch_layout(paper).nodes(), 252);
  EXPECT_EQ(dist_dist_top_k(paper), 4096);
}

TEST(TrainConfigTest, CpuDefaultFileIsValid) {
  const TrainConfig c = read_train_config(repo_file("configs/cpu-default.json"));
  EXPECT_EQ(c.name, "cpu-default");
  EXPECT_EQ(c.objective, Objective::kShamisa);
}

TEST(TrainConfigTest, RoundTripThroughJson) {
  TrainConfig c = tiny_config(Objective::kSimclr);
  c.relations.binary = true;
  c.relations.structural_rule = StructuralRule::kReferenceParity;
  c.relations.branch_weights = BranchWeightMode::kTrained;
  c.item.composition.distribution = SeverityDistribution::kDiscrete;
  c.projector_init_gain = 4.5;
  c.projector_batch_norm = true;
  c.projector_output_batch_norm = true;
  c.optimizer.warmup_steps = 3;
  c.optimizer.clip_grad_norm = 2.5;
  c.optimizer.kind = OptimizerKind::kAdam;
  c.quality_target = 3.0;
  c.group_target = 1.5;
  c.group_target_graded = true;
  const nlohmann::json j = train_config_to_json(c);
  EXPECT_EQ(train_config_to_json(train_config_from_json(j, "test")), j);
  EXPECT_EQ(j.at("optimizer").at("kind"), "adam");
  EXPECT_EQ(j.at("loss").at("quality_target"), 3.0);
  EXPECT_EQ(j.at("loss").at("group_target"), 1.5);
  EXPECT_EQ(j.at("loss").at("group_target_graded"), true);
}

TEST(TrainConfigTest, MistakesNameTheFileAndTheKey) {
  using nlohmann::json;
  auto parse = [](const json& j) { train_config_from_json(j, "cfg.json"); };
  expect_error([&] { parse(json{{"data", {{"crpo", 128}}}}); }, ErrorKind::kUsage, "cfg.json: 'data.crpo' is not a known key");
  expect_error([&] { parse(json{{"steps", "many"}}); }, ErrorKind::kUsage, "'steps' must be an integer");
  expect_error([&] { parse(json{{"steps", 2.5}}); }, ErrorKind::kUsage, "'steps' must be an integer (got 2.5)");
  expect_error([&] { parse(json{{"seed", -1}}); }, ErrorKind::kUsage, "'seed' must be a non-negative integer");
  expect_error([&] { parse(json{{"data", {{"items_per_step", true}}}}); }, ErrorKind::kUsage, "must be an integer");
  expect_error([&] { parse(json{{"relations", {{"binary", 1}}}}); }, ErrorKind::kUsage, "must be true or false");
  expect_error([&] { parse(json{{"relations", {{"knn_k", 1e300}}}}); }, ErrorKind::kUsage, "'relations.knn_k' must be an integer");
  expect_error([&] { parse(json{{"data", {{"items_per_step", 100000}}}}); }, ErrorKind::kUsage, "data.items_per_step");
  expect_error([&] { parse(json{{"objective", "byol"}}); }, ErrorKind::kUsage, "'objective'");
  expect_error([&] { parse(json{{"encoder", {{"depth", 19}}}}); }, ErrorKind::kUsage, "'encoder'");
  expect_error([&] { parse(json{{"relations", {{"curve", "linear"}}}}); }, ErrorKind::kUsage, "relations.curve");
  expect_error([&] { parse(json{{"projector", {{"batch_norm", "yes"}}}}); }, ErrorKind::kUsage, "'projector.batch_norm' must be true or false");
  expect_error([&] { parse(json{{"projector", {{"init_gain", 0}}}}); }, ErrorKind::kUsage, "'projector.init_gain' must be in (0, 10000]");
  expect_error([&] { parse(json{{"steps", 10}, {"optimizer", {{"warmup_steps", 11}}}}); }, ErrorKind::kUsage, "'optimizer.warmup_steps' must be in [0, steps]");
  expect_error([&] { parse(json{{"optimizer", {{"clip_grad_norm", -1}}}}); }, ErrorKind::kUsage, "optimizer.clip_grad_norm");
  expect_error([&] { parse(json{{"micro_batch", -1}}); }, ErrorKind::kUsage, "micro_batch");
  expect_error([&] { parse(json{{"optimizer", {{"kind", "lamb"}}}}); }, ErrorKind::kUsage, "optimizer.kind");
  expect_error([&] { parse(json{{"loss", {{"quality_target", -1}}}}); }, ErrorKind::kUsage, "loss.quality_target");
  expect_error([&] { parse(json{{"loss", {{"group_target", -0.5}}}}); }, ErrorKind::kUsage, "loss.group_target");
  expect_error([&] { parse(json{{"loss", {{"group_target_graded", "yes"}}}}); }, ErrorKind::kUsage,
               "'loss.group_target_graded' must be true or false");
  expect_error([&] { parse(json::array()); }, ErrorKind::kUsage, "must be a JSON object");
}

// ---- optimiser -----------------------------------------------------------------------------

TEST(Optimiser, CosineSchedule) {
  OptimizerConfig o;
  EXPECT_DOUBLE_EQ(cosine_learning_rate(o, 0, 100), 1.5e-3);
  EXPECT_NEAR(cosine_learning_rate(o, 50, 100), (1.5e-3 + 1e-6) / 2, 1e-15);
  EXPECT_NEAR(cosine_learning_rate(o, 100, 100), 1e-6, 1e-15);
  // A linear warm-up scales the first steps: (step + 1)/warmup of the cosine value.
  o.warmup_steps = 4;
  EXPECT_NEAR(cosine_learning_rate(o, 0, 100), 0.25 * cosine_learning_rate(OptimizerConfig{}, 0, 100), 1e-15);
  EXPECT_NEAR(cosine_learning_rate(o, 2, 100), 0.75 * cosine_learning_rate(OptimizerConfig{}, 2, 100), 1e-15);
  EXPECT_EQ(cosine_learning_rate(o, 4, 100), cosine_learning_rate(OptimizerConfig{}, 4, 100));
}

TEST(Optimiser, GradientClippingByGlobalNorm) {
  torch::Tensor a = torch::zeros({2}, torch::requires_grad());
  torch::Tensor b = torch::zeros({1}, torch::requires_grad());
  a.mutable_grad() = torch::tensor({3.0f, 0.0f});
  b.mutable_grad() = torch::tensor({4.0f});
  const NamedTensors params = {{"a", a}, {"b", b}};
  EXPECT_DOUBLE_EQ(clip_gradient_norm(params, 0.0), 5.0);  // 0: measure only
  EXPECT_FLOAT_EQ(a.grad()[0].item<float>(), 3.0f);
  EXPECT_DOUBLE_EQ(clip_gradient_norm(params, 10.0), 5.0);  // under the limit: unchanged
  EXPECT_FLOAT_EQ(b.grad()[0].item<float>(), 4.0f);
  EXPECT_DOUBLE_EQ(clip_gradient_norm(params, 1.0), 5.0);
  EXPECT_NEAR(a.grad()[0].item<float>(), 0.6, 1e-6);
  EXPECT_NEAR(b.grad()[0].item<float>(), 0.8, 1e-6);
  EXPECT_NEAR(clip_gradient_norm(params, 0.0), 1.0, 1e-6);
  // A non-finite gradient gives a non-finite norm and is not scaled (the trainer stops on it).
  b.mutable_grad() = torch::tensor({std::numeric_limits<float>::quiet_NaN()});
  EXPECT_FALSE(std::isfinite(clip_gradient_norm(params, 1.0)));
  EXPECT_NEAR(a.grad()[0].item<float>(), 0.6, 1e-6);
}

TEST(Optimiser, SgdEqualsTorchOptimSgd) {
  torch::manual_seed(3);
  torch::Tensor mine = torch::randn({5, 4}).requires_grad_(true);
  torch::Tensor theirs = mine.detach().clone().requires_grad_(true);
  OptimizerConfig o;
  torch::optim::SGD reference({theirs}, torch::optim::SGDOptions(0.1).momentum(o.momentum).weight_decay(o.weight_decay));
  std::map<std::string, torch::Tensor> momentum;
  for (int step = 0; step < 3; ++step) {
    const torch::Tensor g = torch::randn({5, 4});
    mine.mutable_grad() = g.clone();
    theirs.mutable_grad() = g.clone();
    sgd_update({{"w", mine}}, momentum, o, 0.1);
    reference.step();
  }
  EXPECT_TRUE(torch::allclose(mine, theirs, 0, 1e-7));
  ASSERT_EQ(momentum.count("w"), 1u);
}

TEST(Optimiser, AdamEqualsTorchOptimAdam) {
  torch::manual_seed(4);
  torch::Tensor mine = torch::randn({6, 3}).requires_grad_(true);
  torch::Tensor theirs = mine.detach().clone().requires_grad_(true);
  AdamOptions o;
  o.weight_decay = 0.01;
  torch::optim::Adam reference({theirs}, torch::optim::AdamOptions(2e-3).weight_decay(o.weight_decay));
  std::map<std::string, torch::Tensor> moments;
  for (int step = 1; step <= 4; ++step) {
    const torch::Tensor g = torch::randn({6, 3});
    mine.mutable_grad() = g.clone();
    theirs.mutable_grad() = g.clone();
    adam_update({{"w", mine}}, moments, o, 2e-3, step);
    reference.step();
  }
  EXPECT_TRUE(torch::allclose(mine, theirs, 0, 1e-7));
  EXPECT_EQ(moments.size(), 2u);
  test::expect_error([&] { adam_update({{"w", mine}}, moments, o, 1e-3, 0); }, ErrorKind::kUsage, "from 1");
}

// ---- one step ------------------------------------------------------------------------------

TEST(TrainStep, BatchTensorsFollowTheNodeIndexing) {
  const BatchLayout layout{2, 4, 2, 3};
  TrainingBatch batch;
  for (int b = 0; b < 2; ++b) {
    TrainingItem item;
    item.refs = torch::arange(4, torch::kFloat32).reshape({4, 1, 1, 1}).expand({4, 3, 2, 2}) + 1000 * b;
    item.dists = torch::arange(24, torch::kFloat32).reshape({4, 2, 3, 1, 1, 1}).expand({4, 2, 3, 3, 2, 2}) +
                 100 + 1000 * b;
    for (int i = 0; i < 6; ++i) item.variable_severity.push_back(10 * b + i);
    batch.items.push_back(item);
  }
  const torch::Tensor x = batch_images(batch);
  ASSERT_EQ(x.size(0), layout.nodes());
  for (int b = 0; b < 2; ++b) {
    for (int v = 0; v < 4; ++v) {
      EXPECT_EQ(x[layout.ref_node(b, v)][0][0][0].item<float>(), 1000 * b + v);
      for (int f = 0; f < 2; ++f) {
        for (int l = 0; l < 3; ++l) {
          EXPECT_EQ(x[layout.dist_node(b, v, f, l)][2][1][1].item<float>(), 1000 * b + 100 + (v * 2 + f) * 3 + l);
        }
      }
    }
  }
  const std::vector<double> s = batch_variable_severity(batch);
  ASSERT_EQ(s.size(), 12u);
  EXPECT_EQ(s[6 + 4], 14.0);  // (b·F + f)·L + l for b = 1, f = 1, l = 1

  // Quality targets: 1 per reference node, then each item's dist_ssim in node order.
  for (int b = 0; b < 2; ++b) {
    batch.items[b].dist_ssim.clear();
    for (int i = 0; i < 24; ++i) batch.items[b].dist_ssim.push_back(0.5 + 0.01 * i + 0.3 * b);
  }
  const BatchTargets targets = batch_targets(batch);
  EXPECT_EQ(targets.variable_severity, s);
  ASSERT_EQ(targets.quality.numel(), layout.nodes());
  for (int b = 0; b < 2; ++b) {
    for (int v = 0; v < 4; ++v) EXPECT_EQ(targets.quality[layout.ref_node(b, v)].item<float>(), 1.0f);
    EXPECT_FLOAT_EQ(targets.quality[layout.dist_node(b, 2, 1, 0)].item<float>(), 0.5 + 0.01 * 15 + 0.3 * b);
  }
}

// The auxiliary quality term against hand arithmetic: a head with weight w and bias c on h gives
// predictions h·w + c; the term adds quality_target × their mean squared error to the loss.
TEST(TrainStep, QualityTargetAddsTheWeightedSquaredErrorOfTheHead) {
  TrainConfig c = tiny_config(Objective::kVicreg);
  const std::int64_t n = train_batch_layout(c).nodes();  // 20
  TrainingModel without = make_training_model(c);
  c.quality_target = 2.5;
  TrainingModel with = make_training_model(c);
  ASSERT_TRUE(with.quality_head);
  EXPECT_FALSE(without.quality_head);
  const int d = with.encoder->feature_dim();
  torch::Tensor h = torch::zeros({n, d});
  std::vector<float> targets;
  {
    torch::NoGradGuard no_grad;
    with.quality_head->weight.zero_();
    with.quality_head->weight[0][0] = 2.0f;
    with.quality_head->bias.fill_(0.25f);
    for (std::int64_t i = 0; i < n; ++i) {
      h[i][0] = 0.1f * static_cast<float>(i % 5);  // predictions 0.25 + 0.2·(i mod 5)
      h[i][1] = 1.0f;
      targets.push_back(i < 4 ? 1.0f : 0.5f);
    }
  }
  double squared = 0.0;
  for (std::int64_t i = 0; i < n; ++i) {
    const double error = 0.25 + 0.2 * static_cast<double>(i % 5) - targets[static_cast<std::size_t>(i)];
    squared += error * error;
  }
  const double expected = squared / static_cast<double>(n);
  // Both models draw the projector from the same seed, so their vicreg terms agree.
  BatchTargets t;
  t.quality = torch::tensor(targets);
  const ObjectiveOutput a = evaluate_objective(without, tiny_config(Objective::kVicreg), h, t);
  const ObjectiveOutput b = evaluate_objective(with, c, h, t);
  EXPECT_NEAR(b.statistics.terms.at("quality"), expected, 1e-6);
  EXPECT_NEAR(b.loss.item<double>() - a.loss.item<double>(), 2.5 * expected, 1e-4);
  EXPECT_FALSE(a.statistics.terms.count("quality"));
  expect_error([&] { evaluate_objective(with, c, h, BatchTargets{}); }, ErrorKind::kInternal, "quality target");
}

// Group targets: one row per node in node order; references are 0; a distorted node marks the
// groups of its chain (composition f at level l), graded (s + 1)/5 by the step's severity index.
TEST(TrainStep, GroupTargetsMarkTheGroupsOfEachNodesChain) {
  const BatchLayout layout{1, 4, 2, 3};  // 1 item, 4 views, F = 2, L = 3: 4 + 24 nodes
  auto step = [](const std::string& type, double s) {
    const DistortionType& t = find_distortion(type);
    return DistortionStep{&t, severity_to_value(t, s)};
  };
  TrainingItem item;
  item.refs = torch::zeros({4, 3, 2, 2});
  item.dists = torch::zeros({4, 2, 3, 3, 2, 2});
  item.variable_severity = {0, 3, 4, 1, 2, 0.5};
  Composition blur_then_jpeg{{step("gaublur", 1.0), step("jpeg", 2.0)}, 1, {}};
  for (double s : {0.0, 3.0, 4.0}) blur_then_jpeg.variable_levels.push_back(severity_to_value(find_distortion("jpeg"), s));
  Composition noise{{step("whitenoise", 0.5)}, 0, {}};
  for (double s : {1.0, 2.0, 0.5}) noise.variable_levels.push_back(severity_to_value(find_distortion("whitenoise"), s));
  item.compositions = {blur_then_jpeg, noise};
  TrainingBatch batch;
  batch.items = {item};

  const BatchTargets t = batch_targets(batch);
  ASSERT_EQ(t.groups.sizes(), (std::vector<std::int64_t>{28, 7}));
  const std::vector<std::string>& groups = distortion_groups();
  auto column = [&](const std::string& group) {
    return std::find(groups.begin(), groups.end(), group) - groups.begin();
  };
  for (int v = 0; v < 4; ++v) EXPECT_EQ(t.groups[layout.ref_node(0, v)].sum().item<float>(), 0.0f);
  for (int v = 0; v < 4; ++v) {
    const torch::Tensor graded = t.groups[layout.dist_node(0, v, 0, 1)];
    const torch::Tensor row = graded.gt(0).to(torch::kFloat32);  // presence
    EXPECT_EQ(row.sum().item<float>(), 2.0f);
    EXPECT_EQ(row[column("blur")].item<float>(), 1.0f);
    EXPECT_EQ(row[column("jpeg")].item<float>(), 1.0f);
    EXPECT_FLOAT_EQ(graded[column("blur")].item<float>(), 0.4f);         // s = 1
    EXPECT_FLOAT_EQ(graded[column("jpeg")].item<float>(), 0.8f);  // level 1: s = 3
    const torch::Tensor other = t.groups[layout.dist_node(0, v, 1, 2)];
    EXPECT_FLOAT_EQ(other[column("noise")].item<float>(), 0.3f);  // level 2: s = 0.5
    EXPECT_FLOAT_EQ(other.sum().item<float>(), 0.3f);
  }
  // Items without their compositions (hand-made tensors) carry no group targets.
  batch.items[0].compositions.clear();
  EXPECT_FALSE(batch_targets(batch).groups.defined());
}

// The auxiliary group term against hand arithmetic: the head reads h with each column standardised
// over the batch; with weights on column 0 only, logit_ik = w_k · (h_i0 − mean_0)/sd_0 + bias_k,
// and the term adds group_target × the mean over N × 7 of BCE(logit_ik, y_ik), with y the graded
// targets or (the default) their presence y > 0.
TEST(TrainStep, GroupTargetAddsTheWeightedCrossEntropyOfTheHead) {
  TrainConfig c = tiny_config(Objective::kVicreg);
  const std::int64_t n = train_batch_layout(c).nodes();  // 20
  TrainingModel without = make_training_model(c);
  c.group_target = 0.75;
  TrainingModel with = make_training_model(c);
  ASSERT_TRUE(with.group_head);
  EXPECT_FALSE(without.group_head);
  EXPECT_EQ(with.group_head->weight.abs().sum().item<float>(), 0.0f);  // zero-initialised
  {
    torch::NoGradGuard no_grad;
    for (int k = 0; k < 7; ++k) with.group_head->bias[k] = 0.5f * static_cast<float>(k - 3);
  }
  torch::Tensor h = torch::zeros({n, with.encoder->feature_dim()});
  for (std::int64_t i = 0; i < n; ++i) {
    h[i][0] = static_cast<float>(i % 4);  // 0 1 2 3 repeated: mean 1.5, population sd √1.25
    h[i][1] = 7.0f;                       // constant: standardises to 0
  }
  torch::Tensor y = torch::zeros({n, 7});
  double sum = 0.0, presence_sum = 0.0;
  for (std::int64_t i = 0; i < n; ++i) {
    for (int k = 0; k < 7; ++k) {
      const double target = (i + k) % 3 == 0 ? 1.0 : ((i + k) % 3 == 1 ? 0.4 : 0.0);
      y[i][k] = static_cast<float>(target);
      const double x = 0.5 * (k - 3) + 0.1 * (k + 1) * ((i % 4) - 1.5) / (std::sqrt(1.25) + 1e-5);
      const double p = 1.0 / (1.0 + std::exp(-x));
      sum += -(target * std::log(p) + (1.0 - target) * std::log(1.0 - p));
      presence_sum += target > 0 ? -std::log(p) : -std::log(1.0 - p);
    }
  }
  const double expected = sum / static_cast<double>(n * 7);
  const double expected_presence = presence_sum / static_cast<double>(n * 7);
  {
    torch::NoGradGuard no_grad;
    for (int k = 0; k < 7; ++k) with.group_head->weight[k][0] = 0.1f * static_cast<float>(k + 1);
    with.group_head->weight[0][1] = 5.0f;  // reads the constant column: no effect
  }
  BatchTargets t;
  t.groups = y;
  const ObjectiveOutput a = evaluate_objective(without, tiny_config(Objective::kVicreg), h, t);
  const ObjectiveOutput b = evaluate_objective(with, c, h, t);
  EXPECT_NEAR(b.statistics.terms.at("groups"), expected_presence, 1e-6);
  EXPECT_NEAR(b.loss.item<double>() - a.loss.item<double>(), 0.75 * expected_presence, 1e-4);
  EXPECT_FALSE(a.statistics.terms.count("groups"));
  // The graded switch reads the graded values themselves.
  c.group_target_graded = true;
  EXPECT_NEAR(evaluate_objective(with, c, h, t).statistics.terms.at("groups"), expected, 1e-6);
  expect_error([&] { evaluate_objective(with, c, h, BatchTargets{}); }, ErrorKind::kInternal, "group target");
}

// The gradient-cached step (micro-batches of 6 over 20 nodes) against the plain step.
void expect_cached_step_matches_plain(TrainConfig c) {
  c.micro_batch = 6;  // 20 nodes in passes of 6, 6, 6, 2
  const torch::Tensor images = random_images(c, 11);
  TrainingModel plain = make_training_model(c);
  TrainingModel cached = make_training_model(c);
  const StepStatistics a = compute_step_gradients(plain, c, images, severity_targets(), false);
  const StepStatistics b = compute_step_gradients(cached, c, images, severity_targets(), true);
  EXPECT_NEAR(a.terms.at("loss"), b.terms.at("loss"), 1e-5 * std::max(1.0, std::abs(a.terms.at("loss"))));

  // 1e-5 relative to the tensor's size: the projector's BatchNorm can make encoder gradients of
  // ~1e3 on random images, so lr·grad moves parameters far beyond float32's absolute 1e-5.
  auto close = [](const torch::Tensor& x, const torch::Tensor& y) {
    const torch::Tensor xd = x.to(torch::kDouble), yd = y.to(torch::kDouble);
    return torch::allclose(xd, yd, 0, 1e-5 * std::max(1.0, xd.abs().max().item<double>()));
  };
  std::map<std::string, torch::Tensor> ma, mb;
  const NamedTensors pa = plain.trainable_parameters(c), pb = cached.trainable_parameters(c);
  OptimizerConfig o;
  o.lr = 0.5;  // large, so that a wrong gradient shows in the parameters
  sgd_update(pa, ma, o, o.lr);
  sgd_update(pb, mb, o, o.lr);
  ASSERT_EQ(pa.size(), pb.size());
  int with_gradient = 0;
  for (std::size_t i = 0; i < pa.size(); ++i) {
    if (pa[i].second.grad().defined()) {
      ++with_gradient;
      ASSERT_TRUE(pb[i].second.grad().defined()) << pa[i].first;
    }
    EXPECT_TRUE(close(pa[i].second, pb[i].second)) << pa[i].first;
  }
  EXPECT_GT(with_gradient, 60);
  // BatchNorm running statistics were updated once per micro-batch in both.
  const NamedTensors sa = plain.state(), sb = cached.state();
  for (std::size_t i = 0; i < sa.size(); ++i) {
    EXPECT_TRUE(close(sa[i].second, sb[i].second)) << sa[i].first;
  }
}

class GradientCache : public ::testing::TestWithParam<Objective> {};

TEST_P(GradientCache, SameUpdateAsThePlainStep) { expect_cached_step_matches_plain(tiny_config(GetParam())); }

// The projector sees the whole step's h in both paths, so its optional BatchNorm is exact too.
TEST_P(GradientCache, SameUpdateWithTheProjectorBatchNorm) {
  TrainConfig c = tiny_config(GetParam());
  c.projector_batch_norm = true;
  expect_cached_step_matches_plain(c);
}

INSTANTIATE_TEST_SUITE_P(Objectives, GradientCache,
                         ::testing::Values(Objective::kShamisa, Objective::kVicreg, Objective::kSimclr));

class Descent : public ::testing::TestWithParam<Objective> {};

// The step goes downhill: repeated updates on one fixed batch lower that batch's loss.
TEST_P(Descent, RepeatedStepsOnOneBatchLowerItsLoss) {
  TrainConfig c = tiny_config(GetParam());
  const torch::Tensor images = random_images(c, 3);
  TrainingModel model = make_training_model(c);
  std::map<std::string, torch::Tensor> momentum;
  OptimizerConfig o;
  o.lr = 0.02;
  std::vector<double> losses;
  for (int step = 0; step < 12; ++step) {
    const StepStatistics s = compute_step_gradients(model, c, images, severity_targets(), false);
    losses.push_back(s.terms.at("loss"));
    sgd_update(model.trainable_parameters(c), momentum, o, o.lr);
  }
  EXPECT_LT(losses.back(), losses.front()) << "first " << losses.front() << ", last " << losses.back();
}

INSTANTIATE_TEST_SUITE_P(Objectives, Descent,
                         ::testing::Values(Objective::kShamisa, Objective::kVicreg, Objective::kSimclr));

TEST(TrainStep, EveryAblationGivesAFiniteLossAndEncoderGradients) {
  std::vector<std::function<void(TrainConfig&)>> ablations = {
      [](TrainConfig&) {},
      [](TrainConfig& c) { c.relations.binary = true; },
      [](TrainConfig& c) { c.loss.graph_regulariser = 0; },
      [](TrainConfig& c) { c.relations.branch_weights = BranchWeightMode::kUniform; },
      [](TrainConfig& c) { c.relations.branch_weights = BranchWeightMode::kTrained; },
      [](TrainConfig& c) { c.relations.transport = false; },
      [](TrainConfig& c) { c.relations.knn = false; },
      [](TrainConfig& c) { c.relations.ref_dist = c.relations.dist_dist = false; },
      [](TrainConfig& c) { c.relations.knn = c.relations.transport = false; c.relations.ref_ref = false; },
      [](TrainConfig& c) { c.relations.transport_options.ot_coefficient = 0; },
      [](TrainConfig& c) { c.relations.original_curve = true; },
      [](TrainConfig& c) { c.relations.structural_rule = StructuralRule::kReferenceParity; },
  };
  const torch::Tensor images = random_images(tiny_config(), 5);
  for (std::size_t i = 0; i < ablations.size(); ++i) {
    TrainConfig c = tiny_config();
    ablations[i](c);
    TrainingModel model = make_training_model(c);
    const StepStatistics s = compute_step_gradients(model, c, images, severity_targets(), false);
    EXPECT_TRUE(std::isfinite(s.terms.at("loss"))) << "ablation " << i;
    EXPECT_TRUE(model.encoder->parameters()[0].grad().defined()) << "ablation " << i;
    if (c.relations.branch_weights == BranchWeightMode::kTrained) {
      EXPECT_TRUE(model.branch_mlp->parameters().back().grad().defined());
    }
  }
}

// ---- checkpoints ---------------------------------------------------------------------------

TEST(Checkpoint, RoundTripKeepsEverything) {
  test::TempDir dir;
  TrainingState s = make_training_state(tiny_config(), "0123456789abcdef");
  s.step = 3;
  s.momentum["model.encoder.conv1.weight"] = torch::randn(s.model.encoder->parameters()[0].sizes());
  {
    torch::NoGradGuard no_grad;
    s.model.projector->parameters()[0].add_(1.0);
  }
  save_checkpoint(dir.path("c.safetensors"), s);
  const TrainingState r = load_checkpoint(dir.path("c.safetensors"));
  EXPECT_EQ(r.step, 3);
  EXPECT_EQ(r.images_digest, "0123456789abcdef");
  EXPECT_EQ(train_config_to_json(r.config), train_config_to_json(s.config));
  const NamedTensors a = s.model.state(), b = r.model.state();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i].second, b[i].second)) << a[i].first;
  ASSERT_EQ(r.momentum.size(), 1u);
  EXPECT_TRUE(torch::equal(r.momentum.at("model.encoder.conv1.weight"), s.momentum.at("model.encoder.conv1.weight")));
}

TEST(Checkpoint, BadFilesAreModelErrorsNamingTheFile) {
  test::TempDir dir;
  const std::string good = dir.path("good.safetensors");
  save_checkpoint(good, make_training_state(tiny_config(), "x"));
  std::vector<std::uint8_t> bytes = read_file_bytes(good);
  bytes.resize(bytes.size() / 2);
  test::write_bytes(dir.path("cut.safetensors"), bytes);
  expect_error([&] { load_checkpoint(dir.path("cut.safetensors")); }, ErrorKind::kModel, "cut.safetensors");

  TensorArchive plain;
  plain.tensors["w"] = torch::zeros({2});
  write_tensor_archive(dir.path("plain.safetensors"), plain);
  expect_error([&] { load_checkpoint(dir.path("plain.safetensors")); }, ErrorKind::kModel, "not a training checkpoint");

  TensorArchive edited = read_tensor_archive(good);
  edited.tensors.erase("model.encoder.conv1.weight");
  edited.tensors["model.extra"] = torch::zeros({1});
  write_tensor_archive(dir.path("edited.safetensors"), edited);
  expect_error([&] { load_checkpoint(dir.path("edited.safetensors")); }, ErrorKind::kModel,
               "missing model.encoder.conv1.weight; unexpected model.extra");
  expect_error([&] { load_checkpoint(dir.path("absent.safetensors")); }, ErrorKind::kModel, "absent.safetensors");
}

// ---- whole runs ----------------------------------------------------------------------------

TrainRunOptions run_options(const std::string& run_dir) {
  TrainRunOptions o;
  o.images_dir = test::test_data("train");
  o.run_dir = run_dir;
  return o;
}

// A 4-step run of `c`, and the same run stopped after step 1 and resumed: both end on the same
// checkpoint bytes, and the log has one line per step with every loss term (plus `extra_keys`).
void expect_run_resumes_bit_for_bit(const TrainConfig& c, const std::vector<std::string>& extra_keys) {
  test::TempDir dir;
  const TrainRunSummary straight = run_training(c, run_options(dir.path("straight")));
  EXPECT_EQ(straight.steps_done, 4);
  EXPECT_TRUE(std::isfinite(straight.last_loss));

  TrainRunOptions first = run_options(dir.path("interrupted"));
  first.stop_after = 1;
  EXPECT_EQ(run_training(c, first).steps_done, 1);
  TrainRunOptions second = run_options(dir.path("interrupted"));
  second.resume = true;
  const TrainRunSummary resumed = run_training(std::nullopt, second);
  EXPECT_EQ(resumed.first_step, 1);
  EXPECT_EQ(resumed.steps_done, 4);
  EXPECT_EQ(read_file_bytes(straight.checkpoint), read_file_bytes(resumed.checkpoint));
  EXPECT_EQ(resumed.last_loss, straight.last_loss);

  // The log holds one line per step, 1..4, with every loss term.
  std::ifstream log(run_log_path(dir.path("interrupted")));
  std::string line;
  std::int64_t expected_step = 1;
  while (std::getline(log, line)) {
    const nlohmann::json j = nlohmann::json::parse(line);
    EXPECT_EQ(j.at("step").get<std::int64_t>(), expected_step++);
    std::vector<std::string> keys = {"loss", "var", "cov", "inv", "ot", "graph_reg", "inv_total", "lr",
                                      "branch_weights", "h_std", "z_std"};
    keys.insert(keys.end(), extra_keys.begin(), extra_keys.end());
    for (const std::string& key : keys) EXPECT_TRUE(j.contains(key)) << key;
    EXPECT_TRUE(std::isfinite(j.at("loss").get<double>()));
  }
  EXPECT_EQ(expected_step, 5);
}

TEST(Trainer, TinyRunIsFiniteAndResumesBitForBit) {
  TrainConfig c = tiny_config();
  c.micro_batch = 8;  // the gradient-cached path, end to end
  expect_run_resumes_bit_for_bit(c, {});
}

// Adam's moments and the quality head go through the checkpoint too.
TEST(Trainer, AdamWithTheQualityTargetResumesBitForBit) {
  TrainConfig c = tiny_config();
  c.optimizer.kind = OptimizerKind::kAdam;
  c.optimizer.lr = 1e-3;
  c.quality_target = 10.0;
  expect_run_resumes_bit_for_bit(c, {"quality"});
  test::TempDir dir;
  TrainRunOptions o = run_options(dir.path("run"));
  o.stop_after = 1;
  run_training(c, o);
  const TrainingState s = load_checkpoint(run_checkpoint_path(dir.path("run")));
  const std::size_t parameters = s.model.trainable_parameters(c).size();
  EXPECT_EQ(s.momentum.size(), 2 * parameters);  // m and v of every parameter
  EXPECT_TRUE(s.momentum.count("model.quality_head.weight.v"));
  EXPECT_NE(s.model.quality_head->weight.abs().sum().item<double>(), 0.0);  // the head has moved
}

// The group head and its Adam moments go through the checkpoint; the data path gives the targets.
TEST(Trainer, TheGroupTargetTrainsAndResumesBitForBit) {
  TrainConfig c = tiny_config();
  c.optimizer.kind = OptimizerKind::kAdam;
  c.optimizer.lr = 1e-3;
  c.group_target = 2.0;
  c.group_target_graded = true;
  expect_run_resumes_bit_for_bit(c, {"groups"});
  test::TempDir dir;
  TrainRunOptions o = run_options(dir.path("run"));
  o.stop_after = 1;
  run_training(c, o);
  const TrainingState s = load_checkpoint(run_checkpoint_path(dir.path("run")));
  EXPECT_TRUE(s.momentum.count("model.group_head.bias.m"));
  EXPECT_NE(s.model.group_head->bias.abs().sum().item<double>(), 0.0);  // the head has moved
}

TEST(Trainer, RunFolderMistakesAreUsageErrors) {
  test::TempDir dir;
  TrainConfig c = tiny_config();
  TrainRunOptions o = run_options(dir.path("run"));
  o.stop_after = 1;
  run_training(c, o);
  expect_error([&] { run_training(c, o); }, ErrorKind::kUsage, "already holds a run");

  TrainRunOptions resume = run_options(dir.path("none"));
  resume.resume = true;
  expect_error([&] { run_training(c, resume); }, ErrorKind::kUsage, "no checkpoint to resume");

  TrainRunOptions other_steps = run_options(dir.path("run"));
  other_steps.resume = true;
  other_steps.steps = 9;
  expect_error([&] { run_training(std::nullopt, other_steps); }, ErrorKind::kUsage, "differs in: steps");

  const int threads = torch::get_num_threads();
  torch::set_num_threads(threads + 1);
  TrainRunOptions resume_other_threads = run_options(dir.path("run"));
  resume_other_threads.resume = true;
  expect_error([&] { run_training(std::nullopt, resume_other_threads); }, ErrorKind::kUsage,
               "resume it with --threads " + std::to_string(threads));
  torch::set_num_threads(threads);

  fs::create_directories(dir.path("two"));
  fs::copy_file(test::test_data("train/discs.png"), dir.path("two/a.png"));
  TrainRunOptions other_images = run_options(dir.path("run"));
  other_images.resume = true;
  other_images.images_dir = dir.path("two");
  expect_error([&] { run_training(std::nullopt, other_images); }, ErrorKind::kUsage, "not the image list");

  TrainConfig three = tiny_config();
  three.item.n_refs = 3;
  TrainRunOptions few = run_options(dir.path("few"));
  few.images_dir = dir.path("two");
  expect_error([&] { run_training(three, few); }, ErrorKind::kUsage, "holds 1 image(s)");
}

}  // namespace
}  // namespace shamisa
