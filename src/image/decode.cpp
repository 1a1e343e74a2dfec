// Decoding image files into RGB images.
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "image/container.h"
#include "image/jpeg_decode.h"
#include "shamisa/error.h"
#include "shamisa/image_io.h"

namespace shamisa {
namespace {

using detail::ImageFormat;

void silence_opencv_logging() {
  // OpenCV would otherwise print its own warnings for files we reject with a clear message.
  static const bool done = [] {
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
    return true;
  }();
  (void)done;
}

std::string megapixels(std::int64_t pixels) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", double(pixels) / 1e6);
  return text;
}

void check_pixel_limit(const std::string& name, std::int64_t width, std::int64_t height,
                       std::int64_t max_pixels) {
  if (width <= 0 || height <= 0)
    throw_input_error(name, "corrupt header: image size " + std::to_string(width) + "x" +
                                std::to_string(height));
  if (width * height > max_pixels)
    throw_input_error(name, "image is " + std::to_string(width) + "x" + std::to_string(height) + " (" +
                                megapixels(width * height) + " megapixels), above the limit of " +
                                megapixels(max_pixels) + " megapixels");
}

// Rotates/flips as EXIF orientation 1..8 says, so that the result is upright.
cv::Mat apply_orientation(const cv::Mat& image, int orientation) {
  cv::Mat out;
  switch (orientation) {
    case 2: cv::flip(image, out, 1); break;                          // mirrored
    case 3: cv::rotate(image, out, cv::ROTATE_180); break;
    case 4: cv::flip(image, out, 0); break;                          // mirrored and rotated 180
    case 5: cv::transpose(image, out); break;                        // mirrored, rotated 270 CW
    case 6: cv::rotate(image, out, cv::ROTATE_90_CLOCKWISE); break;
    case 7: cv::transpose(image, out); cv::flip(out, out, -1); break;  // mirrored, rotated 90 CW
    case 8: cv::rotate(image, out, cv::ROTATE_90_COUNTERCLOCKWISE); break;
    default: out = image;
  }
  return out;
}

double max_value_of(int depth) {
  switch (depth) {
    case CV_8U: return 255.0;
    case CV_16U: return 65535.0;
    default: return 1.0;
  }
}

// Composites colour (3 channels, any depth) with alpha over white: c*a + max*(1-a).
cv::Mat composite_on_white(const cv::Mat& colour, const cv::Mat& alpha) {
  const double max_value = max_value_of(colour.depth());
  cv::Mat c, a;
  colour.convertTo(c, CV_32F);
  alpha.convertTo(a, CV_32F, 1.0 / max_value);
  cv::Mat a3;
  cv::merge(std::vector<cv::Mat>{a, a, a}, a3);
  cv::Mat white_part = (1.0 - a3) * max_value;
  cv::Mat blended = c.mul(a3) + white_part;
  cv::Mat out;
  blended.convertTo(out, colour.depth());
  return out;
}

enum class ChannelOrder { kBgr, kRgb };

// Gray, gray+alpha, colour or colour+alpha (in `order`) -> RGB with alpha handled.
cv::Mat to_rgb_layout(const cv::Mat& decoded, ChannelOrder order, AlphaMode alpha_mode) {
  if (decoded.channels() == 3 && order == ChannelOrder::kRgb) return decoded;
  std::vector<cv::Mat> planes;
  cv::split(decoded, planes);
  cv::Mat colour, alpha;
  if (planes.size() <= 2) {
    cv::merge(std::vector<cv::Mat>{planes[0], planes[0], planes[0]}, colour);
  } else {
    const int r = order == ChannelOrder::kBgr ? 2 : 0;
    cv::merge(std::vector<cv::Mat>{planes[r], planes[1], planes[2 - r]}, colour);
  }
  if (planes.size() == 2 || planes.size() == 4) alpha = planes.back();
  if (!alpha.empty() && alpha_mode == AlphaMode::kCompositeOnWhite) colour = composite_on_white(colour, alpha);
  return colour;
}

}  // namespace

DecodedImage decode_image_bytes(const std::vector<std::uint8_t>& bytes, const std::string& name,
                                const DecodeOptions& options) {
  silence_opencv_logging();
  if (bytes.empty()) throw_input_error(name, "file is empty (0 bytes)");
  const detail::ContainerFacts facts = detail::inspect_container(bytes);
  if (facts.format == ImageFormat::kUnknown)
    throw_input_error(name, "not a supported image (unrecognised file signature; "
                            "expected JPEG, PNG, BMP, TIFF, WebP or JPEG 2000)");
  const std::string format = detail::format_name(facts.format);
  if (!facts.problem.empty()) throw_input_error(name, "truncated or corrupt " + format + " file: " + facts.problem);
  if (facts.width >= 0 || facts.height >= 0) check_pixel_limit(name, facts.width, facts.height, options.max_pixels);

  DecodedImage result;
  result.info.format = format;
  cv::Mat decoded;
  ChannelOrder colour_order = ChannelOrder::kBgr;  // OpenCV's codecs give BGR(A)
  if (facts.format == ImageFormat::kJpeg) {
    // Our own libjpeg call, so that corrupt data is an error; it also yields RGB directly.
    detail::JpegPixels jpeg = detail::decode_jpeg_strict(bytes, name);
    result.info.channels = jpeg.stored_channels;
    decoded = jpeg.image;
    colour_order = ChannelOrder::kRgb;
  } else {
    try {
      decoded = cv::imdecode(bytes, cv::IMREAD_UNCHANGED);
    } catch (const cv::Exception& e) {
      throw_input_error(name, "corrupt " + format + " file: the decoder failed (" + e.err + ")");
    }
    if (decoded.empty()) throw_input_error(name, "corrupt " + format + " file: the decoder could not read it");
    result.info.channels = decoded.channels();
  }
  check_pixel_limit(name, decoded.cols, decoded.rows, options.max_pixels);

  switch (decoded.depth()) {
    case CV_8U: result.info.bit_depth = 8; break;
    case CV_16U: result.info.bit_depth = 16; break;
    case CV_32F: result.info.bit_depth = 32; break;
    default:
      throw_input_error(name, "unsupported sample type in " + format + " file (only 8-bit, 16-bit "
                              "unsigned and 32-bit float samples are read)");
  }
  if (decoded.depth() == CV_32F) {  // float TIFF: keep it finite and in range
    cv::patchNaNs(decoded, 0.0);
    cv::min(cv::max(decoded, 0.0), 1.0, decoded);
  }
  cv::Mat rgb = to_rgb_layout(decoded, colour_order, options.alpha);
  result.info.exif_orientation = facts.exif_orientation;
  if (options.apply_exif_orientation) rgb = apply_orientation(rgb, facts.exif_orientation);
  result.info.width = rgb.cols;
  result.info.height = rgb.rows;
  result.rgb = rgb;
  return result;
}

DecodedImage decode_image_file(const std::string& path, const DecodeOptions& options) {
  return decode_image_bytes(read_file_bytes(path), path, options);
}

cv::Mat to_rgb8(const cv::Mat& rgb) {
  if (rgb.depth() == CV_8U) return rgb;
  cv::Mat out;
  rgb.convertTo(out, CV_8U, 255.0 / max_value_of(rgb.depth()));
  return out;
}

cv::Mat to_rgbf(const cv::Mat& rgb) {
  if (rgb.depth() == CV_32F) return rgb;
  cv::Mat out;
  rgb.convertTo(out, CV_32F, 1.0 / max_value_of(rgb.depth()));
  return out;
}

cv::Mat read_image_rgb8(const std::string& path, const DecodeOptions& options) {
  return to_rgb8(decode_image_file(path, options).rgb);
}

cv::Mat read_image_rgbf(const std::string& path, const DecodeOptions& options) {
  return to_rgbf(decode_image_file(path, options).rgb);
}

}  // namespace shamisa
