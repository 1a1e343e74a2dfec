// Helpers shared by several distortion functions.
#include <cmath>
#include <string>

#include "distort/functions.h"
#include "shamisa/error.h"

namespace shamisa::detail {

void require_rgb_image(const cv::Mat& rgb, const char* function) {
  if (rgb.empty() || rgb.dims != 2 || rgb.type() != CV_32FC3)
    throw_usage_error(function, "expected a non-empty 2-D CV_32FC3 RGB image, got " +
                                    (rgb.empty() ? std::string("an empty image") : cv::typeToString(rgb.type())));
}

void require_finite(double value, const char* function, const char* what) {
  if (!std::isfinite(value)) throw_usage_error(function, std::string(what) + " must be finite, got " + std::to_string(value));
}

void require_non_negative(double value, const char* function, const char* what) {
  if (!std::isfinite(value) || value < 0.0)
    throw_usage_error(function, std::string(what) + " must be finite and >= 0, got " + std::to_string(value));
}

void require_positive(double value, const char* function, const char* what) {
  if (!std::isfinite(value) || !(value > 0.0))
    throw_usage_error(function, std::string(what) + " must be finite and > 0, got " + std::to_string(value));
}

void truncate_to_8bit(cv::Mat& rgb) {
  CV_Assert(rgb.depth() == CV_32F);
  for (int y = 0; y < rgb.rows; ++y) {
    float* row = rgb.ptr<float>(y);
    for (int i = 0; i < rgb.cols * rgb.channels(); ++i) row[i] = std::trunc(row[i] * 255.0f) / 255.0f;
  }
}

}  // namespace shamisa::detail
