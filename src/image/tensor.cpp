#include "shamisa/tensor.h"

#include "shamisa/error.h"
#include "shamisa/image_io.h"

namespace shamisa {

namespace {
// Writes one image as planar normalised floats into dst (3 * H * W floats).
void fill_planes(const cv::Mat& rgb, const Normalization& norm, float* dst) {
  if (rgb.empty() || rgb.channels() != 3) throw_usage_error("image_to_tensor", "needs a non-empty 3-channel RGB image");
  const cv::Mat f = to_rgbf(rgb);
  const std::size_t plane = std::size_t(f.rows) * f.cols;
  std::array<float, 3> scale{}, offset{};
  for (int c = 0; c < 3; ++c) {
    scale[c] = 1.f / norm.std[c];
    offset[c] = -norm.mean[c] / norm.std[c];
  }
  for (int y = 0; y < f.rows; ++y) {
    const float* row = f.ptr<float>(y);
    for (int x = 0; x < f.cols; ++x)
      for (int c = 0; c < 3; ++c)
        dst[c * plane + std::size_t(y) * f.cols + x] = row[3 * x + c] * scale[c] + offset[c];
  }
}
}  // namespace

torch::Tensor image_to_tensor(const cv::Mat& rgb, const Normalization& norm) {
  torch::Tensor t = torch::empty({3, rgb.rows, rgb.cols}, torch::kFloat32);
  fill_planes(rgb, norm, t.data_ptr<float>());
  return t;
}

torch::Tensor images_to_batch(const std::vector<cv::Mat>& images, const Normalization& norm) {
  if (images.empty()) throw_usage_error("images_to_batch", "no images");
  const cv::Size size = images.front().size();
  torch::Tensor t = torch::empty({std::int64_t(images.size()), 3, size.height, size.width}, torch::kFloat32);
  const std::int64_t stride = 3 * std::int64_t(size.area());
  for (std::size_t i = 0; i < images.size(); ++i) {
    if (images[i].size() != size) throw_usage_error("images_to_batch", "images differ in size");
    fill_planes(images[i], norm, t.data_ptr<float>() + std::int64_t(i) * stride);
  }
  return t;
}

torch::Tensor planes_to_tensor(const cv::Mat& planes) {
  if (planes.empty() || planes.depth() != CV_32F) throw_usage_error("planes_to_tensor", "needs a non-empty CV_32F image");
  const cv::Mat hwc = planes.isContinuous() ? planes : planes.clone();
  const torch::Tensor t = torch::from_blob(hwc.data, {hwc.rows, hwc.cols, hwc.channels()}, torch::kFloat32);
  return t.permute({2, 0, 1}).contiguous();  // copies out of hwc's memory
}

cv::Mat tensor_to_image(const torch::Tensor& chw_in, const Normalization& norm) {
  torch::Tensor chw = chw_in.dim() == 4 && chw_in.size(0) == 1 ? chw_in[0] : chw_in;
  if (chw.dim() != 3 || chw.size(0) != 3) throw_usage_error("tensor_to_image", "needs a [3, H, W] tensor");
  chw = chw.to(torch::kCPU, torch::kFloat32).contiguous();
  const int h = int(chw.size(1)), w = int(chw.size(2));
  cv::Mat out(h, w, CV_32FC3);
  const float* src = chw.data_ptr<float>();
  const std::size_t plane = std::size_t(h) * w;
  for (int y = 0; y < h; ++y) {
    float* row = out.ptr<float>(y);
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c)
        row[3 * x + c] = src[c * plane + std::size_t(y) * w + x] * norm.std[c] + norm.mean[c];
  }
  return out;
}

}  // namespace shamisa
