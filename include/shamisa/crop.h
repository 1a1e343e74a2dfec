// Crops that may reach outside the image, as torchvision's TF.crop does: pixels outside are zero
// (black), filled before any normalisation.
#ifndef SHAMISA_CROP_H_
#define SHAMISA_CROP_H_

#include <opencv2/core.hpp>

namespace shamisa {

// The width x height window whose top-left corner is (x, y) in image coordinates; x and y may be
// negative and the window may extend past the image. Any type; returns a new image.
cv::Mat crop_zero_padded(const cv::Mat& image, int x, int y, int width, int height);

// The centred width x height window (torchvision center_crop: top = round((H - h) / 2) with
// Python's round-half-to-even), zero-padded when the image is smaller.
cv::Mat center_crop(const cv::Mat& image, int width, int height);

}  // namespace shamisa

#endif  // SHAMISA_CROP_H_
