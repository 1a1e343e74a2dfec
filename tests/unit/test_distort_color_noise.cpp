// Tests for the color_distortion group (colordiff, colorshift, colorsat1, colorsat2) and the noise
// group (whitenoise, whitenoiseCC, impulsenoise, multnoise) of METHOD-SHAMISA.md section 4.2,
// implemented in src/distort/color_distortions.cpp and src/distort/noise.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "distort/functions.h"
#include "shamisa/color.h"
#include "shamisa/error.h"
#include "shamisa/rng.h"

namespace shamisa::detail {
namespace {

using DistortFn = cv::Mat (*)(const cv::Mat&, double, Rng&);

// A random image whose values are 8-bit codes k / 255 (as decoded images are).
cv::Mat random_8bit_image(int rows, int cols, int seed) {
  cv::Mat codes(rows, cols, CV_8UC3);
  cv::RNG rng(static_cast<std::uint64_t>(seed));
  rng.fill(codes, cv::RNG::UNIFORM, 0, 256);
  cv::Mat image;
  codes.convertTo(image, CV_32FC3, 1.0 / 255.0);
  return image;
}

cv::Mat uniform_image(int rows, int cols, float r, float g, float b) {
  return cv::Mat(rows, cols, CV_32FC3, cv::Scalar(r, g, b));
}

bool bitwise_equal(const cv::Mat& a, const cv::Mat& b) {
  if (a.size() != b.size() || a.type() != b.type()) return false;
  for (int y = 0; y < a.rows; ++y) {
    if (std::memcmp(a.ptr(y), b.ptr(y), a.cols * a.elemSize()) != 0) return false;
  }
  return true;
}

double max_abs_diff(const cv::Mat& a, const cv::Mat& b) { return cv::norm(a, b, cv::NORM_INF); }

// The tiny image of tests/tools/distort_reference_color_noise.py (H = 2, W = 3).
cv::Mat tiny_reference_image() {
  const float values[] = {0.9f, 0.2f, 0.1f, 0.1f, 0.7f, 0.3f, 0.5f,  0.5f, 0.5f,
                          0.2f, 0.3f, 0.8f, 0.95f, 0.9f, 0.1f, 0.0f, 0.0f, 0.0f};
  return cv::Mat(2, 3, CV_32FC3, const_cast<float*>(values)).clone();
}

// Compares an output that went through trunc8 with the expected 8-bit codes (row-major,
// channel-interleaved).
void expect_codes(const cv::Mat& out, const std::vector<int>& codes, const std::string& what) {
  ASSERT_EQ(out.type(), CV_32FC3);
  ASSERT_EQ(static_cast<std::size_t>(out.total() * 3), codes.size());
  const cv::Mat flat = out.reshape(1, 1);
  for (std::size_t i = 0; i < codes.size(); ++i) {
    const float v = flat.at<float>(0, static_cast<int>(i));
    EXPECT_NEAR(v * 255.0, codes[i], 1e-3) << what << ", value " << i;
  }
}

// --- Common contract -------------------------------------------------------------------------

struct NamedFn {
  const char* name;
  DistortFn fn;
  double parameter;
};

const NamedFn kAllFunctions[] = {
    {"color_diffusion", color_diffusion, 6.0},
    {"color_shift", color_shift, 6.0},
    {"color_saturation1", color_saturation1, 0.1},
    {"color_saturation2", color_saturation2, 3.0},
    {"white_noise", white_noise, 0.003},
    {"white_noise_cc", white_noise_cc, 0.001},
    {"impulse_noise", impulse_noise, 0.01},
    {"multiplicative_noise", multiplicative_noise, 0.01},
};

TEST(DistortColor, AllFunctionsKeepInputAndReturnNewImageOfSameShape) {
  const cv::Mat input = random_8bit_image(33, 47, 3);
  for (const NamedFn& f : kAllFunctions) {
    const cv::Mat before = input.clone();
    Rng rng(7);
    const cv::Mat out = f.fn(input, f.parameter, rng);
    EXPECT_TRUE(bitwise_equal(input, before)) << f.name << " modified its input";
    EXPECT_EQ(out.type(), CV_32FC3) << f.name;
    EXPECT_EQ(out.size(), input.size()) << f.name;
    EXPECT_NE(out.data, input.data) << f.name << " returned its input's buffer";
  }
}

TEST(DistortNoise, AllFunctionsRejectWrongImageTypes) {
  const cv::Mat gray(8, 8, CV_32FC1, cv::Scalar(0.5));
  const cv::Mat bytes(8, 8, CV_8UC3, cv::Scalar(1, 2, 3));
  for (const NamedFn& f : kAllFunctions) {
    for (const cv::Mat* bad : {&gray, &bytes}) {
      Rng rng(1);
      try {
        f.fn(*bad, f.parameter, rng);
        ADD_FAILURE() << f.name << " accepted " << cv::typeToString(bad->type());
      } catch (const Error& e) {
        EXPECT_EQ(static_cast<int>(e.kind()), static_cast<int>(ErrorKind::kUsage)) << e.what();
        EXPECT_NE(std::string(e.what()).find(f.name), std::string::npos) << e.what();
      }
    }
  }
}

// --- colordiff -------------------------------------------------------------------------------

// Expected codes from /usr/bin/python3 + numpy 1.24 (tests/tools/distort_reference_color_noise.py),
// which implements the spec formulas independently in double precision: kornia Lab (4.4),
// MATLAB fspecial('gaussian') of size 2 ceil(2 sigma) + 1, sigma = 1.5 a + 2, correlation with a
// replicated border, a* b* multiplied by a, Lab -> RGB clamped, trunc8; true RGB (Q5 fix). Before
// trunc8 every unclipped value is at least 0.029 / 255 away from a code boundary.
TEST(DistortColor, DiffusionMatchesIndependentNumpyReference) {
  const cv::Mat input = tiny_reference_image();
  Rng rng(0);
  expect_codes(color_diffusion(input, 1.0, rng),
               {165, 104, 109, 191, 142, 142, 153, 119, 115, 125, 75, 91, 255, 213, 222, 26, 0, 0},
               "colordiff a=1");
  expect_codes(color_diffusion(input, 3.0, rng),
               {231, 30, 111, 255, 97, 142, 214, 80, 114, 185, 0, 99, 255, 174, 231, 60, 0, 3},
               "colordiff a=3");
}

// On a uniform image the blur leaves a* and b* alone, so colordiff with amount 1 is a Lab round
// trip followed by trunc8.
TEST(DistortColor, DiffusionOfUniformImageWithAmountOneIsIdentityUpTo8Bit) {
  const cv::Mat input = uniform_image(9, 11, 0.6f, 0.3f, 0.2f);
  Rng rng(0);
  const cv::Mat out = color_diffusion(input, 1.0, rng);
  EXPECT_LE(max_abs_diff(out, input), 1.0 / 255.0 + 1e-6);
}

// --- colorshift ------------------------------------------------------------------------------

// A smooth random-ish image with edges in every channel.
cv::Mat textured_image(int rows, int cols) {
  cv::Mat image(rows, cols, CV_32FC3);
  for (int y = 0; y < rows; ++y) {
    for (int x = 0; x < cols; ++x) {
      float* p = image.ptr<float>(y) + 3 * x;
      p[0] = 0.5f + 0.4f * std::sin(0.31f * x + 0.17f * y);
      p[1] = (x / 8 + y / 8) % 2 == 0 ? 0.2f : 0.8f;  // checkerboard of 8 x 8 squares
      p[2] = 0.5f + 0.4f * std::cos(0.23f * y - 0.11f * x);
    }
  }
  return image;
}

TEST(DistortColor, ShiftChangesOnlyTheGreenChannel) {
  const cv::Mat input = textured_image(48, 64);
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    Rng rng(seed);
    const cv::Mat out = color_shift(input, 12.0, rng);
    cv::Mat in_ch[3], out_ch[3];
    cv::split(input, in_ch);
    cv::split(out, out_ch);
    EXPECT_TRUE(bitwise_equal(out_ch[0], in_ch[0])) << "R changed, seed " << seed;
    EXPECT_TRUE(bitwise_equal(out_ch[2], in_ch[2])) << "B changed, seed " << seed;
    EXPECT_GT(max_abs_diff(out_ch[1], in_ch[1]), 0.1) << "G unchanged, seed " << seed;
    // G' is a blend of two values in [0.2, 0.8].
    double lo = 0.0, hi = 0.0;
    cv::minMaxLoc(out_ch[1], &lo, &hi);
    EXPECT_GE(lo, 0.2 - 1e-6);
    EXPECT_LE(hi, 0.8 + 1e-6);
  }
}

TEST(DistortColor, ShiftLeavesFlatImageUnchanged) {
  const cv::Mat input = uniform_image(20, 30, 0.1f, 0.5f, 0.9f);
  Rng rng(5);
  EXPECT_TRUE(bitwise_equal(color_shift(input, 8.0, rng), input));
}

TEST(DistortColor, ShiftIsDeterministicGivenTheSeed) {
  const cv::Mat input = textured_image(40, 40);
  Rng a(11), b(11);
  EXPECT_TRUE(bitwise_equal(color_shift(input, 6.0, a), color_shift(input, 6.0, b)));
}

// G is a plane with incommensurate slopes, so its gradient magnitude is constant away from the
// border columns and rows; there the edge weight is (up to float noise) 1 and G' must equal G
// shifted by d = round(a u / |u|), with u = (u_0, u_1) the generator's first two uniforms
// (d_y = d_0 along rows, d_x = d_1 along columns, the documented draw order). Values are
// hand-derived from that definition: G'(y, x) = G(y - d_y, x - d_x).
TEST(DistortColor, ShiftMovesGreenByTheDrawnVectorWhereEdgeWeightIsOne) {
  constexpr int kRows = 64, kCols = 64;
  cv::Mat input(kRows, kCols, CV_32FC3);
  auto plane = [](int y, int x) { return 0.2f + 0.003f * x + 0.0071f * y; };
  for (int y = 0; y < kRows; ++y) {
    for (int x = 0; x < kCols; ++x) {
      float* p = input.ptr<float>(y) + 3 * x;
      p[0] = 0.3f;
      p[1] = plane(y, x);
      p[2] = 0.6f;
    }
  }
  for (std::uint64_t seed : {3u, 4u, 9u}) {
    for (double amount : {3.0, 8.0}) {
      Rng replay(seed);
      const double u0 = replay.uniform(), u1 = replay.uniform();
      const double norm = std::hypot(u0, u1);
      const int dy = static_cast<int>(std::nearbyint(amount * u0 / norm));
      const int dx = static_cast<int>(std::nearbyint(amount * u1 / norm));

      Rng rng(seed);
      const cv::Mat out = color_shift(input, amount, rng);
      // Keep 9 pixels (blur radius 8 + the border gradient) plus the shift away from the borders.
      const int margin = 9 + static_cast<int>(amount);
      for (int y = margin; y < kRows - margin; ++y) {
        for (int x = margin; x < kCols - margin; ++x) {
          ASSERT_NEAR(out.ptr<float>(y)[3 * x + 1], plane(y - dy, x - dx), 1e-4)
              << "seed " << seed << " amount " << amount << " d = (" << dy << ", " << dx
              << ") at (" << y << ", " << x << ")";
        }
      }
    }
  }
}

// The Q2 fix: the edge map is clipped at its 1st and 99th percentiles before the min-max
// normalisation. A 256 x 256 G plane plus one bright G pixel: the spike's gradient, spread by the
// 17 x 17 blur, covers at most 19 x 19 = 361 pixels (0.55 % < 1 %), so the 99th percentile is the
// plane's constant gradient magnitude and the weight is 1 on the whole interior. Plain min-max
// (the reference's effective behaviour) would give the interior a weight of about 0.3 instead,
// because the spike sets the maximum.
TEST(DistortColor, ShiftEdgeWeightIsClippedAtThe99thPercentile) {
  constexpr int kSize = 256, kSpike = 128;
  auto plane = [](int y, int x) { return 0.1f + 0.001f * x + 0.0023f * y; };
  cv::Mat input(kSize, kSize, CV_32FC3);
  for (int y = 0; y < kSize; ++y) {
    for (int x = 0; x < kSize; ++x) {
      float* p = input.ptr<float>(y) + 3 * x;
      p[0] = 0.3f;
      p[1] = plane(y, x);
      p[2] = 0.6f;
    }
  }
  input.ptr<float>(kSpike)[3 * kSpike + 1] += 0.3f;
  constexpr double kAmount = 8.0;
  constexpr std::uint64_t kSeed = 21;
  Rng replay(kSeed);
  const double u0 = replay.uniform(), u1 = replay.uniform();
  const double norm = std::hypot(u0, u1);
  const int dy = static_cast<int>(std::nearbyint(kAmount * u0 / norm));
  const int dx = static_cast<int>(std::nearbyint(kAmount * u1 / norm));
  ASSERT_GT(std::abs(dy) + std::abs(dx), 0);

  Rng rng(kSeed);
  const cv::Mat out = color_shift(input, kAmount, rng);
  const int margin = 9 + static_cast<int>(kAmount);
  for (int y = margin; y < kSize - margin; ++y) {
    for (int x = margin; x < kSize - margin; ++x) {
      if (std::abs(y - kSpike) <= 2 * margin && std::abs(x - kSpike) <= 2 * margin) continue;
      ASSERT_NEAR(out.ptr<float>(y)[3 * x + 1], plane(y - dy, x - dx), 1e-4)
          << "d = (" << dy << ", " << dx << ") at (" << y << ", " << x << ")";
    }
  }
}

// --- colorsat1 -------------------------------------------------------------------------------

// By hand: scaling S by f is c' = V - f (V - c) per channel (spec 4.2), V = max(R, G, B).
//   (0.8, 0.4, 0.2), f = 0.5:  V = 0.8 -> (0.8, 0.8 - 0.5 * 0.4, 0.8 - 0.5 * 0.6) = (0.8, 0.6, 0.5)
//   (0.8, 0.4, 0.2), f = -0.4: -> (0.8, 0.8 + 0.4 * 0.4, 0.8 + 0.4 * 0.6) = (0.8, 0.96, 1.04)
//   (0.1, 0.3, 0.6), f = 0.5:  V = 0.6 -> (0.6 - 0.25, 0.6 - 0.15, 0.6) = (0.35, 0.45, 0.6)
// (1.04 is above 1: the function does not clamp; the chain does, spec 3.5.)
TEST(DistortColor, Saturation1MatchesHandComputedValues) {
  cv::Mat input(1, 2, CV_32FC3);
  input.at<cv::Vec3f>(0, 0) = cv::Vec3f(0.8f, 0.4f, 0.2f);
  input.at<cv::Vec3f>(0, 1) = cv::Vec3f(0.1f, 0.3f, 0.6f);
  Rng rng(0);
  const cv::Mat half = color_saturation1(input, 0.5, rng);
  const cv::Mat negative = color_saturation1(input, -0.4, rng);
  const cv::Vec3f e0(0.8f, 0.6f, 0.5f), e1(0.35f, 0.45f, 0.6f), e2(0.8f, 0.96f, 1.04f);
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(half.at<cv::Vec3f>(0, 0)[c], e0[c], 1e-6) << c;
    EXPECT_NEAR(half.at<cv::Vec3f>(0, 1)[c], e1[c], 1e-6) << c;
    EXPECT_NEAR(negative.at<cv::Vec3f>(0, 0)[c], e2[c], 1e-6) << c;
  }
}

TEST(DistortColor, Saturation1WithFactorOneIsIdentity) {
  const cv::Mat input = random_8bit_image(31, 29, 4);
  Rng rng(0);
  const cv::Mat out = color_saturation1(input, 1.0, rng);
  // No trunc8 in colorsat1, so the HSV round trip is exact up to float rounding.
  EXPECT_LE(max_abs_diff(out, input), 1e-6);
}

TEST(DistortColor, Saturation1WithFactorZeroGivesGrayAtV) {
  const cv::Mat input = random_8bit_image(23, 37, 5);
  Rng rng(0);
  const cv::Mat out = color_saturation1(input, 0.0, rng);
  for (int y = 0; y < input.rows; ++y) {
    for (int x = 0; x < input.cols; ++x) {
      const cv::Vec3f p = input.at<cv::Vec3f>(y, x);
      const float v = std::max({p[0], p[1], p[2]});
      const cv::Vec3f q = out.at<cv::Vec3f>(y, x);
      ASSERT_EQ(q[0], v) << y << "," << x;
      ASSERT_EQ(q[1], v) << y << "," << x;
      ASSERT_EQ(q[2], v) << y << "," << x;
    }
  }
}

// --- colorsat2 -------------------------------------------------------------------------------

// Expected codes from the same numpy script as colordiff (kornia Lab, a* b* scaled by f, Lab ->
// RGB clamped, trunc8, true RGB). Before trunc8 every unclipped value is at least 0.0034 / 255
// away from a code boundary, well above the float32 error of the C++ path.
TEST(DistortColor, Saturation2MatchesIndependentNumpyReference) {
  const cv::Mat input = tiny_reference_image();
  Rng rng(0);
  expect_codes(color_saturation2(input, 2.0, rng),
               {255, 0, 0, 0, 192, 0, 127, 127, 127, 0, 66, 255, 225, 236, 0, 0, 0, 0},
               "colorsat2 f=2");
  expect_codes(color_saturation2(input, 0.5, rng),
               {183, 96, 75, 110, 168, 117, 127, 127, 127, 85, 83, 146, 240, 226, 142, 0, 0, 0},
               "colorsat2 f=0.5");
}

// With f = 1 the result is a Lab round trip plus trunc8: on 8-bit input k / 255 every value comes
// back as k or (when the round trip lands a hair below k / 255) k - 1.
TEST(DistortColor, Saturation2WithFactorOneIsIdentityUpTo8BitTruncation) {
  const cv::Mat input = random_8bit_image(31, 29, 6);
  Rng rng(0);
  const cv::Mat out = color_saturation2(input, 1.0, rng);
  const cv::Mat in_flat = input.reshape(1, 1), out_flat = out.reshape(1, 1);
  int exact = 0;
  for (int i = 0; i < in_flat.cols; ++i) {
    const long k = std::lround(in_flat.at<float>(0, i) * 255.0);
    const long got = std::lround(out_flat.at<float>(0, i) * 255.0);
    ASSERT_TRUE(got == k || got == k - 1) << "value " << i << ": " << k << " -> " << got;
    exact += got == k;
  }
  EXPECT_GT(exact, in_flat.cols / 4);
}

// --- Noise: determinism ----------------------------------------------------------------------

struct NoiseCase {
  const char* name;
  DistortFn fn;
  double parameter;
};

const NoiseCase kNoiseFunctions[] = {
    {"white_noise", white_noise, 0.005},
    {"white_noise_cc", white_noise_cc, 0.002},
    {"impulse_noise", impulse_noise, 0.02},
    {"multiplicative_noise", multiplicative_noise, 0.02},
};

TEST(DistortNoise, SameSeedGivesIdenticalOutputAndDifferentSeedDiffers) {
  const cv::Mat input = random_8bit_image(40, 50, 8);
  for (const NoiseCase& f : kNoiseFunctions) {
    Rng a(123), b(123), c(124);
    const cv::Mat out_a = f.fn(input, f.parameter, a);
    const cv::Mat out_b = f.fn(input, f.parameter, b);
    const cv::Mat out_c = f.fn(input, f.parameter, c);
    EXPECT_TRUE(bitwise_equal(out_a, out_b)) << f.name;
    EXPECT_FALSE(bitwise_equal(out_a, out_c)) << f.name;
    EXPECT_FALSE(bitwise_equal(out_a, input)) << f.name;
  }
}

// The documented draw order: the k-th normal belongs to value k of the row-major,
// channel-interleaved array.
TEST(DistortNoise, WhiteNoiseDrawsInRowMajorChannelInterleavedOrder) {
  const cv::Mat input = random_8bit_image(3, 4, 9);
  constexpr double kVariance = 0.004;
  Rng rng(77), replay(77);
  const cv::Mat out = white_noise(input, kVariance, rng);
  const cv::Mat in_flat = input.reshape(1, 1), out_flat = out.reshape(1, 1);
  for (int i = 0; i < in_flat.cols; ++i) {
    const float noise = static_cast<float>(std::sqrt(kVariance) * replay.normal());
    const float expected = std::clamp(in_flat.at<float>(0, i) + noise, 0.0f, 1.0f);
    EXPECT_EQ(out_flat.at<float>(0, i), expected) << "value " << i;
  }
}

// --- whitenoise ------------------------------------------------------------------------------

// Mean and variance of (out - 0.5) over every value of a 256 x 256 mid-gray image. With
// 196608 samples the relative standard error of the variance is sqrt(2 / N) = 0.32 %, and at
// v <= 0.01 the clipping at 0 and 1 is 5 standard deviations away.
void noise_moments(const cv::Mat& out, double centre, double* mean, double* variance) {
  const cv::Mat flat = out.reshape(1, 1);
  double sum = 0.0, sum_sq = 0.0;
  for (int i = 0; i < flat.cols; ++i) {
    const double d = flat.at<float>(0, i) - centre;
    sum += d;
    sum_sq += d * d;
  }
  *mean = sum / flat.cols;
  *variance = sum_sq / flat.cols - *mean * *mean;
}

TEST(DistortNoise, WhiteNoiseMeasuredVarianceMatchesParameter) {
  const cv::Mat input = uniform_image(256, 256, 0.5f, 0.5f, 0.5f);
  for (double v : {0.001, 0.003, 0.01}) {
    Rng rng(2024);
    double mean = 0.0, variance = 0.0;
    noise_moments(white_noise(input, v, rng), 0.5, &mean, &variance);
    EXPECT_NEAR(variance, v, 0.02 * v) << "v = " << v;
    EXPECT_NEAR(mean, 0.0, 5.0 * std::sqrt(v / 196608.0)) << "v = " << v;
  }
}

TEST(DistortNoise, WhiteNoiseClipsToUnitRange) {
  const cv::Mat input = random_8bit_image(64, 64, 10);
  Rng rng(3);
  const cv::Mat out = white_noise(input, 0.25, rng);
  double lo = 0.0, hi = 0.0;
  cv::minMaxLoc(out.reshape(1), &lo, &hi);
  EXPECT_EQ(lo, 0.0);
  EXPECT_EQ(hi, 1.0);
}

TEST(DistortNoise, WhiteNoiseWithZeroVarianceIsIdentity) {
  const cv::Mat input = random_8bit_image(16, 16, 11);
  Rng rng(3);
  EXPECT_TRUE(bitwise_equal(white_noise(input, 0.0, rng), input));
}

// --- whitenoiseCC ----------------------------------------------------------------------------

// The noise is added in YCbCr, so converting the output back to YCbCr recovers it (kornia's
// rounded inverse coefficients make the round trip exact only to ~3e-4 of the noise).
TEST(DistortNoise, WhiteNoiseCcMeasuredVarianceInYCbCrMatchesParameter) {
  const cv::Mat input = uniform_image(256, 256, 0.5f, 0.5f, 0.5f);
  constexpr double kVariance = 0.002;
  Rng rng(99);
  const cv::Mat noisy = rgb_to_ycbcr(white_noise_cc(input, kVariance, rng));
  const cv::Mat clean = rgb_to_ycbcr(input);
  cv::Mat noisy_ch[3], clean_ch[3];
  cv::split(noisy, noisy_ch);
  cv::split(clean, clean_ch);
  for (int c = 0; c < 3; ++c) {
    cv::Mat diff = noisy_ch[c] - clean_ch[c];
    double mean = 0.0, variance = 0.0;
    noise_moments(diff, 0.0, &mean, &variance);
    EXPECT_NEAR(variance, kVariance, 0.04 * kVariance) << "channel " << c;
    EXPECT_NEAR(mean, 0.0, 1e-3) << "channel " << c;
  }
}

// --- impulsenoise ----------------------------------------------------------------------------

// Every changed value is 1 or 0, and the counts follow from n = int(d 3 H W) draws with
// replacement over N = 3 H W values, the first n/2 salt and the rest pepper (pepper overwrites):
//   P(value is 0) = 1 - exp(-d/2),  P(value is 1) = exp(-d/2) (1 - exp(-d/2)).
TEST(DistortNoise, ImpulseNoiseFractionsAreHalfSaltHalfPepper) {
  const cv::Mat input = uniform_image(256, 256, 0.5f, 0.5f, 0.5f);
  const double total = 3.0 * 256 * 256;
  for (double d : {0.01, 0.03}) {
    Rng rng(31);
    const cv::Mat flat = impulse_noise(input, d, rng).reshape(1, 1);
    long ones = 0, zeros = 0, other = 0;
    for (int i = 0; i < flat.cols; ++i) {
      const float v = flat.at<float>(0, i);
      if (v == 1.0f) ++ones;
      else if (v == 0.0f) ++zeros;
      else if (v != 0.5f) ++other;
    }
    const long n = static_cast<long>(d * total);
    EXPECT_EQ(other, 0);
    EXPECT_LE(ones, n / 2);
    EXPECT_LE(zeros, n - n / 2);
    const double half = 1.0 - std::exp(-d / 2.0);
    const double expected_zeros = total * half;
    const double expected_ones = total * std::exp(-d / 2.0) * half;
    // About 5 standard deviations (sqrt(count)).
    EXPECT_NEAR(zeros, expected_zeros, 5.0 * std::sqrt(expected_zeros)) << "d = " << d;
    EXPECT_NEAR(ones, expected_ones, 5.0 * std::sqrt(expected_ones)) << "d = " << d;
    // Changed fraction ~ 1 - exp(-d) ~ d.
    EXPECT_NEAR((ones + zeros) / total, 1.0 - std::exp(-d), 0.05 * d) << "d = " << d;
  }
}

// The documented draw order: n = int(d 3 H W) triples (c, y, x), each c then y then x through
// uniform_int; the first n / 2 set to 1, the rest to 0, in draw order.
TEST(DistortNoise, ImpulseNoiseFollowsDocumentedPositionDraws) {
  const cv::Mat input = random_8bit_image(7, 9, 12);
  constexpr double kDensity = 0.1;
  const int n = static_cast<int>(kDensity * 3 * 7 * 9);  // 18
  ASSERT_EQ(n, 18);
  Rng rng(5), replay(5);
  const cv::Mat out = impulse_noise(input, kDensity, rng);
  cv::Mat expected = input.clone();
  for (int i = 0; i < n; ++i) {
    const int c = replay.uniform_int(0, 2);
    const int y = replay.uniform_int(0, 6);
    const int x = replay.uniform_int(0, 8);
    expected.ptr<float>(y)[3 * x + c] = i < n / 2 ? 1.0f : 0.0f;
  }
  EXPECT_TRUE(bitwise_equal(out, expected));
}

TEST(DistortNoise, ImpulseNoiseWithZeroDensityIsIdentity) {
  const cv::Mat input = random_8bit_image(16, 16, 13);
  Rng rng(3);
  EXPECT_TRUE(bitwise_equal(impulse_noise(input, 0.0, rng), input));
}

// --- multnoise -------------------------------------------------------------------------------

TEST(DistortNoise, MultiplicativeNoiseLeavesBlackPixelsBlack) {
  cv::Mat input = uniform_image(64, 64, 0.5f, 0.5f, 0.5f);
  input(cv::Rect(0, 0, 32, 64)).setTo(cv::Scalar(0, 0, 0));  // left half black
  input(cv::Rect(40, 0, 8, 64)).setTo(cv::Scalar(0, 0.7, 0));  // R and B black in a stripe
  Rng rng(17);
  const cv::Mat out = multiplicative_noise(input, 0.05, rng);
  int changed = 0;
  for (int y = 0; y < input.rows; ++y) {
    for (int x = 0; x < input.cols; ++x) {
      const cv::Vec3f p = input.at<cv::Vec3f>(y, x), q = out.at<cv::Vec3f>(y, x);
      for (int c = 0; c < 3; ++c) {
        if (p[c] == 0.0f) {
          ASSERT_EQ(q[c], 0.0f) << y << "," << x << "," << c;
        } else {
          changed += q[c] != p[c];
        }
      }
    }
  }
  EXPECT_GT(changed, 0);
}

// On mid-gray, y - 0.5 = 0.5 n, so its variance is v / 4.
TEST(DistortNoise, MultiplicativeNoiseVarianceScalesWithIntensity) {
  const cv::Mat input = uniform_image(256, 256, 0.5f, 0.5f, 0.5f);
  constexpr double kVariance = 0.02;
  Rng rng(8);
  double mean = 0.0, variance = 0.0;
  noise_moments(multiplicative_noise(input, kVariance, rng), 0.5, &mean, &variance);
  EXPECT_NEAR(variance, kVariance / 4.0, 0.02 * kVariance / 4.0);
}

}  // namespace
}  // namespace shamisa::detail
