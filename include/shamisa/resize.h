// Pillow-compatible antialiased resampling.
//
// Pillow's Image.resize scales each filter's support by the downscale factor, so a downscale
// averages over all the source pixels it covers; cv::resize(INTER_CUBIC) does not, and aliases.
// The evaluation protocol's half scale (PIL bicubic to (w//2, h//2)) depends on this.
#ifndef SHAMISA_RESIZE_H_
#define SHAMISA_RESIZE_H_

#include <opencv2/core.hpp>

namespace shamisa {

enum class ResampleFilter { kBox, kBilinear, kHamming, kBicubic, kLanczos };

// Resizes src to out_width x out_height, separably (horizontal pass, then vertical).
//  - CV_8UC1/3/4: bit-exact with Pillow's 8-bit path (fixed-point coefficients with 22 fractional
//    bits, rounding, and an 8-bit image between the two passes) for L and RGB images. Four
//    channels are resized independently; Pillow premultiplies RGBA by alpha first, so results
//    differ from Pillow's RGBA where alpha varies.
//  - CV_32FC1/3/4: Pillow's mode "F" path (double coefficients and accumulation, float storage).
// Throws shamisa::Error (usage) for an empty image, a non-positive size or another depth.
cv::Mat resize_antialiased(const cv::Mat& src, int out_width, int out_height,
                           ResampleFilter filter = ResampleFilter::kBicubic);

// The protocol's half scale: bicubic to (width / 2, height / 2), rounded down.
cv::Mat half_scale(const cv::Mat& src);

}  // namespace shamisa

#endif  // SHAMISA_RESIZE_H_
