// The "spatial_distortion" group (METHOD-SHAMISA.md section 4.2): jitter, non_eccentricity_patch,
// pixelate, quantization and color_block.
//
// Every function reads a CV_32FC3 RGB image in [0, 1] without modifying it and returns a new
// CV_32FC3 image; all randomness comes from the Rng passed in, so a seed fixes the result.
// Buffers are allocated once per call (never per pixel).
//
// Decisions [ours] where the spec leaves a case open (also listed in the unit tests):
// - Integer-valued parameters (patches, levels, blocks) are rounded to the nearest integer
//   (they arrive already rounded, section 3.3); negative counts act as 0.
// - non_eccentricity_patch: the source corner is uniform over [16, H-32] x [16, W-32] (both ends
//   included). An image under 48 px in either dimension has no valid source corner; it is
//   returned unchanged and no random numbers are drawn (the reference would raise).
// - color_block: the top-left corner is uniform over [0, W-32) x [0, H-32) as in the reference;
//   when a side is 32 px or less the block starts at 0 on that axis and is clipped to the image.
// - quantization: when every value falls into one bucket (max b == min b) the output is all 0
//   instead of the reference's 0/0.
// - pixelate: the reduced size is at least 1 x 1.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "distort/functions.h"
#include "shamisa/error.h"

namespace shamisa::detail {
namespace {
int count_from(double v, const char* who) {
  if (!std::isfinite(v)) throw_internal_error(who, "parameter is not a finite number");
  const double r = std::nearbyint(v);
  if (r <= 0) return 0;
  if (r > 1e6) throw_internal_error(who, "parameter is too large");
  return static_cast<int>(r);
}

// Source index of output index `dst` for nearest-neighbour resizing from `in` to `out` samples,
// exactly as PyTorch's CPU kernel for F.interpolate(mode="nearest") computes it (which kornia's
// resize calls): identity when the sizes match, a shift when out == 2 * in, and otherwise
// min(floor(dst * scale), in - 1) with scale = in / out, all in float32.
int nearest_source_index(int dst, int in, int out) {
  if (out == in) return dst;
  if (out == 2 * in) return dst >> 1;
  const float scale = static_cast<float>(in) / static_cast<float>(out);
  const auto src = static_cast<std::int64_t>(std::floor(static_cast<float>(dst) * scale));
  return static_cast<int>(std::min<std::int64_t>(src, in - 1));
}

}  // namespace

// Five rounds of: a per-pixel displacement (dy, dx) = a * N(0, 1); the output at (y, x) is the
// bilinear sample of the current image at (y - dy, x - dx) with replicate borders. Replicate
// padding by ceil(max |d|) followed by sampling and cropping is the same as clamping each of the
// four neighbour indices to the image, which is what is done here, in exact floating point
// (cv::remap would quantise the sample positions to 1/32 px, too coarse for a = 0.05).
cv::Mat jitter(const cv::Mat& rgb, double amount, Rng& rng) {
  require_rgb_image(rgb, "jitter");
  if (!std::isfinite(amount)) throw_internal_error("jitter", "amount is not a finite number");
  const int h = rgb.rows, w = rgb.cols;
  const std::size_t pixels = std::size_t(h) * std::size_t(w);
  cv::Mat current = rgb.clone();
  cv::Mat next(h, w, CV_32FC3);
  std::vector<float> dy(pixels), dx(pixels);
  for (int round = 0; round < 5; ++round) {
    for (std::size_t i = 0; i < pixels; ++i) dy[i] = static_cast<float>(amount * rng.normal());
    for (std::size_t i = 0; i < pixels; ++i) dx[i] = static_cast<float>(amount * rng.normal());
    for (int y = 0; y < h; ++y) {
      float* out = next.ptr<float>(y);
      for (int x = 0; x < w; ++x) {
        const std::size_t i = std::size_t(y) * std::size_t(w) + std::size_t(x);
        const double sy = y - static_cast<double>(dy[i]);
        const double sx = x - static_cast<double>(dx[i]);
        const double fy0 = std::floor(sy), fx0 = std::floor(sx);
        const double wy = sy - fy0, wx = sx - fx0;
        const int y0 = static_cast<int>(fy0), x0 = static_cast<int>(fx0);
        const int ya = std::clamp(y0, 0, h - 1), yb = std::clamp(y0 + 1, 0, h - 1);
        const int xa = std::clamp(x0, 0, w - 1), xb = std::clamp(x0 + 1, 0, w - 1);
        const float* ra = current.ptr<float>(ya);
        const float* rb = current.ptr<float>(yb);
        for (int c = 0; c < 3; ++c) {
          const double top = (1.0 - wx) * ra[3 * xa + c] + wx * ra[3 * xb + c];
          const double bottom = (1.0 - wx) * rb[3 * xa + c] + wx * rb[3 * xb + c];
          out[3 * x + c] = static_cast<float>((1.0 - wy) * top + wy * bottom);
        }
      }
    }
    std::swap(current, next);
  }
  return current;
}

// n times: copy a 16x16 patch whose top-left corner is uniform in [16, H-32] x [16, W-32] and
// paste it, in place, moved by round((U - 0.5) * 16) (round half to even) per axis, i.e. up to
// 8 px. Later patches see earlier pastes. The source is copied out before pasting, so
// overlapping source and destination behave like a copy-then-paste.
cv::Mat non_eccentricity_patch(const cv::Mat& rgb, double patches, Rng& rng) {
  require_rgb_image(rgb, "non_eccentricity_patch");
  constexpr int kPatch = 16, kMargin = 16, kMaxShift = 8;
  const int n = count_from(patches, "non_eccentricity_patch");
  cv::Mat out = rgb.clone();
  const int h = rgb.rows, w = rgb.cols;
  const int y_hi = h - kPatch - kMargin, x_hi = w - kPatch - kMargin;
  if (y_hi < kMargin || x_hi < kMargin) return out;  // under 48 px: nothing fits
  float patch[kPatch][kPatch * 3];
  for (int i = 0; i < n; ++i) {
    const int sy = rng.uniform_int(kMargin, y_hi);
    const int sx = rng.uniform_int(kMargin, x_hi);
    const int oy = static_cast<int>(std::nearbyint((rng.uniform() - 0.5) * 2 * kMaxShift));
    const int ox = static_cast<int>(std::nearbyint((rng.uniform() - 0.5) * 2 * kMaxShift));
    const int ty = sy + oy, tx = sx + ox;  // within [8, H-24] x [8, W-24]: always inside
    for (int r = 0; r < kPatch; ++r)
      std::copy_n(out.ptr<float>(sy + r) + 3 * sx, 3 * kPatch, patch[r]);
    for (int r = 0; r < kPatch; ++r)
      std::copy_n(patch[r], 3 * kPatch, out.ptr<float>(ty + r) + 3 * tx);
  }
  return out;
}

// z = 0.95 - s^0.6; nearest-neighbour resize to (int(H z), int(W z)), then nearest back to
// (H, W), with PyTorch's nearest index rule (no antialiasing). The two resizes compose into one
// index lookup per axis.
cv::Mat pixelate(const cv::Mat& rgb, double strength, Rng& rng) {
  (void)rng;  // deterministic
  require_rgb_image(rgb, "pixelate");
  if (!std::isfinite(strength)) throw_internal_error("pixelate", "strength is not a finite number");
  const double z = 0.95 - std::pow(std::max(strength, 0.0), 0.6);
  const int h = rgb.rows, w = rgb.cols;
  const int hs = std::max(1, static_cast<int>(h * z));  // Python int(): truncation
  const int ws = std::max(1, static_cast<int>(w * z));
  std::vector<int> ymap(static_cast<std::size_t>(h)), xmap(static_cast<std::size_t>(w));
  for (int y = 0; y < h; ++y) ymap[y] = nearest_source_index(nearest_source_index(y, hs, h), h, hs);
  for (int x = 0; x < w; ++x) xmap[x] = nearest_source_index(nearest_source_index(x, ws, w), w, ws);
  cv::Mat out(h, w, CV_32FC3);
  for (int y = 0; y < h; ++y) {
    const float* src = rgb.ptr<float>(ymap[y]);
    float* dst = out.ptr<float>(y);
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) dst[3 * x + c] = src[3 * xmap[x] + c];
  }
  return out;
}

// Thresholds t_k = int(255 k / n), k = 1..n-1; every RGB value u = 255 x (float32) gets the bucket
// b = bucketize(u, [0, t_1, ..., t_{n-1}, 256], right=False), i.e. the number of boundaries
// strictly below u (so u = 0 has its own bucket 0); the output is (b - min b) / (max b - min b)
// over the whole image and all channels. No dithering.
cv::Mat quantization(const cv::Mat& rgb, double levels, Rng& rng) {
  (void)rng;  // deterministic
  require_rgb_image(rgb, "quantization");
  const int n = std::max(1, count_from(levels, "quantization"));
  std::vector<float> bounds;
  bounds.reserve(static_cast<std::size_t>(n) + 1);
  bounds.push_back(0.0f);
  for (int k = 1; k < n; ++k) bounds.push_back(static_cast<float>(static_cast<int>(255.0 * k / n)));
  bounds.push_back(256.0f);

  const int h = rgb.rows, values = rgb.cols * 3;
  cv::Mat buckets(h, rgb.cols, CV_32SC3);
  int lo = INT32_MAX, hi = INT32_MIN;
  for (int y = 0; y < h; ++y) {
    const float* src = rgb.ptr<float>(y);
    std::int32_t* b = buckets.ptr<std::int32_t>(y);
    for (int i = 0; i < values; ++i) {
      const float u = src[i] * 255.0f;
      const auto k = static_cast<std::int32_t>(std::lower_bound(bounds.begin(), bounds.end(), u) - bounds.begin());
      b[i] = k;
      lo = std::min(lo, k);
      hi = std::max(hi, k);
    }
  }
  const float span = hi > lo ? static_cast<float>(hi - lo) : 1.0f;
  cv::Mat out(h, rgb.cols, CV_32FC3);
  for (int y = 0; y < h; ++y) {
    const std::int32_t* b = buckets.ptr<std::int32_t>(y);
    float* dst = out.ptr<float>(y);
    for (int i = 0; i < values; ++i) dst[i] = static_cast<float>(b[i] - lo) / span;
  }
  return out;
}

// n times: a 32x32 block of one colour, each channel uniform in [0, 1), with its top-left corner
// uniform over [0, W-32) x [0, H-32), written in place (later blocks cover earlier ones). Draw
// order per block: R, G, B, x, y.
cv::Mat color_block(const cv::Mat& rgb, double blocks, Rng& rng) {
  require_rgb_image(rgb, "color_block");
  constexpr int kBlock = 32;
  const int n = count_from(blocks, "color_block");
  cv::Mat out = rgb.clone();
  const int h = rgb.rows, w = rgb.cols;
  for (int i = 0; i < n; ++i) {
    float colour[3];
    for (float& c : colour) c = static_cast<float>(rng.uniform());
    const int x0 = w > kBlock ? rng.uniform_int(0, w - kBlock - 1) : 0;
    const int y0 = h > kBlock ? rng.uniform_int(0, h - kBlock - 1) : 0;
    const int x1 = std::min(x0 + kBlock, w), y1 = std::min(y0 + kBlock, h);
    for (int y = y0; y < y1; ++y) {
      float* row = out.ptr<float>(y);
      for (int x = x0; x < x1; ++x)
        for (int c = 0; c < 3; ++c) row[3 * x + c] = colour[c];
    }
  }
  return out;
}

}  // namespace shamisa::detail
