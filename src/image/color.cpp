// Colour-space conversions following kornia 0.7.0 (see docs/image-core.md).
//
// kornia runs these as float32 tensor operations, one elementwise operation at a time, with
// every Python constant rounded to float32 first. The pixel functions below mirror that: float
// arithmetic only, constants written as float, and each expression evaluated in kornia's order.
// Constants that kornia computes in double precision (4/29, 1/3, 1/2.4, 2*pi) are rounded from
// the double value, as PyTorch does, rather than computed as float quotients.
#include "shamisa/color.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include <opencv2/core/utility.hpp>

#include "shamisa/error.h"

// PyTorch rounds after every elementwise operation; fusing a multiply and an add into one FMA
// (which GCC does by default whenever FMA instructions are enabled, e.g. -march=native) would
// change the last bits, so contraction is switched off for this file.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace shamisa {
namespace {

// --- sRGB transfer curve -------------------------------------------------------------------

float srgb_to_linear(float c) {
  return c > 0.04045f ? std::pow((c + 0.055f) / 1.055f, 2.4f) : c / 12.92f;
}

float linear_to_srgb(float c) {
  constexpr float kThreshold = 0.0031308f;
  constexpr float kInverseGamma = static_cast<float>(1.0 / 2.4);
  // kornia clamps the base before pow so that the unused branch never produces NaN.
  return c > kThreshold ? 1.055f * std::pow(std::max(c, kThreshold), kInverseGamma) - 0.055f
                        : 12.92f * c;
}

// --- CIE L*a*b* ----------------------------------------------------------------------------

constexpr float kWhite[3] = {0.95047f, 1.0f, 1.08883f};  // D65, 2-degree observer
constexpr float kLabOffset = static_cast<float>(4.0 / 29.0);

// The forward Lab companding: a cube root above the threshold, a line below it.
float lab_f(float t) {
  constexpr float kThreshold = 0.008856f;
  constexpr float kOneThird = static_cast<float>(1.0 / 3.0);
  // kornia uses pow(t, 1/3) rather than cbrt; the clamp only guards the unused branch.
  return t > kThreshold ? std::pow(std::max(t, kThreshold), kOneThird) : 7.787f * t + kLabOffset;
}

// Inverse of lab_f with kornia's threshold. PyTorch evaluates pow(x, 3.0) as x * x * x.
float lab_f_inverse(float f) { return f > 0.2068966f ? f * f * f : (f - kLabOffset) / 7.787f; }

Pixel3 linear_rgb_to_xyz(float r, float g, float b) {
  return {0.412453f * r + 0.357580f * g + 0.180423f * b,
          0.212671f * r + 0.715160f * g + 0.072169f * b,
          0.019334f * r + 0.119193f * g + 0.950227f * b};
}

Pixel3 xyz_to_linear_rgb(float x, float y, float z) {
  return {3.2404813432005266f * x + -1.5371515162713185f * y + -0.4985363261688878f * z,
          -0.9692549499965682f * x + 1.8759900014898907f * y + 0.0415559265582928f * z,
          0.0556466391351772f * x + -0.2040413383665112f * y + 1.0573110696453443f * z};
}

Pixel3 rgb_to_lab_pixel(const Pixel3& rgb) {
  const Pixel3 xyz =
      linear_rgb_to_xyz(srgb_to_linear(rgb[0]), srgb_to_linear(rgb[1]), srgb_to_linear(rgb[2]));
  const float fx = lab_f(xyz[0] / kWhite[0]);
  const float fy = lab_f(xyz[1] / kWhite[1]);
  const float fz = lab_f(xyz[2] / kWhite[2]);
  return {116.0f * fy - 16.0f, 500.0f * (fx - fy), 200.0f * (fy - fz)};
}

Pixel3 lab_to_rgb_pixel(const Pixel3& lab, bool clip) {
  const float fy = (lab[0] + 16.0f) / 116.0f;
  const float fx = lab[1] / 500.0f + fy;
  const float fz = std::max(fy - lab[2] / 200.0f, 0.0f);  // out-of-gamut colours can give Z < 0
  const Pixel3 lin = xyz_to_linear_rgb(lab_f_inverse(fx) * kWhite[0], lab_f_inverse(fy) * kWhite[1],
                                       lab_f_inverse(fz) * kWhite[2]);
  Pixel3 out{};
  for (int c = 0; c < 3; ++c) {
    out[c] = linear_to_srgb(lin[c]);
    if (clip) out[c] = std::min(std::max(out[c], 0.0f), 1.0f);
  }
  return out;
}

// --- HSV -----------------------------------------------------------------------------------

constexpr float kTwoPi = static_cast<float>(2.0 * 3.14159265358979323846);

// torch.remainder for floats: the result takes the sign of the divisor.
float floor_mod(float a, float b) {
  float mod = std::fmod(a, b);
  if (mod != 0.0f && ((b < 0.0f) != (mod < 0.0f))) mod += b;
  return mod;
}

Pixel3 rgb_to_hsv_pixel(const Pixel3& rgb) {
  constexpr float kEps = 1e-8f;  // kornia's rgb_to_hsv default
  // torch.max over channels returns the first index among equal maxima.
  int argmax = 0;
  for (int c = 1; c < 3; ++c) {
    if (rgb[c] > rgb[argmax]) argmax = c;
  }
  const float vmax = rgb[argmax];
  const float vmin = std::min(std::min(rgb[0], rgb[1]), rgb[2]);
  const float delta = vmax - vmin;
  const float s = delta / (vmax + kEps);

  const float d = delta == 0.0f ? 1.0f : delta;  // greys: avoids 0 / 0, and h comes out 0
  const float rc = vmax - rgb[0];
  const float gc = vmax - rgb[1];
  const float bc = vmax - rgb[2];
  float h = 0.0f;
  switch (argmax) {
    case 0: h = (bc - gc) / d; break;
    case 1: h = ((rc - bc) + 2.0f * d) / d; break;
    default: h = ((gc - rc) + 4.0f * d) / d; break;
  }
  h = floor_mod(h / 6.0f, 1.0f);
  return {kTwoPi * h, s, vmax};
}

Pixel3 hsv_to_rgb_pixel(const Pixel3& hsv) {
  const float h = hsv[0] / kTwoPi;
  const float s = hsv[1];
  const float v = hsv[2];
  const float sector = std::floor(h * 6.0f);
  const float hi = floor_mod(sector, 6.0f);
  if (!std::isfinite(hi)) {  // kornia would fail on the index; propagate NaN instead
    const float nan = std::numeric_limits<float>::quiet_NaN();
    return {nan, nan, nan};
  }
  const float f = floor_mod(h * 6.0f, 6.0f) - hi;
  const float p = v * (1.0f - s);
  const float q = v * (1.0f - f * s);
  const float t = v * (1.0f - (1.0f - f) * s);
  switch (static_cast<int>(hi)) {
    case 0: return {v, t, p};
    case 1: return {q, v, p};
    case 2: return {p, v, t};
    case 3: return {p, q, v};
    case 4: return {t, p, v};
    default: return {v, p, q};
  }
}

// --- YCbCr ---------------------------------------------------------------------------------

Pixel3 rgb_to_ycbcr_pixel(const Pixel3& rgb) {
  const float y = 0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2];
  const float cb = (rgb[2] - y) * 0.564f + 0.5f;
  const float cr = (rgb[0] - y) * 0.713f + 0.5f;
  return {y, cb, cr};
}

// kornia's inverse coefficients are rounded, not the exact inverse of the forward transform,
// so a round trip is off by up to about 3e-4. kornia 0.7.0 does not clamp the result.
Pixel3 ycbcr_to_rgb_pixel(const Pixel3& ycbcr) {
  const float y = ycbcr[0];
  const float cb = ycbcr[1] - 0.5f;
  const float cr = ycbcr[2] - 0.5f;
  return {y + 1.403f * cr, y - 0.714f * cr - 0.344f * cb, y + 1.773f * cb};
}

// --- Image forms ---------------------------------------------------------------------------

void require_float3(const cv::Mat& image, const char* function) {
  if (image.empty()) throw_usage_error(function, "expected a CV_32FC3 image, got an empty image");
  if (image.type() != CV_32FC3 || image.dims != 2) {
    throw_usage_error(function, "expected a 2-D CV_32FC3 image, got " + std::to_string(image.dims) +
                                    "-D " + cv::typeToString(image.type()));
  }
}

// Applies a pixel function to every pixel. Rows are independent, so splitting them across
// threads cannot change the result.
template <typename PixelFn>
cv::Mat map_pixels(const cv::Mat& src, const char* function, PixelFn fn) {
  require_float3(src, function);
  cv::Mat dst(src.size(), CV_32FC3);
  cv::parallel_for_(cv::Range(0, src.rows), [&](const cv::Range& rows) {
    for (int y = rows.start; y < rows.end; ++y) {
      const float* in = src.ptr<float>(y);
      float* out = dst.ptr<float>(y);
      for (int x = 0; x < src.cols; ++x, in += 3, out += 3) {
        const Pixel3 p = fn(Pixel3{in[0], in[1], in[2]});
        out[0] = p[0];
        out[1] = p[1];
        out[2] = p[2];
      }
    }
  });
  return dst;
}

}  // namespace

Pixel3 rgb_to_lab(const Pixel3& rgb) { return rgb_to_lab_pixel(rgb); }
Pixel3 lab_to_rgb(const Pixel3& lab, bool clip) { return lab_to_rgb_pixel(lab, clip); }
Pixel3 rgb_to_hsv(const Pixel3& rgb) { return rgb_to_hsv_pixel(rgb); }
Pixel3 hsv_to_rgb(const Pixel3& hsv) { return hsv_to_rgb_pixel(hsv); }
Pixel3 rgb_to_ycbcr(const Pixel3& rgb) { return rgb_to_ycbcr_pixel(rgb); }
Pixel3 ycbcr_to_rgb(const Pixel3& ycbcr) { return ycbcr_to_rgb_pixel(ycbcr); }

cv::Mat rgb_to_lab(const cv::Mat& rgb) { return map_pixels(rgb, "rgb_to_lab", rgb_to_lab_pixel); }

cv::Mat lab_to_rgb(const cv::Mat& lab, bool clip) {
  return map_pixels(lab, "lab_to_rgb",
                    [clip](const Pixel3& p) { return lab_to_rgb_pixel(p, clip); });
}

cv::Mat rgb_to_hsv(const cv::Mat& rgb) { return map_pixels(rgb, "rgb_to_hsv", rgb_to_hsv_pixel); }
cv::Mat hsv_to_rgb(const cv::Mat& hsv) { return map_pixels(hsv, "hsv_to_rgb", hsv_to_rgb_pixel); }

cv::Mat rgb_to_ycbcr(const cv::Mat& rgb) {
  return map_pixels(rgb, "rgb_to_ycbcr", rgb_to_ycbcr_pixel);
}
cv::Mat ycbcr_to_rgb(const cv::Mat& ycbcr) {
  return map_pixels(ycbcr, "ycbcr_to_rgb", ycbcr_to_rgb_pixel);
}

}  // namespace shamisa
