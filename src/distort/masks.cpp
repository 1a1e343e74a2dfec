#include "shamisa/masks.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "shamisa/error.h"
#include "shamisa/image_io.h"
#include "shamisa/resize.h"

namespace shamisa {
namespace {
// The value below which a `fraction` of the mask's pixels lie.
float quantile(const cv::Mat& values, double fraction) {
  std::vector<float> v(values.begin<float>(), values.end<float>());
  const std::size_t k = std::min(v.size() - 1, static_cast<std::size_t>(fraction * double(v.size())));
  std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(k), v.end());
  return v[k];
}

// 1 / (1 + exp(-(x - threshold) / softness)), elementwise, in place.
void soft_threshold(cv::Mat& x, float threshold, float softness) {
  for (auto it = x.begin<float>(); it != x.end<float>(); ++it)
    *it = 1.0f / (1.0f + std::exp(-(*it - threshold) / softness));
}

// Rescales so the soft threshold covers a random 20-80 % of the pixels.
void threshold_to_random_coverage(cv::Mat& field, Rng& rng) {
  const double coverage = rng.uniform(0.2, 0.8);
  cv::Scalar mean, stddev;
  cv::meanStdDev(field, mean, stddev);
  const float softness = static_cast<float>(std::max(0.15 * stddev[0], 1e-6));
  soft_threshold(field, quantile(field, 1.0 - coverage), softness);
}

cv::Mat smooth_field_mask(cv::Size size, Rng& rng) {
  const int grid = rng.uniform_int(4, 8);
  cv::Mat coarse(grid, grid, CV_32FC1);
  for (auto it = coarse.begin<float>(); it != coarse.end<float>(); ++it) *it = static_cast<float>(rng.normal());
  cv::Mat field = resize_antialiased(coarse, size.width, size.height, ResampleFilter::kBicubic);
  threshold_to_random_coverage(field, rng);
  return field;
}

cv::Mat shapes_mask(cv::Size size, Rng& rng) {
  cv::Mat mask = cv::Mat::zeros(size, CV_32FC1);
  const int shapes = rng.uniform_int(1, 3);
  const int short_side = std::min(size.width, size.height);
  for (int i = 0; i < shapes; ++i) {
    const cv::Point centre(rng.uniform_int(0, size.width - 1), rng.uniform_int(0, size.height - 1));
    if (rng.uniform() < 0.5) {
      const cv::Size axes(std::max(1, int(short_side * rng.uniform(0.1, 0.4))),
                          std::max(1, int(short_side * rng.uniform(0.1, 0.4))));
      cv::ellipse(mask, centre, axes, rng.uniform(0.0, 180.0), 0, 360, cv::Scalar(1.0), cv::FILLED, cv::LINE_8);
    } else {
      // A star-shaped polygon: vertices at increasing angles around the centre.
      const int vertices = rng.uniform_int(3, 7);
      std::vector<cv::Point> polygon;
      for (int v = 0; v < vertices; ++v) {
        const double angle = 2.0 * M_PI * (v + rng.uniform()) / vertices;
        const double radius = short_side * rng.uniform(0.1, 0.4);
        polygon.emplace_back(centre.x + int(radius * std::cos(angle)), centre.y + int(radius * std::sin(angle)));
      }
      cv::fillPoly(mask, std::vector<std::vector<cv::Point>>{polygon}, cv::Scalar(1.0), cv::LINE_8);
    }
  }
  const double sigma = rng.uniform(3.0, 8.0);
  cv::GaussianBlur(mask, mask, cv::Size(0, 0), sigma, sigma, cv::BORDER_REPLICATE);
  return mask;
}

cv::Mat content_aware_mask(const cv::Mat& content, cv::Size size, Rng& rng) {
  if (content.empty()) throw_usage_error("content-aware mask", "needs the image it is made for");
  if (content.size() != size) throw_usage_error("content-aware mask", "image and mask sizes differ");
  cv::Mat gray, gx, gy, magnitude;
  cv::cvtColor(to_rgbf(content), gray, cv::COLOR_RGB2GRAY);
  cv::Sobel(gray, gx, CV_32F, 1, 0, 3, 1.0, 0.0, cv::BORDER_REPLICATE);
  cv::Sobel(gray, gy, CV_32F, 0, 1, 3, 1.0, 0.0, cv::BORDER_REPLICATE);
  cv::magnitude(gx, gy, magnitude);
  cv::GaussianBlur(magnitude, magnitude, cv::Size(0, 0), 2.0, 2.0, cv::BORDER_REPLICATE);
  threshold_to_random_coverage(magnitude, rng);
  if (rng.uniform() < 0.5) magnitude = 1.0 - magnitude;  // flat areas instead of edges
  return magnitude;
}

}  // namespace

const char* mask_kind_name(MaskKind kind) {
  switch (kind) {
    case MaskKind::kGlobal: return "global";
    case MaskKind::kSmoothField: return "smooth-field";
    case MaskKind::kShapes: return "shapes";
    case MaskKind::kContentAware: return "content-aware";
  }
  return "unknown";
}

MaskKind sample_mask_kind(Rng& rng, bool content_available) {
  const int kinds = content_available ? 4 : 3;
  return static_cast<MaskKind>(rng.uniform_int(0, kinds - 1));
}

cv::Mat make_mask(MaskKind kind, cv::Size size, Rng& rng, const cv::Mat& content) {
  if (size.width < 1 || size.height < 1) throw_usage_error("make_mask", "size must be positive");
  cv::Mat mask;
  switch (kind) {
    case MaskKind::kGlobal: mask = cv::Mat::ones(size, CV_32FC1); break;
    case MaskKind::kSmoothField: mask = smooth_field_mask(size, rng); break;
    case MaskKind::kShapes: mask = shapes_mask(size, rng); break;
    case MaskKind::kContentAware: mask = content_aware_mask(content, size, rng); break;
  }
  cv::min(cv::max(mask, 0.0), 1.0, mask);
  return mask;
}

cv::Mat blend_through_mask(const cv::Mat& x, const cv::Mat& distorted, const cv::Mat& mask) {
  if (x.type() != CV_32FC3 || distorted.type() != CV_32FC3 || mask.type() != CV_32FC1 ||
      x.size() != distorted.size() || x.size() != mask.size())
    throw_usage_error("blend_through_mask", "needs two CV_32FC3 images and a CV_32FC1 mask of one size");
  cv::Mat out(x.size(), CV_32FC3);
  for (int y = 0; y < x.rows; ++y) {
    const float* a = x.ptr<float>(y);
    const float* d = distorted.ptr<float>(y);
    const float* m = mask.ptr<float>(y);
    float* o = out.ptr<float>(y);
    for (int i = 0; i < x.cols; ++i)
      for (int c = 0; c < 3; ++c) o[3 * i + c] = a[3 * i + c] + m[i] * (d[3 * i + c] - a[3 * i + c]);
  }
  return out;
}

const std::array<std::string, kRelationalAxes>& relational_axis_names() {
  static const std::array<std::string, kRelationalAxes> names = {
      "sharpness", "noise", "brightness", "contrast", "saturation", "white_balance", "compression", "texture_loss"};
  return names;
}

cv::Mat image_targets(const std::vector<SignedEdit>& edits, cv::Size size) {
  cv::Mat targets = cv::Mat::zeros(size, CV_32FC(kRelationalAxes));
  for (const SignedEdit& edit : edits) {
    if (edit.axis < 0 || edit.axis >= kRelationalAxes) throw_usage_error("image_targets", "axis out of range");
    if (!edit.mask.empty() && (edit.mask.size() != size || edit.mask.type() != CV_32FC1))
      throw_usage_error("image_targets", "mask must be CV_32FC1 of the image size");
    for (int y = 0; y < size.height; ++y) {
      float* t = targets.ptr<float>(y);
      const float* m = edit.mask.empty() ? nullptr : edit.mask.ptr<float>(y);
      for (int x = 0; x < size.width; ++x) {
        float& v = t[x * kRelationalAxes + edit.axis];
        v = std::clamp(v + static_cast<float>(edit.strength) * (m ? m[x] : 1.0f), -1.0f, 1.0f);
      }
    }
  }
  return targets;
}

cv::Mat pair_targets(const cv::Mat& targets_a, const cv::Mat& targets_b) {
  if (targets_a.type() != targets_b.type() || targets_a.size() != targets_b.size())
    throw_usage_error("pair_targets", "target maps differ in size or type");
  cv::Mat difference = targets_a - targets_b;
  cv::Mat flat = difference.reshape(1);  // per-element clamp; cv::min/max take at most 4 channels
  cv::min(cv::max(flat, -1.0), 1.0, flat);
  return difference;
}

}  // namespace shamisa
