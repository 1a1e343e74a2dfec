// The relational scorer, its ranking losses, the relational config and the relational trainer.
#include <cmath>
#include <fstream>

#include <gtest/gtest.h>

#include "shamisa/config_reader.h"
#include "shamisa/error.h"
#include "shamisa/image_io.h"
#include "shamisa/relational_inference.h"
#include "shamisa/relational_trainer.h"
#include "test_helpers.h"

namespace shamisa {
namespace {

using test::expect_error;

// ---- ranking losses against hand arithmetic --------------------------------------------------

TEST(RankingLosses, ListMleByHand) {
  // One list best first, q = (2, 1), τ = 1: −log(e²/(e² + e¹)) − log(e¹/e¹) = log(1 + e⁻¹).
  EXPECT_NEAR(listmle_loss(torch::tensor({{2.0f, 1.0f}}), 1.0).item<double>(), std::log1p(std::exp(-1.0)), 1e-6);
  // τ = 0.5 doubles the gap; the wrong order costs more.
  EXPECT_NEAR(listmle_loss(torch::tensor({{2.0f, 1.0f}}), 0.5).item<double>(), std::log1p(std::exp(-2.0)), 1e-6);
  EXPECT_NEAR(listmle_loss(torch::tensor({{1.0f, 2.0f}}), 1.0).item<double>(), std::log1p(std::exp(1.0)), 1e-6);
  // Two lists: the mean.
  EXPECT_NEAR(listmle_loss(torch::tensor({{2.0f, 1.0f}, {1.0f, 2.0f}}), 1.0).item<double>(),
              0.5 * (std::log1p(std::exp(-1.0)) + std::log1p(std::exp(1.0))), 1e-6);
}

TEST(RankingLosses, FidelityByHand) {
  // q = (1, 0): p = Φ(1/√2) = 0.7602499; 1 − √(p + 1e-8) − √1e-8.
  const double p = 0.5 * (1.0 + std::erf(0.5));
  EXPECT_NEAR(fidelity_loss(torch::tensor({{1.0f, 0.0f}})).item<double>(), 1.0 - std::sqrt(p + 1e-8) - 1e-4, 1e-6);
  // Three items: the mean over the pairs (0,1), (0,2), (1,2); equal scores give p = ½.
  const double half = 1.0 - std::sqrt(0.5 + 1e-8) - 1e-4;
  EXPECT_NEAR(fidelity_loss(torch::tensor({{0.0f, 0.0f, 0.0f}})).item<double>(), half, 1e-6);
}

TEST(RankingLosses, RankNContrastByHand) {
  // 1-D embeddings (0, 1, 3) at ranks 0, 1, 2, τ = 1 (worked out in the comment of each term):
  //   i=0, j=1: negatives {1, 2}: log(1 + e⁻²);      i=0, j=2: negatives {2}: 0
  //   i=1, j=0: negatives {0, 2}: log(1 + e⁻¹);      i=1, j=2: negatives {0, 2}: log(1 + e)
  //   i=2, j=0: negatives {0}: 0;                    i=2, j=1: negatives {0, 1}: log(1 + e⁻¹)
  const double expected = (std::log1p(std::exp(-2.0)) + 2 * std::log1p(std::exp(-1.0)) + std::log1p(std::exp(1.0))) / 6.0;
  const torch::Tensor z = torch::tensor({0.0f, 1.0f, 3.0f}).view({1, 3, 1});
  EXPECT_NEAR(rank_n_contrast_loss(z, 1.0).item<double>(), expected, 1e-6);
  // Two items: the positive is the only negative, so the loss is 0.
  EXPECT_NEAR(rank_n_contrast_loss(torch::tensor({0.0f, 5.0f}).view({1, 2, 1}), 2.0).item<double>(), 0.0, 1e-7);
  // Identical embeddings keep a finite gradient (the distance has a floor under its root).
  torch::Tensor same = torch::zeros({1, 3, 4}, torch::requires_grad());
  rank_n_contrast_loss(same, 2.0).backward();
  EXPECT_TRUE(torch::isfinite(same.grad()).all().item<bool>());
}

TEST(RankingLosses, ShapesAreChecked) {
  expect_error([] { listmle_loss(torch::zeros({3}), 1.0); }, ErrorKind::kUsage, "ListMLE");
  expect_error([] { fidelity_loss(torch::zeros({2, 1})); }, ErrorKind::kUsage, "fidelity");
  expect_error([] { rank_n_contrast_loss(torch::zeros({2, 4}), 1.0); }, ErrorKind::kUsage, "Rank-N-Contrast");
}

// ---- the scorer --------------------------------------------------------------------------

TEST(RelationalScorerTest, ReferenceScoresExactlyZeroAndWeightsArePositive) {
  RelationalScorer scorer(ScorerConfig{}, 3);
  torch::manual_seed(4);
  const torch::Tensor r = torch::rand({3, 3, 32, 32});
  const torch::Tensor x = torch::rand({3, 3, 32, 32});
  const torch::Tensor maps = torch::rand({3, 8, 32, 32}) * 2 - 1;
  const RelationalQuality q = relational_quality(scorer, maps, x, r);
  ASSERT_EQ(q.q.sizes(), (std::vector<int64_t>{3}));
  ASSERT_EQ(q.embedding.sizes(), (std::vector<int64_t>{3, 64}));
  EXPECT_GT(q.image.weight.min().item<double>(), 0.0);
  // q(R | R) = f(0, R) − f(0, R) = 0 exactly: the maps of a reference against itself are zero.
  const RelationalQuality self = relational_quality(scorer, torch::zeros_like(maps), r, r);
  EXPECT_TRUE(torch::equal(self.q, torch::zeros({3})));
  // The pooled score is the weighted mean of the local scores.
  const ScorerOutput f = scorer->forward(maps, x, r);
  const torch::Tensor mean = (f.weight * f.local).sum({1, 2, 3}) / f.weight.sum({1, 2, 3});
  EXPECT_TRUE(torch::allclose(f.pooled, mean, 1e-6, 1e-6));
  expect_error([&] { scorer->forward(torch::zeros({1, 4, 32, 32}), x.slice(0, 0, 1), r.slice(0, 0, 1)); },
               ErrorKind::kUsage, "relational scorer");
  // Without the difference channel R does not enter f; q is still relative to f(0, R, R).
  EXPECT_TRUE(torch::equal(f.pooled, scorer->forward(maps, x, x).pooled));
}

TEST(RelationalScorerTest, DifferenceChannelSeesPixelChangesTheMapsMiss) {
  ScorerConfig config;
  config.difference_channel = true;
  RelationalScorer scorer(config, 3);
  torch::manual_seed(5);
  const torch::Tensor r = torch::rand({2, 3, 32, 32});
  const torch::Tensor x = (r + 0.2 * torch::randn({2, 3, 32, 32})).clamp(0, 1);
  const torch::Tensor zero_maps = torch::zeros({2, 8, 32, 32});
  // q(R | R) = 0 exactly still: |R - R| = 0 and G(R, R) = 0.
  EXPECT_TRUE(torch::equal(relational_quality(scorer, zero_maps, r, r).q, torch::zeros({2})));
  // With the maps blind (0), q(X | R) of a changed X is not 0: the difference channel carries it.
  const torch::Tensor q = relational_quality(scorer, zero_maps, x, r).q;
  EXPECT_GT(q.abs().min().item<double>(), 0.0);
  // R enters f through |X - R| (without the channel it does not; see the test above).
  const torch::Tensor d1 = scorer->forward(zero_maps, x, r).pooled, d2 = scorer->forward(zero_maps, x, x).pooled;
  EXPECT_FALSE(torch::equal(d1, d2));
}

TEST(RelationalScorerTest, PairScoreIsExactlyAntiSymmetricAndZeroForAnImageAgainstItself) {
  ScorerConfig config;
  config.difference_channel = true;
  RelationalScorer scorer(config, 6);
  torch::manual_seed(6);
  const torch::Tensor a = torch::rand({2, 3, 24, 24}), b = torch::rand({2, 3, 24, 24});
  const torch::Tensor g = torch::rand({2, 8, 24, 24}) * 2 - 1;  // stands for G(A, B)
  const torch::Tensor s_ab = relational_pair_score(scorer, g, a, b);
  EXPECT_TRUE(torch::equal(relational_pair_score(scorer, -g, b, a), -s_ab));
  EXPECT_TRUE(torch::equal(relational_pair_score(scorer, torch::zeros_like(g), a, a), torch::zeros({2})));
  // ½ [q(A | B) − q(B | A)], with G(B, A) = −G(A, B).
  const torch::Tensor q_ab = relational_quality(scorer, g, a, b).q, q_ba = relational_quality(scorer, -g, b, a).q;
  EXPECT_TRUE(torch::allclose(s_ab, 0.5 * (q_ab - q_ba), 0, 1e-7));
  EXPECT_GT(s_ab.abs().min().item<double>(), 0.0);
}

// ---- the config --------------------------------------------------------------------------

std::string repo_file(const std::string& relative) { return test::test_data("../../" + relative); }

TEST(RelationalConfigTest, DefaultFileRoundTrips) {
  const RelationalConfig c = relational_config_from_json(read_json_file(repo_file("configs/relational-default.json")),
                                                         "relational-default.json");
  EXPECT_EQ(c.name, "relational-default");
  EXPECT_EQ(c.total_steps(), c.maps.steps + c.scorer.steps);
  const nlohmann::json j = relational_config_to_json(c);
  EXPECT_TRUE(is_relational_config(j));
  EXPECT_EQ(relational_config_to_json(relational_config_from_json(j, "again")), j);
  EXPECT_FALSE(is_relational_config(read_json_file(repo_file("configs/cpu-default.json"))));
  const RelationalConfig energy = relational_config_from_json(
      read_json_file(repo_file("configs/relational-energy.json")), "relational-energy.json");
  EXPECT_TRUE(energy.network.energy_channel);
}

TEST(RelationalConfigTest, CrossProgramSetsAddAThirdKindOfSet) {
  RelationalConfig c;
  c.maps.steps = 1;
  EXPECT_EQ(ranked_set_kinds(c),
            (std::vector<RankedSetKind>{RankedSetKind::kMonotoneStrength, RankedSetKind::kNested}));
  c.cross_program_sets = true;
  const RelationalConfig read = relational_config_from_json(relational_config_to_json(c), "test");
  EXPECT_TRUE(read.cross_program_sets);
  EXPECT_EQ(ranked_set_kinds(read), (std::vector<RankedSetKind>{RankedSetKind::kMonotoneStrength,
                                                                RankedSetKind::kNested, RankedSetKind::kCrossProgram}));
}

TEST(RelationalConfigTest, AxisWeightsAndPairModeRoundTripAndAreWrittenOnlyWhenSet) {
  RelationalConfig c;
  c.maps.steps = 1;
  EXPECT_FALSE(relational_config_to_json(c)["maps"].contains("axis_weights"));
  EXPECT_FALSE(relational_config_to_json(c)["scorer"].contains("pair_mode"));
  c.map_loss.axis = {1, 1, 1, 1, 1, 1, 3, 2.5};
  c.pair_mode = 0.25;
  const nlohmann::json j = relational_config_to_json(c);
  EXPECT_EQ(j["maps"]["axis_weights"], nlohmann::json({1, 1, 1, 1, 1, 1, 3, 2.5}));
  const RelationalConfig read = relational_config_from_json(j, "test");
  EXPECT_EQ(read.map_loss.axis, c.map_loss.axis);
  EXPECT_EQ(read.pair_mode, 0.25);
}

TEST(RelationalConfigTest, MistakesNameTheFileAndTheKey) {
  const nlohmann::json base = {{"method", "relational"}};
  auto with = [&](const nlohmann::json& patch) {
    nlohmann::json j = base;
    j.merge_patch(patch);
    return [j] { relational_config_from_json(j, "r.json"); };
  };
  expect_error(with({{"maps", {{"stpes", 3}}}}), ErrorKind::kUsage, "'maps.stpes' is not a known key");
  expect_error(with({{"scorer", {{"set_size", 12}}}}), ErrorKind::kUsage, "'scorer.set_size' must be in [2, 8]");
  expect_error(with({{"programs", {{"axes", {0, 9}}}}}), ErrorKind::kUsage, "'programs.axes' must be");
  expect_error(with({{"crop", 4}}), ErrorKind::kUsage, "'crop' must be in");
  expect_error(with({{"maps", {{"axis_weights", {1, 2}}}}}), ErrorKind::kUsage,
               "'maps.axis_weights' must have one weight per axis (8)");
  expect_error(with({{"maps", {{"axis_weights", {1, 1, 1, 1, 1, 1, -1, 1}}}}}), ErrorKind::kUsage,
               "'maps.axis_weights' must be a non-empty list of numbers in [0, 100]");
  expect_error(with({{"maps", {{"steps", 0}}}, {"scorer", {{"steps", 0}}}}), ErrorKind::kUsage, "must not both be 0");
  expect_error(with({{"network", {{"channels", {16, 20}}}}}), ErrorKind::kUsage, "r.json");
  expect_error([] { relational_config_from_json({{"name", "x"}}, "r.json"); }, ErrorKind::kUsage, "'method'");
}

// ---- the trainer -------------------------------------------------------------------------

RelationalConfig tiny_relational_config() {
  RelationalConfig c;
  c.name = "tiny";
  c.crop = 16;
  c.network.channels = {8, 16};
  c.scorer_network.channels = {8};
  c.maps.steps = 3;
  c.maps.optimizer.lr = 1e-3;
  c.scorer.steps = 2;
  c.scorer.optimizer.lr = 1e-3;
  c.triplets = 1;
  c.sets = 2;
  c.set_size = 3;
  c.checkpoint_every = 2;
  return c;
}

TrainRunOptions relational_run_options(const std::string& run_dir) {
  TrainRunOptions o;
  o.images_dir = test::test_data("train");
  o.run_dir = run_dir;
  return o;
}

TEST(RelationalTrainer, TinyRunIsFiniteAndResumesBitForBit) {
  test::TempDir dir;
  const RelationalConfig c = tiny_relational_config();
  const TrainRunSummary straight = run_relational_training(c, relational_run_options(dir.path("straight")));
  EXPECT_EQ(straight.steps_done, 5);
  EXPECT_TRUE(std::isfinite(straight.last_loss));

  // Interrupted inside stage 1, resumed across the switch to stage 2.
  TrainRunOptions first = relational_run_options(dir.path("interrupted"));
  first.stop_after = 2;
  EXPECT_EQ(run_relational_training(c, first).steps_done, 2);
  TrainRunOptions second = relational_run_options(dir.path("interrupted"));
  second.resume = true;
  const TrainRunSummary resumed = run_relational_training(std::nullopt, second);
  EXPECT_EQ(resumed.first_step, 2);
  EXPECT_EQ(resumed.steps_done, 5);
  EXPECT_EQ(read_file_bytes(straight.checkpoint), read_file_bytes(resumed.checkpoint));

  std::ifstream log(run_log_path(dir.path("interrupted")));
  std::string line;
  std::int64_t step = 1;
  while (std::getline(log, line)) {
    const nlohmann::json j = nlohmann::json::parse(line);
    EXPECT_EQ(j.at("step").get<std::int64_t>(), step);
    const bool maps = step <= 3;
    EXPECT_EQ(j.at("stage"), maps ? "maps" : "scorer");
    for (const char* key : maps ? std::vector<const char*>{"regression", "leak", "type", "cycle"}
                                : std::vector<const char*>{"listmle", "rnc", "fidelity"}) {
      EXPECT_TRUE(j.contains(key)) << key << " at step " << step;
    }
    EXPECT_TRUE(std::isfinite(j.at("loss").get<double>()));
    ++step;
  }
  EXPECT_EQ(step, 6);

  // The checkpoint holds both networks and the moments of both stages.
  const RelationalState state = load_relational_checkpoint(straight.checkpoint);
  EXPECT_EQ(state.step, 5);
  EXPECT_EQ(state.moments.size(), 2 * state.model.state().size());
}

TEST(RelationalTrainer, PairModeAddsTheFidelityOfThePairScoreToStageTwo) {
  test::TempDir dir;
  RelationalConfig c = tiny_relational_config();
  c.pair_mode = 0.5;
  run_relational_training(c, relational_run_options(dir.path("run")));
  std::ifstream log(run_log_path(dir.path("run")));
  std::string line;
  int scorer_lines = 0;
  while (std::getline(log, line)) {
    const nlohmann::json j = nlohmann::json::parse(line);
    if (j.at("stage") != "scorer") {
      EXPECT_FALSE(j.contains("pair_fidelity"));
      continue;
    }
    ++scorer_lines;
    const double pair = j.at("pair_fidelity").get<double>();
    // 1 − sqrt(Φ(s/√2)) lies in (0, 1) whatever the score.
    EXPECT_GT(pair, 0.0);
    EXPECT_LT(pair, 1.0);
    const double expected = j.at("listmle").get<double>() + c.rnc * j.at("rnc").get<double>() +
                            c.fidelity * j.at("fidelity").get<double>() + c.pair_mode * pair;
    EXPECT_NEAR(j.at("loss").get<double>(), expected, 1e-5);
  }
  EXPECT_EQ(scorer_lines, 2);
  RelationalConfig too_small = tiny_relational_config();
  too_small.pair_mode = 1;
  too_small.set_size = 2;
  expect_error([&] { validate_relational_config(too_small, "r.json"); }, ErrorKind::kUsage, "scorer.pair_mode");
}

TEST(RelationalTrainer, StageTwoLeavesTheMapNetworkAlone) {
  test::TempDir dir;
  RelationalConfig c = tiny_relational_config();
  TrainRunOptions o = relational_run_options(dir.path("run"));
  o.stop_after = 3;
  run_relational_training(c, o);
  const RelationalState after_maps = load_relational_checkpoint(run_checkpoint_path(dir.path("run")));
  o.stop_after.reset();
  o.resume = true;
  run_relational_training(std::nullopt, o);
  const RelationalState after_all = load_relational_checkpoint(run_checkpoint_path(dir.path("run")));
  const NamedTensors before = after_maps.model.map_parameters(), now = after_all.model.map_parameters();
  for (std::size_t i = 0; i < before.size(); ++i) EXPECT_TRUE(torch::equal(before[i].second, now[i].second)) << now[i].first;
  bool scorer_moved = false;
  const NamedTensors s0 = after_maps.model.scorer_parameters(), s1 = after_all.model.scorer_parameters();
  for (std::size_t i = 0; i < s0.size(); ++i) scorer_moved |= !torch::equal(s0[i].second, s1[i].second);
  EXPECT_TRUE(scorer_moved);
}

TEST(RelationalTrainer, NewScorerSectionBeforeStageTwoGivesTheFreshRunsBytes) {
  test::TempDir dir;
  const RelationalConfig old_scorer = tiny_relational_config();
  RelationalConfig new_scorer = old_scorer;
  new_scorer.name = "renamed";
  new_scorer.cross_program_sets = true;
  new_scorer.scorer_network.channels = {8, 8};
  new_scorer.listmle_temperature = 0.25;
  new_scorer.pair_mode = 0.5;
  const TrainRunSummary fresh = run_relational_training(new_scorer, relational_run_options(dir.path("fresh")));

  // Stage 1 under the old scorer section, then the rest under the new one.
  TrainRunOptions o = relational_run_options(dir.path("switched"));
  o.stop_after = 3;  // exactly the end of stage 1
  run_relational_training(old_scorer, o);
  o.stop_after.reset();
  o.resume = true;
  const TrainRunSummary switched = run_relational_training(new_scorer, o);
  EXPECT_EQ(read_file_bytes(fresh.checkpoint), read_file_bytes(switched.checkpoint));
  EXPECT_EQ(read_file_bytes(run_model_path(dir.path("fresh"))), read_file_bytes(run_model_path(dir.path("switched"))));
  EXPECT_EQ(read_file_bytes(run_config_path(dir.path("fresh"))), read_file_bytes(run_config_path(dir.path("switched"))));

  // Once stage 2 has begun, the scorer section is fixed like every other key; and a change that
  // stage 1 reads is refused at any step.
  RelationalConfig new_maps = new_scorer;
  new_maps.cycle = 0.2;
  expect_error([&] { run_relational_training(new_maps, o); }, ErrorKind::kUsage, "differs in: maps.cycle");
  // A resume refused for another reason (the thread count) leaves the run folder's config alone.
  TrainRunOptions threads = relational_run_options(dir.path("threads"));
  threads.stop_after = 3;
  run_relational_training(old_scorer, threads);
  const std::vector<std::uint8_t> config_before = read_file_bytes(run_config_path(dir.path("threads")));
  const int saved_threads = torch::get_num_threads();
  torch::set_num_threads(saved_threads + 1);
  threads.stop_after.reset();
  threads.resume = true;
  expect_error([&] { run_relational_training(new_scorer, threads); }, ErrorKind::kUsage, "--threads");
  torch::set_num_threads(saved_threads);
  EXPECT_EQ(read_file_bytes(run_config_path(dir.path("threads"))), config_before);
  TrainRunOptions late = relational_run_options(dir.path("late"));
  late.stop_after = 4;
  run_relational_training(old_scorer, late);
  late.stop_after.reset();
  late.resume = true;
  expect_error([&] { run_relational_training(new_scorer, late); }, ErrorKind::kUsage, "differs in: name scorer.channels");
}

TEST(RelationalTrainer, StepsOverrideKeepsTheStageProportion) {
  test::TempDir dir;
  RelationalConfig c = tiny_relational_config();  // 3 + 2
  TrainRunOptions o = relational_run_options(dir.path("run"));
  o.steps = 10;
  o.stop_after = 0;
  run_relational_training(c, o);
  const RelationalState s = load_relational_checkpoint(run_checkpoint_path(dir.path("run")));
  EXPECT_EQ(s.config.maps.steps, 6);
  EXPECT_EQ(s.config.scorer.steps, 4);
}

TEST(RelationalTrainer, MistakesAreClearErrors) {
  test::TempDir dir;
  const RelationalConfig c = tiny_relational_config();
  TrainRunOptions o = relational_run_options(dir.path("run"));
  o.stop_after = 1;
  run_relational_training(c, o);
  expect_error([&] { run_relational_training(c, o); }, ErrorKind::kUsage, "already holds a run");
  TrainRunOptions init = relational_run_options(dir.path("other"));
  init.init = "weights.safetensors";
  expect_error([&] { run_relational_training(c, init); }, ErrorKind::kUsage, "--init");
  TrainRunOptions resume = relational_run_options(dir.path("run"));
  resume.resume = true;
  RelationalConfig changed = c;
  changed.triplets = 2;
  expect_error([&] { run_relational_training(changed, resume); }, ErrorKind::kUsage, "differs in: maps.triplets");
  // A SHAMISA checkpoint is not a relational one, and a cut file is a model error naming it.
  const std::string cut = dir.path("cut.safetensors");
  std::vector<std::uint8_t> bytes = read_file_bytes(run_checkpoint_path(dir.path("run")));
  bytes.resize(bytes.size() / 2);
  test::write_bytes(cut, bytes);
  expect_error([&] { load_relational_checkpoint(cut); }, ErrorKind::kModel, "cut.safetensors");
}

// ---- inference on whole images ------------------------------------------------------------

TEST(RelationalInference, ModelFileRoundTripAndExactAntiSymmetryOverTiles) {
  test::TempDir dir;
  RelationalState state;
  state.config = tiny_relational_config();
  state.model = make_relational_model(state.config);
  state.step = 5;
  write_relational_model(dir.path("m.safetensors"), state);
  RelationalModelFile m = read_relational_model(dir.path("m.safetensors"));
  EXPECT_EQ(m.name, "tiny");
  EXPECT_EQ(m.tile, 16);
  const NamedTensors saved = state.model.state(), loaded = m.model.state();
  ASSERT_EQ(saved.size(), loaded.size());
  for (std::size_t i = 0; i < saved.size(); ++i) EXPECT_TRUE(torch::equal(saved[i].second, loaded[i].second));

  // 37 x 23: larger than one 16-pixel tile but a multiple of neither the tile nor its stride, so
  // tiles overlap unevenly and the last ones sit flush with the edges.
  cv::Mat a(23, 37, CV_32FC3), b(23, 37, CV_32FC3);
  cv::randu(a, 0.0, 1.0);
  cv::randu(b, 0.0, 1.0);
  const torch::Tensor ab = relational_maps(m, a, b), ba = relational_maps(m, b, a);
  ASSERT_EQ(ab.sizes(), (std::vector<int64_t>{kRelationalAxes, 23, 37}));
  EXPECT_TRUE(torch::equal(ab, -ba));
  EXPECT_TRUE(torch::equal(relational_maps(m, a, a), torch::zeros_like(ab)));
  const Relation r = relate(m, a, b), reverse = relate(m, b, a);
  EXPECT_EQ(r.score, -reverse.score);
  for (int k = 0; k < kRelationalAxes; ++k) EXPECT_EQ(r.axes[std::size_t(k)].mean, -reverse.axes[std::size_t(k)].mean);
  EXPECT_EQ(relational_quality_against(m, a, a), 0.0);
  // The same with the scorer's difference channel, which reads |A - B|: still exact.
  RelationalState with_difference = state;
  with_difference.config.scorer_network.difference_channel = true;
  with_difference.model = make_relational_model(with_difference.config);
  write_relational_model(dir.path("d.safetensors"), with_difference);
  RelationalModelFile d = read_relational_model(dir.path("d.safetensors"));
  EXPECT_EQ(relate(d, a, b).score, -relate(d, b, a).score);
  EXPECT_NE(relate(d, a, b).score, 0.0);
  EXPECT_EQ(relational_quality_against(d, a, a), 0.0);
  EXPECT_EQ(relational_score_100(0.0), 100.0);
  EXPECT_NEAR(relational_score_100(-1.0), 100.0 * std::exp(-1.0), 1e-12);
  // A smaller image than the tile is padded, and the output keeps its size.
  EXPECT_EQ(relational_maps(m, a(cv::Rect(0, 0, 9, 7)).clone(), b(cv::Rect(0, 0, 9, 7)).clone()).sizes(),
            (std::vector<int64_t>{kRelationalAxes, 7, 9}));
  expect_error([&] { relational_maps(m, a, b(cv::Rect(0, 0, 9, 7)).clone()); }, ErrorKind::kInput, "differ in size");
}

TEST(RelationalInference, BadModelFilesAreModelErrors) {
  test::TempDir dir;
  RelationalState state;
  state.config = tiny_relational_config();
  state.model = make_relational_model(state.config);
  write_relational_model(dir.path("m.safetensors"), state);
  std::vector<std::uint8_t> bytes = read_file_bytes(dir.path("m.safetensors"));
  bytes.resize(bytes.size() - 10);
  test::write_bytes(dir.path("cut.safetensors"), bytes);
  expect_error([&] { read_relational_model(dir.path("cut.safetensors")); }, ErrorKind::kModel, "cut.safetensors");
  expect_error([&] { read_relational_model(dir.path("none.safetensors")); }, ErrorKind::kModel, "none.safetensors");
  save_relational_checkpoint(dir.path("ckpt.safetensors"), state);
  expect_error([&] { read_relational_model(dir.path("ckpt.safetensors")); }, ErrorKind::kModel,
               "not a relational model file");
}

}  // namespace
}  // namespace shamisa
