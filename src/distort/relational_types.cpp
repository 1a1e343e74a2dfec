// The relational method's extra distortion types; see relational_distortion_types() in distort.h.
#include <opencv2/imgproc.hpp>

#include "functions.h"
#include "shamisa/distort.h"

namespace shamisa {
namespace detail {
namespace {

// R x (1 + g), B x (1 - g): g > 0 warms, g < 0 cools. trunc8 as the registry's functions.
cv::Mat channel_gains(const cv::Mat& rgb, double g, Rng& /*rng*/) {
  require_rgb_image(rgb, "channel_gains");
  require_finite(g, "channel_gains", "gain");
  cv::Mat out;
  cv::multiply(rgb, cv::Scalar(1.0 + g, 1.0, 1.0 - g), out);
  out = cv::min(cv::max(out, 0.0), 1.0);
  truncate_to_8bit(out);
  return out;
}

// Edge-preserving smoothing at strength m: bilateral, sigma_colour 0.05 + 0.25 m, sigma_space
// 1 + 4 m px. Removes texture while keeping edges.
cv::Mat bilateral_smoothing(const cv::Mat& rgb, double m, Rng& /*rng*/) {
  require_rgb_image(rgb, "bilateral_smoothing");
  require_non_negative(m, "bilateral_smoothing", "strength");
  cv::Mat out;
  cv::bilateralFilter(rgb, out, -1, 0.05 + 0.25 * m, 1.0 + 4.0 * m, cv::BORDER_REFLECT);
  out = cv::min(cv::max(out, 0.0), 1.0);
  truncate_to_8bit(out);
  return out;
}

}  // namespace
}  // namespace detail

const std::vector<DistortionType>& relational_distortion_types() {
  using namespace detail;
  // name, group, parameter, anchors (index 0 -> 4, i.e. |t| = 0.2 -> 1), integer, direction,
  // identity at mildest, random, function.
  static const std::vector<DistortionType> types = {
      {"desaturate", "relational", "Lab a*b* factor (1 - 0.9 |t|)", {0.82, 0.64, 0.46, 0.28, 0.1}, false,
       "less-saturated", false, false, color_saturation2},
      {"warm", "relational", "red gain - 1 = 1 - blue gain (0.3 |t|)", {0.06, 0.12, 0.18, 0.24, 0.3}, false,
       "warmer", false, false, channel_gains},
      {"cool", "relational", "blue gain - 1 = 1 - red gain (0.3 |t|)", {-0.06, -0.12, -0.18, -0.24, -0.3}, false,
       "cooler", false, false, channel_gains},
      {"smoothing", "relational", "bilateral strength |t|", {0.2, 0.4, 0.6, 0.8, 1.0}, false, "smoother", false,
       false, bilateral_smoothing},
  };
  return types;
}

}  // namespace shamisa
