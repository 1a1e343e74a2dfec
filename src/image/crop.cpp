#include "shamisa/crop.h"

#include <cmath>

#include "shamisa/error.h"

namespace shamisa {

cv::Mat crop_zero_padded(const cv::Mat& image, int x, int y, int width, int height) {
  if (width <= 0 || height <= 0)
    throw_usage_error("crop", "size must be positive, got " + std::to_string(width) + "x" + std::to_string(height));
  cv::Mat out = cv::Mat::zeros(height, width, image.type());
  const cv::Rect window(x, y, width, height);
  const cv::Rect inside = window & cv::Rect(0, 0, image.cols, image.rows);
  if (inside.area() > 0) image(inside).copyTo(out(inside - window.tl()));
  return out;
}

cv::Mat center_crop(const cv::Mat& image, int width, int height) {
  // torchvision: int(round((H - h) / 2.0)); nearbyint rounds half to even like Python.
  const int top = static_cast<int>(std::nearbyint((image.rows - height) / 2.0));
  const int left = static_cast<int>(std::nearbyint((image.cols - width) / 2.0));
  return crop_zero_padded(image, left, top, width, height);
}

}  // namespace shamisa
