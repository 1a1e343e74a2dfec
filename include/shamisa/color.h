// Colour-space conversions used by the distortion engine.
//
// Conventions follow kornia 0.7.0 (the library behind the SHAMISA reference code), computed in
// single precision in kornia's order of operations; see docs/image-core.md for the formulas.
// Every function takes and returns a CV_32FC3 image. "RGB" means sRGB-encoded R, G, B in that
// channel order with values in [0, 1].
#ifndef SHAMISA_COLOR_H_
#define SHAMISA_COLOR_H_

#include <array>

#include <opencv2/core.hpp>

namespace shamisa {

using Pixel3 = std::array<float, 3>;

// sRGB -> CIE L*a*b* (D65 white 0.95047, 1, 1.08883). L in [0, 100].
cv::Mat rgb_to_lab(const cv::Mat& rgb);
// L*a*b* -> sRGB; with clip the result is clamped to [0, 1] (kornia's clip=True).
cv::Mat lab_to_rgb(const cv::Mat& lab, bool clip = true);

// RGB -> HSV with H in radians in [0, 2*pi), S and V in [0, 1].
cv::Mat rgb_to_hsv(const cv::Mat& rgb);
cv::Mat hsv_to_rgb(const cv::Mat& hsv);

// RGB -> YCbCr (kornia): Y = .299R + .587G + .114B, Cb = (B - Y) * .564 + .5,
// Cr = (R - Y) * .713 + .5; the inverse uses kornia's coefficients. No clipping.
cv::Mat rgb_to_ycbcr(const cv::Mat& rgb);
cv::Mat ycbcr_to_rgb(const cv::Mat& ycbcr);

// The same conversions on one pixel (the image forms apply these per pixel).
Pixel3 rgb_to_lab(const Pixel3& rgb);
Pixel3 lab_to_rgb(const Pixel3& lab, bool clip = true);
Pixel3 rgb_to_hsv(const Pixel3& rgb);
Pixel3 hsv_to_rgb(const Pixel3& hsv);
Pixel3 rgb_to_ycbcr(const Pixel3& rgb);
Pixel3 ycbcr_to_rgb(const Pixel3& ycbcr);

}  // namespace shamisa

#endif  // SHAMISA_COLOR_H_
