// The blur group (METHOD-SHAMISA.md sections 3.1 and 4.2): gaublur, lensblur and motionblur.
//
// Each is one MATLAB-style kernel (kernels.h) applied by correlation, per channel, with a
// replicate border, exactly as the reference's filter2D does.
#include <cmath>
#include <string>

#include <opencv2/core.hpp>

#include "distort/functions.h"
#include "distort/kernels.h"
#include "shamisa/error.h"

namespace shamisa::detail {
// fs = 2 ceil(2 sigma) + 1; fspecial('gaussian', [fs fs], sigma). At sigma = 0.1 (severity 0) the
// kernel is 3x3 and its off-centre entries (exp(-50) and exp(-100)) fall below eps * max, so it is
// exactly the identity and so is the result.
cv::Mat gaussian_blur(const cv::Mat& rgb, double sigma, Rng& /*rng*/) {
  require_rgb_image(rgb, "gaussian_blur");
  require_positive(sigma, "gaussian_blur", "sigma");
  const int fs = 2 * static_cast<int>(std::ceil(2.0 * sigma)) + 1;
  return gaussian_filter_replicate(rgb, fs, sigma);
}

// r <- int(r) (Python truncation); fspecial('disk', r), (2r + 1) x (2r + 1).
//
// Note: the reference's Python port of fspecial('disk') departs from MATLAB for r >= 2 (it zeroes
// one square root whenever any cell would make it complex and uses minxy for maxxy in the other,
// giving negative weights at r = 2); we follow MATLAB's algorithm, as the specification asks.
cv::Mat lens_blur(const cv::Mat& rgb, double radius, Rng& /*rng*/) {
  require_rgb_image(rgb, "lens_blur");
  require_non_negative(radius, "lens_blur", "radius");
  const int r = static_cast<int>(radius);  // int() truncates toward zero
  return filter2d_replicate(rgb, fspecial_disk(r));
}

// theta = randint(0, 180): the reference calls Python's random.randint, which includes both ends,
// so theta takes the 181 integer values 0..180 with equal probability (0 and 180 give the same
// kernel, as in the reference). Rng::uniform_int is inclusive of both ends too. The angle is drawn
// on every call, also for length 1, so the generator advances by exactly one draw.
cv::Mat motion_blur(const cv::Mat& rgb, double length, Rng& rng) {
  require_rgb_image(rgb, "motion_blur");
  require_non_negative(length, "motion_blur", "length");
  const int angle = rng.uniform_int(0, 180);
  return filter2d_replicate(rgb, fspecial_motion(length, static_cast<double>(angle)));
}

}  // namespace shamisa::detail
