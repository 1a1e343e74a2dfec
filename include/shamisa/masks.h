// Spatially varying masks and signed per-pixel targets for the relational method
// (METHOD-RELATIONAL.md section 3.3): a distortion is applied through a mask M in [0, 1] by
// blending, X <- X + M (D(X) - X), and the image's target on axis k is t_k M_k.
#ifndef SHAMISA_MASKS_H_
#define SHAMISA_MASKS_H_

#include <array>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "shamisa/rng.h"

namespace shamisa {

enum class MaskKind {
  kGlobal,        // all ones
  kSmoothField,   // coarse Gaussian noise, bicubic upsampling, soft threshold: blobs over 20-80 %
  kShapes,        // 1-3 random ellipses or polygons, feathered by a Gaussian of sigma 3-8 px
  kContentAware,  // blurred, thresholded edge magnitude of the image (edges, or flat areas)
};

const char* mask_kind_name(MaskKind kind);
// Each kind with probability 1/4 (kContentAware only when an image is given to make_mask).
MaskKind sample_mask_kind(Rng& rng, bool content_available = true);

// A CV_32FC1 mask of `size` with values in [0, 1]. `content` (RGB, any depth) is needed only for
// kContentAware; usage error without it.
cv::Mat make_mask(MaskKind kind, cv::Size size, Rng& rng, const cv::Mat& content = cv::Mat());

// X + M (D - X), per channel; x and distorted CV_32FC3 of one size, mask CV_32FC1 of that size.
cv::Mat blend_through_mask(const cv::Mat& x, const cv::Mat& distorted, const cv::Mat& mask);

// The K = 8 signed attribute axes of the relational method, in channel order.
inline constexpr int kRelationalAxes = 8;
const std::array<std::string, kRelationalAxes>& relational_axis_names();

// One edit of an image: axis k moved by signed strength t in [-1, 1] through `mask`.
struct SignedEdit {
  int axis = 0;
  double strength = 0.0;
  cv::Mat mask;  // CV_32FC1, empty = global
};

// Per-image targets y_k = sum of t M over the edits on axis k, clamped to [-1, 1]:
// a CV_32FC(kRelationalAxes) image of `size` (channel k = axis k). No edits: all zero.
cv::Mat image_targets(const std::vector<SignedEdit>& edits, cv::Size size);

// Pair targets Y(A, B) = clamp(y(A) - y(B), -1, 1); exactly anti-symmetric.
cv::Mat pair_targets(const cv::Mat& targets_a, const cv::Mat& targets_b);

}  // namespace shamisa

#endif  // SHAMISA_MASKS_H_
