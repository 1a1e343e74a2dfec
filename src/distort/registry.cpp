// The table of distortion types (METHOD-SHAMISA.md section 3.1) and chains of them.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "distort/functions.h"
#include "shamisa/distort.h"
#include "shamisa/error.h"
#include "shamisa/parse.h"

namespace shamisa {

const std::vector<std::string>& distortion_groups() {
  static const std::vector<std::string> groups = {"blur",  "color_distortion",   "jpeg",
                                                  "noise", "brightness_change",  "spatial_distortion",
                                                  "sharpness_contrast"};
  return groups;
}

const std::vector<DistortionType>& distortion_registry() {
  using namespace detail;
  // name, group, parameter, anchors (index 0 -> 4), integer, direction, identity at mildest,
  // random, function.
  static const std::vector<DistortionType> registry = {
      {"gaublur", "blur", "Gaussian sigma (px)", {0.1, 0.5, 1, 2, 5}, false, "blurrier", true, false, gaussian_blur},
      {"lensblur", "blur", "disk radius (px)", {1, 2, 4, 6, 8}, true, "blurrier", false, false, lens_blur},
      {"motionblur", "blur", "kernel length (px)", {1, 2, 4, 6, 10}, true, "blurrier", true, true, motion_blur},
      {"colordiff", "color_distortion", "amount", {1, 3, 6, 8, 12}, true, "", false, false, color_diffusion},
      {"colorshift", "color_distortion", "shift length (px)", {1, 3, 6, 8, 12}, true, "", false, true, color_shift},
      {"colorsat1", "color_distortion", "HSV saturation factor", {0.4, 0.2, 0.1, 0, -0.4}, false, "less-saturated", false, false, color_saturation1},
      {"colorsat2", "color_distortion", "Lab a*b* factor", {1, 2, 3, 6, 9}, true, "more-saturated", true, false, color_saturation2},
      {"jpeg2000", "jpeg", "compression ratio", {16, 32, 45, 120, 170}, true, "", false, false, jpeg2000},
      {"jpeg", "jpeg", "JPEG quality", {43, 36, 24, 7, 4}, true, "", false, false, jpeg},
      {"whitenoise", "noise", "variance", {0.001, 0.002, 0.003, 0.005, 0.01}, false, "noisier", false, true, white_noise},
      {"whitenoiseCC", "noise", "variance (YCbCr)", {0.0001, 0.0005, 0.001, 0.002, 0.003}, false, "noisier", false, true, white_noise_cc},
      {"impulsenoise", "noise", "density", {0.001, 0.005, 0.01, 0.02, 0.03}, false, "noisier", false, true, impulse_noise},
      {"multnoise", "noise", "variance", {0.001, 0.005, 0.01, 0.02, 0.05}, false, "noisier", false, true, multiplicative_noise},
      {"brighten", "brightness_change", "amount", {0.1, 0.2, 0.4, 0.7, 1.1}, false, "brighter", false, false, brighten},
      {"darken", "brightness_change", "amount", {0.05, 0.1, 0.2, 0.4, 0.8}, false, "darker", false, false, darken},
      {"meanshiftneg", "brightness_change", "offset", {0, -0.08, -0.115, -0.15, -0.185}, false, "darker", true, false, mean_shift},
      {"meanshiftpos", "brightness_change", "offset", {0, 0.08, 0.115, 0.15, 0.185}, false, "brighter", true, false, mean_shift},
      {"jitter", "spatial_distortion", "displacement std (px)", {0.05, 0.1, 0.2, 0.5, 1}, false, "", false, true, jitter},
      {"noneccpatch", "spatial_distortion", "number of patches", {20, 40, 60, 80, 100}, true, "", false, true, non_eccentricity_patch},
      {"pixelate", "spatial_distortion", "strength", {0.01, 0.05, 0.1, 0.2, 0.5}, false, "", false, false, pixelate},
      {"quantization", "spatial_distortion", "number of levels", {20, 16, 13, 10, 7}, true, "", false, false, quantization},
      {"colorblock", "spatial_distortion", "number of blocks", {2, 4, 6, 8, 10}, true, "", false, true, color_block},
      {"highsharpen", "sharpness_contrast", "amount", {1, 2, 3, 6, 12}, true, "sharper", false, false, high_sharpen},
      {"lincontrchangeneg", "sharpness_contrast", "amount", {0, -0.15, -0.3, -0.4, -0.6}, false, "less-contrast", false, false, linear_contrast_change},
      {"lincontrchangepos", "sharpness_contrast", "amount", {0, 0.15, 0.3, 0.4, 0.6}, false, "more-contrast", false, false, linear_contrast_change},
      {"nonlincontrchange", "sharpness_contrast", "output half-range", {0.4, 0.3, 0.2, 0.1, 0.05}, false, "less-contrast", false, false, non_linear_contrast_change},
  };
  return registry;
}

const DistortionType& find_distortion(const std::string& name) {
  for (const auto& type : distortion_registry())
    if (type.name == name) return type;
  std::string known;
  for (const auto& type : distortion_registry()) known += (known.empty() ? "" : " ") + type.name;
  throw_usage_error(name, "unknown distortion type (known: " + known + ")");
}

Severity severity_to_value(const DistortionType& type, double s) {
  if (!(s >= 0.0 && s <= 4.0)) {
    std::ostringstream text;
    text << "severity " << s << " is outside [0, 4]";
    throw_usage_error(type.name, text.str());
  }
  const int lo = static_cast<int>(std::floor(s));
  const int hi = static_cast<int>(std::ceil(s));
  const double f = s - lo;
  const double a_lo = type.anchors[lo], a_hi = type.anchors[hi];
  Severity out{s, a_lo * (1.0 - f) + a_hi * f};
  if (type.integer_valued && lo != hi) {
    out.value = std::nearbyint(out.value);  // Python's round: half to even
    // The index that the rounded value stands for (anchors differ when lo != hi for all types).
    if (a_hi != a_lo) out.index = lo + (out.value - a_lo) / (a_hi - a_lo);
  }
  return out;
}

Severity sample_severity(const DistortionType& type, Rng& rng, SeverityDistribution distribution) {
  double s = 0.0;
  switch (distribution) {
    case SeverityDistribution::kUniform: s = rng.uniform(0.0, 4.0); break;
    case SeverityDistribution::kHalfNormal: s = std::min(std::abs(rng.normal(0.0, 2.5)), 4.0); break;
    case SeverityDistribution::kDiscrete: s = std::nearbyint(std::min(std::abs(rng.normal(0.0, 2.5)), 4.0)); break;
  }
  return severity_to_value(type, s);
}

std::vector<DistortionStep> parse_chain(const std::string& text) {
  std::vector<DistortionStep> steps;
  std::stringstream parts(text);
  std::string part;
  while (std::getline(parts, part, ',')) {
    const auto colon = part.find(':');
    if (colon == std::string::npos)
      throw_usage_error("--chain", "'" + part + "' is not NAME:SEVERITY (e.g. gaublur:2.5)");
    const DistortionType& type = find_distortion(part.substr(0, colon));
    const std::string number = part.substr(colon + 1);
    const std::optional<double> s = parse_finite_double(number);
    if (!s) throw_usage_error("--chain", "'" + number + "' in '" + part + "' is not a number");
    steps.push_back({&type, severity_to_value(type, *s)});
  }
  if (steps.empty()) throw_usage_error("--chain", "no distortions given");
  return steps;
}

std::string format_chain(const std::vector<DistortionStep>& steps) {
  std::ostringstream text;
  for (std::size_t i = 0; i < steps.size(); ++i)
    text << (i ? "," : "") << steps[i].type->name << ':' << steps[i].severity.index;
  return text.str();
}

cv::Mat apply_step(const cv::Mat& rgb, const DistortionStep& step, Rng& rng) {
  if (rgb.empty() || rgb.type() != CV_32FC3) throw_usage_error(step.type->name, "needs a non-empty CV_32FC3 RGB image");
  cv::Mat out = step.type->apply(rgb, step.severity.value, rng);
  // In place: cv::min(cv::max(…)) would allocate two temporaries of the image's size.
  for (int y = 0; y < out.rows; ++y) {
    float* row = out.ptr<float>(y);
    for (int i = 0; i < 3 * out.cols; ++i) row[i] = std::min(std::max(row[i], 0.0f), 1.0f);
  }
  return out;
}

cv::Mat apply_chain(const cv::Mat& rgb, const std::vector<DistortionStep>& steps, Rng& rng) {
  cv::Mat current = rgb;
  for (const auto& step : steps) current = apply_step(current, step, rng);
  return current.data == rgb.data ? rgb.clone() : current;
}

}  // namespace shamisa
