// Filter kernels as MATLAB's fspecial builds them, and filtering as the reference does it.
#ifndef SHAMISA_DISTORT_KERNELS_H_
#define SHAMISA_DISTORT_KERNELS_H_

#include <opencv2/core.hpp>

namespace shamisa::detail {

// fspecial('gaussian', [size size], sigma): sampled Gaussian centred on the kernel, entries below
// eps(double) * max set to 0, normalised to sum 1. CV_64FC1, size x size (size odd or even).
cv::Mat fspecial_gaussian(int size, double sigma);

// fspecial('disk', radius): the area of each pixel covered by a disk of that radius, normalised.
// CV_64FC1, (2r+1) x (2r+1).
cv::Mat fspecial_disk(int radius);

// fspecial('motion', length, angle_degrees): a line of that length and angle, anti-aliased as
// MATLAB does. CV_64FC1.
cv::Mat fspecial_motion(double length, double angle_degrees);

// Correlation (not convolution) with `kernel`, per channel, same size, replicate border:
// cv::filter2D(src, dst, -1, kernel, anchor (-1,-1), 0, BORDER_REPLICATE). src CV_32FC1/3.
cv::Mat filter2d_replicate(const cv::Mat& src, const cv::Mat& kernel);

// The same as filter2d_replicate(src, fspecial_gaussian(size, sigma)), computed separably (two
// 1-D passes, O(size) per pixel instead of O(size^2)) whenever MATLAB's eps-zeroing leaves the
// kernel an exact outer product; otherwise (tiny sigma) through the 2-D kernel. The results
// differ from the 2-D filter only by float rounding.
cv::Mat gaussian_filter_replicate(const cv::Mat& src, int size, double sigma);

}  // namespace shamisa::detail

#endif  // SHAMISA_DISTORT_KERNELS_H_
