// The engine around the distortion functions: registry, severity mapping and sampling, chains,
// compositions with one varying factor and prefix reuse, determinism.
#include <cmath>
#include <map>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "shamisa/composition.h"
#include "shamisa/distort.h"
#include "test_helpers.h"

namespace shamisa {
namespace {

TEST(DistortRegistry, TwentySixTypesInSevenGroups) {
  const auto& registry = distortion_registry();
  ASSERT_EQ(registry.size(), 26u);
  std::map<std::string, int> per_group;
  std::set<std::string> names;
  for (const auto& t : registry) {
    ++per_group[t.group];
    names.insert(t.name);
    EXPECT_TRUE(t.apply) << t.name;
  }
  EXPECT_EQ(names.size(), 26u);
  EXPECT_EQ(per_group, (std::map<std::string, int>{{"blur", 3}, {"color_distortion", 4}, {"jpeg", 2}, {"noise", 4},
                                                   {"brightness_change", 4}, {"spatial_distortion", 5},
                                                   {"sharpness_contrast", 4}}));
  int integer_types = 0;
  for (const auto& t : registry) integer_types += t.integer_valued;
  EXPECT_EQ(integer_types, 11);  // the paper's extended_int_distortions list
  EXPECT_EQ(find_distortion("jpeg").anchors, (std::array<double, 5>{43, 36, 24, 7, 4}));
  test::expect_error([] { find_distortion("gausblur"); }, ErrorKind::kUsage, "unknown distortion type");
}

TEST(DistortSeverity, InterpolatesAnchors) {
  const DistortionType& blur = find_distortion("gaublur");  // 0.1, 0.5, 1, 2, 5
  EXPECT_DOUBLE_EQ(severity_to_value(blur, 0).value, 0.1);
  EXPECT_DOUBLE_EQ(severity_to_value(blur, 4).value, 5.0);
  EXPECT_DOUBLE_EQ(severity_to_value(blur, 2.5).value, 1.5);
  EXPECT_DOUBLE_EQ(severity_to_value(blur, 3.25).value, 2.75);
  test::expect_error([&] { severity_to_value(blur, 4.01); }, ErrorKind::kUsage, "outside [0, 4]");
  test::expect_error([&] { severity_to_value(blur, -0.5); }, ErrorKind::kUsage, "outside [0, 4]");
}

TEST(DistortSeverity, IntegerTypesRoundHalfToEvenAndRecomputeTheIndex) {
  // The spec's example: jpeg at s = 1.3: 36 * 0.7 + 24 * 0.3 = 32.4 -> 32, s = 1 + (32 - 36) / (24 - 36).
  const Severity jpeg = severity_to_value(find_distortion("jpeg"), 1.3);
  EXPECT_DOUBLE_EQ(jpeg.value, 32.0);
  EXPECT_NEAR(jpeg.index, 1.0 + 1.0 / 3.0, 1e-12);
  // lensblur 1, 2, 4 …: s = 1.25 -> 2.5 -> 2 (half to even), index back to 1.0.
  const Severity lens = severity_to_value(find_distortion("lensblur"), 1.25);
  EXPECT_DOUBLE_EQ(lens.value, 2.0);
  EXPECT_DOUBLE_EQ(lens.index, 1.0);
  // s = 1.75 -> 3.5 -> 4 (half to even), index 2.
  EXPECT_DOUBLE_EQ(severity_to_value(find_distortion("lensblur"), 1.75).value, 4.0);
  // Every integer type gives integer values over a fine grid of s.
  for (const auto& t : distortion_registry()) {
    if (!t.integer_valued) continue;
    for (double s = 0; s <= 4.0; s += 0.01) {
      const Severity v = severity_to_value(t, s);
      EXPECT_EQ(v.value, std::nearbyint(v.value)) << t.name << " s=" << s;
      EXPECT_GE(v.index, 0.0);
      EXPECT_LE(v.index, 4.0);
    }
  }
}

TEST(DistortSeverity, HalfNormalSamplerHasTheSpecDistribution) {
  const DistortionType& blur = find_distortion("gaublur");
  Rng rng(11);
  const int n = 200000;
  std::array<int, 5> bins{};
  for (int i = 0; i < n; ++i) {
    const double s = sample_severity(blur, rng).index;
    ASSERT_GE(s, 0.0);
    ASSERT_LE(s, 4.0);
    bins[s == 4.0 ? 4 : static_cast<int>(s)]++;
  }
  // METHOD-SHAMISA.md 3.3: P = 0.311, 0.265, 0.194, 0.121 on [0,1) … [3,4), 0.110 at exactly 4.
  const std::array<double, 5> expected{0.311, 0.265, 0.194, 0.121, 0.110};
  for (int b = 0; b < 5; ++b) EXPECT_NEAR(double(bins[b]) / n, expected[b], 0.005) << "bin " << b;
  Rng uniform_rng(3);
  for (int i = 0; i < 1000; ++i) {
    const double s = sample_severity(blur, uniform_rng, SeverityDistribution::kDiscrete).index;
    EXPECT_EQ(s, std::nearbyint(s));
  }
}

TEST(DistortChain, ParsesAndFormats) {
  const auto steps = parse_chain("gaublur:2.5,jpeg:1.3");
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].type->name, "gaublur");
  EXPECT_DOUBLE_EQ(steps[0].severity.value, 1.5);
  EXPECT_DOUBLE_EQ(steps[1].severity.value, 32.0);
  EXPECT_EQ(format_chain({steps[0]}), "gaublur:2.5");
  test::expect_error([] { parse_chain("gaublur"); }, ErrorKind::kUsage, "NAME:SEVERITY");
  test::expect_error([] { parse_chain("gaublur:x"); }, ErrorKind::kUsage, "not a number");
  test::expect_error([] { parse_chain("gaublur:2.5x"); }, ErrorKind::kUsage, "not a number");
  test::expect_error([] { parse_chain("blur:1"); }, ErrorKind::kUsage, "unknown distortion type");
  test::expect_error([] { parse_chain("gaublur:7"); }, ErrorKind::kUsage, "outside [0, 4]");
}

TEST(DistortComposition, OneFactorVariesAndGroupsAreDistinct) {
  Rng rng(5);
  std::map<int, int> sizes;
  for (int trial = 0; trial < 500; ++trial) {
    const Composition c = sample_composition(rng);
    ASSERT_GE(c.size(), 1);
    ASSERT_LE(c.size(), 7);
    ++sizes[c.size()];
    ASSERT_EQ(c.levels(), 5);
    ASSERT_GE(c.variable_slot, 0);
    ASSERT_LT(c.variable_slot, c.size());
    std::set<std::string> groups;
    for (const auto& step : c.base) groups.insert(step.type->group);
    EXPECT_EQ(int(groups.size()), c.size());
    for (int l = 0; l < c.levels(); ++l) {
      const auto chain = c.chain(l);
      for (int i = 0; i < c.size(); ++i) {
        EXPECT_EQ(chain[i].type, c.base[i].type);
        if (i != c.variable_slot) {
          EXPECT_EQ(chain[i].severity.index, c.base[i].severity.index);
        }
      }
    }
  }
  EXPECT_EQ(sizes.size(), 7u);  // every n in 1..7 occurs
  CompositionOptions two;
  two.max_distortions = 2;
  two.levels = 3;
  for (int trial = 0; trial < 50; ++trial) {
    const Composition c = sample_composition(rng, two);
    EXPECT_LE(c.size(), 2);
    EXPECT_EQ(c.levels(), 3);
  }
  CompositionOptions bad;
  bad.max_distortions = 8;
  test::expect_error([&] { sample_composition(rng, bad); }, ErrorKind::kUsage, "--max-distortions");
}

TEST(DistortComposition, JsonIsPaddedToSevenSlots) {
  Rng rng(8);
  const Composition c = sample_composition(rng);
  const nlohmann::json j = composition_to_json(c);
  EXPECT_EQ(j["num_distortions"], c.size());
  EXPECT_EQ(j["variable_slot"], c.variable_slot);
  ASSERT_EQ(j["levels"].size(), 5u);
  for (const auto& level : j["levels"]) {
    ASSERT_EQ(level["severity_indices"].size(), 7u);
    for (int i = c.size(); i < 7; ++i) EXPECT_EQ(level["severity_indices"][i], -1.0);
  }
}

cv::Mat gradient_image(int w, int h) {
  cv::Mat m(h, w, CV_32FC3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      m.at<cv::Vec3f>(y, x) = cv::Vec3f(float(x) / w, float(y) / h, float((x * 7 + y * 3) % 32) / 32.0f);
  return m;
}

TEST(DistortComposition, RenderingIsDeterministicAndReusesThePrefix) {
  const cv::Mat image = gradient_image(64, 48);
  // A hand-built composition: random noise before the variable slot, so prefix reuse shows as
  // identical noise in every level where the variable factor is mild.
  Composition c;
  c.base = {{&find_distortion("whitenoise"), severity_to_value(find_distortion("whitenoise"), 4)},
            {&find_distortion("meanshiftpos"), severity_to_value(find_distortion("meanshiftpos"), 0)}};
  c.variable_slot = 1;
  c.variable_levels = {severity_to_value(find_distortion("meanshiftpos"), 0),
                       severity_to_value(find_distortion("meanshiftpos"), 0)};
  Rng a(1), b(1);
  const auto first = render_levels(image, c, a);
  const auto again = render_levels(image, c, b);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(cv::norm(first[0], again[0], cv::NORM_INF), 0.0);  // same seed, same bytes
  EXPECT_EQ(cv::norm(first[0], first[1], cv::NORM_INF), 0.0);  // the noisy prefix is shared
  // With the noise in the variable slot instead, the levels get different noise.
  std::swap(c.base[0], c.base[1]);
  c.variable_slot = 1;
  c.variable_levels = {c.base[1].severity, c.base[1].severity};
  Rng d(1);
  const auto redrawn = render_levels(image, c, d);
  EXPECT_GT(cv::norm(redrawn[0], redrawn[1], cv::NORM_INF), 0.0);
}

}  // namespace
}  // namespace shamisa
