// The evaluation protocol's 5 + 5 crop features (see include/shamisa/encoder_features.h).
#include "shamisa/encoder_features.h"

#include <utility>

#include "shamisa/crop.h"
#include "shamisa/error.h"
#include "shamisa/image_io.h"
#include "shamisa/resize.h"
#include "shamisa/tensor.h"

namespace shamisa {
namespace {

constexpr int kCropsPerScale = 5;

void check_crop_size(int crop) {
  if (crop < 1) throw_usage_error("protocol crops", "crop size must be positive, got " + std::to_string(crop));
}

// Appends the five windows of protocol_crops' table.
void append_five_crops(const cv::Mat& image, int crop, std::vector<cv::Mat>& out) {
  const int w = image.cols, h = image.rows;
  out.push_back(crop_zero_padded(image, w / 2 - crop / 2, h / 2 - crop / 2, crop, crop));
  out.push_back(crop_zero_padded(image, 0, 0, crop, crop));
  out.push_back(crop_zero_padded(image, 0, h - crop, crop, crop));
  out.push_back(crop_zero_padded(image, w - crop, 0, crop, crop));
  out.push_back(crop_zero_padded(image, w - crop, h - crop, crop, crop));
}

void require_eval_mode(ResNetEncoder& encoder) {
  for (const auto& module : encoder->modules(/*include_self=*/true)) {
    if (module->is_training())
      throw_usage_error("encoder features", "the encoder must be in eval mode (call eval() first)");
  }
}

class EncoderFeatureSource : public FeatureSource {
 public:
  EncoderFeatureSource(ResNetEncoder encoder, int crop, std::string name)
      : encoder_(std::move(encoder)), crop_(crop), name_(std::move(name)) {
    check_crop_size(crop_);
    encoder_->eval();
  }

  std::string name() const override { return name_; }

  torch::Tensor features(const DatasetItem& item) const override {
    const cv::Mat rgb8 = read_image_rgb8(item.image);  // its input errors name the file
    ResNetEncoder encoder = encoder_;                    // a non-const handle to the shared module
    try {
      return encoder_protocol_features(encoder, rgb8, crop_);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::kInput) throw;
      throw_input_error(item.image, e.what());
    }
  }

 private:
  ResNetEncoder encoder_;
  int crop_;
  std::string name_;
};

}  // namespace

std::vector<cv::Mat> protocol_crops(const cv::Mat& rgb8, int crop) {
  if (rgb8.empty() || rgb8.type() != CV_8UC3)
    throw_usage_error("protocol crops", "needs a non-empty 8-bit RGB image (CV_8UC3)");
  check_crop_size(crop);
  // half_scale would raise a usage error; for a real file this is a property of the input.
  if (rgb8.cols < 2 || rgb8.rows < 2)
    throw_input_error("protocol crops", "image " + std::to_string(rgb8.cols) + "x" + std::to_string(rgb8.rows) +
                                            " is too small for the half scale (at least 2x2 needed)");
  std::vector<cv::Mat> crops;
  crops.reserve(2 * kCropsPerScale);
  append_five_crops(rgb8, crop, crops);
  append_five_crops(half_scale(rgb8), crop, crops);
  return crops;
}

torch::Tensor encoder_protocol_rows(ResNetEncoder& encoder, const cv::Mat& rgb8, int crop) {
  require_eval_mode(encoder);
  const torch::Tensor batch = images_to_batch(protocol_crops(rgb8, crop), kImageNetNormalization);
  torch::NoGradGuard no_grad;
  return encoder->forward_normalized(batch).to(torch::kFloat32);
}

torch::Tensor pair_protocol_scales(const torch::Tensor& rows) {
  if (!rows.defined() || rows.dim() != 2 || rows.size(0) != 2 * kCropsPerScale) {
    throw_usage_error("protocol features", "expects one row per protocol crop (10)");
  }
  return torch::cat({rows.slice(0, 0, kCropsPerScale), rows.slice(0, kCropsPerScale, 2 * kCropsPerScale)}, 1);
}

torch::Tensor encoder_protocol_features(ResNetEncoder& encoder, const cv::Mat& rgb8, int crop) {
  return pair_protocol_scales(encoder_protocol_rows(encoder, rgb8, crop));
}

std::unique_ptr<FeatureSource> make_encoder_feature_source(ResNetEncoder encoder, int crop, std::string name) {
  return std::make_unique<EncoderFeatureSource>(std::move(encoder), crop, std::move(name));
}

}  // namespace shamisa
