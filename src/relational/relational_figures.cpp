// Relational map pictures; see include/shamisa/relational_figures.h.
#include "shamisa/relational_figures.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "shamisa/error.h"

namespace shamisa {
namespace {

// Text in dark grey on the light legend; the Hershey font scaled to the image width.
void put_label(cv::Mat& image, const std::string& text, cv::Point origin, double scale) {
  cv::putText(image, text, origin, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(0.1, 0.1, 0.1),
              std::max(1, static_cast<int>(std::lround(scale * 1.2))), cv::LINE_AA);
}

}  // namespace

cv::Vec3f diverging_colour(float v) {
  const float t = std::clamp(v, -1.0f, 1.0f);
  const cv::Vec3f white(1.0f, 1.0f, 1.0f), red(0.75f, 0.05f, 0.10f), blue(0.10f, 0.25f, 0.80f);
  const float m = std::abs(t);
  return t >= 0 ? white * (1 - m) + red * m : white * (1 - m) + blue * m;
}

cv::Mat axis_heatmap(const cv::Mat& a, const torch::Tensor& map, const std::string& axis,
                     const std::string& positive_meaning, const std::string& negative_meaning) {
  if (a.empty() || a.type() != CV_32FC3 || map.dim() != 2 || map.size(0) != a.rows || map.size(1) != a.cols) {
    throw_usage_error("axis heatmap", "needs an RGB CV_32FC3 image and a map of its size");
  }
  const torch::Tensor m = map.to(torch::kFloat32).contiguous();
  const float* v = m.data_ptr<float>();
  cv::Mat overlay(a.size(), CV_32FC3);
  for (int y = 0; y < a.rows; ++y) {
    for (int x = 0; x < a.cols; ++x) {
      const cv::Vec3f p = a.at<cv::Vec3f>(y, x);
      const float grey = 0.35f + 0.5f * (0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2]);
      const float value = v[static_cast<std::size_t>(y) * a.cols + x];
      const float alpha = std::min(1.0f, std::abs(value) * 2.0f);  // |v| = 0.5 is fully coloured
      overlay.at<cv::Vec3f>(y, x) = cv::Vec3f(grey, grey, grey) * (1 - alpha) + diverging_colour(value) * alpha;
    }
  }
  // Legend: the colour bar between its end values, then the axis and the meaning of each sign on
  // two lines, each scaled down until it fits the width.
  const int width = a.cols;
  const double wanted = std::max(0.4, width / 1000.0);
  auto fitted = [&](const std::string& text) {
    int baseline = 0;
    const cv::Size size = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, 1.0, 1, &baseline);
    return std::min(wanted, 0.95 * (width - 8) / std::max(1, size.width));
  };
  const std::string line1 = axis + "  (" + "+1: " + positive_meaning + ")";
  const std::string line2 = "-1: " + negative_meaning;
  const double s1 = fitted(line1), s2 = fitted(line2), s_end = fitted("+1 ") * 0.8;
  const int line = static_cast<int>(std::lround(30 * wanted)) + 4;  // one height for every axis
  const int bar_height = std::max(6, width / 40), end_width = static_cast<int>(std::lround(30 * s_end)) + 6;
  cv::Mat legend(bar_height + 2 * line + 12, width, CV_32FC3, cv::Scalar(0.97, 0.97, 0.97));
  const int left = end_width, right = width - end_width;
  for (int x = left; x < right; ++x) {
    const float value = -1.0f + 2.0f * static_cast<float>(x - left) / static_cast<float>(std::max(1, right - left - 1));
    const cv::Vec3f c = diverging_colour(value);
    legend(cv::Rect(x, 4, 1, bar_height)) = cv::Scalar(c[0], c[1], c[2]);
  }
  put_label(legend, "-1", cv::Point(2, 4 + bar_height), s_end);
  put_label(legend, "+1", cv::Point(right + 3, 4 + bar_height), s_end);
  put_label(legend, line1, cv::Point(4, 6 + bar_height + line), s1);
  put_label(legend, line2, cv::Point(4, 6 + bar_height + 2 * line), s2);
  cv::Mat out;
  cv::vconcat(overlay, legend, out);
  return out;
}

cv::Mat overview_sheet(const std::vector<cv::Mat>& tiles, const std::vector<std::string>& labels, int columns,
                       int tile_width) {
  if (tiles.empty() || tiles.size() != labels.size() || columns < 1 || tile_width < 16) {
    throw_usage_error("overview sheet", "needs one label per tile, columns >= 1 and a tile width >= 16");
  }
  const int tile_height = static_cast<int>(std::lround(static_cast<double>(tiles[0].rows) * tile_width / tiles[0].cols));
  const int label_height = 22;
  const int rows = (static_cast<int>(tiles.size()) + columns - 1) / columns;
  cv::Mat sheet(rows * (tile_height + label_height), columns * tile_width, CV_32FC3, cv::Scalar(1, 1, 1));
  for (std::size_t i = 0; i < tiles.size(); ++i) {
    const int r = static_cast<int>(i) / columns, c = static_cast<int>(i) % columns;
    cv::Mat scaled;
    cv::resize(tiles[i], scaled, cv::Size(tile_width, tile_height), 0, 0, cv::INTER_AREA);
    const int top = r * (tile_height + label_height);
    put_label(sheet, labels[i], cv::Point(c * tile_width + 4, top + 16), 0.5);
    scaled.copyTo(sheet(cv::Rect(c * tile_width, top + label_height, tile_width, tile_height)));
  }
  return sheet;
}

}  // namespace shamisa
