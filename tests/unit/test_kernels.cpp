// Tests for the MATLAB-style filter kernels (src/distort/kernels.cpp).
//
// Provenance of the reference values:
// * Gaussian: by hand from the definition (exp(-(x^2 + y^2) / 2), normalised); the 17-digit
//   literals were evaluated with /usr/bin/python3.
// * Disk: GNU Octave 7.3.0 with the image package 2.14 (Debian 12),
//   `format long; fspecial('disk', r)`. Octave's 'disk' is an independent, integral-based
//   algorithm; its values agree with MATLAB's algorithm (which kernels.cpp implements) to all
//   printed digits, and with tests/tools/distort_reference_blur_contrast.py. (No MATLAB was
//   available to run; the MATLAB algorithm was checked against the public fspecial.m listings.)
// * Motion: hand-derived from MATLAB's fspecial('motion') algorithm (the derivations are in the
//   comments of each test), with the arithmetic evaluated by /usr/bin/python3 and cross-checked
//   by the NumPy transcription in tests/tools/distort_reference_blur_contrast.py. Octave's
//   fspecial('motion') is a different algorithm (a bilinearly rotated line, 7x7 at 45 degrees,
//   marked "not quite matlab compatible" in its source), so it is not used as a reference.
#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>

#include "distort/kernels.h"

namespace shamisa::detail {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

void expect_kernel(const cv::Mat& k, int rows, int cols, const std::vector<double>& expected,
                   double tol) {
  ASSERT_EQ(k.type(), CV_64FC1);
  ASSERT_EQ(k.rows, rows);
  ASSERT_EQ(k.cols, cols);
  ASSERT_EQ(expected.size(), static_cast<size_t>(rows * cols));
  for (int y = 0; y < rows; ++y)
    for (int x = 0; x < cols; ++x)
      EXPECT_NEAR(k.at<double>(y, x), expected[static_cast<size_t>(y * cols + x)], tol)
          << "at (" << y << ", " << x << ")";
}

double kernel_sum(const cv::Mat& k) { return cv::sum(k)[0]; }

// --- Gaussian ------------------------------------------------------------------------------

TEST(KernelsGaussian, ThreeByThreeSigmaOneByHand) {
  // Unnormalised weights 1 (centre), e^-1/2 (edges), e^-1 (corners); S = 1 + 4e^-1/2 + 4e^-1.
  const double s = 1.0 + 4.0 * std::exp(-0.5) + 4.0 * std::exp(-1.0);
  const double c = 1.0 / s, e = std::exp(-0.5) / s, k = std::exp(-1.0) / s;
  EXPECT_NEAR(c, 0.20417995557165805, 1e-16);
  EXPECT_NEAR(e, 0.12384140315297394, 1e-16);
  EXPECT_NEAR(k, 0.075113607954111497, 1e-16);
  expect_kernel(fspecial_gaussian(3, 1.0), 3, 3, {k, e, k, e, c, e, k, e, k}, 1e-15);
}

TEST(KernelsGaussian, TinySigmaZeroesBelowEpsGivingExactIdentity) {
  // sigma 0.1, 3x3 (gaussian_blur's fs = 2 ceil(0.2) + 1): exp(-50) ~ 2e-22 and exp(-100) are
  // below eps * max = 2.2e-16, so MATLAB zeroes them and the kernel is exactly the identity.
  const cv::Mat k = fspecial_gaussian(3, 0.1);
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 3; ++x) EXPECT_EQ(k.at<double>(y, x), (y == 1 && x == 1) ? 1.0 : 0.0);
}

TEST(KernelsGaussian, SumsToOneAndIsSymmetric) {
  for (const auto& [size, sigma] : std::vector<std::pair<int, double>>{{5, 1.0}, {13, 6.0}, {21, 5.0}, {4, 1.5}}) {
    const cv::Mat k = fspecial_gaussian(size, sigma);
    EXPECT_NEAR(kernel_sum(k), 1.0, 1e-14) << size << " " << sigma;
    for (int y = 0; y < size; ++y)
      for (int x = 0; x < size; ++x) {
        EXPECT_DOUBLE_EQ(k.at<double>(y, x), k.at<double>(size - 1 - y, x));
        EXPECT_DOUBLE_EQ(k.at<double>(y, x), k.at<double>(x, y));
      }
  }
}

// --- Disk ----------------------------------------------------------------------------------

TEST(KernelsDisk, RadiusOneMatchesOctaveAndMatlab) {
  // Octave: 2.507858102383299e-02 1.453439474302194e-01 3.183098861837907e-01 (= 1/pi).
  const double c = 2.507858102383299e-02, e = 1.453439474302194e-01, m = 3.183098861837907e-01;
  expect_kernel(fspecial_disk(1), 3, 3, {c, e, c, e, m, e, c, e, c}, 1e-15);
  EXPECT_NEAR(m, 1.0 / M_PI, 1e-15);  // the centre cell is fully covered; total area pi
}

TEST(KernelsDisk, RadiusTwoMatchesOctaveAndMatlab) {
  const double a = 1.701591748163076e-02, b = 3.811497144393222e-02, d = 7.838135416037169e-02,
               f = 7.957747154594767e-02;  // f = 1/(4 pi): fully covered cells
  expect_kernel(fspecial_disk(2), 5, 5,
                {0, a, b, a, 0,  //
                 a, d, f, d, a,  //
                 b, f, f, f, b,  //
                 a, d, f, d, a,  //
                 0, a, b, a, 0},
                1e-15);
  EXPECT_NEAR(f, 1.0 / (4.0 * M_PI), 1e-16);
}

TEST(KernelsDisk, LargerRadiiAreNormalisedSymmetricAndNonNegative) {
  for (int r : {1, 2, 3, 4, 6, 8}) {
    const cv::Mat k = fspecial_disk(r);
    ASSERT_EQ(k.rows, 2 * r + 1);
    ASSERT_EQ(k.cols, 2 * r + 1);
    EXPECT_NEAR(kernel_sum(k), 1.0, 1e-14) << r;
    // Interior cells are fully covered: weight 1 / (pi r^2) (total area pi r^2).
    EXPECT_NEAR(k.at<double>(r, r), 1.0 / (M_PI * r * r), 1e-14) << r;
    if (r >= 2) {
      EXPECT_EQ(k.at<double>(0, 0), 0.0) << r;  // the corner cell lies outside the disk
    }
    for (int y = 0; y <= 2 * r; ++y)
      for (int x = 0; x <= 2 * r; ++x) {
        EXPECT_GE(k.at<double>(y, x), 0.0);
        EXPECT_NEAR(k.at<double>(y, x), k.at<double>(x, y), 1e-17);
        EXPECT_NEAR(k.at<double>(y, x), k.at<double>(2 * r - y, x), 1e-17);
      }
  }
}

TEST(KernelsDisk, RadiusZeroIsIdentity) {
  const cv::Mat k = fspecial_disk(0);
  ASSERT_EQ(k.rows, 1);
  ASSERT_EQ(k.cols, 1);
  EXPECT_EQ(k.at<double>(0, 0), 1.0);
}

// --- Motion --------------------------------------------------------------------------------

TEST(KernelsMotion, LengthFiveHorizontal) {
  // phi = 0: half = 2, sx = fix(2 + 1 - 5 eps) = 2, sy = fix(1 - 5 eps) = 0: the half matrix is
  // the row x = 0, 1, 2 with distance 0 to the line, weight 1 + eps each (x = 2 is the end pixel,
  // at distance 0 from the end point). Unfolded to 1x5, divided by 5 (1 + eps) + 25 eps.
  const double w = (1 + kEps) / (5 * (1 + kEps) + 25 * kEps);
  EXPECT_NEAR(w, 0.2, 1e-15);
  expect_kernel(fspecial_motion(5, 0), 1, 5, {w, w, w, w, w}, 1e-16);
}

TEST(KernelsMotion, LengthFiveVertical) {
  // phi = pi/2: cos = 6.1e-17 > 0, so xsign = 1, sx = 0, sy = 2: a 5x1 column (then flipud).
  const cv::Mat k = fspecial_motion(5, 90);
  ASSERT_EQ(k.rows, 5);
  ASSERT_EQ(k.cols, 1);
  for (int y = 0; y < 5; ++y) EXPECT_NEAR(k.at<double>(y, 0), 0.2, 1e-15);
}

TEST(KernelsMotion, LengthFiveAt45Degrees) {
  // c = s = 1/sqrt 2, half = 2, sx = sy = fix(2.414 - 5 eps) = 2; a 3x3 half matrix with
  // d = (y - x)/sqrt 2. End pixels (rad >= 2, |d| <= 1): (x,y) = (2,1), (1,2): x2lastpix =
  // 2 - 1.5 sqrt 2 = -0.12132, d' = sqrt(0.5 + 0.014719) = 0.71744 -> weight 0.28256; (2,2):
  // x2lastpix = 2 - 2 sqrt 2, d' = 0.82843 -> 0.17157. Others: 1 - |d|: (0,0), (1,1) -> 1,
  // (1,0), (0,1) -> 1 - 1/sqrt 2 = 0.29289, (2,0), (0,2) -> 0. Unfolded to 5x5 (sum 5.64496),
  // flipped up-down because cos > 0: the line runs from bottom-left to top-right.
  const double p = 0.17714908324272619, q = 0.051885765200814338, r = 0.050055433586875191,
               t = 0.030393977560531128;
  EXPECT_NEAR(p, 1.0 / 5.64496, 1e-6);
  EXPECT_NEAR(r, 0.28256 * p, 1e-6);
  EXPECT_NEAR(t, (3 - 2 * std::sqrt(2.0)) * p, 1e-15);  // 1 - (2 sqrt 2 - 2) = 0.17157
  EXPECT_NEAR(q, (1 - 1 / std::sqrt(2.0)) * p, 1e-15);
  expect_kernel(fspecial_motion(5, 45), 5, 5,
                {0, 0, 0, r, t,  //
                 0, 0, q, p, r,  //
                 0, q, p, q, 0,  //
                 r, p, q, 0, 0,  //
                 t, r, 0, 0, 0},
                1e-15);
}

TEST(KernelsMotion, LengthFiveAt30Degrees) {
  // c = 0.8660, s = 0.5, half = 2, sx = fix(2.732 - 5 eps) = 2, sy = fix(2 - 5 eps) = 1: a 2x3
  // half matrix, d = 0.866 y - 0.5 x. Row y = 0: 1, 0.5, and (2,0) is an end pixel at distance
  // sqrt(1 + (2 - sqrt 3)^2) > 1 -> 0. Row y = 1: 1 - 0.866 = 0.13397, 1 - 0.36603 = 0.63397, and
  // the end pixel (2,1): x2lastpix = 2 - (2 - 0.067)/0.866 = -0.23205, d' = 0.26795 -> 0.73205.
  // Unfolded to 3x5; the total is exactly 5 (0.73205 + 0.63397 + 0.13397 = 1.5); flipped up-down.
  const double a = 0.14641016151377531, b = 0.12679491924311209, c = 0.026794919243112263,
               h = 0.099999999999999908, m = 0.19999999999999976;
  EXPECT_NEAR(a, (std::sqrt(3.0) - 1) / 5, 1e-15);
  EXPECT_NEAR(b, (1 - (std::sqrt(3.0) - 1) / 2) / 5, 1e-15);
  expect_kernel(fspecial_motion(5, 30), 3, 5,
                {0, 0, c, b, a,  //
                 0, h, m, h, 0,  //
                 a, b, c, 0, 0},
                1e-15);
}

TEST(KernelsMotion, LengthOneIsASingleTap) {
  // len = 1: a 1x1 half matrix of weight 1 + eps, divided by (1 + eps) + eps: 1 - eps, not 1.
  const cv::Mat k = fspecial_motion(1, 0);
  ASSERT_EQ(k.rows, 1);
  ASSERT_EQ(k.cols, 1);
  EXPECT_EQ(k.at<double>(0, 0), (1 + kEps) / ((1 + kEps) + kEps));
  EXPECT_NEAR(k.at<double>(0, 0), 1.0, 1e-15);
  // len < 1 is raised to 1 (len = max(1, len)); the angle does not matter.
  EXPECT_EQ(fspecial_motion(0, 77).at<double>(0, 0), k.at<double>(0, 0));
}

TEST(KernelsMotion, AngleIsTakenModulo180) {
  // 180 and 0 give the same kernel (randint(0, 180) includes both), as do -45 and 135.
  const cv::Mat a = fspecial_motion(6, 0), b = fspecial_motion(6, 180);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(cv::norm(a, b, cv::NORM_INF), 0.0);
  const cv::Mat c = fspecial_motion(6, -45), d = fspecial_motion(6, 135);
  ASSERT_EQ(c.size(), d.size());
  EXPECT_EQ(cv::norm(c, d, cv::NORM_INF), 0.0);
}

TEST(KernelsMotion, MirrorAnglesAreMirroredKernels) {
  // 180 - theta draws the same line reflected left-right.
  for (int theta : {10, 30, 45, 60, 80}) {
    const cv::Mat a = fspecial_motion(7, theta), b = fspecial_motion(7, 180 - theta);
    ASSERT_EQ(a.size(), b.size()) << theta;
    cv::Mat mirrored;
    cv::flip(b, mirrored, 1);
    EXPECT_LT(cv::norm(a, mirrored, cv::NORM_INF), 1e-12) << theta;
  }
}

TEST(KernelsMotion, AllKernelsSumToOne) {
  for (double len : {1.0, 2.0, 4.0, 5.0, 6.0, 10.0})
    for (int theta = 0; theta <= 180; theta += 15) {
      const cv::Mat k = fspecial_motion(len, theta);
      ASSERT_EQ(k.rows % 2, 1);
      ASSERT_EQ(k.cols % 2, 1);
      // Normalisation by sum + eps len^2 leaves the sum 1 - O(len^2 eps).
      EXPECT_NEAR(kernel_sum(k), 1.0, 1e-13) << len << " " << theta;
      double min_value;
      cv::minMaxLoc(k, &min_value);
      EXPECT_GE(min_value, 0.0);
    }
}

TEST(KernelsDisk, AllKernelsSumToOne) {
  for (int r = 0; r <= 10; ++r) EXPECT_NEAR(kernel_sum(fspecial_disk(r)), 1.0, 1e-14) << r;
}

// --- filter2d_replicate --------------------------------------------------------------------

TEST(KernelsFilter, CorrelationNotConvolutionWithReplicateBorder) {
  // An asymmetric kernel [0 0 1] (taps at offsets -1, 0, +1): correlation gives out(x) = in(x+1),
  // and the right edge replicates the last value.
  cv::Mat src = (cv::Mat_<float>(1, 4) << 1, 2, 3, 4);
  cv::Mat k = (cv::Mat_<double>(1, 3) << 0, 0, 1);
  const cv::Mat out = filter2d_replicate(src, k);
  ASSERT_EQ(out.type(), CV_32FC1);
  EXPECT_EQ(out.at<float>(0, 0), 2.0f);
  EXPECT_EQ(out.at<float>(0, 1), 3.0f);
  EXPECT_EQ(out.at<float>(0, 2), 4.0f);
  EXPECT_EQ(out.at<float>(0, 3), 4.0f);
}

}  // namespace
}  // namespace shamisa::detail
