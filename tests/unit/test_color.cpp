// Tests for the kornia-0.7.0-compatible colour conversions (include/shamisa/color.h).
#include "shamisa/color.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/core/utility.hpp>

#include "shamisa/error.h"

namespace shamisa {
namespace {

constexpr double kPi = 3.14159265358979323846;

void expect_pixel_near(const Pixel3& actual, const Pixel3& expected, double tolerance,
                       const std::string& what) {
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(actual[c], expected[c], tolerance) << what << ", channel " << c;
  }
}

// Every RGB value on a 17 x 17 x 17 grid over [0, 1] (steps of 1/16, so 0, 0.5 and 1 are hit).
std::vector<Pixel3> rgb_grid() {
  constexpr int kSteps = 16;
  std::vector<Pixel3> grid;
  for (int r = 0; r <= kSteps; ++r) {
    for (int g = 0; g <= kSteps; ++g) {
      for (int b = 0; b <= kSteps; ++b) {
        grid.push_back({static_cast<float>(r) / kSteps, static_cast<float>(g) / kSteps,
                        static_cast<float>(b) / kSteps});
      }
    }
  }
  return grid;
}

// Largest per-channel difference between x and convert(x) over the grid.
double max_round_trip_error(const std::function<Pixel3(const Pixel3&)>& convert) {
  double worst = 0.0;
  for (const Pixel3& p : rgb_grid()) {
    const Pixel3 q = convert(p);
    for (int c = 0; c < 3; ++c) worst = std::max(worst, std::fabs(double{q[c]} - p[c]));
  }
  return worst;
}

cv::Mat random_rgb_image(int rows, int cols) {
  cv::Mat image(rows, cols, CV_32FC3);
  cv::RNG rng(12345);
  rng.fill(image, cv::RNG::UNIFORM, 0.0, 1.0);
  return image;
}

bool bitwise_equal(const cv::Mat& a, const cv::Mat& b) {
  if (a.size() != b.size() || a.type() != b.type()) return false;
  for (int y = 0; y < a.rows; ++y) {
    if (std::memcmp(a.ptr(y), b.ptr(y), a.cols * a.elemSize()) != 0) return false;
  }
  return true;
}

// --- Lab -----------------------------------------------------------------------------------

// Reference values below were computed independently in double precision with
// /usr/bin/python3 + numpy 1.24, implementing the kornia 0.7.0 formulas from the spec
// (sRGB decode, kornia's RGB->XYZ matrix, white 0.95047/1/1.08883, f(t) = cbrt(t) above
// 0.008856 and 7.787 t + 4/29 below, L = 116 fy - 16, a = 500 (fx - fy), b = 200 (fy - fz)).

TEST(ColorLab, WhiteIsL100WithKorniaResidualChroma) {
  const Pixel3 lab = rgb_to_lab(Pixel3{1.0f, 1.0f, 1.0f});
  EXPECT_NEAR(lab[0], 100.0, 1e-4);
  // kornia's matrix rows sum to X = 0.950456 and Z = 1.088754, not to the white point
  // 0.95047 / 1.08883, so white is slightly off-axis: a = -0.002455, b = 0.004653 (numpy).
  EXPECT_NEAR(lab[1], -0.002455, 1e-4);
  EXPECT_NEAR(lab[2], 0.004653, 1e-4);
  EXPECT_LT(std::fabs(lab[1]), 5e-3);
  EXPECT_LT(std::fabs(lab[2]), 5e-3);
}

TEST(ColorLab, BlackIsZero) {
  expect_pixel_near(rgb_to_lab(Pixel3{0.0f, 0.0f, 0.0f}), {0.0f, 0.0f, 0.0f}, 1e-5, "black");
}

TEST(ColorLab, PrimariesMatchDoublePrecisionReference) {
  expect_pixel_near(rgb_to_lab(Pixel3{1.0f, 0.0f, 0.0f}), {53.240588f, 80.092308f, 67.202751f},
                    1e-3, "red");
  expect_pixel_near(rgb_to_lab(Pixel3{0.0f, 1.0f, 0.0f}), {87.735099f, -86.183030f, 83.179703f},
                    1e-3, "green");
  expect_pixel_near(rgb_to_lab(Pixel3{0.0f, 0.0f, 1.0f}), {32.295673f, 79.185591f, -107.857300f},
                    1e-3, "blue");
  expect_pixel_near(rgb_to_lab(Pixel3{0.5f, 0.5f, 0.5f}), {53.388965f, -0.001468f, 0.002784f}, 1e-3,
                    "grey 0.5");
}

TEST(ColorLab, RoundTripOnGrid) {
  // Measured worst case is about 6e-6 (float32 rounding through L in [0, 100]).
  const double error =
      max_round_trip_error([](const Pixel3& p) { return lab_to_rgb(rgb_to_lab(p)); });
  EXPECT_LT(error, 1e-5);
}

TEST(ColorLab, ClipOnlyClampsToUnitRange) {
  // A saturated Lab colour outside the sRGB gamut.
  const Pixel3 lab{60.0f, 120.0f, -120.0f};
  const Pixel3 raw = lab_to_rgb(lab, /*clip=*/false);
  const Pixel3 clipped = lab_to_rgb(lab, /*clip=*/true);
  bool out_of_range = false;
  for (int c = 0; c < 3; ++c) {
    out_of_range = out_of_range || raw[c] < 0.0f || raw[c] > 1.0f;
    EXPECT_EQ(clipped[c], std::min(std::max(raw[c], 0.0f), 1.0f)) << "channel " << c;
  }
  EXPECT_TRUE(out_of_range);
}

TEST(ColorLab, NegativeZIsClampedNotNaN) {
  // L = 0, b = 100 gives fz = 16/116 - 0.5 < 0, which kornia clamps to 0 before inverting f.
  const Pixel3 rgb = lab_to_rgb(Pixel3{0.0f, 0.0f, 100.0f}, /*clip=*/false);
  for (int c = 0; c < 3; ++c) EXPECT_TRUE(std::isfinite(rgb[c])) << "channel " << c;
}

// --- HSV -----------------------------------------------------------------------------------

TEST(ColorHsv, KnownColours) {
  // Hand-computed: H = 60 deg * sector position, S = (max - min) / max, V = max.
  const double h60 = kPi / 3.0;
  const double tol = 2e-6;
  expect_pixel_near(rgb_to_hsv(Pixel3{1.0f, 0.0f, 0.0f}), {0.0f, 1.0f, 1.0f}, tol, "red");
  expect_pixel_near(rgb_to_hsv(Pixel3{0.0f, 1.0f, 0.0f}), {float(2 * h60), 1.0f, 1.0f}, tol,
                    "green");
  expect_pixel_near(rgb_to_hsv(Pixel3{0.0f, 0.0f, 1.0f}), {float(4 * h60), 1.0f, 1.0f}, tol,
                    "blue");
  expect_pixel_near(rgb_to_hsv(Pixel3{1.0f, 1.0f, 0.0f}), {float(h60), 1.0f, 1.0f}, tol, "yellow");
  expect_pixel_near(rgb_to_hsv(Pixel3{1.0f, 0.0f, 1.0f}), {float(5 * h60), 1.0f, 1.0f}, tol,
                    "magenta");
  expect_pixel_near(rgb_to_hsv(Pixel3{0.5f, 1.0f, 0.5f}), {float(2 * h60), 0.5f, 1.0f}, tol,
                    "light green");
  // max = B = 0.8, delta = 0.6: H = (4 + (0.2 - 0.4) / 0.6) * 60 deg = 220 deg, S = 0.75.
  expect_pixel_near(rgb_to_hsv(Pixel3{0.2f, 0.4f, 0.8f}), {float(220.0 * kPi / 180.0), 0.75f, 0.8f},
                    tol, "(0.2, 0.4, 0.8)");
  // Greys (delta == 0) get H = 0 and S = 0; black does not divide by zero thanks to eps.
  expect_pixel_near(rgb_to_hsv(Pixel3{0.5f, 0.5f, 0.5f}), {0.0f, 0.0f, 0.5f}, tol, "grey");
  expect_pixel_near(rgb_to_hsv(Pixel3{0.0f, 0.0f, 0.0f}), {0.0f, 0.0f, 0.0f}, tol, "black");
}

TEST(ColorHsv, ToRgbKnownColours) {
  const double tol = 2e-6;
  expect_pixel_near(hsv_to_rgb(Pixel3{0.0f, 1.0f, 1.0f}), {1.0f, 0.0f, 0.0f}, tol, "red");
  expect_pixel_near(hsv_to_rgb(Pixel3{float(2 * kPi / 3), 0.5f, 1.0f}), {0.5f, 1.0f, 0.5f}, tol,
                    "light green");
  // 30 deg, S = 1, V = 0.8: sector 0, f = 0.5, so (V, V (1 - (1 - f) S), 0) = (0.8, 0.4, 0).
  expect_pixel_near(hsv_to_rgb(Pixel3{float(kPi / 6), 1.0f, 0.8f}), {0.8f, 0.4f, 0.0f}, tol,
                    "orange");
  // 270 deg, S = 0.5, V = 1: sector 4, f = 0.5: (t, p, V) = (0.75, 0.5, 1).
  expect_pixel_near(hsv_to_rgb(Pixel3{float(1.5 * kPi), 0.5f, 1.0f}), {0.75f, 0.5f, 1.0f}, tol,
                    "violet");
  expect_pixel_near(hsv_to_rgb(Pixel3{1.0f, 0.0f, 0.25f}), {0.25f, 0.25f, 0.25f}, tol, "grey");
  // Hue is periodic: 2 pi and -2 pi wrap to red.
  expect_pixel_near(hsv_to_rgb(Pixel3{float(2 * kPi), 1.0f, 1.0f}), {1.0f, 0.0f, 0.0f}, tol,
                    "2 pi");
  expect_pixel_near(hsv_to_rgb(Pixel3{float(-2 * kPi), 1.0f, 1.0f}), {1.0f, 0.0f, 0.0f}, tol,
                    "-2 pi");
}

TEST(ColorHsv, HueStaysInRange) {
  const float two_pi = static_cast<float>(2 * kPi);
  for (const Pixel3& p : rgb_grid()) {
    const float h = rgb_to_hsv(p)[0];
    ASSERT_GE(h, 0.0f);
    ASSERT_LT(h, two_pi);
  }
}

TEST(ColorHsv, RoundTripOnGrid) {
  const double error =
      max_round_trip_error([](const Pixel3& p) { return hsv_to_rgb(rgb_to_hsv(p)); });
  EXPECT_LT(error, 1e-5);
}

// --- YCbCr ---------------------------------------------------------------------------------

TEST(ColorYcbcr, KnownValues) {
  const double tol = 1e-6;
  expect_pixel_near(rgb_to_ycbcr(Pixel3{1.0f, 1.0f, 1.0f}), {1.0f, 0.5f, 0.5f}, tol, "white");
  expect_pixel_near(rgb_to_ycbcr(Pixel3{0.0f, 0.0f, 0.0f}), {0.0f, 0.5f, 0.5f}, tol, "black");
  // Y = .299; Cb = (0 - .299) * .564 + .5 = .331364; Cr = (1 - .299) * .713 + .5 = .999813.
  expect_pixel_near(rgb_to_ycbcr(Pixel3{1.0f, 0.0f, 0.0f}), {0.299f, 0.331364f, 0.999813f}, tol,
                    "red");
  // Y = .114; Cb = (1 - .114) * .564 + .5 = .999704; Cr = (0 - .114) * .713 + .5 = .418718.
  expect_pixel_near(rgb_to_ycbcr(Pixel3{0.0f, 0.0f, 1.0f}), {0.114f, 0.999704f, 0.418718f}, tol,
                    "blue");
}

TEST(ColorYcbcr, ToRgbKnownValuesWithoutClamping) {
  const double tol = 1e-6;
  expect_pixel_near(ycbcr_to_rgb(Pixel3{0.5f, 0.5f, 0.5f}), {0.5f, 0.5f, 0.5f}, tol, "grey");
  // cb - .5 = .1, cr - .5 = -.1: r = .5 - .1403, g = .5 + .0714 - .0344, b = .5 + .1773.
  expect_pixel_near(ycbcr_to_rgb(Pixel3{0.5f, 0.6f, 0.4f}), {0.3597f, 0.537f, 0.6773f}, tol,
                    "mixed");
  // kornia 0.7.0 does not clamp: (1, 1, 1) -> (1.7015, 0.471, 1.8865).
  expect_pixel_near(ycbcr_to_rgb(Pixel3{1.0f, 1.0f, 1.0f}), {1.7015f, 0.471f, 1.8865f}, tol,
                    "out of range");
}

TEST(ColorYcbcr, RoundTripOnGridMatchesKorniaCoefficients) {
  // kornia's inverse coefficients are rounded, so ycbcr_to_rgb(rgb_to_ycbcr(x)) = C x with
  // C = inverse * forward != identity (worst case on the grid 2.81e-4, from numpy). Check the
  // float result against C x computed here in double, and the size of the drift.
  const double forward[3][3] = {{0.299, 0.587, 0.114},
                                {-0.299 * 0.564, -0.587 * 0.564, (1 - 0.114) * 0.564},
                                {(1 - 0.299) * 0.713, -0.587 * 0.713, -0.114 * 0.713}};
  const double inverse[3][3] = {{1, 0, 1.403}, {1, -0.344, -0.714}, {1, 1.773, 0}};
  double composite[3][3] = {};
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      for (int k = 0; k < 3; ++k) composite[i][j] += inverse[i][k] * forward[k][j];
    }
  }
  double drift = 0.0;
  for (const Pixel3& p : rgb_grid()) {
    const Pixel3 q = ycbcr_to_rgb(rgb_to_ycbcr(p));
    for (int i = 0; i < 3; ++i) {
      const double expected =
          composite[i][0] * p[0] + composite[i][1] * p[1] + composite[i][2] * p[2];
      ASSERT_NEAR(q[i], expected, 1e-5);
      drift = std::max(drift, std::fabs(double{q[i]} - p[i]));
    }
  }
  EXPECT_LT(drift, 3e-4);
}

// --- Image forms ---------------------------------------------------------------------------

using ImageFn = std::function<cv::Mat(const cv::Mat&)>;
using PixelFn = std::function<Pixel3(const Pixel3&)>;

struct Conversion {
  const char* name;
  ImageFn image;
  PixelFn pixel;
  ImageFn make_input;  // builds a valid input for this conversion from an RGB image
};

std::vector<Conversion> all_conversions() {
  const auto rgb = [](const cv::Mat& m) { return m; };
  return {
      {"rgb_to_lab", [](const cv::Mat& m) { return rgb_to_lab(m); },
       [](const Pixel3& p) { return rgb_to_lab(p); }, rgb},
      {"lab_to_rgb", [](const cv::Mat& m) { return lab_to_rgb(m); },
       [](const Pixel3& p) { return lab_to_rgb(p); },
       [](const cv::Mat& m) { return rgb_to_lab(m); }},
      {"lab_to_rgb(clip=false)", [](const cv::Mat& m) { return lab_to_rgb(m, false); },
       [](const Pixel3& p) { return lab_to_rgb(p, false); },
       [](const cv::Mat& m) { return rgb_to_lab(m); }},
      {"rgb_to_hsv", [](const cv::Mat& m) { return rgb_to_hsv(m); },
       [](const Pixel3& p) { return rgb_to_hsv(p); }, rgb},
      {"hsv_to_rgb", [](const cv::Mat& m) { return hsv_to_rgb(m); },
       [](const Pixel3& p) { return hsv_to_rgb(p); },
       [](const cv::Mat& m) { return rgb_to_hsv(m); }},
      {"rgb_to_ycbcr", [](const cv::Mat& m) { return rgb_to_ycbcr(m); },
       [](const Pixel3& p) { return rgb_to_ycbcr(p); }, rgb},
      {"ycbcr_to_rgb", [](const cv::Mat& m) { return ycbcr_to_rgb(m); },
       [](const Pixel3& p) { return ycbcr_to_rgb(p); },
       [](const cv::Mat& m) { return rgb_to_ycbcr(m); }},
  };
}

TEST(ColorImage, EqualsPixelFormIncludingRoi) {
  const cv::Mat rgb = random_rgb_image(41, 57);
  for (const Conversion& conv : all_conversions()) {
    const cv::Mat full = conv.make_input(rgb);
    // A region of interest is not continuous in memory; rows must be addressed one by one.
    const cv::Mat roi = full(cv::Rect(3, 5, 31, 29));
    ASSERT_FALSE(roi.isContinuous());
    for (const cv::Mat& input : {full, roi}) {
      const cv::Mat output = conv.image(input);
      ASSERT_EQ(output.type(), CV_32FC3) << conv.name;
      ASSERT_EQ(output.size(), input.size()) << conv.name;
      for (int y = 0; y < input.rows; ++y) {
        for (int x = 0; x < input.cols; ++x) {
          const cv::Vec3f in = input.at<cv::Vec3f>(y, x);
          const cv::Vec3f out = output.at<cv::Vec3f>(y, x);
          const Pixel3 expected = conv.pixel(Pixel3{in[0], in[1], in[2]});
          for (int c = 0; c < 3; ++c) {
            ASSERT_EQ(out[c], expected[c]) << conv.name << " at (" << x << ", " << y << ")";
          }
        }
      }
    }
  }
}

TEST(ColorImage, ResultDoesNotDependOnThreadCount) {
  const cv::Mat rgb = random_rgb_image(256, 64);
  const int saved_threads = cv::getNumThreads();
  for (const Conversion& conv : all_conversions()) {
    const cv::Mat input = conv.make_input(rgb);
    const cv::Mat multi = conv.image(input);  // OpenCV's default thread pool
    cv::setNumThreads(1);
    const cv::Mat single = conv.image(input);
    cv::setNumThreads(saved_threads);
    EXPECT_TRUE(bitwise_equal(single, multi)) << conv.name;
  }
}

TEST(ColorImage, BadInputThrowsUsageError) {
  const int sizes[3] = {2, 2, 2};
  const std::vector<std::pair<std::string, cv::Mat>> bad_inputs = {
      {"empty", cv::Mat()},
      {"CV_8UC3", cv::Mat(2, 2, CV_8UC3, cv::Scalar::all(0))},
      {"CV_32FC1", cv::Mat(2, 2, CV_32FC1, cv::Scalar::all(0))},
      {"CV_32FC4", cv::Mat(2, 2, CV_32FC4, cv::Scalar::all(0))},
      {"CV_64FC3", cv::Mat(2, 2, CV_64FC3, cv::Scalar::all(0))},
      {"3-D CV_32FC3", cv::Mat(3, sizes, CV_32FC3, cv::Scalar::all(0))},
  };
  for (const Conversion& conv : all_conversions()) {
    for (const auto& [label, input] : bad_inputs) {
      try {
        conv.image(input);
        ADD_FAILURE() << conv.name << " accepted " << label;
      } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::kUsage) << conv.name << " on " << label;
        EXPECT_EQ(e.exit_code(), kExitUsage);
        // The message names the function ("lab_to_rgb(clip=false)" -> "lab_to_rgb").
        const std::string function =
            std::string(conv.name).substr(0, std::string(conv.name).find('('));
        EXPECT_EQ(std::string(e.what()).rfind(function + ": ", 0), 0u) << e.what();
      }
    }
  }
}

}  // namespace
}  // namespace shamisa
