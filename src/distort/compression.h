// Codec round trips behind the jpeg and jpeg2000 distortions, exposed for tests and for reporting
// how often JPEG 2000 fell back to JPEG (the reference does so silently when OpenJPEG fails).
#ifndef SHAMISA_DISTORT_COMPRESSION_H_
#define SHAMISA_DISTORT_COMPRESSION_H_

#include <cstdint>
#include <vector>

#include <opencv2/core.hpp>

namespace shamisa::detail {

// Baseline JPEG of an 8-bit RGB image with libjpeg's defaults at `quality` (4:2:0, islow DCT).
std::vector<std::uint8_t> jpeg_encode_rgb8(const cv::Mat& rgb8, int quality);

// trunc8, OpenJPEG at compression `ratio` (one layer, LRCP, 5-3 wavelet, no colour transform),
// decode. With adapt_resolutions the resolution count is lowered for small images instead of
// failing; on an encoder failure the result is jpeg(round(100 / ratio)) and *fell_back is set.
cv::Mat jpeg2000_round_trip(const cv::Mat& rgb, double ratio, bool adapt_resolutions, bool* fell_back);

// How many jpeg2000 calls in this process fell back to JPEG.
std::uint64_t jpeg2000_fallback_count();

// The resolution count used for a width x height image: 8, or fewer when a side is too short.
int jpeg2000_resolutions_for(int width, int height);

}  // namespace shamisa::detail

#endif  // SHAMISA_DISTORT_COMPRESSION_H_
