// The sharpness_contrast group (METHOD-SHAMISA.md sections 3.1, 4.2 and 4.3): highsharpen,
// lincontrchangeneg / lincontrchangepos and nonlincontrchange.
//
// Quirk Q5 (section 12): the reference's high_sharpen reverses the channels to BGR before its Lab
// conversion, so its L* weights blue like red. We fix that: the Lab conversion here works on true
// RGB. (The reference behaviour is obtained by swapping R and B before and after the call.)
#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include <opencv2/core.hpp>

#include "distort/functions.h"
#include "distort/kernels.h"
#include "shamisa/color.h"
#include "shamisa/error.h"

namespace shamisa::detail {
namespace {
// The interpolating cubic spline with not-a-knot end conditions through five knots, as MATLAB's
// spline() builds it (and SciPy's CubicSpline(bc_type='not-a-knot'); the interpolant is unique).
// Stored as MATLAB's piecewise form: on [x_i, x_{i+1}),
//   s(x) = c3 t^3 + c2 t^2 + c1 t + y_i,  t = x - x_i.
class NotAKnotSpline {
 public:
  NotAKnotSpline(const std::array<double, 5>& x, const std::array<double, 5>& y) : x_(x) {
    std::array<double, 4> h{}, delta{};
    for (int i = 0; i < 4; ++i) {
      h[i] = x[i + 1] - x[i];
      delta[i] = (y[i + 1] - y[i]) / h[i];
    }
    // Unknowns: the second derivatives M_0..M_4 (section 4.3).
    cv::Matx<double, 5, 5> a = cv::Matx<double, 5, 5>::zeros();
    cv::Vec<double, 5> b;
    // Not-a-knot at x_1: (M_1 - M_0) / h_0 = (M_2 - M_1) / h_1, i.e. s''' is continuous there.
    a(0, 0) = -h[1];
    a(0, 1) = h[0] + h[1];
    a(0, 2) = -h[0];
    b[0] = 0.0;
    for (int i = 1; i <= 3; ++i) {  // continuity of s' at the interior knots
      a(i, i - 1) = h[i - 1];
      a(i, i) = 2.0 * (h[i - 1] + h[i]);
      a(i, i + 1) = h[i];
      b[i] = 6.0 * (delta[i] - delta[i - 1]);
    }
    // Not-a-knot at x_3: (M_3 - M_2) / h_2 = (M_4 - M_3) / h_3.
    a(4, 2) = -h[3];
    a(4, 3) = h[2] + h[3];
    a(4, 4) = -h[2];
    b[4] = 0.0;
    cv::Vec<double, 5> m;
    if (!cv::solve(a, b, m, cv::DECOMP_LU)) throw_internal_error("NotAKnotSpline", "singular system");
    for (int i = 0; i < 4; ++i) {
      coef_[i][0] = (m[i + 1] - m[i]) / (6.0 * h[i]);
      coef_[i][1] = m[i] / 2.0;
      coef_[i][2] = delta[i] - h[i] * (2.0 * m[i] + m[i + 1]) / 6.0;
      coef_[i][3] = y[i];
    }
  }

  double operator()(double v) const {
    // The piece whose left break is the last one <= v (MATLAB ppval / SciPy); values outside
    // [x_0, x_4] use the end pieces.
    int i = 0;
    while (i < 3 && v >= x_[i + 1]) ++i;
    const double t = v - x_[i];
    return ((coef_[i][0] * t + coef_[i][1]) * t + coef_[i][2]) * t + coef_[i][3];
  }

 private:
  std::array<double, 5> x_;
  std::array<std::array<double, 4>, 4> coef_{};
};

}  // namespace

// swap (fixed, Q5); RGB -> Lab; L filtered (correlation, replicate border) with
// delta + a (delta - G), G = fspecial('gaussian', 13, 6) (the reference derives both from radius
// 3: size 2 ceil(6) + 1 and sigma ceil(6); quirk Q13); Lab -> RGB, clamped (kornia clip=True).
cv::Mat high_sharpen(const cv::Mat& rgb, double amount, Rng& /*rng*/) {
  require_rgb_image(rgb, "high_sharpen");
  require_finite(amount, "high_sharpen", "amount");
  constexpr int kRadius = 3;
  const int filt_radius = static_cast<int>(std::ceil(kRadius * 2.0));  // 6
  const int fs = 2 * filt_radius + 1;                                   // 13
  // The kernel delta + a (delta - G) applied as (1 + a) L - a (G * L), with G * L separable.
  cv::Mat lab = rgb_to_lab(rgb);
  cv::Mat lightness;
  cv::extractChannel(lab, lightness, 0);
  const cv::Mat smoothed = gaussian_filter_replicate(lightness, fs, static_cast<double>(filt_radius));
  cv::Mat sharpened;
  cv::addWeighted(lightness, 1.0 + amount, smoothed, -amount, 0.0, sharpened);
  cv::insertChannel(sharpened, lab, 0);
  return lab_to_rgb(lab, /*clip=*/true);
}

// MATLAB not-a-knot spline through (0, 0), (0.3, 0.25 - a/4), (0.5, 0.5), (0.7, 0.75 + a/4), (1, 1),
// solved once per call, applied to every value (in double), clamped to [0, 1]. a = 0 is a mild
// S-curve, not the identity (quirk Q6).
cv::Mat linear_contrast_change(const cv::Mat& rgb, double amount, Rng& /*rng*/) {
  require_rgb_image(rgb, "linear_contrast_change");
  require_finite(amount, "linear_contrast_change", "amount");
  const NotAKnotSpline spline({0.0, 0.3, 0.5, 0.7, 1.0},
                              {0.0, 0.25 - amount / 4, 0.5, 0.75 + amount / 4, 1.0});
  cv::Mat out(rgb.size(), CV_32FC3);
  for (int y = 0; y < rgb.rows; ++y) {
    const float* in = rgb.ptr<float>(y);
    float* dst = out.ptr<float>(y);
    for (int i = 0; i < rgb.cols * 3; ++i) {
      dst[i] = static_cast<float>(std::clamp(spline(static_cast<double>(in[i])), 0.0, 1.0));
    }
  }
  return out;
}

// Linear despite its name: x clipped to [0, 1] (the input range), y = slope x + intercept with
// slope = 2v and intercept = 0.5 - v (i.e. 0.5 + 2v (x - 0.5)), clipped to [0.5 - v, 0.5 + v].
// Evaluated in single precision in the reference's order.
cv::Mat non_linear_contrast_change(const cv::Mat& rgb, double half_range, Rng& /*rng*/) {
  require_rgb_image(rgb, "non_linear_contrast_change");
  require_finite(half_range, "non_linear_contrast_change", "half range");
  const double low_out = 0.5 - half_range, high_out = 0.5 + half_range;
  const double slope = (high_out - low_out) / 1.0;  // (high_out - low_out) / (high_in - low_in)
  const double intercept = low_out - slope * 0.0;   // low_out - slope * low_in
  const float slope_f = static_cast<float>(slope), intercept_f = static_cast<float>(intercept);
  const float lo = static_cast<float>(low_out), hi = static_cast<float>(high_out);
  cv::Mat out(rgb.size(), CV_32FC3);
  for (int y = 0; y < rgb.rows; ++y) {
    const float* in = rgb.ptr<float>(y);
    float* dst = out.ptr<float>(y);
    for (int i = 0; i < rgb.cols * 3; ++i) {
      const float x = std::clamp(in[i], 0.0f, 1.0f);
      const float v = slope_f * x + intercept_f;
      dst[i] = std::min(std::max(v, lo), hi);
    }
  }
  return out;
}

}  // namespace shamisa::detail
