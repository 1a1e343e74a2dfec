// Full-reference metrics: PSNR, SSIM, MS-SSIM, GMSD. Conventions in include/shamisa/fr_metrics.h.
//
// Everything is computed in double precision on a [0, 255] scale. The filters are written out
// (separable 'valid' Gaussian, MATLAB-style box averages) instead of going through cv::filter2D,
// so that the border conventions of the authors' MATLAB programs are explicit.
#include "shamisa/fr_metrics.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "shamisa/error.h"

namespace shamisa {
namespace {

constexpr double kPeak = 255.0;

// ---- input checks and conversion ------------------------------------------------------------

std::string size_text(const cv::Mat& m) {
  return std::to_string(m.cols) + "x" + std::to_string(m.rows);
}

void check_one(const char* metric, const char* role, const cv::Mat& m) {
  if (m.empty()) throw_input_error(metric, std::string(role) + " image is empty");
  if (m.dims != 2) throw_input_error(metric, std::string(role) + " image is not 2-D");
  if (m.channels() != 3) {
    throw_input_error(metric, std::string(role) + " image has " + std::to_string(m.channels()) +
                                  " channels, expected 3 (RGB)");
  }
  const int d = m.depth();
  if (d != CV_8U && d != CV_16U && d != CV_32F && d != CV_64F) {
    throw_input_error(metric, std::string(role) +
                                  " image has an unsupported depth (expected 8-bit, 16-bit or "
                                  "float RGB)");
  }
}

void check_pair(const char* metric, const cv::Mat& ref, const cv::Mat& dist) {
  check_one(metric, "reference", ref);
  check_one(metric, "distorted", dist);
  if (ref.size() != dist.size()) {
    throw_input_error(metric, "reference is " + size_text(ref) + ", distorted is " +
                                  size_text(dist));
  }
}

// Factor taking a sample of this depth to the [0, 255] scale (255 / max, max as to_rgbf uses).
double scale_to_255(int depth) {
  switch (depth) {
    case CV_8U: return 1.0;
    case CV_16U: return kPeak / 65535.0;
    default: return kPeak;  // float data: [0, 1]
  }
}

template <typename T>
void luminance_rows(const cv::Mat& rgb, double scale, cv::Mat& y) {
  for (int r = 0; r < rgb.rows; ++r) {
    const T* src = rgb.ptr<T>(r);
    double* dst = y.ptr<double>(r);
    for (int c = 0; c < rgb.cols; ++c) {
      const double red = static_cast<double>(src[3 * c]) * scale;
      const double green = static_cast<double>(src[3 * c + 1]) * scale;
      const double blue = static_cast<double>(src[3 * c + 2]) * scale;
      dst[c] = 0.299 * red + 0.587 * green + 0.114 * blue;
    }
  }
}

// 8-bit fast path: per-channel tables give the same products as luminance_rows (scale 1).
void luminance_rows_8u(const cv::Mat& rgb, cv::Mat& y) {
  static const auto tables = [] {
    std::array<std::array<double, 256>, 3> t{};
    for (int v = 0; v < 256; ++v) {
      t[0][v] = 0.299 * static_cast<double>(v);
      t[1][v] = 0.587 * static_cast<double>(v);
      t[2][v] = 0.114 * static_cast<double>(v);
    }
    return t;
  }();
  for (int r = 0; r < rgb.rows; ++r) {
    const std::uint8_t* src = rgb.ptr<std::uint8_t>(r);
    double* dst = y.ptr<double>(r);
    for (int c = 0; c < rgb.cols; ++c) {
      dst[c] = tables[0][src[3 * c]] + tables[1][src[3 * c + 1]] + tables[2][src[3 * c + 2]];
    }
  }
}

// Y = 0.299 R + 0.587 G + 0.114 B on the [0, 255] scale, CV_64FC1.
cv::Mat luminance(const cv::Mat& rgb) {
  cv::Mat y(rgb.rows, rgb.cols, CV_64F);
  const double scale = scale_to_255(rgb.depth());
  switch (rgb.depth()) {
    case CV_8U: luminance_rows_8u(rgb, y); break;
    case CV_16U: luminance_rows<std::uint16_t>(rgb, scale, y); break;
    case CV_32F: luminance_rows<float>(rgb, scale, y); break;
    default: luminance_rows<double>(rgb, scale, y); break;
  }
  return y;
}

// ---- MATLAB-style box averages --------------------------------------------------------------

// imfilter(img, ones(f) / f^2, 'symmetric', 'same') followed by img(1:f:end, 1:f:end).
// MATLAB puts the centre of an f-tap kernel at element floor((f + 1) / 2) (1-based), so output i
// averages inputs i - c .. i - c + f - 1 with c = floor((f + 1) / 2) - 1; 'symmetric' mirrors
// with the edge sample repeated (index -1 -> 0, n -> n - 1).
cv::Mat box_downsample_symmetric(const cv::Mat& src, int f) {
  const int rows = src.rows, cols = src.cols;
  const int out_rows = (rows + f - 1) / f, out_cols = (cols + f - 1) / f;
  const int before = (f + 1) / 2 - 1;
  auto mirror = [](int i, int n) {
    if (i < 0) i = -i - 1;
    if (i >= n) i = 2 * n - 1 - i;
    return std::clamp(i, 0, n - 1);  // only reached for f > n + 1, i.e. tiny images
  };
  // Column indices are the same for every output row: compute them once.
  std::vector<int> col_index(static_cast<std::size_t>(out_cols) * f);
  for (int oc = 0; oc < out_cols; ++oc) {
    for (int k = 0; k < f; ++k) col_index[static_cast<std::size_t>(oc) * f + k] =
        mirror(oc * f - before + k, cols);
  }
  cv::Mat out(out_rows, out_cols, CV_64F);
  const double norm = 1.0 / (static_cast<double>(f) * f);
  std::vector<const double*> row_ptr(f);
  for (int orow = 0; orow < out_rows; ++orow) {
    for (int k = 0; k < f; ++k) row_ptr[k] = src.ptr<double>(mirror(orow * f - before + k, rows));
    double* dst = out.ptr<double>(orow);
    for (int oc = 0; oc < out_cols; ++oc) {
      const int* ci = &col_index[static_cast<std::size_t>(oc) * f];
      double sum = 0.0;
      for (int kr = 0; kr < f; ++kr) {
        for (int kc = 0; kc < f; ++kc) sum += row_ptr[kr][ci[kc]];
      }
      dst[oc] = sum * norm;
    }
  }
  return out;
}

// conv2(img, ones(2) / 4, 'same') followed by img(1:2:end, 1:2:end) (GMSD.m): output (i, j)
// averages input rows 2i, 2i + 1 and columns 2j, 2j + 1, zeros past the last row / column.
cv::Mat box2_downsample_zero(const cv::Mat& src) {
  const int rows = src.rows, cols = src.cols;
  const int out_rows = (rows + 1) / 2, out_cols = (cols + 1) / 2;
  cv::Mat out(out_rows, out_cols, CV_64F);
  for (int orow = 0; orow < out_rows; ++orow) {
    const double* r0 = src.ptr<double>(2 * orow);
    const double* r1 = 2 * orow + 1 < rows ? src.ptr<double>(2 * orow + 1) : nullptr;
    double* dst = out.ptr<double>(orow);
    for (int oc = 0; oc < out_cols; ++oc) {
      const int c0 = 2 * oc;
      const bool has_c1 = c0 + 1 < cols;
      double sum = r0[c0] + (has_c1 ? r0[c0 + 1] : 0.0);
      if (r1 != nullptr) sum += r1[c0] + (has_c1 ? r1[c0 + 1] : 0.0);
      dst[oc] = 0.25 * sum;
    }
  }
  return out;
}

// ---- SSIM statistics --------------------------------------------------------------------------

constexpr int kWindow = 11;
constexpr double kSigma = 1.5;
constexpr double kC1 = (0.01 * kPeak) * (0.01 * kPeak);
constexpr double kC2 = (0.03 * kPeak) * (0.03 * kPeak);

// 1-D taps of fspecial('gaussian', 11, 1.5): the 2-D window is the outer product of these
// (normalising the 2-D window to sum 1 is the same as normalising each factor).
const std::array<double, kWindow>& gaussian_taps() {
  static const std::array<double, kWindow> taps = [] {
    std::array<double, kWindow> t{};
    double sum = 0.0;
    for (int i = 0; i < kWindow; ++i) {
      const double x = i - (kWindow - 1) / 2;
      t[i] = std::exp(-(x * x) / (2.0 * kSigma * kSigma));
      sum += t[i];
    }
    for (double& v : t) v /= sum;
    return t;
  }();
  return taps;
}

// dst[c] = sum_k g[k] * p[k][c] for c < n: one output row of the separable Gaussian, from 11
// input rows (vertical pass) or 11 shifted views of one row (horizontal pass). The window is
// symmetric (g[k] == g[10 - k] exactly), so mirrored taps are added before multiplying.
void gaussian_combine(const std::array<const double*, kWindow>& p, double* __restrict dst, int n) {
  static_assert(kWindow == 11, "the unrolled sum below is written for 11 taps");
  const auto& g = gaussian_taps();
  const double g0 = g[0], g1 = g[1], g2 = g[2], g3 = g[3], g4 = g[4], g5 = g[5];
  const double* __restrict p0 = p[0];
  const double* __restrict p1 = p[1];
  const double* __restrict p2 = p[2];
  const double* __restrict p3 = p[3];
  const double* __restrict p4 = p[4];
  const double* __restrict p5 = p[5];
  const double* __restrict p6 = p[6];
  const double* __restrict p7 = p[7];
  const double* __restrict p8 = p[8];
  const double* __restrict p9 = p[9];
  const double* __restrict p10 = p[10];
  for (int c = 0; c < n; ++c) {
    dst[c] = g0 * (p0[c] + p10[c]) + g1 * (p1[c] + p9[c]) + g2 * (p2[c] + p8[c]) +
             g3 * (p3[c] + p7[c]) + g4 * (p4[c] + p6[c]) + g5 * p5[c];
  }
}

struct SsimMeans {
  double ssim = 0.0;  // mean of the SSIM map
  double cs = 0.0;    // mean of the contrast-structure map
};

// ssim_index.m on two CV_64FC1 images of one size, both sides >= 11: the local means, second
// moments and cross moment come from filter2(window, ., 'valid') with the separable 11 x 11
// Gaussian, (rows - 10) x (cols - 10) of them. The five filtered maps are formed row by row
// (horizontal pass into five buffers, vertical pass per output row) and reduced at once.
SsimMeans ssim_means(const cv::Mat& x, const cv::Mat& y) {
  const int rows = x.rows, cols = x.cols;
  const int out_rows = rows - (kWindow - 1), out_cols = cols - (kWindow - 1);
  constexpr int kMaps = 5;  // x, y, x*x, y*y, x*y
  std::array<cv::Mat, kMaps> horizontal;
  for (cv::Mat& h : horizontal) h.create(rows, out_cols, CV_64F);
  std::vector<double> products(static_cast<std::size_t>(cols) * 3);
  double* xx = products.data();
  double* yy = xx + cols;
  double* xy = yy + cols;
  for (int r = 0; r < rows; ++r) {
    const double* xr = x.ptr<double>(r);
    const double* yr = y.ptr<double>(r);
    for (int c = 0; c < cols; ++c) {
      xx[c] = xr[c] * xr[c];
      yy[c] = yr[c] * yr[c];
      xy[c] = xr[c] * yr[c];
    }
    const double* sources[kMaps] = {xr, yr, xx, yy, xy};
    for (int i = 0; i < kMaps; ++i) {
      std::array<const double*, kWindow> shifted;
      for (int k = 0; k < kWindow; ++k) shifted[k] = sources[i] + k;
      gaussian_combine(shifted, horizontal[i].ptr<double>(r), out_cols);
    }
  }

  std::vector<double> acc(static_cast<std::size_t>(out_cols) * kMaps);
  double sum_ssim = 0.0, sum_cs = 0.0;
  for (int r = 0; r < out_rows; ++r) {
    for (int i = 0; i < kMaps; ++i) {
      std::array<const double*, kWindow> window_rows;
      for (int k = 0; k < kWindow; ++k) window_rows[k] = horizontal[i].ptr<double>(r + k);
      gaussian_combine(window_rows, acc.data() + static_cast<std::size_t>(i) * out_cols, out_cols);
    }
    const double* mu1 = acc.data();
    const double* mu2 = mu1 + out_cols;
    const double* e11 = mu2 + out_cols;
    const double* e22 = e11 + out_cols;
    const double* e12 = e22 + out_cols;
    for (int c = 0; c < out_cols; ++c) {
      const double mu1_sq = mu1[c] * mu1[c], mu2_sq = mu2[c] * mu2[c];
      const double mu1_mu2 = mu1[c] * mu2[c];
      const double s11 = e11[c] - mu1_sq, s22 = e22[c] - mu2_sq, s12 = e12[c] - mu1_mu2;
      const double cs = (2.0 * s12 + kC2) / (s11 + s22 + kC2);
      sum_cs += cs;
      sum_ssim += (2.0 * mu1_mu2 + kC1) / (mu1_sq + mu2_sq + kC1) * cs;
    }
  }
  const double n = static_cast<double>(out_rows) * out_cols;
  return {sum_ssim / n, sum_cs / n};
}

template <typename A, typename B>
double sum_squared_difference(const cv::Mat& a, const cv::Mat& b) {
  const double sa = scale_to_255(a.depth()), sb = scale_to_255(b.depth());
  const int n = a.cols * 3;
  double total = 0.0;
  for (int r = 0; r < a.rows; ++r) {
    const A* pa = a.ptr<A>(r);
    const B* pb = b.ptr<B>(r);
    double row = 0.0;
    for (int i = 0; i < n; ++i) {
      const double d = static_cast<double>(pa[i]) * sa - static_cast<double>(pb[i]) * sb;
      row += d * d;
    }
    total += row;
  }
  return total;
}

template <typename A>
double sum_squared_difference_to(const cv::Mat& a, const cv::Mat& b) {
  switch (b.depth()) {
    case CV_8U: return sum_squared_difference<A, std::uint8_t>(a, b);
    case CV_16U: return sum_squared_difference<A, std::uint16_t>(a, b);
    case CV_32F: return sum_squared_difference<A, float>(a, b);
    default: return sum_squared_difference<A, double>(a, b);
  }
}

}  // namespace

double psnr(const cv::Mat& ref, const cv::Mat& dist) {
  check_pair("psnr", ref, dist);
  double sse = 0.0;
  switch (ref.depth()) {
    case CV_8U: sse = sum_squared_difference_to<std::uint8_t>(ref, dist); break;
    case CV_16U: sse = sum_squared_difference_to<std::uint16_t>(ref, dist); break;
    case CV_32F: sse = sum_squared_difference_to<float>(ref, dist); break;
    default: sse = sum_squared_difference_to<double>(ref, dist); break;
  }
  if (sse == 0.0) return std::numeric_limits<double>::infinity();
  const double mse = sse / (static_cast<double>(ref.total()) * 3.0);
  return 10.0 * std::log10(kPeak * kPeak / mse);
}

double ssim(const cv::Mat& ref, const cv::Mat& dist) {
  check_pair("ssim", ref, dist);
  cv::Mat x = luminance(ref), y = luminance(dist);
  // f = max(1, round(min(H, W) / 256)); std::lround rounds half away from zero like MATLAB.
  const int f = std::max(1, static_cast<int>(std::lround(std::min(x.rows, x.cols) / 256.0)));
  if (f > 1) {
    x = box_downsample_symmetric(x, f);
    y = box_downsample_symmetric(y, f);
  }
  if (x.rows < kWindow || x.cols < kWindow) {
    throw_input_error("ssim", "image is " + size_text(ref) + ", SSIM needs at least " +
                                  std::to_string(kWindow) + "x" + std::to_string(kWindow));
  }
  return ssim_means(x, y).ssim;
}

double ms_ssim(const cv::Mat& ref, const cv::Mat& dist) {
  check_pair("ms_ssim", ref, dist);
  static constexpr std::array<double, 5> kWeights = {0.0448, 0.2856, 0.3001, 0.2363, 0.1333};
  constexpr int kMinSide = kWindow * 16;  // msssim.m: min(H, W) / 2^(5 - 1) >= 11
  if (std::min(ref.rows, ref.cols) < kMinSide) {
    throw_input_error("ms_ssim", "image is " + size_text(ref) + ", MS-SSIM needs both sides >= " +
                                     std::to_string(kMinSide) +
                                     " (5 scales with an 11x11 window)");
  }
  cv::Mat x = luminance(ref), y = luminance(dist);
  double value = 1.0;
  for (std::size_t level = 0; level < kWeights.size(); ++level) {
    const SsimMeans m = ssim_means(x, y);
    if (level + 1 < kWeights.size()) {
      value *= std::pow(std::max(m.cs, 0.0), kWeights[level]);
      x = box_downsample_symmetric(x, 2);
      y = box_downsample_symmetric(y, 2);
    } else {
      value *= std::pow(std::max(m.ssim, 0.0), kWeights[level]);
    }
  }
  return value;
}

namespace {

// Prewitt gradient magnitude with conv2 'same' zero padding; kernels [1 0 -1] x3 / 3 and
// transpose (the sign of each component does not matter for the magnitude).
cv::Mat prewitt_magnitude(const cv::Mat& z) {
  const int rows = z.rows, cols = z.cols;
  auto at = [&](int r, int c) {
    return (r < 0 || r >= rows || c < 0 || c >= cols) ? 0.0 : z.at<double>(r, c);
  };
  cv::Mat m(rows, cols, CV_64F);
  for (int r = 0; r < rows; ++r) {
    double* out = m.ptr<double>(r);
    const bool interior_row = r > 0 && r + 1 < rows;
    const double* up = interior_row ? z.ptr<double>(r - 1) : nullptr;
    const double* mid = z.ptr<double>(r);
    const double* down = interior_row ? z.ptr<double>(r + 1) : nullptr;
    for (int c = 0; c < cols; ++c) {
      double gx, gy;
      if (interior_row && c > 0 && c + 1 < cols) {
        gx = (up[c - 1] + mid[c - 1] + down[c - 1]) - (up[c + 1] + mid[c + 1] + down[c + 1]);
        gy = (up[c - 1] + up[c] + up[c + 1]) - (down[c - 1] + down[c] + down[c + 1]);
      } else {
        gx = (at(r - 1, c - 1) + at(r, c - 1) + at(r + 1, c - 1)) -
             (at(r - 1, c + 1) + at(r, c + 1) + at(r + 1, c + 1));
        gy = (at(r - 1, c - 1) + at(r - 1, c) + at(r - 1, c + 1)) -
             (at(r + 1, c - 1) + at(r + 1, c) + at(r + 1, c + 1));
      }
      gx /= 3.0;
      gy /= 3.0;
      out[c] = std::sqrt(gx * gx + gy * gy);
    }
  }
  return m;
}

}  // namespace

double gmsd(const cv::Mat& ref, const cv::Mat& dist) {
  check_pair("gmsd", ref, dist);
  const cv::Mat m1 = prewitt_magnitude(box2_downsample_zero(luminance(ref)));
  const cv::Mat m2 = prewitt_magnitude(box2_downsample_zero(luminance(dist)));
  constexpr double kT = 170.0;
  cv::Mat gms(m1.size(), CV_64F);
  double sum = 0.0;
  for (int r = 0; r < m1.rows; ++r) {
    const double* a = m1.ptr<double>(r);
    const double* b = m2.ptr<double>(r);
    double* q = gms.ptr<double>(r);
    for (int c = 0; c < m1.cols; ++c) {
      q[c] = (2.0 * a[c] * b[c] + kT) / (a[c] * a[c] + b[c] * b[c] + kT);
      sum += q[c];
    }
  }
  const double n = static_cast<double>(gms.total());
  if (gms.total() < 2) return 0.0;  // std2 of one value
  const double mean = sum / n;
  double ss = 0.0;
  for (int r = 0; r < gms.rows; ++r) {
    const double* q = gms.ptr<double>(r);
    for (int c = 0; c < gms.cols; ++c) ss += (q[c] - mean) * (q[c] - mean);
  }
  return std::sqrt(ss / (n - 1.0));  // std2: N - 1 normalisation
}

}  // namespace shamisa
