// The brightness_change group (METHOD-SHAMISA.md sections 3.1, 4.2 and 4.3): brighten, darken,
// meanshiftneg and meanshiftpos.
//
// Quirk Q5 (section 12): the reference's brighten reverses the channels to BGR before its Lab
// conversion, so the L* it brightens weights blue like red. We fix that: the Lab path here works
// on true RGB. (Every other step is per channel, so the reference behaviour is obtained exactly by
// swapping R and B before and after the call.) darken and mean_shift are per channel, so the swap
// the reference also performs around them has no effect and is not reproduced.
#include <algorithm>
#include <cmath>
#include <string>

#include <opencv2/core.hpp>

#include "distort/functions.h"
#include "shamisa/color.h"
#include "shamisa/error.h"

namespace shamisa::detail {
namespace {
// curve(x; c) of section 4.3: MATLAB's spline() through (0, 0), (0.5, c), (1, 1). With three
// points spline() is the parabola through them, (2 - 4c) x^2 + (4c - 1) x, clamped to [0, 1].
// The coefficients are formed in double exactly as spline() forms them (divided differences);
// the reference then evaluates Horner's rule in single precision, as done here.
class ToneCurve {
 public:
  explicit ToneCurve(double c) {
    const double d0 = (c - 0.0) / 0.5;           // first divided differences
    const double d1 = (1.0 - c) / 0.5;
    const double quadratic = (d1 - d0) / (1.0 - 0.0);  // second divided difference: 2 - 4c
    const double linear = d0 - quadratic * 0.5;        // 4c - 1
    quadratic_ = static_cast<float>(quadratic);
    linear_ = static_cast<float>(linear);
  }
  float operator()(float x) const {
    const float v = (x * quadratic_ + linear_) * x + 0.0f;
    return std::min(std::max(v, 0.0f), 1.0f);
  }

 private:
  float quadratic_ = 0.0f;
  float linear_ = 0.0f;
};

// y = curve(x; c) on every channel value.
cv::Mat apply_curve(const cv::Mat& rgb, const ToneCurve& curve) {
  cv::Mat out(rgb.size(), CV_32FC3);
  for (int y = 0; y < rgb.rows; ++y) {
    const float* in = rgb.ptr<float>(y);
    float* dst = out.ptr<float>(y);
    for (int i = 0; i < rgb.cols * 3; ++i) dst[i] = curve(in[i]);
  }
  return out;
}

}  // namespace

// c = 0.5 + a/2. j = clamp01(Lab->RGB(100 curve(L/100; c), a*, b*)) from the Lab of the true-RGB
// image (Q5 fixed); y = curve(x; c) per channel; output (2y + j) / 3.
cv::Mat brighten(const cv::Mat& rgb, double amount, Rng& /*rng*/) {
  require_rgb_image(rgb, "brighten");
  require_finite(amount, "brighten", "amount");
  const ToneCurve curve(0.5 + amount / 2);

  cv::Mat lab = rgb_to_lab(rgb);
  for (int y = 0; y < lab.rows; ++y) {
    float* row = lab.ptr<float>(y);
    for (int x = 0; x < lab.cols; ++x) row[3 * x] = curve(row[3 * x] / 100.0f) * 100.0f;
  }
  const cv::Mat j = lab_to_rgb(lab, /*clip=*/true);  // clip=True already clamps to [0, 1]

  cv::Mat out = apply_curve(rgb, curve);
  for (int y = 0; y < out.rows; ++y) {
    float* dst = out.ptr<float>(y);
    const float* jr = j.ptr<float>(y);
    for (int i = 0; i < out.cols * 3; ++i) {
      const float jv = std::min(std::max(jr[i], 0.0f), 1.0f);
      dst[i] = (2.0f * dst[i] + jv) / 3.0f;
    }
  }
  return out;
}

// c = 0.5 - a/2; y = curve(x; c) per channel.
cv::Mat darken(const cv::Mat& rgb, double amount, Rng& /*rng*/) {
  require_rgb_image(rgb, "darken");
  require_finite(amount, "darken", "amount");
  return apply_curve(rgb, ToneCurve(0.5 - amount / 2));
}

// clamp(x + a, 0, 1), in single precision.
cv::Mat mean_shift(const cv::Mat& rgb, double offset, Rng& /*rng*/) {
  require_rgb_image(rgb, "mean_shift");
  require_finite(offset, "mean_shift", "offset");
  const float a = static_cast<float>(offset);
  cv::Mat out(rgb.size(), CV_32FC3);
  for (int y = 0; y < rgb.rows; ++y) {
    const float* in = rgb.ptr<float>(y);
    float* dst = out.ptr<float>(y);
    for (int i = 0; i < rgb.cols * 3; ++i) dst[i] = std::min(std::max(in[i] + a, 0.0f), 1.0f);
  }
  return out;
}

}  // namespace shamisa::detail
