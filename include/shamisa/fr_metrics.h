// Full-reference image quality metrics: PSNR, SSIM, MS-SSIM and GMSD.
//
// Inputs are RGB images as image_io decodes them: 3 channels, depth CV_8U, CV_16U, CV_32F (or
// CV_64F), float data meaning [0, 1]. Both images are brought to one [0, 255] double scale,
// value * 255 / max with max = 255 (8-bit), 65535 (16-bit) or 1 (float): the same as
// to_rgbf(x) * 255, but computed in double so 8-bit samples stay exact integers. The two images
// may have different depths. Float values are used as they are (not clamped).
//
// Errors (shamisa::Error, kind kInput, i.e. exit code 3), message "<metric>: <problem>":
//   - an empty image, one without 3 channels, or of another depth;
//   - different sizes: "reference is WxH, distorted is WxH" (width x height);
//   - too small for the metric (SSIM, MS-SSIM; see below).
//
// Luminance. SSIM, MS-SSIM and GMSD work on Y = 0.299 R + 0.587 G + 0.114 B of the [0, 255]
// values (Rec. ITU-R BT.601 luma; also kornia's and color.h's Y), in double, not rounded.
// MATLAB's rgb2gray, with which the authors' programs are usually fed, uses
// 0.298936021293775 R + 0.587043074451121 G + 0.114020904255103 B (the BT.601 weights agree
// after rounding to 3 decimals) and, for uint8 input, rounds Y to an integer; shamisa does
// neither. On a 200x192 test pair (tests/tools/fr_reference_values.py) the exact weights move
// SSIM by 6e-6, the uint8 rounding by 6e-4.
#ifndef SHAMISA_FR_METRICS_H_
#define SHAMISA_FR_METRICS_H_

#include <opencv2/core.hpp>

namespace shamisa {

// Peak signal-to-noise ratio in dB over all three RGB channels:
// 10 * log10(255^2 / MSE), MSE the mean over every pixel and channel of the squared difference
// on the [0, 255] scale. Identical images give +infinity (std::numeric_limits<double>::infinity);
// callers that need a finite number cap it themselves. Higher is better.
double psnr(const cv::Mat& ref, const cv::Mat& dist);

// SSIM (Wang, Bovik, Sheikh, Simoncelli 2004) as the authors' MATLAB ssim.m (2009, "SSIM index
// with automatic downsampling") computes it on Y:
//   1. f = max(1, round(min(H, W) / 256)), round half away from zero. If f > 1, Y is averaged
//      with an f x f box filter (MATLAB imfilter 'symmetric', 'same': edge sample repeated
//      outside; for even f the box covers f/2 - 1 samples before and f/2 after the pixel, the
//      MATLAB centre floor((f + 1) / 2)) and every f-th sample from the first is kept, giving
//      ceil(H / f) x ceil(W / f).
//   2. ssim_index.m: 11 x 11 Gaussian window, sigma 1.5, normalised to sum 1; K1 = 0.01,
//      K2 = 0.03, L = 255 (C1 = (K1 L)^2, C2 = (K2 L)^2); means, variances and covariance by
//      'valid' filtering (no padding: the map is (h - 10) x (w - 10)), population moments
//      (E[x^2] - mu^2); SSIM = mean of the map.
// With f = 1 this equals scikit-image's structural_similarity(Y1, Y2, gaussian_weights=True,
// sigma=1.5, use_sample_covariance=False, data_range=255). Input error when the downsampled
// image is smaller than 11 x 11. 1 for identical images; higher is better; can be negative.
double ssim(const cv::Mat& ref, const cv::Mat& dist);

// MS-SSIM (Wang, Simoncelli, Bovik 2003) as the authors' msssim.m computes it on Y, with no
// automatic downsampling: 5 scales with weights (0.0448, 0.2856, 0.3001, 0.2363, 0.1333).
// At each scale the SSIM statistics of ssim() step 2 are computed ('valid' 11 x 11 Gaussian);
// between scales both images are averaged with a 2 x 2 box (imfilter 'symmetric', 'same': the
// pixel, its right and lower neighbours, the last row / column repeated) and every second
// sample from the first is kept (ceil halving). The result is
//   prod_{s=1..4} mean(cs_s)^w_s * mean(ssim_s)^w_5   with s = 5 in the last factor,
// cs = (2 sigma12 + C2) / (sigma1^2 + sigma2^2 + C2), i.e. means of the maps, then powers.
// A negative mean (strongly anti-correlated images) is clamped to 0 before its power, so the
// result is then 0 (MATLAB would return a complex number). Input error unless both sides are
// at least 176 = 11 * 2^4, the test msssim.m makes (min(H, W) / 16 >= 11). 1 for identical
// images; in [0, 1]; higher is better.
double ms_ssim(const cv::Mat& ref, const cv::Mat& dist);

// GMSD (Xue, Zhang, Mou, Bovik 2014) as the authors' GMSD.m computes it on Y in [0, 255]:
//   1. 2 x 2 average, MATLAB conv2 'same' with zero padding (the pixel, its right and lower
//      neighbours; zeros past the last row / column), every second sample from the first kept;
//   2. gradients by the Prewitt kernels [1 0 -1; 1 0 -1; 1 0 -1] / 3 and its transpose,
//      conv2 'same' with zero padding (so the image border shows strong gradients, as in
//      GMSD.m); gradient magnitude m = sqrt(gx^2 + gy^2);
//   3. GMS map = (2 m1 m2 + c) / (m1^2 + m2^2 + c), c = 170;
//   4. GMSD = standard deviation of the map with the N - 1 normalisation of MATLAB's std2
//      (0 for a one-pixel map).
// 0 for identical images; lower is better. Any non-empty size is accepted.
double gmsd(const cv::Mat& ref, const cv::Mat& dist);

}  // namespace shamisa

#endif  // SHAMISA_FR_METRICS_H_
