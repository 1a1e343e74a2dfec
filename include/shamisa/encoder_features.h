// The evaluation protocol's features from a frozen encoder (METHOD-SHAMISA.md section 10.1):
// five crops of the full-resolution image and the same five of its half scale, each encoded to
// its L2-normalised pooled representation h (not the projector output), paired by position.
#ifndef SHAMISA_ENCODER_FEATURES_H_
#define SHAMISA_ENCODER_FEATURES_H_

#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <torch/torch.h>

#include "shamisa/encoder.h"
#include "shamisa/evaluation.h"

namespace shamisa {

// The 10 crop x crop crops of an 8-bit RGB image (CV_8UC3): indices 0-4 from the image itself,
// 5-9 the same windows of half_scale(image) (Pillow bicubic to (W / 2, H / 2), rounded down).
//
// Windows on a W x H image, c = crop, integer division, in this order (the reference's
// center_corners_crop, utils/utils_data.py, so that rows line up with its features):
//   0 centre        left = W/2 - c/2, top = H/2 - c/2
//   1 top-left      left = 0,         top = 0
//   2 bottom-left   left = 0,         top = H - c
//   3 top-right     left = W - c,     top = 0
//   4 bottom-right  left = W - c,     top = H - c
// Pixels of a window outside the image are zero (black, before normalisation), as torchvision's
// TF.crop pads a PIL image. Hence, when the image is smaller than the crop:
//  - a corner crop keeps the image against its own corner and pads the far sides (the
//    bottom-right crop is padded above and on the left);
//  - the centre crop pads c/2 - W/2 columns on the left and the rest on the right (rows alike).
// The centre is not torchvision's CenterCrop (round((W - c) / 2), half to even): the two differ by
// one pixel for some odd W - c, e.g. W = 8, c = 3 gives left 3 here and 2 there.
//
// Usage error for another image type or a crop < 1; input error when the image is smaller than
// 2x2, which has no half scale.
std::vector<cv::Mat> protocol_crops(const cv::Mat& rgb8, int crop);

// Features of one image: [5, 2d] float32 (d = encoder->feature_dim()), row i =
// [h_full,i ; h_half,i] for the crops of protocol_crops, where h = forward_normalized (unit L2
// norm per half-row). The 10 crops go through the encoder as one ImageNet-normalised batch,
// under torch::NoGradGuard.
//
// The encoder must be in eval mode (every submodule: BatchNorm then uses its running statistics
// and updates nothing); otherwise usage error. The function never changes the mode or anything
// else in the module, so concurrent calls on one encoder in eval mode are safe.
torch::Tensor encoder_protocol_features(ResNetEncoder& encoder, const cv::Mat& rgb8, int crop);

// The same encoding before the pairing: [10, d] float32, row j = h of protocol crop j (0-4 full
// scale, 5-9 half scale). Same eval-mode contract.
torch::Tensor encoder_protocol_rows(ResNetEncoder& encoder, const cv::Mat& rgb8, int crop);

// [10, k] rows in protocol_crops order -> [5, 2k], row i = [row i ; row 5 + i] (a crop at both
// scales). Usage error for another number of rows.
torch::Tensor pair_protocol_scales(const torch::Tensor& rows);

// A FeatureSource whose features(item) reads item.image (read_image_rgb8: default decoding,
// EXIF orientation applied, 16-bit and float rounded to 8 bits) and returns
// encoder_protocol_features(encoder, image, crop); name() is `name`.
//
// ResNetEncoder is a shared handle: the source shares the caller's module and puts it in eval mode
// here, once. Do not train it or switch its mode while the source is in use (features() would then
// throw a usage error). features() is thread-safe (extract_dataset_features calls it from OpenCV's
// worker threads); input errors (unreadable file, image too small) are input errors naming the
// file. Usage error for a crop < 1.
std::unique_ptr<FeatureSource> make_encoder_feature_source(ResNetEncoder encoder, int crop, std::string name);

}  // namespace shamisa

#endif  // SHAMISA_ENCODER_FEATURES_H_
