// Training data of the relational method: axis operations, programs, pairs and ranked sets.
#include <gtest/gtest.h>

#include <cmath>

#include <opencv2/imgproc.hpp>

#include "shamisa/color.h"
#include "shamisa/distort.h"
#include "shamisa/relational_data.h"
#include "test_helpers.h"

namespace shamisa {
namespace {

// A 64x64 colourful, textured patch: smooth colour ramps plus fine stripes and a deterministic
// speckle, so that every axis has something to act on.
cv::Mat test_patch() {
  cv::Mat m(64, 64, CV_32FC3);
  Rng rng(3);
  for (int y = 0; y < 64; ++y)
    for (int x = 0; x < 64; ++x) {
      const float stripes = 0.12f * float(std::sin(x * 1.3) * std::cos(y * 0.7));
      const float speckle = 0.05f * float(rng.uniform() - 0.5);
      m.at<cv::Vec3f>(y, x) = cv::Vec3f(0.25f + 0.5f * x / 63.0f + stripes + speckle, 0.45f + stripes,
                                        0.7f - 0.4f * y / 63.0f + stripes - speckle);
    }
  return m;
}

using test::laplacian_variance;

// Standard deviation of the image minus its 3x3 median: noise that smoothing removes.
double high_pass_std(const cv::Mat& rgb) {
  cv::Mat median, residual;
  cv::medianBlur(rgb, median, 3);
  residual = rgb - median;
  cv::Scalar mean, sd;
  cv::meanStdDev(residual.reshape(1), mean, sd);
  return sd[0];
}

double lab_channel_mean(const cv::Mat& rgb, int channel, bool chroma = false) {
  const cv::Mat lab = rgb_to_lab(rgb);
  double sum = 0;
  for (auto it = lab.begin<cv::Vec3f>(); it != lab.end<cv::Vec3f>(); ++it)
    sum += chroma ? std::hypot((*it)[1], (*it)[2]) : (*it)[channel];
  return sum / double(lab.total());
}

double lightness_std(const cv::Mat& rgb) {
  std::vector<cv::Mat> ch;
  cv::split(rgb_to_lab(rgb), ch);
  cv::Scalar mean, sd;
  cv::meanStdDev(ch[0], mean, sd);
  return sd[0];
}

double red_minus_blue(const cv::Mat& rgb) {
  const cv::Scalar m = cv::mean(rgb);
  return m[0] - m[2];
}

// The statistic that measures how far an operation has moved the image along its axis, signed so
// that it grows with the strength.
double axis_statistic(const AxisOperation& op, const cv::Mat& patch, const cv::Mat& x) {
  switch (op.axis) {
    case 0: return op.sign * laplacian_variance(x);
    case 1: return high_pass_std(x);
    case 2: return op.sign * lab_channel_mean(x, 0);
    case 3: return op.sign * lightness_std(x);
    case 4: return op.sign * lab_channel_mean(x, 0, /*chroma=*/true);
    case 5: return op.sign * red_minus_blue(x);
    case 6: return cv::norm(x, patch, cv::NORM_L1);
    default: return -laplacian_variance(x);  // texture loss
  }
}

TEST(RelationalData, EveryAxisHasOperationsInItsDirections) {
  for (int axis = 0; axis < kRelationalAxes; ++axis) {
    EXPECT_FALSE(operations_for(axis, 1).empty()) << relational_axis_names()[axis];
    EXPECT_EQ(operations_for(axis, -1).empty(), axis_is_one_sided(axis)) << relational_axis_names()[axis];
  }
  EXPECT_TRUE(axis_is_one_sided(1) && axis_is_one_sided(6) && axis_is_one_sided(7));
}

TEST(RelationalData, StrengthMapsToSeverityLevels) {
  EXPECT_DOUBLE_EQ(strength_to_severity(0.2), 0.0);
  EXPECT_DOUBLE_EQ(strength_to_severity(-0.6), 2.0);
  EXPECT_DOUBLE_EQ(strength_to_severity(1.0), 4.0);
  EXPECT_DOUBLE_EQ(strength_to_severity(0.1), 0.0);  // clamped
  EXPECT_DOUBLE_EQ(strength_to_severity(0.5), 1.5);
}

// METHOD-RELATIONAL.md §3.3's engine test: each operation is monotone in |t| by a simple statistic.
TEST(RelationalData, EveryOperationIsMonotoneInStrength) {
  const cv::Mat patch = test_patch();
  for (const AxisOperation& op : axis_operations()) {
    std::vector<double> stats;
    for (double t : {0.2, 0.4, 0.6, 0.8, 1.0}) {
      Rng rng(11);  // same noise draws at every strength
      const cv::Mat x = apply_axis_operation(patch, op, t, rng);
      ASSERT_EQ(x.type(), CV_32FC3) << op.type->name;
      double lo, hi;
      cv::minMaxLoc(x.reshape(1), &lo, &hi);
      EXPECT_GE(lo, 0.0) << op.type->name;
      EXPECT_LE(hi, 1.0) << op.type->name;
      stats.push_back(axis_statistic(op, patch, x));
    }
    for (std::size_t i = 1; i < stats.size(); ++i) {
      EXPECT_GE(stats[i], stats[i - 1] - 1e-6 * std::abs(stats[i - 1])) << op.type->name << " at step " << i;
    }
    EXPECT_GT(stats.back(), stats.front()) << op.type->name;
  }
}

TEST(RelationalData, PairTargetsAreAntiSymmetricAndInRange) {
  const cv::Mat patch = test_patch();
  ProgramOptions options;
  options.p_reference = 0.2;
  for (std::uint64_t seed = 0; seed < 12; ++seed) {
    Rng rng(seed);
    const RelationalPair pair = make_relational_pair(patch, rng, options);
    ASSERT_EQ(pair.targets.type(), CV_32FC(kRelationalAxes));
    double lo, hi;
    cv::minMaxLoc(pair.targets.reshape(1), &lo, &hi);
    EXPECT_GE(lo, -1.0);
    EXPECT_LE(hi, 1.0);
    const RelationalPair back = swapped(pair);
    EXPECT_EQ(cv::norm(back.targets + pair.targets, cv::NORM_INF), 0.0);
    EXPECT_EQ(cv::norm(back.a, pair.b, cv::NORM_INF), 0.0);
    // Y(A, B) = y(A) - y(B), clamped: exactly the difference of the two programs' targets here.
    const cv::Mat ya = program_targets(pair.program_a, patch.size());
    const cv::Mat yb = program_targets(pair.program_b, patch.size());
    cv::Mat expected = (ya - yb);
    expected = cv::max(cv::min(expected.reshape(1), 1.0), -1.0);  // one channel: Scalar holds 4
    EXPECT_LT(cv::norm(pair.targets.reshape(1), expected, cv::NORM_INF), 1e-6);
    for (const ImageProgram* p : {&pair.program_a, &pair.program_b}) {
      EXPECT_LE(p->edits.size(), 3u);
      for (const PlannedEdit& e : p->edits) {
        EXPECT_GE(std::abs(e.edit.strength), 0.2);
        EXPECT_LE(std::abs(e.edit.strength), 1.0);
        EXPECT_EQ(e.operation->axis, e.edit.axis);
        EXPECT_EQ(e.operation->sign, e.edit.strength > 0 ? 1 : -1);
        cv::minMaxLoc(e.edit.mask, &lo, &hi);
        EXPECT_GE(lo, 0.0);
        EXPECT_LE(hi, 1.0);
      }
    }
  }
}

TEST(RelationalData, ThePristinePatchHasZeroTargets) {
  const cv::Mat patch = test_patch();
  ProgramOptions options;
  options.p_reference = 1.0;
  Rng rng(4);
  const RelationalPair pair = make_relational_pair(patch, rng, options);
  EXPECT_TRUE(pair.program_a.edits.empty());
  EXPECT_EQ(cv::norm(pair.a, patch, cv::NORM_INF), 0.0);
  EXPECT_EQ(cv::countNonZero(pair.targets.reshape(1)), 0);
}

TEST(RelationalData, PairsAreDeterministic) {
  const cv::Mat patch = test_patch();
  Rng r1(9), r2(9);
  const RelationalPair a = make_relational_pair(patch, r1, ProgramOptions{});
  const RelationalPair b = make_relational_pair(patch, r2, ProgramOptions{});
  EXPECT_EQ(cv::norm(a.a, b.a, cv::NORM_INF), 0.0);
  EXPECT_EQ(cv::norm(a.b, b.b, cv::NORM_INF), 0.0);
  EXPECT_EQ(cv::norm(a.targets, b.targets, cv::NORM_INF), 0.0);
}

// A hand-made program: a global blur on the sharpness axis at t = -0.6 gives y = -0.6 everywhere on
// axis 0 and 0 elsewhere, and the image equals the registry's gaublur at severity 2.
TEST(RelationalData, ProgramTargetsAndImagesByHand) {
  const cv::Mat patch = test_patch();
  ImageProgram p;
  PlannedEdit e;
  e.operation = operations_for(0, -1).front();  // gaublur
  e.edit.axis = 0;
  e.edit.strength = -0.6;
  e.edit.mask = cv::Mat::ones(patch.size(), CV_32FC1);
  p.edits.push_back(e);
  const cv::Mat y = program_targets(p, patch.size());
  std::vector<cv::Mat> channels;
  cv::split(y, channels);
  double lo, hi;
  cv::minMaxLoc(channels[0], &lo, &hi);
  EXPECT_FLOAT_EQ(float(lo), -0.6f);
  EXPECT_FLOAT_EQ(float(hi), -0.6f);
  for (int k = 1; k < kRelationalAxes; ++k) EXPECT_EQ(cv::countNonZero(channels[std::size_t(k)]), 0);
  Rng unused(0);
  const DistortionStep blur{&find_distortion("gaublur"), severity_to_value(find_distortion("gaublur"), 2.0)};
  EXPECT_LT(cv::norm(apply_program(patch, p), apply_step(patch, blur, unused), cv::NORM_INF), 1e-6);
}

TEST(RelationalData, MonotoneRankedSetsGetWorseStepByStep) {
  const cv::Mat patch = test_patch();
  for (std::uint64_t seed = 0; seed < 6; ++seed) {
    Rng rng(seed);
    const RankedSet set = make_ranked_set(patch, 5, RankedSetKind::kMonotoneStrength, rng, ProgramOptions{});
    ASSERT_EQ(set.images.size(), 5u);
    EXPECT_EQ(cv::norm(set.images[0], patch, cv::NORM_INF), 0.0);
    EXPECT_EQ(cv::countNonZero(set.targets[0].reshape(1)), 0);
    for (std::size_t j = 1; j < 5; ++j) {
      ASSERT_EQ(set.programs[j].edits.size(), set.programs[1].edits.size());
      for (std::size_t e = 0; e < set.programs[j].edits.size(); ++e) {
        const SignedEdit& now = set.programs[j].edits[e].edit;
        if (j > 1) {  // rank 0 is the patch itself, without edits
          EXPECT_GT(std::abs(now.strength), std::abs(set.programs[j - 1].edits[e].edit.strength));
        }
        EXPECT_EQ(now.mask.data, set.programs[1].edits[e].edit.mask.data);  // the same mask throughout
      }
      // Target magnitude grows with rank.
      EXPECT_GT(cv::norm(set.targets[j], cv::NORM_L1), cv::norm(set.targets[j - 1], cv::NORM_L1));
    }
  }
}

TEST(RelationalData, ProgramSeverityIsStrengthTimesAreaSummedOverEdits) {
  ImageProgram program;
  EXPECT_EQ(program_severity(program), 0.0);
  PlannedEdit global;
  global.edit.strength = -0.5;  // the sign does not matter: further from R either way
  program.edits.push_back(global);
  PlannedEdit local;
  local.edit.strength = 0.4;
  local.edit.mask = cv::Mat::zeros(4, 4, CV_32FC1);
  local.edit.mask(cv::Rect(0, 0, 2, 4)) = 0.5f;  // mean 0.25
  program.edits.push_back(local);
  EXPECT_NEAR(program_severity(program), 0.5 + 0.4 * 0.25, 1e-12);
}

TEST(RelationalData, CrossProgramRankedSetsAreOrderedByTheProxySeverity) {
  const cv::Mat patch = test_patch();
  for (std::uint64_t seed = 0; seed < 6; ++seed) {
    Rng rng(seed);
    const RankedSet set = make_ranked_set(patch, 6, RankedSetKind::kCrossProgram, rng, ProgramOptions{});
    ASSERT_EQ(set.images.size(), 6u);
    EXPECT_EQ(cv::norm(set.images[0], patch, cv::NORM_INF), 0.0);
    EXPECT_TRUE(set.programs[0].edits.empty());
    for (std::size_t j = 1; j < 6; ++j) {
      EXPECT_FALSE(set.programs[j].edits.empty()) << "rank " << j << " must be edited";
      EXPECT_GE(program_severity(set.programs[j]), program_severity(set.programs[j - 1]));
      EXPECT_EQ(cv::norm(set.images[j], apply_program(patch, set.programs[j]), cv::NORM_INF), 0.0);
    }
  }
}

TEST(RelationalData, NestedRankedSetsAddOneEditPerRank) {
  const cv::Mat patch = test_patch();
  Rng rng(5);
  const RankedSet set = make_ranked_set(patch, 6, RankedSetKind::kNested, rng, ProgramOptions{});
  ASSERT_EQ(set.programs.size(), 6u);
  for (std::size_t j = 0; j < 6; ++j) {
    ASSERT_EQ(set.programs[j].edits.size(), j);
    for (std::size_t e = 0; e + 1 < j; ++e) {
      EXPECT_EQ(set.programs[j].edits[e].edit.axis, set.programs[j - 1].edits[e].edit.axis);
      EXPECT_EQ(set.programs[j].edits[e].edit.strength, set.programs[j - 1].edits[e].edit.strength);
    }
  }
  ProgramOptions two_axes;
  two_axes.axes = {0, 2};
  using test::expect_error;
  expect_error([&] { make_ranked_set(patch, 4, RankedSetKind::kNested, rng, two_axes); }, ErrorKind::kUsage,
               "needs 3 axes, only 2 allowed");
  expect_error([&] { make_ranked_set(patch, 1, RankedSetKind::kMonotoneStrength, rng, two_axes); }, ErrorKind::kUsage,
               "size must be in [2, 8]");
  ProgramOptions repeated;
  repeated.axes = {1, 1};
  expect_error([&] { make_ranked_set(patch, 2, RankedSetKind::kMonotoneStrength, rng, repeated); }, ErrorKind::kUsage,
               "must not repeat");
}

TEST(RelationalData, BatchesHoldTripletsDeterministically) {
  test::TempDir dir;
  std::vector<std::string> images;
  for (int i = 0; i < 3; ++i) {
    cv::Mat bgr(40 + 10 * i, 50, CV_8UC3);
    cv::randu(bgr, cv::Scalar::all(0), cv::Scalar::all(255));
    images.push_back(dir.path("img" + std::to_string(i) + ".png"));
    test::write_bytes(images.back(), test::encode_with_opencv(".png", bgr));
  }
  const RelationalBatch x = make_relational_batch(images, 3, 32, 8, 5, ProgramOptions{});
  ASSERT_EQ(x.triplets, 3);
  ASSERT_EQ(x.a.sizes(), (std::vector<int64_t>{9, 3, 32, 32}));
  ASSERT_EQ(x.targets.sizes(), (std::vector<int64_t>{9, kRelationalAxes, 32, 32}));
  // Blocks (A, B), (B, C), (A, C): the images line up, and the targets add up where nothing clamps.
  EXPECT_TRUE(torch::equal(x.a.slice(0, 6, 9), x.a.slice(0, 0, 3)));
  EXPECT_TRUE(torch::equal(x.a.slice(0, 3, 6), x.b.slice(0, 0, 3)));
  EXPECT_TRUE(torch::equal(x.b.slice(0, 6, 9), x.b.slice(0, 3, 6)));
  const torch::Tensor ab = x.targets.slice(0, 0, 3), bc = x.targets.slice(0, 3, 6), ac = x.targets.slice(0, 6, 9);
  const torch::Tensor unclamped = ab.abs().lt(1.0) & bc.abs().lt(1.0) & ac.abs().lt(1.0);
  EXPECT_GT(unclamped.sum().item<int64_t>(), 0);
  EXPECT_TRUE(torch::allclose(ac.masked_select(unclamped), (ab + bc).masked_select(unclamped), 0, 1e-6));
  EXPECT_GT(x.targets.abs().max().item<double>(), 0.1);
  EXPECT_GE(x.a.min().item<double>(), 0.0);
  EXPECT_LE(x.a.max().item<double>(), 1.0);
  EXPECT_TRUE(torch::equal(x.a, make_relational_batch(images, 3, 32, 8, 5, ProgramOptions{}).a));
  EXPECT_FALSE(torch::equal(x.a, make_relational_batch(images, 3, 32, 8, 6, ProgramOptions{}).a));
  test::write_bytes(images[1], {1, 2, 3});
  bool named = false;
  for (std::int64_t step = 0; step < 20 && !named; ++step) {
    try {
      make_relational_batch(images, 3, 32, 8, step, ProgramOptions{});
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInput);
      named = std::string(e.what()).find("img1.png") != std::string::npos;
    }
  }
  EXPECT_TRUE(named);
}

}  // namespace

TEST(RankedSets, DistortedPairsAreEveryTwoRanksAfterTheReferenceBetterFirst) {
  EXPECT_EQ(distorted_pairs(5), (std::vector<std::pair<int, int>>{{1, 2}, {1, 3}, {1, 4}, {2, 3}, {2, 4}, {3, 4}}));
  EXPECT_TRUE(distorted_pairs(2).empty());
}

}  // namespace shamisa
