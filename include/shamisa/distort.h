// The compositional distortion engine (METHOD-SHAMISA.md sections 3 and 4): 26 distortion types
// in 7 groups, continuous severities, and chains of distortions applied in order.
#ifndef SHAMISA_DISTORT_H_
#define SHAMISA_DISTORT_H_

#include <array>
#include <functional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "shamisa/rng.h"

namespace shamisa {

// The 7 groups, in the reference's order. A composition uses each group at most once.
const std::vector<std::string>& distortion_groups();

// Which way a type moves an attribute, where it has a direction (for users and the relational
// method): e.g. brighten "brighter", meanshiftneg "darker", lincontrchangepos "more-contrast".
// Empty for types without one.
using DistortionFn = std::function<cv::Mat(const cv::Mat& rgb, double value, Rng& rng)>;

struct DistortionType {
  std::string name;                 // code name, e.g. "gaublur"
  std::string group;                // e.g. "blur"
  std::string parameter;            // what the value means, e.g. "Gaussian sigma (px)"
  std::array<double, 5> anchors{};  // parameter at severity index 0 (mild) .. 4 (severe)
  bool integer_valued = false;      // the parameter is rounded (section 3.2)
  std::string direction;            // see above; empty when none
  bool identity_at_mildest = false; // severity 0 changes nothing beyond 8-bit rounding
  bool random = false;              // draws from the generator
  DistortionFn apply;               // CV_32FC3 RGB in [0, 1] -> new image (unclamped)
};

// All 26 types, in the order of METHOD-SHAMISA.md's table.
const std::vector<DistortionType>& distortion_registry();
// Usage error naming the unknown type and listing the known ones.
const DistortionType& find_distortion(const std::string& name);

// Operations outside the paper's 26 that the relational method needs (METHOD-RELATIONAL.md §3.1),
// with the registry's contract (apply_step runs them): "desaturate" (Lab a*b* factor below 1),
// "warm" and "cool" (red and blue gains in opposite directions) and "smoothing" (bilateral filter).
// Their anchors span strengths |t| = 0.2 .. 1 of that method. Not used by compositions, and not
// known to find_distortion.
const std::vector<DistortionType>& relational_distortion_types();

// A severity index and the parameter value it stands for.
struct Severity {
  double index = 0.0;  // s in [0, 4]
  double value = 0.0;  // the parameter
};

// s in [0, 4] -> parameter by linear interpolation of the anchors; for integer types the value is
// rounded half to even and s recomputed to match it (section 3.3). Usage error for s outside [0, 4].
Severity severity_to_value(const DistortionType& type, double s);

enum class SeverityDistribution {
  kHalfNormal,  // s = clip(|N(0, 2.5^2)|, 0, 4): the paper's default
  kUniform,     // s ~ U(0, 4): ablation D3
  kDiscrete,    // the half-normal draw rounded to an integer level: ablation D2
};
Severity sample_severity(const DistortionType& type, Rng& rng,
                         SeverityDistribution distribution = SeverityDistribution::kHalfNormal);

// One step of a chain.
struct DistortionStep {
  const DistortionType* type = nullptr;
  Severity severity;
};

// "gaublur:2.5,jpeg:1" -> steps (severity indices; values computed). Usage errors name the
// offending part.
std::vector<DistortionStep> parse_chain(const std::string& text);
std::string format_chain(const std::vector<DistortionStep>& steps);

// Applies one step: the type's function, then clamp to [0, 1] (section 3.5). CV_32FC3 in and out.
cv::Mat apply_step(const cv::Mat& rgb, const DistortionStep& step, Rng& rng);
// Applies the steps in order.
cv::Mat apply_chain(const cv::Mat& rgb, const std::vector<DistortionStep>& steps, Rng& rng);

}  // namespace shamisa

#endif  // SHAMISA_DISTORT_H_
