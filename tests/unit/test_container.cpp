// Header inspection: dimensions declared by each format and EXIF orientation, without decoding.
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "image/container.h"
#include "shamisa/image_io.h"
#include "test_helpers.h"

namespace shamisa::detail {
namespace {

TEST(Container, DimensionsFromEveryFormatsHeader) {
  const cv::Mat bgr(37, 53, CV_8UC3, cv::Scalar(10, 20, 30));
  const std::vector<std::pair<std::string, ImageFormat>> cases = {
      {".jpg", ImageFormat::kJpeg}, {".png", ImageFormat::kPng},   {".bmp", ImageFormat::kBmp},
      {".tiff", ImageFormat::kTiff}, {".webp", ImageFormat::kWebp}, {".jp2", ImageFormat::kJpeg2000}};
  for (const auto& [ext, format] : cases) {
    const ContainerFacts facts = inspect_container(test::encode_with_opencv(ext, bgr));
    EXPECT_EQ(facts.format, format) << ext;
    EXPECT_EQ(facts.width, 53) << ext;
    EXPECT_EQ(facts.height, 37) << ext;
    EXPECT_EQ(facts.problem, "") << ext;
  }
}

TEST(Container, LosslessWebpHeader) {
  const cv::Mat bgr(9, 300, CV_8UC3, cv::Scalar(1, 2, 3));
  const ContainerFacts facts = inspect_container(test::encode_with_opencv(".webp", bgr, {cv::IMWRITE_WEBP_QUALITY, 101}));
  EXPECT_EQ(facts.width, 300);
  EXPECT_EQ(facts.height, 9);
}

TEST(Container, TiffOrientationInBothByteOrders) {
  // Hand-made TIFF structures with one IFD entry: Orientation (0x0112), SHORT, count 1, value 6.
  const std::vector<std::uint8_t> little = {'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0};
  const std::vector<std::uint8_t> big = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(tiff_orientation(little.data(), little.size()), 6);
  EXPECT_EQ(tiff_orientation(big.data(), big.size()), 6);
  // Cut inside the entry: unreadable, so the default.
  EXPECT_EQ(tiff_orientation(little.data(), 15), 1);
  // Out-of-range values are ignored.
  auto bad = little;
  bad[18] = 9;
  EXPECT_EQ(tiff_orientation(bad.data(), bad.size()), 1);
}

TEST(Container, UnknownSignature) {
  const std::vector<std::uint8_t> gif = {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0};
  EXPECT_EQ(inspect_container(gif).format, ImageFormat::kUnknown);
}

}  // namespace
}  // namespace shamisa::detail
