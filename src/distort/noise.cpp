// The noise group (METHOD-SHAMISA.md sections 3.1 and 4.2): whitenoise, whitenoiseCC,
// impulsenoise and multnoise.
//
// Draw order (all randomness comes from the given Rng, so a seed fixes the output):
// the noise fields are drawn one value at a time in memory order of the H x W x 3 image,
// row-major and channel-interleaved: for y in 0..H-1, for x in 0..W-1, for c in 0..2
// (c = R, G, B; for whitenoiseCC c = Y, Cb, Cr). The k-th draw therefore belongs to value k of
// the row-major array. Impulse noise draws its positions as (c, y, x) triples, see there.
#include <algorithm>
#include <cmath>
#include <string>

#include <opencv2/core.hpp>

#include "distort/functions.h"
#include "shamisa/color.h"
#include "shamisa/error.h"

namespace shamisa::detail {
namespace {
float clamp01(float v) { return std::min(std::max(v, 0.0f), 1.0f); }

// out = clamp01(combine(x, n)) for every value x, with n = stddev * N(0, 1) drawn in memory order.
template <typename Combine>
cv::Mat per_value_noise(const cv::Mat& rgb, double stddev, Rng& rng, Combine combine) {
  cv::Mat out(rgb.size(), CV_32FC3);
  for (int y = 0; y < rgb.rows; ++y) {
    const float* in = rgb.ptr<float>(y);
    float* dst = out.ptr<float>(y);
    for (int i = 0; i < 3 * rgb.cols; ++i) dst[i] = clamp01(combine(in[i], static_cast<float>(stddev * rng.normal())));
  }
  return out;
}

}  // namespace

// whitenoise: y = clip(x + n, 0, 1), n ~ N(0, v) i.i.d. per value (variance v, std sqrt(v)).
cv::Mat white_noise(const cv::Mat& rgb, double variance, Rng& rng) {
  require_rgb_image(rgb, "white_noise");
  require_non_negative(variance, "white_noise", "variance");
  return per_value_noise(rgb, std::sqrt(variance), rng, [](float x, float n) { return x + n; });
}

// whitenoiseCC: RGB -> YCbCr (kornia, no channel swap); add i.i.d. N(0, v) to Y, Cb and Cr;
// YCbCr -> RGB; clip to [0, 1].
cv::Mat white_noise_cc(const cv::Mat& rgb, double variance, Rng& rng) {
  require_rgb_image(rgb, "white_noise_cc");
  require_non_negative(variance, "white_noise_cc", "variance");
  const double stddev = std::sqrt(variance);
  cv::Mat out(rgb.size(), CV_32FC3);
  for (int y = 0; y < rgb.rows; ++y) {
    const float* in = rgb.ptr<float>(y);
    float* dst = out.ptr<float>(y);
    for (int x = 0; x < rgb.cols; ++x, in += 3, dst += 3) {
      Pixel3 ycbcr = rgb_to_ycbcr(Pixel3{in[0], in[1], in[2]});
      for (float& v : ycbcr) v += static_cast<float>(stddev * rng.normal());
      const Pixel3 p = ycbcr_to_rgb(ycbcr);
      for (int c = 0; c < 3; ++c) dst[c] = clamp01(p[c]);
    }
  }
  return out;
}

// impulsenoise (salt and pepper): n = int(d * 3 * H * W) positions, each drawn as a triple
// c = uniform_int(0, 2), then y = uniform_int(0, H-1), then x = uniform_int(0, W-1), triple after
// triple, with replacement. The first floor(n / 2) positions become 1 (salt) and the rest 0
// (pepper), written in draw order, so a position drawn for both ends up as pepper (as the
// reference's two array assignments do). Pepper = 0 fixes quirk Q1 (SHAMISA's reference sets
// both halves to 1; ARNIQA and KADID use 0). Every other value is copied unchanged.
cv::Mat impulse_noise(const cv::Mat& rgb, double density, Rng& rng) {
  require_rgb_image(rgb, "impulse_noise");
  if (!std::isfinite(density) || density < 0.0 || density > 1.0) {
    throw_usage_error("impulse_noise", "density must be in [0, 1], got " + std::to_string(density));
  }
  constexpr float kSalt = 1.0f;
  constexpr float kPepper = 0.0f;
  // Evaluated left to right in double, as Python computes d * 3 * H * W, then truncated.
  const long long count = static_cast<long long>(density * 3.0 * rgb.rows * rgb.cols);
  const long long salt_count = count / 2;
  cv::Mat out = rgb.clone();
  for (long long i = 0; i < count; ++i) {
    const int c = rng.uniform_int(0, 2);
    const int y = rng.uniform_int(0, rgb.rows - 1);
    const int x = rng.uniform_int(0, rgb.cols - 1);
    out.ptr<float>(y)[3 * x + c] = i < salt_count ? kSalt : kPepper;
  }
  return out;
}

// multnoise: y = clip(x + x n, 0, 1), n ~ N(0, v) i.i.d. per value (variance v). Black stays black.
cv::Mat multiplicative_noise(const cv::Mat& rgb, double variance, Rng& rng) {
  require_rgb_image(rgb, "multiplicative_noise");
  require_non_negative(variance, "multiplicative_noise", "variance");
  return per_value_noise(rgb, std::sqrt(variance), rng, [](float x, float n) { return x + x * n; });
}

}  // namespace shamisa::detail
