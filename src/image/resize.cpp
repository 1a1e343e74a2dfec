// Pillow-compatible antialiased resampling (see include/shamisa/resize.h).
//
// This is an independent implementation of the algorithm of Pillow 9.4's Image.resize
// (libImaging/Resample.c), written so that 8-bit results are bit-identical:
//
//  * Coefficients, per axis and per output index i (in = source size, out = target size):
//      scale = in / out, filterscale = max(scale, 1), support = filter_support * filterscale,
//      center = (i + 0.5) * scale,
//      first = max(0, int(center - support + 0.5)), end = min(in, int(center + support + 0.5)),
//      w[j] = filter((first + j - center + 0.5) * (1 / filterscale)) for first + j < end,
//    normalised by their sum (left as they are when the sum is 0). The filter argument is
//    multiplied by the reciprocal, not divided, and the Hamming window uses the single-precision
//    constants 0.54f and 0.46f, both as Pillow does, so the doubles match bit for bit.
//  * 8-bit images: each weight becomes an int32 with 22 fractional bits, rounded half away from
//    zero; a sum starts at 1 << 21 (the rounding half), adds pixel * weight over the taps in
//    increasing order, and is stored as clamp(sum >> 22, 0, 255). The 32-bit sum cannot
//    overflow: the positive weights of a normalised set add up to at most about 1.29 (Lanczos;
//    1.14 for bicubic), well under 2, so |sum| < 255 * 2^23 + 2^21 < 2^31.
//  * Float images: double weights and double sums over the taps in increasing order, stored as
//    float after each pass (Pillow's mode "F").
//  * Passes: horizontal first, only when the width changes, computing only the source rows the
//    vertical pass reads; then vertical, only when the height changes. The horizontal result
//    is stored as 8-bit (or float) between the passes. When neither size changes the result
//    is a copy.
//
// Floating point: the above assumes plain IEEE double arithmetic, as compiled for x86-64
// without -march flags (the project's build). Where the compiler may fuse multiply-adds
// (-march=native with GCC's default -ffp-contract=fast) float results can differ from Pillow
// in the last bit; 8-bit results were still identical in a randomised check of that build.
//
// Channels are resampled independently. For CV_8UC4 this is NOT what Image.resize does with an
// "RGBA" image: Pillow premultiplies the colour by alpha ("RGBa") before resampling and divides
// afterwards. Here the four channels are treated like four "L" images, so fully opaque images
// match Pillow exactly and images with partial transparency may differ where alpha varies.
//
// Rows are distributed over threads with cv::parallel_for_; every output row is computed by the
// same sequence of operations whatever the partition, so results do not depend on the number
// of threads.
#include "shamisa/resize.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <opencv2/core/hal/intrin.hpp>
#include <opencv2/core/utility.hpp>

#include "shamisa/error.h"

// OpenCV's universal intrinsics (SSE2 on x86-64 without -march flags, NEON on ARM). Define
// SHAMISA_RESIZE_NO_SIMD to build the plain C++ loops instead; both give the same results.
#if CV_SIMD128 && !defined(SHAMISA_RESIZE_NO_SIMD)
#define SHAMISA_RESIZE_SIMD 1
#else
#define SHAMISA_RESIZE_SIMD 0
#endif
#if SHAMISA_RESIZE_SIMD && CV_SIMD128_64F
#define SHAMISA_RESIZE_SIMD_64F 1
#else
#define SHAMISA_RESIZE_SIMD_64F 0
#endif

namespace shamisa {
namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;  // fractional bits of the 8-bit path's weights
constexpr int kSplitBits = 11;              // see AxisTaps::fixed_hi
constexpr double kPi = 3.14159265358979323846;

// --- Filters (argument in source pixels of the unscaled kernel) ------------------------------

double box_kernel(double x) { return (x > -0.5 && x <= 0.5) ? 1.0 : 0.0; }

double bilinear_kernel(double x) {
  x = std::fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

double hamming_kernel(double x) {
  x = std::fabs(x);
  if (x == 0.0) return 1.0;
  if (x >= 1.0) return 0.0;
  x *= kPi;
  // The window's constants are single precision in Pillow; keep them so.
  return std::sin(x) / x * (0.54f + 0.46f * std::cos(x));
}

double bicubic_kernel(double x) {
  constexpr double a = -0.5;
  x = std::fabs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}

double sinc(double x) {
  if (x == 0.0) return 1.0;
  x *= kPi;
  return std::sin(x) / x;
}

double lanczos_kernel(double x) {
  if (x >= -3.0 && x < 3.0) return sinc(x) * sinc(x / 3.0);
  return 0.0;
}

struct Kernel {
  double (*fn)(double);
  double support;
};

Kernel kernel_for(ResampleFilter filter) {
  switch (filter) {
    case ResampleFilter::kBox: return {box_kernel, 0.5};
    case ResampleFilter::kBilinear: return {bilinear_kernel, 1.0};
    case ResampleFilter::kHamming: return {hamming_kernel, 1.0};
    case ResampleFilter::kBicubic: return {bicubic_kernel, 2.0};
    case ResampleFilter::kLanczos: return {lanczos_kernel, 3.0};
  }
  throw_usage_error("resize",
                    "unknown resampling filter " + std::to_string(static_cast<int>(filter)));
}

// --- Coefficient tables ----------------------------------------------------------------------

// The taps of one axis: output index i reads source indices first[i] .. first[i] + count[i] - 1
// with weights row i of the table (stride `stride`, zero padded).
struct AxisTaps {
  int stride = 0;
  std::vector<int> first;
  std::vector<int> count;
  std::vector<double> weights;      // float path
  std::vector<std::int32_t> fixed;  // 8-bit path
  // The 8-bit weights split as fixed = hi * 2^kSplitBits + lo with 0 <= lo < 2^kSplitBits, both
  // 16-bit, for the vector code's 16-bit multiply-adds. Empty if a weight does not fit.
  std::vector<std::int16_t> fixed_hi;
  std::vector<std::int16_t> fixed_lo;
};

AxisTaps compute_taps(int in_size, int out_size, const Kernel& kernel, bool fixed_point) {
  AxisTaps taps;
  const double scale = static_cast<double>(in_size) / out_size;
  const double filterscale = std::max(scale, 1.0);
  const double support = kernel.support * filterscale;
  const double inv_filterscale = 1.0 / filterscale;
  // Upper bound of the taps per output index (as Pillow sizes its buffer), rounded up to a
  // multiple of 8 so that the vector code can read whole groups of zero-padded weights.
  taps.stride = (static_cast<int>(std::ceil(support)) * 2 + 1 + 7) / 8 * 8;
  const std::size_t table = static_cast<std::size_t>(out_size) * taps.stride;

  taps.first.resize(out_size);
  taps.count.resize(out_size);
  taps.weights.assign(table, 0.0);
  for (int i = 0; i < out_size; ++i) {
    const double center = (i + 0.5) * scale;
    // Truncating casts, as Pillow's "rounding" of the bounds.
    const int lo = std::max(0, static_cast<int>(center - support + 0.5));
    const int hi = std::min(in_size, static_cast<int>(center + support + 0.5));
    const int n = std::min(hi - lo, taps.stride);  // never clipped: hi - lo <= 2 * support + 1
    double* w = &taps.weights[static_cast<std::size_t>(i) * taps.stride];
    double sum = 0.0;
    for (int j = 0; j < n; ++j) {
      w[j] = kernel.fn((j + lo - center + 0.5) * inv_filterscale);
      sum += w[j];
    }
    if (sum != 0.0) {
      for (int j = 0; j < n; ++j) w[j] /= sum;
    }
    taps.first[i] = lo;
    taps.count[i] = std::max(n, 0);
  }

  if (fixed_point) {
    taps.fixed.resize(table);
    const double one = static_cast<double>(1 << kPrecisionBits);
    for (std::size_t k = 0; k < table; ++k) {
      const double w = taps.weights[k];
      taps.fixed[k] = static_cast<std::int32_t>(w < 0.0 ? -0.5 + w * one : 0.5 + w * one);
    }
    const auto [lowest, highest] = std::minmax_element(taps.fixed.begin(), taps.fixed.end());
    constexpr std::int32_t kSplitLimit = std::int32_t{1} << (15 + kSplitBits);
    if (*lowest >= -kSplitLimit && *highest < kSplitLimit) {  // always, for sane weights
      taps.fixed_hi.resize(table);
      taps.fixed_lo.resize(table);
      for (std::size_t k = 0; k < table; ++k) {
        const std::int32_t lo = taps.fixed[k] & ((1 << kSplitBits) - 1);
        taps.fixed_lo[k] = static_cast<std::int16_t>(lo);
        taps.fixed_hi[k] = static_cast<std::int16_t>((taps.fixed[k] - lo) / (1 << kSplitBits));
      }
    }
    taps.weights.clear();
    taps.weights.shrink_to_fit();
  }
  return taps;
}

// --- Row scheduling --------------------------------------------------------------------------

// Runs body(begin, end) over rows [0, rows), in parallel when the pass is large enough to pay
// for it. Each row's computation is the same either way.
template <typename Body>
void for_each_row_range(int rows, double work, const Body& body) {
  constexpr double kMinParallelWork = 1 << 17;  // multiply-adds
  const int threads = cv::getNumThreads();
  if (threads <= 1 || rows < 2 || work < kMinParallelWork) {
    body(0, rows);
    return;
  }
  const int stripes = std::min(rows, threads * 4);
  cv::parallel_for_(
      cv::Range(0, rows), [&](const cv::Range& r) { body(r.start, r.end); }, stripes);
}

// --- 8-bit passes ----------------------------------------------------------------------------
//
// The integer sums are exact (no overflow, see the top of the file), so the vector code may add
// the products in any order and still give Pillow's result.

constexpr std::int32_t kHalf = 1 << (kPrecisionBits - 1);

inline std::uint8_t clip8(std::int32_t sum) {
  if (sum < 0) return 0;
  const std::int32_t v = sum >> kPrecisionBits;
  return static_cast<std::uint8_t>(v > 255 ? 255 : v);
}

#if SHAMISA_RESIZE_SIMD
// The vector code multiplies 16-bit pixels by the 16-bit halves of the weights with pairwise
// multiply-adds (v_dotprod), two taps at a time, and recombines the halves exactly:
// sum(p * w) = sum(p * hi) * 2^kSplitBits + sum(p * lo).

// Both halves of the weights of taps j and j + 1 (j even), repeated over 8 lanes.
inline void weight_pair(const AxisTaps& t, std::size_t index, cv::v_int16x8& hi,
                        cv::v_int16x8& lo) {
  std::int32_t h, l;
  std::memcpy(&h, &t.fixed_hi[index], sizeof h);
  std::memcpy(&l, &t.fixed_lo[index], sizeof l);
  hi = cv::v_reinterpret_as_s16(cv::v_setall_s32(h));
  lo = cv::v_reinterpret_as_s16(cv::v_setall_s32(l));
}

inline cv::v_int32x4 combine_halves(const cv::v_int32x4& hi, const cv::v_int32x4& lo) {
  return cv::v_shr<kPrecisionBits>(cv::v_shl<kSplitBits>(hi) + lo + cv::v_setall_s32(kHalf));
}
#endif

// One output pixel of the horizontal pass (output index x): p points at the first tap's pixel;
// the source row has at least 16 readable bytes after its last pixel.
template <int CN>
inline void horizontal_pixel_8u(const std::uint8_t* p, const AxisTaps& t, int x,
                                std::uint8_t* out) {
  const std::size_t base = static_cast<std::size_t>(x) * t.stride;
  const int n = t.count[x];
#if SHAMISA_RESIZE_SIMD
  if (!t.fixed_hi.empty()) {
    cv::v_int32x4 acc_hi = cv::v_setzero_s32(), acc_lo = acc_hi;
    if constexpr (CN == 1) {
      // Eight consecutive taps per step; the weights are zero padded to a multiple of 8.
      for (int j = 0; j < n; j += 8) {
        const cv::v_int16x8 v = cv::v_reinterpret_as_s16(cv::v_load_expand(p + j));
        acc_hi += cv::v_dotprod(v, cv::v_load(&t.fixed_hi[base + j]));
        acc_lo += cv::v_dotprod(v, cv::v_load(&t.fixed_lo[base + j]));
      }
      const std::int32_t sum = cv::v_reduce_sum(acc_hi) * (1 << kSplitBits) +
                               cv::v_reduce_sum(acc_lo) + kHalf;
      out[0] = clip8(sum);
    } else {
      // Lanes (2c, 2c + 1) = channel c of the pixels of taps j and j + 1.
      for (int j = 0; j < n; j += 2) {
        const cv::v_uint16x8 v = cv::v_load_expand(p + j * CN);  // two pixels
        cv::v_uint16x8 pairs, unused;
        cv::v_zip(v, cv::v_rotate_right<CN>(v), pairs, unused);
        cv::v_int16x8 w_hi, w_lo;
        weight_pair(t, base + j, w_hi, w_lo);
        acc_hi += cv::v_dotprod(cv::v_reinterpret_as_s16(pairs), w_hi);
        acc_lo += cv::v_dotprod(cv::v_reinterpret_as_s16(pairs), w_lo);
      }
      const cv::v_int32x4 v = combine_halves(acc_hi, acc_lo);
      const cv::v_int16x8 s16 = cv::v_pack(v, v);  // saturating; the values are within +-640
      const std::uint32_t bytes = cv::v_reinterpret_as_u32(cv::v_pack_u(s16, s16)).get0();
      std::memcpy(out, &bytes, CN);  // lane 3 is unused when CN == 3
    }
    return;
  }
#endif
  const std::int32_t* k = &t.fixed[base];
  std::int32_t s[CN];
  for (int c = 0; c < CN; ++c) s[c] = kHalf;
  for (int j = 0; j < n; ++j, p += CN) {
    const std::int32_t kj = k[j];
    for (int c = 0; c < CN; ++c) s[c] += p[c] * kj;
  }
  for (int c = 0; c < CN; ++c) out[c] = clip8(s[c]);
}

// dst row r = horizontal resample of src row (row0 + r).
template <int CN>
void horizontal_8u(const cv::Mat& src, int row0, cv::Mat& dst, const AxisTaps& tx) {
  const int out_w = dst.cols;
  const int in_elems = src.cols * CN;
  const double work = static_cast<double>(dst.rows) * out_w * CN * tx.stride;
  for_each_row_range(dst.rows, work, [&](int begin, int end) {
    // The source row with 16 spare zero bytes, so that vector loads may read past its end
    // (what they read there is multiplied by zero weights or lands in unused lanes).
    std::vector<std::uint8_t> row(static_cast<std::size_t>(in_elems) + 16, 0);
    const int* first = tx.first.data();
    for (int r = begin; r < end; ++r) {
      std::memcpy(row.data(), src.ptr<std::uint8_t>(row0 + r), in_elems);
      std::uint8_t* out = dst.ptr<std::uint8_t>(r);
      for (int x = 0; x < out_w; ++x) {
        horizontal_pixel_8u<CN>(row.data() + static_cast<std::size_t>(first[x]) * CN, tx, x,
                                out + static_cast<std::size_t>(x) * CN);
      }
    }
  });
}

// dst row r = vertical resample of src rows first[r] - row_offset, ... (all channels at once).
void vertical_8u(const cv::Mat& src, int row_offset, cv::Mat& dst, const AxisTaps& ty) {
  const int n_elems = dst.cols * dst.channels();
  const int stride = ty.stride;
  const double work = static_cast<double>(dst.rows) * n_elems * stride;
  for_each_row_range(dst.rows, work, [&](int begin, int end) {
    std::vector<const std::uint8_t*> rows(stride + 1);
    for (int r = begin; r < end; ++r) {
      const std::size_t base = static_cast<std::size_t>(r) * stride;
      const std::int32_t* k = &ty.fixed[base];
      const int n = ty.count[r];
      for (int j = 0; j < n; ++j) rows[j] = src.ptr<std::uint8_t>(ty.first[r] - row_offset + j);
      rows[n] = rows[n - 1];  // partner of an odd last tap; its weight is zero
      std::uint8_t* out = dst.ptr<std::uint8_t>(r);
      int i = 0;
#if SHAMISA_RESIZE_SIMD
      if (!ty.fixed_hi.empty()) {
        for (; i + 16 <= n_elems; i += 16) {
          cv::v_int32x4 hi[4], lo[4];
          for (int q = 0; q < 4; ++q) hi[q] = lo[q] = cv::v_setzero_s32();
          for (int j = 0; j < n; j += 2) {
            cv::v_uint16x8 a0, a1, b0, b1, z[4];
            cv::v_expand(cv::v_load(rows[j] + i), a0, a1);
            cv::v_expand(cv::v_load(rows[j + 1] + i), b0, b1);
            cv::v_zip(a0, b0, z[0], z[1]);  // (row j, row j + 1) pairs of elements i..i+7
            cv::v_zip(a1, b1, z[2], z[3]);
            cv::v_int16x8 w_hi, w_lo;
            weight_pair(ty, base + j, w_hi, w_lo);
            for (int q = 0; q < 4; ++q) {
              hi[q] += cv::v_dotprod(cv::v_reinterpret_as_s16(z[q]), w_hi);
              lo[q] += cv::v_dotprod(cv::v_reinterpret_as_s16(z[q]), w_lo);
            }
          }
          const cv::v_int16x8 s01 =
              cv::v_pack(combine_halves(hi[0], lo[0]), combine_halves(hi[1], lo[1]));
          const cv::v_int16x8 s23 =
              cv::v_pack(combine_halves(hi[2], lo[2]), combine_halves(hi[3], lo[3]));
          cv::v_store(out + i, cv::v_pack_u(s01, s23));
        }
      }
#endif
      for (; i < n_elems; ++i) {
        std::int32_t s = kHalf;
        for (int j = 0; j < n; ++j) s += rows[j][i] * k[j];
        out[i] = clip8(s);
      }
    }
  });
}

// --- Float passes ----------------------------------------------------------------------------
//
// Every output value is the double sum 0 + p0 * k0 + p1 * k1 + ... in tap order, as in Pillow;
// the vector code only computes several such sums side by side, never reassociates one.

template <int CN>
inline void horizontal_pixel_32f(const float* p, const double* k, int n, float* out) {
#if SHAMISA_RESIZE_SIMD_64F
  if constexpr (CN != 1) {
    // Channels 0-1 and 2-3 in two double pairs (channel 3 unused when CN == 3).
    cv::v_float64x2 s01 = cv::v_setzero_f64(), s23 = s01;
    for (int j = 0; j < n; ++j, p += CN) {
      const cv::v_float32x4 v = cv::v_load(p);
      const cv::v_float64x2 kj = cv::v_setall_f64(k[j]);
      s01 = s01 + cv::v_cvt_f64(v) * kj;
      s23 = s23 + cv::v_cvt_f64_high(v) * kj;
    }
    float f[4];
    cv::v_store(f, cv::v_cvt_f32(s01, s23));
    for (int c = 0; c < CN; ++c) out[c] = f[c];
    return;
  }
#endif
  double s[CN];
  for (int c = 0; c < CN; ++c) s[c] = 0.0;
  for (int j = 0; j < n; ++j, p += CN) {
    const double kj = k[j];
    for (int c = 0; c < CN; ++c) s[c] += p[c] * kj;
  }
  for (int c = 0; c < CN; ++c) out[c] = static_cast<float>(s[c]);
}

template <int CN>
void horizontal_32f(const cv::Mat& src, int row0, cv::Mat& dst, const AxisTaps& tx) {
  const int out_w = dst.cols;
  const int in_elems = src.cols * CN;
  const int stride = tx.stride;
  const int* first = tx.first.data();
  const int* count = tx.count.data();
  const double* weights = tx.weights.data();
  const double work = static_cast<double>(dst.rows) * out_w * CN * stride;
  for_each_row_range(dst.rows, work, [&](int begin, int end) {
    std::vector<float> row(static_cast<std::size_t>(in_elems) + 4, 0.0f);  // spare floats
    for (int r = begin; r < end; ++r) {
      std::memcpy(row.data(), src.ptr<float>(row0 + r), sizeof(float) * in_elems);
      float* out = dst.ptr<float>(r);
      for (int x = 0; x < out_w; ++x) {
        horizontal_pixel_32f<CN>(row.data() + static_cast<std::size_t>(first[x]) * CN,
                                 weights + static_cast<std::size_t>(x) * stride, count[x],
                                 out + static_cast<std::size_t>(x) * CN);
      }
    }
  });
}

void vertical_32f(const cv::Mat& src, int row_offset, cv::Mat& dst, const AxisTaps& ty) {
  const int n_elems = dst.cols * dst.channels();
  const int stride = ty.stride;
  const int* first = ty.first.data();
  const int* count = ty.count.data();
  const double* weights = ty.weights.data();
  const double work = static_cast<double>(dst.rows) * n_elems * stride;
  for_each_row_range(dst.rows, work, [&](int begin, int end) {
    std::vector<const float*> rows(stride);
    for (int r = begin; r < end; ++r) {
      const double* k = weights + static_cast<std::size_t>(r) * stride;
      const int n = count[r];
      for (int j = 0; j < n; ++j) rows[j] = src.ptr<float>(first[r] - row_offset + j);
      float* out = dst.ptr<float>(r);
      int i = 0;
#if SHAMISA_RESIZE_SIMD_64F
      for (; i + 4 <= n_elems; i += 4) {
        cv::v_float64x2 s0 = cv::v_setzero_f64(), s1 = s0;
        for (int j = 0; j < n; ++j) {
          const cv::v_float32x4 v = cv::v_load(rows[j] + i);
          const cv::v_float64x2 kj = cv::v_setall_f64(k[j]);
          s0 = s0 + cv::v_cvt_f64(v) * kj;
          s1 = s1 + cv::v_cvt_f64_high(v) * kj;
        }
        cv::v_store(out + i, cv::v_cvt_f32(s0, s1));
      }
#endif
      for (; i < n_elems; ++i) {
        double s = 0.0;
        for (int j = 0; j < n; ++j) s += rows[j][i] * k[j];
        out[i] = static_cast<float>(s);
      }
    }
  });
}

void horizontal_pass(const cv::Mat& src, int row0, cv::Mat& dst, const AxisTaps& tx) {
  const bool is_float = src.depth() == CV_32F;
  switch (src.channels()) {
    case 1:
      is_float ? horizontal_32f<1>(src, row0, dst, tx) : horizontal_8u<1>(src, row0, dst, tx);
      break;
    case 3:
      is_float ? horizontal_32f<3>(src, row0, dst, tx) : horizontal_8u<3>(src, row0, dst, tx);
      break;
    case 4:
      is_float ? horizontal_32f<4>(src, row0, dst, tx) : horizontal_8u<4>(src, row0, dst, tx);
      break;
    default: throw_internal_error("resize", "unexpected channel count");
  }
}

}  // namespace

cv::Mat resize_antialiased(const cv::Mat& src, int out_width, int out_height,
                           ResampleFilter filter) {
  if (src.empty()) throw_usage_error("resize", "the input image is empty");
  if (out_width <= 0 || out_height <= 0) {
    throw_usage_error("resize", "output size " + std::to_string(out_width) + "x" +
                                    std::to_string(out_height) + " is not positive");
  }
  const int type = src.type();
  if (type != CV_8UC1 && type != CV_8UC3 && type != CV_8UC4 && type != CV_32FC1 &&
      type != CV_32FC3 && type != CV_32FC4) {
    throw_usage_error("resize", "unsupported image type " + cv::typeToString(type) +
                                    " (expected CV_8UC1/3/4 or CV_32FC1/3/4)");
  }
  if (src.dims != 2) throw_usage_error("resize", "the input is not a 2-D image");
  const Kernel kernel = kernel_for(filter);

  const bool need_horizontal = out_width != src.cols;
  const bool need_vertical = out_height != src.rows;
  if (!need_horizontal && !need_vertical) return src.clone();

  const bool fixed_point = src.depth() == CV_8U;
  cv::Mat current = src;
  int row_offset = 0;  // source row of current's row 0
  AxisTaps ty;
  if (need_vertical) ty = compute_taps(src.rows, out_height, kernel, fixed_point);

  if (need_horizontal) {
    // Only the source rows that the vertical pass reads.
    int first_row = 0;
    int end_row = src.rows;
    if (need_vertical) {
      first_row = ty.first.front();
      end_row = ty.first.back() + ty.count.back();
    }
    const AxisTaps tx = compute_taps(src.cols, out_width, kernel, fixed_point);
    cv::Mat horizontal(end_row - first_row, out_width, type);
    horizontal_pass(src, first_row, horizontal, tx);
    current = horizontal;
    row_offset = first_row;
  }

  if (!need_vertical) return current;

  cv::Mat out(out_height, current.cols, type);
  if (fixed_point) {
    vertical_8u(current, row_offset, out, ty);
  } else {
    vertical_32f(current, row_offset, out, ty);
  }
  return out;
}

cv::Mat half_scale(const cv::Mat& src) {
  if (src.empty()) throw_usage_error("half_scale", "the input image is empty");
  if (src.cols < 2 || src.rows < 2) {
    throw_usage_error("half_scale", "image " + std::to_string(src.cols) + "x" +
                                        std::to_string(src.rows) + " is too small to halve");
  }
  return resize_antialiased(src, src.cols / 2, src.rows / 2, ResampleFilter::kBicubic);
}

}  // namespace shamisa
