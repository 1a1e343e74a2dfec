// Spatial masks, blending through them, and the signed target maps of the relational method.
#include <gtest/gtest.h>

#include "shamisa/masks.h"
#include "test_helpers.h"

namespace shamisa {
namespace {

cv::Mat textured(int w, int h) {
  cv::Mat m(h, w, CV_32FC3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const float v = (x < w / 2) ? 0.5f : float((x / 3 + y / 3) % 2);  // flat left, checkerboard right
      m.at<cv::Vec3f>(y, x) = cv::Vec3f(v, v, v);
    }
  return m;
}

TEST(Masks, EveryKindIsInRangeAndDeterministic) {
  const cv::Size size(96, 64);
  const cv::Mat content = textured(96, 64);
  for (MaskKind kind : {MaskKind::kGlobal, MaskKind::kSmoothField, MaskKind::kShapes, MaskKind::kContentAware}) {
    for (std::uint64_t seed = 0; seed < 20; ++seed) {
      Rng a(seed), b(seed);
      const cv::Mat m = make_mask(kind, size, a, content);
      ASSERT_EQ(m.type(), CV_32FC1);
      ASSERT_EQ(m.size(), size);
      double lo, hi;
      cv::minMaxLoc(m, &lo, &hi);
      EXPECT_GE(lo, 0.0) << mask_kind_name(kind);
      EXPECT_LE(hi, 1.0) << mask_kind_name(kind);
      EXPECT_EQ(cv::norm(m, make_mask(kind, size, b, content), cv::NORM_INF), 0.0) << mask_kind_name(kind);
    }
  }
}

TEST(Masks, SmoothFieldCoversTwentyToEightyPercent) {
  for (std::uint64_t seed = 0; seed < 30; ++seed) {
    Rng rng(seed);
    const double coverage = cv::mean(make_mask(MaskKind::kSmoothField, cv::Size(128, 128), rng))[0];
    EXPECT_GT(coverage, 0.12) << seed;
    EXPECT_LT(coverage, 0.88) << seed;
  }
}

TEST(Masks, ContentAwareFollowsEdgesOrFlatAreas) {
  const cv::Mat content = textured(96, 64);
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    Rng rng(seed);
    const cv::Mat m = make_mask(MaskKind::kContentAware, content.size(), rng, content);
    const double left = cv::mean(m(cv::Rect(0, 0, 40, 64)))[0];    // flat
    const double right = cv::mean(m(cv::Rect(56, 0, 40, 64)))[0];  // edges everywhere
    EXPECT_GT(std::abs(left - right), 0.3) << seed;
  }
  Rng rng(1);
  test::expect_error([&] { make_mask(MaskKind::kContentAware, cv::Size(8, 8), rng); }, ErrorKind::kUsage, "needs the image");
}

TEST(Masks, BlendingByHand) {
  cv::Mat x(1, 2, CV_32FC3, cv::Scalar(0.2, 0.4, 0.6));
  cv::Mat d(1, 2, CV_32FC3, cv::Scalar(1.0, 0.0, 0.5));
  cv::Mat m = (cv::Mat_<float>(1, 2) << 0.0f, 0.25f);
  const cv::Mat out = blend_through_mask(x, d, m);
  EXPECT_EQ(out.at<cv::Vec3f>(0, 0), cv::Vec3f(0.2f, 0.4f, 0.6f));
  EXPECT_NEAR(out.at<cv::Vec3f>(0, 1)[0], 0.2 + 0.25 * 0.8, 1e-6);
  EXPECT_NEAR(out.at<cv::Vec3f>(0, 1)[1], 0.4 - 0.25 * 0.4, 1e-6);
  EXPECT_NEAR(out.at<cv::Vec3f>(0, 1)[2], 0.6 - 0.25 * 0.1, 1e-6);
}

TEST(Masks, TargetsAreSignedMaskedAndAntiSymmetric) {
  const cv::Size size(4, 3);
  cv::Mat half = cv::Mat::zeros(size, CV_32FC1);
  half(cv::Rect(0, 0, 2, 3)) = 1.0f;
  const std::vector<SignedEdit> a = {{2, 0.6, half}, {1, 0.3, cv::Mat()}};  // brighter on the left, noisier
  const std::vector<SignedEdit> b = {{2, -0.7, cv::Mat()}};                // darker everywhere
  const cv::Mat ya = image_targets(a, size), yb = image_targets(b, size);
  ASSERT_EQ(ya.channels(), kRelationalAxes);
  EXPECT_FLOAT_EQ(ya.ptr<float>(0)[0 * kRelationalAxes + 2], 0.6f);
  EXPECT_FLOAT_EQ(ya.ptr<float>(0)[3 * kRelationalAxes + 2], 0.0f);
  EXPECT_FLOAT_EQ(ya.ptr<float>(1)[3 * kRelationalAxes + 1], 0.3f);
  const cv::Mat ab = pair_targets(ya, yb), ba = pair_targets(yb, ya);
  EXPECT_FLOAT_EQ(ab.ptr<float>(0)[0 * kRelationalAxes + 2], 1.0f);  // 0.6 - (-0.7) clamped
  EXPECT_FLOAT_EQ(ab.ptr<float>(0)[3 * kRelationalAxes + 2], 0.7f);
  cv::Mat sum = ab + ba;
  EXPECT_EQ(cv::norm(sum.reshape(1), cv::NORM_INF), 0.0);  // Y(A,B) = -Y(B,A)
  // An unedited image (X = P) has all-zero targets.
  EXPECT_EQ(cv::norm(image_targets({}, size).reshape(1), cv::NORM_INF), 0.0);
  EXPECT_EQ(relational_axis_names()[6], "compression");
}

}  // namespace
}  // namespace shamisa
