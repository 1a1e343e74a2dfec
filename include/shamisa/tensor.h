// Conversion between RGB images and the NCHW float tensors that the networks take.
#ifndef SHAMISA_TENSOR_H_
#define SHAMISA_TENSOR_H_

#include <array>
#include <vector>

#include <opencv2/core.hpp>
#include <torch/torch.h>

namespace shamisa {

// Per-channel (R, G, B) normalisation: (x - mean) / std on values in [0, 1].
struct Normalization {
  std::array<float, 3> mean{0.f, 0.f, 0.f};
  std::array<float, 3> std{1.f, 1.f, 1.f};
};

// torchvision's ImageNet statistics.
inline constexpr Normalization kImageNetNormalization{{0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}};
inline constexpr Normalization kNoNormalization{};

// RGB image (CV_8UC3, CV_16UC3 or CV_32FC3) -> float tensor [3, H, W], normalised.
torch::Tensor image_to_tensor(const cv::Mat& rgb, const Normalization& norm = kImageNetNormalization);
// Equal-sized images -> [N, 3, H, W]. Usage error when sizes differ.
torch::Tensor images_to_batch(const std::vector<cv::Mat>& images,
                              const Normalization& norm = kImageNetNormalization);
// A CV_32FC(C) image (any channel count, e.g. the relational targets) -> float tensor [C, H, W].
torch::Tensor planes_to_tensor(const cv::Mat& planes);
// [3, H, W] or [1, 3, H, W] tensor -> CV_32FC3 RGB image, undoing the normalisation.
cv::Mat tensor_to_image(const torch::Tensor& chw, const Normalization& norm = kImageNetNormalization);

}  // namespace shamisa

#endif  // SHAMISA_TENSOR_H_
