// Strict JPEG decoding through libjpeg: any warning about corrupt data (which libjpeg would print
// to stderr while handing back a grey-filled picture) is an input error instead.
#ifndef SHAMISA_IMAGE_JPEG_DECODE_H_
#define SHAMISA_IMAGE_JPEG_DECODE_H_

#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace shamisa::detail {

struct JpegPixels {
  cv::Mat image;            // CV_8UC1 (grayscale) or CV_8UC3 in RGB order
  int stored_channels = 0;  // 1 gray, 3 YCbCr/RGB, 4 CMYK/YCCK
};

// Throws shamisa::Error (input) naming `name` on any libjpeg error or warning.
JpegPixels decode_jpeg_strict(const std::vector<std::uint8_t>& bytes, const std::string& name);

}  // namespace shamisa::detail

#endif  // SHAMISA_IMAGE_JPEG_DECODE_H_
