// The distortion functions of METHOD-SHAMISA.md section 4, one per entry of the registry.
//
// Every function takes a CV_32FC3 RGB image with values in [0, 1] (never modified), the
// parameter value v of its type (already interpolated from the anchors and, for integer types,
// rounded), and the generator that supplies all of its randomness; it returns a new CV_32FC3
// image of the same size. The caller clamps the result to [0, 1] (section 3.5).
#ifndef SHAMISA_DISTORT_FUNCTIONS_H_
#define SHAMISA_DISTORT_FUNCTIONS_H_

#include <opencv2/core.hpp>

#include "shamisa/rng.h"

namespace shamisa::detail {

// blur
cv::Mat gaussian_blur(const cv::Mat& rgb, double sigma, Rng& rng);
cv::Mat lens_blur(const cv::Mat& rgb, double radius, Rng& rng);
cv::Mat motion_blur(const cv::Mat& rgb, double length, Rng& rng);
// color_distortion
cv::Mat color_diffusion(const cv::Mat& rgb, double amount, Rng& rng);
cv::Mat color_shift(const cv::Mat& rgb, double amount, Rng& rng);
cv::Mat color_saturation1(const cv::Mat& rgb, double factor, Rng& rng);
cv::Mat color_saturation2(const cv::Mat& rgb, double factor, Rng& rng);
// jpeg (compression)
cv::Mat jpeg2000(const cv::Mat& rgb, double ratio, Rng& rng);
cv::Mat jpeg(const cv::Mat& rgb, double quality, Rng& rng);
// noise
cv::Mat white_noise(const cv::Mat& rgb, double variance, Rng& rng);
cv::Mat white_noise_cc(const cv::Mat& rgb, double variance, Rng& rng);
cv::Mat impulse_noise(const cv::Mat& rgb, double density, Rng& rng);
cv::Mat multiplicative_noise(const cv::Mat& rgb, double variance, Rng& rng);
// brightness_change
cv::Mat brighten(const cv::Mat& rgb, double amount, Rng& rng);
cv::Mat darken(const cv::Mat& rgb, double amount, Rng& rng);
cv::Mat mean_shift(const cv::Mat& rgb, double offset, Rng& rng);
// spatial_distortion
cv::Mat jitter(const cv::Mat& rgb, double amount, Rng& rng);
cv::Mat non_eccentricity_patch(const cv::Mat& rgb, double patches, Rng& rng);
cv::Mat pixelate(const cv::Mat& rgb, double strength, Rng& rng);
cv::Mat quantization(const cv::Mat& rgb, double levels, Rng& rng);
cv::Mat color_block(const cv::Mat& rgb, double blocks, Rng& rng);
// sharpness_contrast
cv::Mat high_sharpen(const cv::Mat& rgb, double amount, Rng& rng);
cv::Mat linear_contrast_change(const cv::Mat& rgb, double amount, Rng& rng);
cv::Mat non_linear_contrast_change(const cv::Mat& rgb, double half_range, Rng& rng);

// Argument checks shared by the functions; each throws a usage error naming `function`.
void require_rgb_image(const cv::Mat& rgb, const char* function);  // non-empty 2-D CV_32FC3
void require_finite(double value, const char* function, const char* what);
void require_non_negative(double value, const char* function, const char* what);  // finite, >= 0
void require_positive(double value, const char* function, const char* what);      // finite, > 0

// 8-bit truncation ("trunc8"): x <- trunc(255 x) / 255, in place (values assumed in [0, 1]).
void truncate_to_8bit(cv::Mat& rgb);

}  // namespace shamisa::detail

#endif  // SHAMISA_DISTORT_FUNCTIONS_H_
