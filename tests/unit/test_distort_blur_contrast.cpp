// Tests for the blur, sharpness_contrast and brightness_change distortion functions
// (src/distort/blur.cpp, sharpness_contrast.cpp, brightness.cpp).
//
// Provenance of the expected values (stated again at each test):
// * "by hand": derived in the comment next to the value.
// * "numpy": printed by tests/tools/distort_reference_blur_contrast.py under /usr/bin/python3
//   (Debian 12: numpy 1.24, scipy 1.10 from python3-scipy). That script is an independent NumPy
//   re-derivation: the spline is SciPy's CubicSpline(bc_type='not-a-knot'); the Lab conversions
//   are kornia 0.7.0's formulas evaluated in float64; the float32 C++ results agree to 4e-7.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "distort/functions.h"
#include "distort/kernels.h"
#include "shamisa/rng.h"

namespace shamisa::detail {
namespace {

// A rows x cols CV_32FC3 image from interleaved RGB values (row-major).
cv::Mat make_image(int rows, int cols, const std::vector<float>& rgb) {
  cv::Mat m(rows, cols, CV_32FC3);
  EXPECT_EQ(rgb.size(), static_cast<size_t>(rows * cols * 3));
  for (int y = 0; y < rows; ++y)
    for (int x = 0; x < cols; ++x)
      for (int c = 0; c < 3; ++c)
        m.at<cv::Vec3f>(y, x)[c] = rgb[static_cast<size_t>((y * cols + x) * 3 + c)];
  return m;
}

// A gray image (all three channels equal) from row-major values.
cv::Mat make_gray(int rows, int cols, const std::vector<float>& values) {
  std::vector<float> rgb;
  for (float v : values) rgb.insert(rgb.end(), {v, v, v});
  return make_image(rows, cols, rgb);
}

cv::Mat random_image(int rows, int cols, std::uint64_t seed) {
  Rng rng(seed);
  cv::Mat m(rows, cols, CV_32FC3);
  for (int y = 0; y < rows; ++y) {
    float* p = m.ptr<float>(y);
    for (int i = 0; i < cols * 3; ++i) p[i] = static_cast<float>(rng.uniform());
  }
  return m;
}

double max_abs_diff(const cv::Mat& a, const cv::Mat& b) { return cv::norm(a, b, cv::NORM_INF); }

void expect_values(const cv::Mat& out, const std::vector<double>& expected, double tol) {
  ASSERT_EQ(out.type(), CV_32FC3);
  ASSERT_EQ(expected.size(), static_cast<size_t>(out.rows * out.cols * 3));
  for (int y = 0; y < out.rows; ++y)
    for (int x = 0; x < out.cols; ++x)
      for (int c = 0; c < 3; ++c)
        EXPECT_NEAR(out.at<cv::Vec3f>(y, x)[c], expected[static_cast<size_t>((y * out.cols + x) * 3 + c)], tol)
            << "at (" << y << ", " << x << ", " << c << ")";
}

// Every function: the input is left untouched and a new CV_32FC3 image of the same size returned.
using DistortFn = cv::Mat (*)(const cv::Mat&, double, Rng&);

void expect_pure(DistortFn fn, double value) {
  const cv::Mat input = random_image(9, 11, 5);
  const cv::Mat copy = input.clone();
  Rng rng(1);
  const cv::Mat out = fn(input, value, rng);
  EXPECT_EQ(max_abs_diff(input, copy), 0.0);
  EXPECT_EQ(out.type(), CV_32FC3);
  EXPECT_EQ(out.size(), input.size());
  EXPECT_NE(out.data, input.data);
}

// --- blur --------------------------------------------------------------------------------------

TEST(DistortBlur, FunctionsArePure) {
  expect_pure(gaussian_blur, 2.0);
  expect_pure(gaussian_blur, 0.1);
  expect_pure(lens_blur, 4.0);
  expect_pure(motion_blur, 6.0);
  expect_pure(motion_blur, 1.0);
}

TEST(DistortBlur, GaussianSigmaPointOneIsExactlyTheIdentity) {
  // fs = 2 ceil(0.2) + 1 = 3 and the eps rule zeroes every off-centre tap (see test_kernels.cpp).
  const cv::Mat img = random_image(7, 6, 11);
  Rng rng(0);
  EXPECT_EQ(max_abs_diff(gaussian_blur(img, 0.1, rng), img), 0.0);
}

TEST(DistortBlur, GaussianImpulseReproducesTheKernel) {
  // sigma 1: fs = 2 ceil(2) + 1 = 5. A unit impulse in the centre of a 5x5 image never reaches the
  // border, so correlation with the symmetric kernel returns the kernel itself. Kernel values:
  // exp(-(x^2 + y^2)/2) / S, S = sum over the 5x5 grid (numpy printed them to 17 digits).
  std::vector<float> v(25, 0.0f);
  v[12] = 1.0f;
  const cv::Mat img = make_gray(5, 5, v);
  Rng rng(0);
  const cv::Mat out = gaussian_blur(img, 1.0, rng);
  const double k00 = 0.0029690167439504968, k01 = 0.013306209891013651, k02 = 0.021938231279714643,
               k11 = 0.059634295436180138, k12 = 0.098320331348845769, k22 = 0.16210282163712664;
  const double row[5][5] = {{k00, k01, k02, k01, k00},
                            {k01, k11, k12, k11, k01},
                            {k02, k12, k22, k12, k02},
                            {k01, k11, k12, k11, k01},
                            {k00, k01, k02, k01, k00}};
  std::vector<double> expected;
  for (const auto& r : row)
    for (double k : r) expected.insert(expected.end(), {k, k, k});
  expect_values(out, expected, 1e-7);
}

TEST(DistortBlur, LensBlurCornerImpulseUsesReplicateBorder) {
  // r = 1: disk [[c e c] [e m e] [c e c]] with c = 0.0250786, e = 0.1453439, m = 1/pi (Octave,
  // test_kernels.cpp). Image 3x3 with a 1 at (0,0): with a replicate border the padded cells
  // (-1,-1), (-1,0), (0,-1) also hold 1, so out(0,0) = c + 2e + m = 0.6340764; out(0,1) = c + e
  // (padded (-1,0) and (0,0)) = 0.1704225; out(1,1) = c; out(2,2) = 0 (by hand; numpy agrees).
  std::vector<float> v(9, 0.0f);
  v[0] = 1.0f;
  Rng rng(0);
  const cv::Mat out = lens_blur(make_gray(3, 3, v), 1.0, rng);
  const double a = 0.63407636206806228, b = 0.17042252845405231, c = 0.025078581023832966;
  expect_values(out, {a, a, a, b, b, b, 0, 0, 0,  //
                      b, b, b, c, c, c, 0, 0, 0,  //
                      0, 0, 0, 0, 0, 0, 0, 0, 0},
                1e-7);
}

TEST(DistortBlur, LensBlurTruncatesTheRadius) {
  // r <- int(r): 2.9 blurs like 2, not 3.
  const cv::Mat img = random_image(12, 12, 3);
  Rng rng(0);
  EXPECT_EQ(max_abs_diff(lens_blur(img, 2.9, rng), lens_blur(img, 2.0, rng)), 0.0);
  EXPECT_GT(max_abs_diff(lens_blur(img, 3.0, rng), lens_blur(img, 2.0, rng)), 1e-3);
}

TEST(DistortBlur, MotionBlurSameSeedIsDeterministic) {
  const cv::Mat img = random_image(16, 16, 7);
  for (std::uint64_t seed : {0ull, 1ull, 99ull}) {
    Rng a(seed), b(seed);
    const cv::Mat out_a = motion_blur(img, 6.0, a);
    const cv::Mat out_b = motion_blur(img, 6.0, b);
    EXPECT_EQ(max_abs_diff(out_a, out_b), 0.0);
    // Exactly one draw, theta = uniform_int(0, 180) (Python random.randint, both ends included),
    // and the result is filter2D with fspecial('motion', len, theta).
    Rng probe(seed);
    const int theta = probe.uniform_int(0, 180);
    EXPECT_EQ(a.next_u64(), probe.next_u64());
    EXPECT_EQ(max_abs_diff(out_a, filter2d_replicate(img, fspecial_motion(6.0, theta))), 0.0);
  }
}

TEST(DistortBlur, MotionBlurLengthOneIsTheIdentity) {
  // len 1: the 1x1 kernel 1 - eps, which leaves every float32 value unchanged.
  const cv::Mat img = random_image(8, 9, 13);
  for (std::uint64_t seed : {0ull, 5ull, 12345ull}) {
    Rng rng(seed);
    EXPECT_EQ(max_abs_diff(motion_blur(img, 1.0, rng), img), 0.0);
  }
}

TEST(DistortBlur, MotionBlurHorizontalLineByHand) {
  // Find a seed whose angle draw is 0 degrees: then the kernel is the 1x5 row of 0.2 and a
  // vertical line at column 3 of a 3x7 image spreads to columns 1..5 with value 0.2 (by hand).
  std::uint64_t seed = 0;
  while (Rng(seed).uniform_int(0, 180) != 0) ++seed;
  std::vector<float> v(21, 0.0f);
  for (int y = 0; y < 3; ++y) v[static_cast<size_t>(y * 7 + 3)] = 1.0f;
  Rng rng(seed);
  const cv::Mat out = motion_blur(make_gray(3, 7, v), 5.0, rng);
  std::vector<double> expected;
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 7; ++x) {
      const double e = (x >= 1 && x <= 5) ? 0.2 : 0.0;
      expected.insert(expected.end(), {e, e, e});
    }
  expect_values(out, expected, 1e-7);
}

// --- sharpness_contrast ------------------------------------------------------------------------

TEST(DistortContrast, FunctionsArePure) {
  expect_pure(high_sharpen, 3.0);
  expect_pure(linear_contrast_change, -0.3);
  expect_pure(linear_contrast_change, 0.6);
  expect_pure(non_linear_contrast_change, 0.1);
}

// SciPy CubicSpline(bc_type='not-a-knot') through (0,0), (.3, .25 - a/4), (.5,.5), (.7, .75 + a/4),
// (1,1), clipped to [0,1], at the float32 values of these points (numpy script).
const std::vector<float> kSplinePoints = {0.0f, 0.05f, 0.1f, 0.2f, 0.3f, 0.4f,
                                          0.5f, 0.6f,  0.75f, 0.9f, 1.0f};

void expect_spline(double amount, const std::vector<double>& scipy) {
  // Put the points in all three channels, one point per pixel of an 11x1 image.
  const cv::Mat img = make_gray(1, 11, kSplinePoints);
  Rng rng(0);
  const cv::Mat out = linear_contrast_change(img, amount, rng);
  std::vector<double> expected;
  for (double s : scipy) expected.insert(expected.end(), {s, s, s});
  expect_values(out, expected, 1e-6);
}

TEST(DistortContrast, LinearContrastSplineMatchesScipyNegative) {
  expect_spline(-0.6, {0, 0.10089285852210156, 0.18571428802041787, 0.31428571740786237,
                       0.40000000823111742, 0.45714285998117349, 0.5, 0.54285715421040892,
                       0.6383928571428571, 0.81428567738760249, 0.99999999999999989});
}

TEST(DistortContrast, LinearContrastSplineMatchesScipyZero) {
  expect_spline(0.0, {0, 0.024553571856536293, 0.057142858224965246, 0.14285714576641717,
                      0.25000001376583475, 0.37142857895011, 0.5, 0.62857145865758246,
                      0.8058035714285714, 0.94285712554341206, 0.99999999999999989});
}

TEST(DistortContrast, LinearContrastSplineMatchesScipyPositive) {
  // a = 0.6 overshoots below 0 and above 1 near the ends: those values are clamped.
  expect_spline(0.6, {0, 0, 0, 0, 0.10000001930055206, 0.28571429791904634, 0.5, 0.714285763104756,
                      0.97321428571428581, 1, 1});
}

TEST(DistortContrast, LinearContrastAmountZeroIsNotTheIdentity) {
  // Quirk Q6: knots (0.3, 0.25) and (0.7, 0.75) make a mild S-curve even at a = 0.
  const cv::Mat img = make_gray(1, 3, {0.1f, 0.2f, 0.9f});
  Rng rng(0);
  const cv::Mat out = linear_contrast_change(img, 0.0, rng);
  EXPECT_GT(std::abs(out.at<cv::Vec3f>(0, 0)[0] - 0.1f), 0.04f);  // 0.0571
  EXPECT_GT(std::abs(out.at<cv::Vec3f>(0, 1)[0] - 0.2f), 0.05f);  // 0.1429
  EXPECT_GT(std::abs(out.at<cv::Vec3f>(0, 2)[0] - 0.9f), 0.04f);  // 0.9429
}

TEST(DistortContrast, LinearContrastPassesThroughTheKnots) {
  // By hand: the spline interpolates its knots; 0.3 and 0.7 map to 0.25 - a/4 and 0.75 + a/4.
  const cv::Mat img = make_gray(1, 5, {0.0f, 0.3f, 0.5f, 0.7f, 1.0f});
  for (double a : {-0.6, -0.15, 0.0, 0.4}) {
    Rng rng(0);
    const cv::Mat out = linear_contrast_change(img, a, rng);
    const double expected[5] = {0.0, 0.25 - a / 4, 0.5, 0.75 + a / 4, 1.0};
    for (int x = 0; x < 5; ++x)
      for (int c = 0; c < 3; ++c) EXPECT_NEAR(out.at<cv::Vec3f>(0, x)[c], expected[x], 1e-6) << a;
  }
}

TEST(DistortContrast, NonLinearContrastByHand) {
  // y = 0.5 + 2v (x - 0.5), clipped to [0.5 - v, 0.5 + v]. v = 0.05: 0 -> 0.45, 0.25 -> 0.475,
  // 0.5 -> 0.5, 0.75 -> 0.525, 1 -> 0.55. v = 0.4: 0.1 -> 0.18, 0.9 -> 0.82.
  Rng rng(0);
  const cv::Mat a = non_linear_contrast_change(make_gray(1, 5, {0.0f, 0.25f, 0.5f, 0.75f, 1.0f}), 0.05, rng);
  expect_values(a, {0.45, 0.45, 0.45, 0.475, 0.475, 0.475, 0.5, 0.5, 0.5, 0.525, 0.525, 0.525, 0.55, 0.55, 0.55},
                1e-7);
  const cv::Mat b = non_linear_contrast_change(make_image(1, 1, {0.1f, 0.9f, 0.5f}), 0.4, rng);
  expect_values(b, {0.18, 0.82, 0.5}, 1e-7);
}

TEST(DistortContrast, HighSharpenLeavesAFlatImageAlone) {
  // The kernel delta + a (delta - G) sums to 1, so a constant L is unchanged; only the float Lab
  // round trip remains (by hand).
  const cv::Mat img = make_image(6, 6, std::vector<float>(108, 0.0f)) + cv::Scalar(0.3, 0.6, 0.2);
  Rng rng(0);
  EXPECT_LT(max_abs_diff(high_sharpen(img, 12.0, rng), img), 2e-5);
}

TEST(DistortContrast, HighSharpenMatchesNumpyReference) {
  // 5x5 image: R = 0.4 for x < 2 else 0.6 (a vertical edge), G = 0.3 + 0.1 y, B = 0.5; a = 2.
  // The numpy script converts to Lab (kornia formulas, float64), correlates L with
  // delta + 2 (delta - G13x13,sigma 6) using a replicate border, converts back and clamps.
  std::vector<float> in;
  for (int y = 0; y < 5; ++y)
    for (int x = 0; x < 5; ++x) in.insert(in.end(), {x < 2 ? 0.4f : 0.6f, 0.3f + 0.1f * y, 0.5f});
  const cv::Mat img = make_image(5, 5, in);
  Rng rng(0);
  const cv::Mat out = high_sharpen(img, 2.0, rng);
  expect_values(
      out,
      {0.18542369779830137, 0.10141793407377997, 0.28119663934252853, 0.17684082584174982,
       0.093643039973008602, 0.27251590365313372, 0.47660681769423691, 0.18548725681083994,
       0.38543989822632119, 0.46674925153319818, 0.17614361783053278, 0.37636756515871972,
       0.45731756869151413, 0.16715007724060552, 0.36769997779900648, 0.26964487661756409,
       0.27134012122416684, 0.36501928954718055, 0.26152366406229116, 0.26335872194919496,
       0.35658539338047468, 0.54602089073683746, 0.34997184908945961, 0.44887289366036293,
       0.53678674588986408, 0.34143635402511424, 0.44015090546832963, 0.52795218577283276,
       0.33327658387857334, 0.43181349566311422, 0.36029390654746896, 0.45919849977842303,
       0.45926653669679224, 0.35232664263782915, 0.45100791590700035, 0.45109051308535814,
       0.62824757230546247, 0.52720088244225682, 0.527147282781536, 0.61952983940632889,
       0.5188020654875426, 0.51876461643420524, 0.61118788255716539, 0.51076867318373842,
       0.51074700046272858, 0.46109814142988886, 0.66350871113461518, 0.56121066585660273,
       0.45323024399227813, 0.65532881214849814, 0.55331643155283738, 0.72086571428352297,
       0.7203678728360825, 0.61700801376384629, 0.71257749346412558, 0.71211045553357022,
       0.60896762939408033, 0.70464385465999169, 0.70420671254619194, 0.60127333281626116,
       0.57495764036992736, 0.88089032552347224, 0.67034415889985177, 0.56723780188261674,
       0.87287079085437269, 0.66275420727837286, 0.8240265928726348, 0.92795300164803673,
       0.71701683345479306, 0.81611234105049257, 0.91990866534090676, 0.70932377672267555,
       0.8085337331798963, 0.91220492895284189, 0.70195854141462721},
      2e-6);
}

TEST(DistortContrast, HighSharpenUsesTrueRgb) {
  // Q5 fixed: swapping R and B around the call (the reference's behaviour) gives a different
  // result on a non-gray image with structure in L (by construction).
  const cv::Mat img = random_image(8, 8, 21);
  Rng rng(0);
  const cv::Mat direct = high_sharpen(img, 3.0, rng);
  cv::Mat swapped_in, swapped_out;
  cv::cvtColor(img, swapped_in, cv::COLOR_RGB2BGR);
  cv::cvtColor(high_sharpen(swapped_in, 3.0, rng), swapped_out, cv::COLOR_BGR2RGB);
  EXPECT_GT(max_abs_diff(direct, swapped_out), 1e-3);
}

// --- brightness_change -------------------------------------------------------------------------

TEST(DistortBrightness, FunctionsArePure) {
  expect_pure(brighten, 0.7);
  expect_pure(darken, 0.4);
  expect_pure(mean_shift, -0.115);
}

TEST(DistortBrightness, CurveAtHalfIsC) {
  // curve(0.5; c) = (2 - 4c)/4 + (4c - 1)/2 = c (by hand); darken uses c = 0.5 - a/2.
  const cv::Mat img = make_gray(1, 1, {0.5f});
  for (double a : {0.05, 0.1, 0.2, 0.4, 0.8}) {
    Rng rng(0);
    const cv::Mat out = darken(img, a, rng);
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(out.at<cv::Vec3f>(0, 0)[c], 0.5 - a / 2, 1e-7) << a;
  }
}

TEST(DistortBrightness, DarkenByHand) {
  // a = 0.4, c = 0.3: curve = 0.8 x^2 + 0.2 x: 0 -> 0, 0.25 -> 0.1, 0.75 -> 0.6, 1 -> 1.
  // a = 0.8, c = 0.1: curve = 1.6 x^2 - 0.6 x: 0.25 -> -0.05 -> clamped 0, 0.75 -> 0.45, 1 -> 1.
  const cv::Mat img = make_image(1, 2, {0.0f, 0.25f, 0.75f, 1.0f, 0.25f, 0.75f});
  Rng rng(0);
  expect_values(darken(img, 0.4, rng), {0.0, 0.1, 0.6, 1.0, 0.1, 0.6}, 1e-7);
  expect_values(darken(img, 0.8, rng), {0.0, 0.0, 0.45, 1.0, 0.0, 0.45}, 1e-7);
}

TEST(DistortBrightness, BrightenMatchesNumpyReference) {
  // Pixels (0.2, 0.5, 0.8), (0.9, 0.1, 0.3), (0.5, 0.5, 0.5), (0, 0, 0); output (2y + j)/3 with
  // y = curve(x; c) per channel and j = Lab->RGB(100 curve(L/100; c), a*, b*), clamped (numpy).
  const cv::Mat img = make_image(2, 2, {0.2f, 0.5f, 0.8f, 0.9f, 0.1f, 0.3f, 0.5f, 0.5f, 0.5f, 0.f, 0.f, 0.f});
  Rng rng(0);
  expect_values(brighten(img, 0.4, rng),
                {0.37190976463917691, 0.70164733467393015, 0.95200000413258856, 0.98133332761128711,
                 0.24448153070291326, 0.47548037236078194, 0.70190785628334107, 0.70190743488488161,
                 0.70190959122661678, 0, 0, 0},
                2e-6);
  expect_values(brighten(img, 1.1, rng),
                {0.63008118075371033, 1, 1, 1, 0.44750940457136723, 0.77773915664171833, 1,
                 0.99999938700466073, 1, 0, 0, 0},
                2e-6);
}

TEST(DistortBrightness, BrightenGrayByHand) {
  // A gray 0.5 pixel, a = 0.4 (c = 0.7): y = curve(0.5) = 0.7. Its L* = 116 f(Y) - 16 with
  // Y = ((0.5 + 0.055)/1.055)^2.4 = 0.21404, f = Y^(1/3) = 0.59814, L* = 53.389; L'/100 =
  // curve(0.53389; 0.7) = -0.8 * 0.28504 + 1.8 * 0.53389 = 0.73297, so f' = (73.297 + 16)/116 =
  // 0.76980, Y' = f'^3 = 0.45618, and back through the sRGB curve
  // j = 1.055 * 0.45618^(1/2.4) - 0.055 = 0.70572 (a* = b* = 0 up to rounding).
  // Output (2 * 0.7 + 0.70572)/3 = 0.70191.
  const cv::Mat img = make_gray(1, 1, {0.5f});
  Rng rng(0);
  const cv::Mat out = brighten(img, 0.4, rng);
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(out.at<cv::Vec3f>(0, 0)[c], 0.70191, 2e-5);
}

TEST(DistortBrightness, BrightenUsesTrueRgb) {
  // Q5 fixed: only the Lab path depends on the channel order; swapping R and B around the call
  // (the reference's behaviour) changes the result for coloured pixels.
  const cv::Mat img = random_image(4, 4, 17);
  Rng rng(0);
  const cv::Mat direct = brighten(img, 0.4, rng);
  cv::Mat swapped_in, swapped_out;
  cv::cvtColor(img, swapped_in, cv::COLOR_RGB2BGR);
  cv::cvtColor(brighten(swapped_in, 0.4, rng), swapped_out, cv::COLOR_BGR2RGB);
  EXPECT_GT(max_abs_diff(direct, swapped_out), 1e-3);
  // Gray pixels are unaffected by the swap.
  const cv::Mat gray = make_gray(1, 3, {0.1f, 0.5f, 0.8f});
  cv::Mat gray_swapped;
  cv::cvtColor(gray, gray_swapped, cv::COLOR_RGB2BGR);
  EXPECT_LT(max_abs_diff(brighten(gray, 0.4, rng), brighten(gray_swapped, 0.4, rng)), 1e-6);
}

TEST(DistortBrightness, MeanShiftClamps) {
  // clamp(x + a, 0, 1) by hand.
  const cv::Mat img = make_image(1, 2, {0.95f, 0.05f, 0.5f, 0.0f, 1.0f, 0.2f});
  Rng rng(0);
  expect_values(mean_shift(img, 0.1, rng), {1.0, 0.15, 0.6, 0.1, 1.0, 0.3}, 1e-7);
  expect_values(mean_shift(img, -0.1, rng), {0.85, 0.0, 0.4, 0.0, 0.9, 0.1}, 1e-7);
  EXPECT_EQ(max_abs_diff(mean_shift(img, 0.0, rng), img), 0.0);
  expect_values(mean_shift(img, 0.185, rng), {1.0, 0.235, 0.685, 0.185, 1.0, 0.385}, 1e-7);
}

}  // namespace
}  // namespace shamisa::detail
