#include "distort/kernels.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include <opencv2/imgproc.hpp>

#include "shamisa/error.h"

namespace shamisa::detail {

cv::Mat fspecial_gaussian(int size, double sigma) {
  if (size < 1 || !(sigma > 0)) throw_internal_error("fspecial_gaussian", "size must be >= 1 and sigma > 0");
  cv::Mat kernel(size, size, CV_64FC1);
  const double centre = (size - 1) / 2.0;
  double max_value = 0.0;
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x) {
      const double dx = x - centre, dy = y - centre;
      const double v = std::exp(-(dx * dx + dy * dy) / (2.0 * sigma * sigma));
      kernel.at<double>(y, x) = v;
      max_value = std::max(max_value, v);
    }
  // MATLAB: h(h < eps*max(h(:))) = 0, then normalise.
  const double floor_value = std::numeric_limits<double>::epsilon() * max_value;
  double sum = 0.0;
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x) {
      double& v = kernel.at<double>(y, x);
      if (v < floor_value) v = 0.0;
      sum += v;
    }
  kernel /= sum;
  return kernel;
}

namespace {
constexpr double kEps = std::numeric_limits<double>::epsilon();  // MATLAB's eps
constexpr double kPi = 3.14159265358979323846;

// MATLAB's sum(h(:)): a plain sum in column-major order.
double column_major_sum(const cv::Mat& h) {
  double sum = 0.0;
  for (int x = 0; x < h.cols; ++x)
    for (int y = 0; y < h.rows; ++y) sum += h.at<double>(y, x);
  return sum;
}

// asin with its argument clamped to [-1, 1]. Where MATLAB's argument exceeds 1 by rounding, its
// asin returns a complex number whose real part is +-pi/2; the result is real in the end.
double asin_clamped(double v) { return std::asin(std::clamp(v, -1.0, 1.0)); }

// fspecial('disk', rad) for any rad > 0, following MATLAB's code line by line. MATLAB evaluates
// m1, m2 and the area formula on every cell and then multiplies by the cell mask; cells outside the
// mask may hold complex intermediates that the mask turns into exact zeros. Here the formula is
// evaluated only inside the mask, where m1 and m2 are always real (for those cells both square
// roots have non-negative arguments), which gives the same values.
cv::Mat disk_kernel(double rad) {
  const int crad = static_cast<int>(std::ceil(rad - 0.5));
  const int size = 2 * crad + 1;
  const double rad2 = rad * rad;
  cv::Mat sgrid(size, size, CV_64FC1);
  for (int row = 0; row < size; ++row)
    for (int col = 0; col < size; ++col) {
      const double ax = std::abs(col - crad), ay = std::abs(row - crad);
      const double maxxy = std::max(ax, ay), minxy = std::min(ax, ay);
      // The cell [maxxy - .5, maxxy + .5] x [minxy - .5, minxy + .5] (folded into the first octant).
      const double outer_lo = (maxxy + 0.5) * (maxxy + 0.5) + (minxy - 0.5) * (minxy - 0.5);
      const double inner_hi = (maxxy - 0.5) * (maxxy - 0.5) + (minxy + 0.5) * (minxy + 0.5);
      const double far_corner = (maxxy + 0.5) * (maxxy + 0.5) + (minxy + 0.5) * (minxy + 0.5);
      const double near_corner = (maxxy - 0.5) * (maxxy - 0.5) + (minxy - 0.5) * (minxy - 0.5);
      const bool on_boundary = (rad2 < far_corner && rad2 > near_corner) ||
                               (minxy == 0 && maxxy - 0.5 < rad && maxxy + 0.5 >= rad);
      double value = 0.0;
      if (on_boundary) {
        // The circle enters/leaves the cell between heights m1 and m2 (along the minxy axis).
        const double m1 = rad2 < outer_lo ? minxy - 0.5 : std::sqrt(rad2 - (maxxy + 0.5) * (maxxy + 0.5));
        const double m2 = rad2 > inner_hi ? minxy + 0.5 : std::sqrt(rad2 - (maxxy - 0.5) * (maxxy - 0.5));
        const double a1 = asin_clamped(m1 / rad), a2 = asin_clamped(m2 / rad);
        value = (rad2 * (0.5 * (a2 - a1) + 0.25 * (std::sin(2 * a2) - std::sin(2 * a1))) -
                 (maxxy - 0.5) * (m2 - m1) + (m1 - minxy + 0.5));
      }
      if (far_corner < rad2) value += 1.0;  // cells entirely inside the disk
      sgrid.at<double>(row, col) = value;
    }
  double& centre = sgrid.at<double>(crad, crad);
  centre = std::min(kPi * rad2, kPi / 2);
  // MATLAB's correction for a radius just above crad - 0.5, where the disk pokes only slightly
  // into the four axis cells at distance crad. For an integer radius r >= 1 (the only case
  // fspecial_disk exposes) crad = r and the condition r^2 < r^2 - r + 0.5 never holds, so this
  // branch is kept for fidelity but is unreachable through the public function.
  if (crad > 0 && rad > crad - 0.5 && rad2 < (crad - 0.5) * (crad - 0.5) + 0.25) {
    const double m1 = std::sqrt(rad2 - (crad - 0.5) * (crad - 0.5));
    const double m1n = m1 / rad;
    const double sg0 = 2 * (rad2 * (0.5 * std::asin(m1n) + 0.25 * std::sin(2 * std::asin(m1n))) -
                            m1 * (crad - 0.5));
    auto at = [&sgrid](int r, int c) -> double& { return sgrid.at<double>(r, c); };
    at(2 * crad, crad) = sg0;
    at(crad, 2 * crad) = sg0;
    at(crad, 0) = sg0;
    at(0, crad) = sg0;
    at(2 * crad - 1, crad) -= sg0;
    at(crad, 2 * crad - 1) -= sg0;
    at(crad, 1) -= sg0;
    at(1, crad) -= sg0;
  }
  centre = std::min(centre, 1.0);
  sgrid /= column_major_sum(sgrid);
  return sgrid;
}

// MATLAB's mod(a, m) for m > 0: a - floor(a / m) * m, in [0, m).
double matlab_mod(double a, double m) { return a - std::floor(a / m) * m; }

}  // namespace

cv::Mat fspecial_disk(int radius) {
  if (radius < 0) throw_internal_error("fspecial_disk", "radius must be >= 0");
  // MATLAB would divide by zero for radius 0 (a 1x1 grid whose only cell gets area 0); we return
  // the 1x1 identity kernel instead, as Octave does. lens_blur's anchors never reach 0.
  if (radius == 0) return cv::Mat::ones(1, 1, CV_64FC1);
  return disk_kernel(static_cast<double>(radius));
}

cv::Mat fspecial_motion(double length, double angle_degrees) {
  if (!std::isfinite(length) || !std::isfinite(angle_degrees))
    throw_internal_error("fspecial_motion", "length and angle must be finite");
  // Same expressions, in the same order, as MATLAB's fspecial('motion', len, theta).
  const double len = std::max(1.0, length);
  const double half = (len - 1) / 2;  // half length of the line, rotated about the centre
  const double phi = matlab_mod(angle_degrees, 180.0) / 180 * kPi;
  const double cosphi = std::cos(phi);
  const double sinphi = std::sin(phi);
  // MATLAB's sign() would give 0 for cosphi == 0, but cos of the double nearest pi/2 is 6.1e-17,
  // so cosphi is never exactly 0 for phi in [0, pi).
  const int xsign = cosphi < 0 ? -1 : 1;
  constexpr double linewdt = 1.0;

  // The half matrix (first quadrant in the line's direction); the eps term keeps 0 and 90
  // degrees at the right size. fix() truncates toward zero.
  const int sx = static_cast<int>(std::trunc(half * cosphi + linewdt * xsign - len * kEps));
  const int sy = static_cast<int>(std::trunc(half * sinphi + linewdt - len * kEps));
  const int ncols = std::abs(sx) + 1;  // x = 0 : xsign : sx
  const int nrows = sy + 1;            // y = 0 : sy
  cv::Mat half_matrix(nrows, ncols, CV_64FC1);
  for (int row = 0; row < nrows; ++row)
    for (int col = 0; col < ncols; ++col) {
      const double x = static_cast<double>(col * xsign), y = static_cast<double>(row);
      double dist2line = y * cosphi - x * sinphi;  // perpendicular distance to the line
      const double rad = std::sqrt(x * x + y * y);
      if (rad >= half && std::abs(dist2line) <= linewdt) {
        // Beyond the line's end point but within the line width: distance to the end point.
        const double x2lastpix = half - std::abs((x + dist2line * sinphi) / cosphi);
        dist2line = std::sqrt(dist2line * dist2line + x2lastpix * x2lastpix);
      }
      dist2line = linewdt + kEps - std::abs(dist2line);
      half_matrix.at<double>(row, col) = dist2line < 0 ? 0.0 : dist2line;
    }

  // Unfold: h = rot90(half, 2) in the top-left block, the half matrix itself in the bottom-right
  // block, the two sharing (and the second overwriting) the centre cell.
  cv::Mat h = cv::Mat::zeros(2 * nrows - 1, 2 * ncols - 1, CV_64FC1);
  for (int row = 0; row < nrows; ++row)
    for (int col = 0; col < ncols; ++col)
      h.at<double>(nrows - 1 - row, ncols - 1 - col) = half_matrix.at<double>(row, col);
  for (int row = 0; row < nrows; ++row)
    for (int col = 0; col < ncols; ++col)
      h.at<double>(nrows - 1 + row, ncols - 1 + col) = half_matrix.at<double>(row, col);
  h /= column_major_sum(h) + kEps * len * len;
  if (cosphi > 0) cv::flip(h, h, 0);  // flipud
  return h;
}

cv::Mat filter2d_replicate(const cv::Mat& src, const cv::Mat& kernel) {
  cv::Mat dst;
  cv::filter2D(src, dst, -1, kernel, cv::Point(-1, -1), 0, cv::BORDER_REPLICATE);
  return dst;
}

cv::Mat gaussian_filter_replicate(const cv::Mat& src, int size, double sigma) {
  if (size < 1 || !(sigma > 0)) throw_internal_error("gaussian_filter_replicate", "size must be >= 1 and sigma > 0");
  const double centre = (size - 1) / 2.0;
  // fspecial zeroes entries below eps * max; the smallest 2-D entry is the corner, exp(-2 c^2 / 2s^2).
  if (std::exp(-(2.0 * centre * centre) / (2.0 * sigma * sigma)) < std::numeric_limits<double>::epsilon())
    return filter2d_replicate(src, fspecial_gaussian(size, sigma));
  cv::Mat g(size, 1, CV_64FC1);
  double sum = 0.0;
  for (int i = 0; i < size; ++i) sum += g.at<double>(i) = std::exp(-((i - centre) * (i - centre)) / (2.0 * sigma * sigma));
  g /= sum;
  cv::Mat dst;
  cv::sepFilter2D(src, dst, -1, g, g, cv::Point(-1, -1), 0, cv::BORDER_REPLICATE);
  return dst;
}

}  // namespace shamisa::detail
