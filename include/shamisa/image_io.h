// Reading and writing image files.
//
// Decoding goes through OpenCV's codecs (JPEG, PNG, BMP, TIFF, WebP, JPEG 2000) but every file is
// first read and checked by shamisa itself, so that a missing, empty, truncated, oversized or
// non-image file gives one clear input error (shamisa::Error, kind kInput) naming the file,
// never a library warning on stderr or a half-decoded picture.
#ifndef SHAMISA_IMAGE_IO_H_
#define SHAMISA_IMAGE_IO_H_

#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace shamisa {

// What to do with an alpha channel.
enum class AlphaMode {
  kCompositeOnWhite,  // out = a * colour + (1 - a) * white  (the default)
  kDrop,              // ignore alpha, keep the stored colour
};

struct DecodeOptions {
  bool apply_exif_orientation = true;  // rotate/flip as the EXIF Orientation tag says
  AlphaMode alpha = AlphaMode::kCompositeOnWhite;
  std::int64_t max_pixels = 100'000'000;  // larger images are refused (exit 3)
};

// Facts about a decoded file, before any conversion.
struct ImageInfo {
  std::string format;        // "jpeg", "png", "bmp", "tiff", "webp", "jpeg2000"
  int width = 0;             // after EXIF orientation
  int height = 0;
  int channels = 0;          // as stored: 1 gray, 2 gray+alpha, 3 colour, 4 colour+alpha
  int bit_depth = 0;         // 8, 16 or 32 (float)
  int exif_orientation = 1;  // 1..8; 1 when absent
};

// A decoded image: RGB channel order, 3 channels, depth CV_8U, CV_16U or CV_32F as stored
// (float data is clamped to [0, 1]). Gray is replicated to RGB; alpha handled per AlphaMode.
struct DecodedImage {
  cv::Mat rgb;
  ImageInfo info;
};

DecodedImage decode_image_file(const std::string& path, const DecodeOptions& options = {});
// `name` is used in error messages only.
DecodedImage decode_image_bytes(const std::vector<std::uint8_t>& bytes, const std::string& name,
                                const DecodeOptions& options = {});

// Convenience: decode and convert.
cv::Mat read_image_rgb8(const std::string& path, const DecodeOptions& options = {});
cv::Mat read_image_rgbf(const std::string& path, const DecodeOptions& options = {});

// Conversions between depths. 8-bit from float or 16-bit rounds to nearest (half away from
// zero, as cv::Mat::convertTo); float is value / max in [0, 1].
cv::Mat to_rgb8(const cv::Mat& rgb);
cv::Mat to_rgbf(const cv::Mat& rgb);

struct EncodeOptions {
  int jpeg_quality = 95;  // 1..100
  int png_compression = 3;
};

// Writes an RGB image (CV_8UC3, or CV_32FC3 in [0, 1], converted with to_rgb8). The format comes
// from the extension: .png, .jpg/.jpeg, .bmp. Writes to a temporary name and renames, so a
// reader never sees half a file. Input errors for a bad extension or an unwritable path.
void write_image(const std::string& path, const cv::Mat& rgb, const EncodeOptions& options = {});

// Reads a whole file; input error naming the file when it is missing or unreadable.
std::vector<std::uint8_t> read_file_bytes(const std::string& path);

// Writes bytes to path atomically (temporary file in the same folder, then rename).
void write_file_atomic(const std::string& path, const std::vector<std::uint8_t>& bytes);

}  // namespace shamisa

#endif  // SHAMISA_IMAGE_IO_H_
