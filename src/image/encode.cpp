// Encoding RGB images to PNG, JPEG or BMP files.
#include <algorithm>
#include <cctype>
#include <filesystem>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "shamisa/error.h"
#include "shamisa/image_io.h"

namespace shamisa {

void write_image(const std::string& path, const cv::Mat& rgb, const EncodeOptions& options) {
  if (rgb.empty() || rgb.channels() != 3) throw_usage_error(path, "write_image needs a non-empty 3-channel RGB image");
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  std::vector<int> params;
  if (ext == ".jpg" || ext == ".jpeg") {
    params = {cv::IMWRITE_JPEG_QUALITY, std::clamp(options.jpeg_quality, 1, 100)};
  } else if (ext == ".png") {
    params = {cv::IMWRITE_PNG_COMPRESSION, std::clamp(options.png_compression, 0, 9)};
  } else if (ext != ".bmp") {
    throw_input_error(path, "cannot write '" + ext + "' files (use .png, .jpg or .bmp)");
  }
  cv::Mat bgr;
  cv::cvtColor(to_rgb8(rgb), bgr, cv::COLOR_RGB2BGR);
  std::vector<std::uint8_t> bytes;
  try {
    if (!cv::imencode(ext, bgr, bytes, params)) throw_internal_error(path, "the encoder failed");
  } catch (const cv::Exception& e) {
    throw_internal_error(path, "the encoder failed (" + e.err + ")");
  }
  write_file_atomic(path, bytes);
}

}  // namespace shamisa
