// Classic no-reference image quality metrics: BRISQUE (through OpenCV's quality module) and NIQE
// (shamisa's own implementation of the authors' MATLAB release). Both are "lower is better".
//
// Input images are what image_io decodes: RGB channel order, 3 channels, depth CV_8U, CV_16U
// or CV_32F (float in [0, 1]). A 1-channel image of the same depths is taken as gray.
// Errors are shamisa::Error: kInput for an empty, too small or unsupported image, kModel for a
// missing or unreadable model file (the message names the path).
//
// Threads: Niqe's methods only read the object and may be called concurrently. Brisque calls
// OpenCV's QualityBRISQUE, which does not promise that; give each thread its own Brisque.
#ifndef SHAMISA_NR_METRICS_H_
#define SHAMISA_NR_METRICS_H_

#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace shamisa {

// BRISQUE (Mittal, Moorthy, Bovik, "No-reference image quality assessment in the spatial
// domain", IEEE TIP 2012) computed by cv::quality::QualityBRISQUE with OpenCV's LIVE-trained SVR
// (brisque_model_live.yml + brisque_range_live.yml).
//
// Model folder: `model_dir` when not empty; else $SHAMISA_BRISQUE_DIR when set and not empty;
// else /usr/share/opencv4/quality (Debian's opencv-data). Both files must be there.
//
// Conventions: the image is brought to 8 bits (to_rgb8: 16-bit and float are rounded to
// nearest) and to BGR order, then handed to OpenCV, which converts BGR to gray
// (cv::COLOR_BGR2GRAY), scales by 1/255 and computes the 36 features in single precision
// (its second scale is cv::resize INTER_CUBIC to half size, no antialiasing). So score() equals
// QualityBRISQUE::compute on the same file read by cv::imread, exactly.
//
// Score: nominally 0 (best) .. 100 (worst); typical photographs score about 10..50. OpenCV 4.6
// clamps the SVR output to [0, 100], so values outside that range are not returned even for
// inputs the model never saw (the raw SVR output can leave the range). Images must be at least
// 16x16 pixels.
class Brisque {
 public:
  explicit Brisque(const std::string& model_dir = "");

  double score(const cv::Mat& rgb) const;
  // QualityBRISQUE::computeFeatures: 36 values, 18 per scale (AGGD shape and variance of the
  // MSCN coefficients, then shape, mean, left and right variance of the four pairwise products).
  std::vector<float> features(const cv::Mat& rgb) const;

  // The folder the model was read from.
  const std::string& model_dir() const { return model_dir_; }

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
  std::string model_dir_;
};

// NIQE (Mittal, Soundararajan, Bovik, "Making a completely blind image quality analyzer", IEEE
// SPL 2013), following the authors' MATLAB computequality.m with its default parameters (96x96
// patches, no overlap, 2 scales, 36 features) and the LIVE pristine model.
//
// Model: by default the pristine mean (36) and covariance (36x36) embedded in the library
// (from the LIVE NIQE release, see src/eval/nr_metrics.cpp for provenance and licence). A folder
// holding niqe_pristine_mu.txt (36 numbers) and niqe_pristine_cov.txt (36x36 numbers, white
// space separated) overrides it: `model_dir` when not empty, else $SHAMISA_NIQE_DIR when set and
// not empty.
//
// Conventions (each one as MATLAB does it):
//  * gray = 0.298936021293775 R + 0.587043074451121 G + 0.114020904255103 B (rgb2gray: the first
//    row of the inverse NTSC matrix), on the 0..255 scale. 8-bit input is rounded to an integer
//    (half away from zero), as rgb2gray does for uint8; 16-bit input (divided by 257) and float
//    input (times 255) are not rounded. 1-channel input is used as it is (same scaling).
//  * The image is cropped to floor(H/96)*96 x floor(W/96)*96, keeping the top-left corner.
//  * For each of 2 scales: mu = G*I, sigma = sqrt(|G*(I^2) - mu^2|), MSCN = (I - mu)/(sigma + 1),
//    G the 7x7 Gaussian window (sigma 7/6) normalised to sum 1, borders replicated (imfilter
//    'replicate'). MSCN is computed on the whole (cropped / resized) image, then cut into
//    patches of 96x96 (scale 1) and 48x48 (scale 2); patch (r, c) of both scales is one row.
//    Our one addition: MSCN values with |x| < 1e-9 are set to 0. They are rounding residue of
//    flat (or symmetric) neighbourhoods, exactly 0 in exact arithmetic, whose arbitrary sign
//    would otherwise move samples between the left and right sides of the AGGD fit and change
//    a patch's features by ~1e-4 depending on the order of floating-point operations alone.
//  * Per patch and scale, 18 features: AGGD fit of the MSCN -> shape, (left + right scale)/2;
//    for each shift (0,1), (1,0), (1,1), (1,-1) the product of the patch with its circularly
//    shifted copy (circshift, within the patch) -> shape, mean (br - bl) G(2/a)/G(1/a), bl, br.
//    AGGD fit: l = sqrt(mean of x^2 over x < 0), r likewise over x > 0, gh = l/r,
//    rhat = mean|x|^2 / mean x^2, R = rhat (gh^3 + 1)(gh + 1)/(gh^2 + 1)^2, shape = the
//    gam in 0.2 + 0.001 k (k = 0..9800) minimising (G(2/g)^2 / (G(1/g) G(3/g)) - R)^2 (first on
//    ties; gam = 0.2 when R is NaN, as MATLAB's min), bl = l sqrt(G(1/a)/G(3/a)), br likewise.
//    A flat patch has no negative (or positive) values and gives NaN features.
//  * Scale 2 is MATLAB imresize(I, 0.5): bicubic (a = -0.5) with antialiasing (8 taps) and
//    MATLAB's symmetric border mirroring, in double, output H/2 x W/2. (Pillow's bicubic has
//    the same interior taps but renormalises at the borders instead of mirroring.)
//  * mu_d = per-feature mean over patches ignoring NaN (nanmean); cov_d = sample covariance
//    (divisor N - 1) of the patches with no NaN feature (nancov); NIQE =
//    sqrt((mu_p - mu_d)' pinv((cov_p + cov_d)/2) (mu_p - mu_d)), pinv by SVD with MATLAB's
//    tolerance 36 * eps(largest singular value).
//
// Score: lower is better; pristine photographs score about 2..6, strongly distorted ones 10 and
// more (no upper bound). Images need at least 96 pixels on each side and at least 2 patches
// (e.g. 96x192), and at least 2 patches without NaN features (a flat image has none).
class Niqe {
 public:
  static constexpr int kPatchSize = 96;
  static constexpr int kFeatureCount = 36;

  explicit Niqe(const std::string& model_dir = "");

  double score(const cv::Mat& rgb) const;
  // mu_d above: the 36 per-feature means (NaN ignored) over the image's patches, features
  // 0..17 at full scale and 18..35 at half scale.
  std::vector<double> patch_features_mean(const cv::Mat& rgb) const;
  // The patch features themselves: one CV_64F row of 36 per patch (patches in column-major
  // order, as MATLAB's blkproc), NaN where a fit is undefined.
  cv::Mat patch_features(const cv::Mat& rgb) const;

  // "embedded" or the folder the model was read from.
  const std::string& model_source() const { return model_source_; }
  const std::vector<double>& pristine_mean() const { return mu_; }
  const cv::Mat& pristine_covariance() const { return cov_; }  // 36x36 CV_64F

 private:
  std::vector<double> mu_;
  cv::Mat cov_;
  std::string model_source_;
};

namespace nr_detail {
// Building blocks of NIQE, exposed for the tests.
// MATLAB rgb2gray as described above: CV_64FC1 on the 0..255 scale.
cv::Mat niqe_gray(const cv::Mat& rgb);
// MATLAB imresize(img, 0.5) (bicubic, antialiased) of a CV_64FC1 image with even sides.
cv::Mat matlab_imresize_half(const cv::Mat& img);
}  // namespace nr_detail

}  // namespace shamisa

#endif  // SHAMISA_NR_METRICS_H_
