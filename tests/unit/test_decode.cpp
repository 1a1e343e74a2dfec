// Decoding: every supported format, channel layouts, bit depths, EXIF orientation, and each kind
// of bad file mapped to an input error that names the file.
#include <filesystem>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "shamisa/image_io.h"
#include "test_helpers.h"

namespace shamisa {
namespace {

using test::encode_with_opencv;
using test::expect_error;
using test::test_data;

// A deterministic 48x32 BGR pattern (OpenCV's channel order, for encoding with OpenCV). OpenJPEG's
// default six resolution levels need both sides to be at least 32.
cv::Mat pattern_bgr() {
  cv::Mat m(32, 48, CV_8UC3);
  for (int y = 0; y < m.rows; ++y)
    for (int x = 0; x < m.cols; ++x) m.at<cv::Vec3b>(y, x) = cv::Vec3b(x * 5, y * 7, (x * 7 + y * 3) % 256);
  return m;
}

cv::Mat bgr_to_rgb(const cv::Mat& bgr) {
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

double max_abs_diff(const cv::Mat& a, const cv::Mat& b) { return cv::norm(a, b, cv::NORM_INF); }

struct LosslessCase {
  const char* ext;
  std::vector<int> params;
  const char* format;
};

TEST(Decode, LosslessFormatsRoundTripExactly) {
  const cv::Mat bgr = pattern_bgr();
  const std::vector<LosslessCase> cases = {
      {".png", {}, "png"},
      {".bmp", {}, "bmp"},
      {".tiff", {}, "tiff"},
      {".webp", {cv::IMWRITE_WEBP_QUALITY, 101}, "webp"},  // quality > 100 selects lossless
      {".jp2", {}, "jpeg2000"},                              // OpenCV's default is lossless
  };
  for (const auto& c : cases) {
    const DecodedImage image = decode_image_bytes(encode_with_opencv(c.ext, bgr, c.params), c.ext);
    EXPECT_EQ(image.info.format, c.format);
    EXPECT_EQ(image.info.width, 48);
    EXPECT_EQ(image.info.height, 32);
    EXPECT_EQ(image.info.bit_depth, 8);
    ASSERT_EQ(image.rgb.type(), CV_8UC3) << c.ext;
    EXPECT_EQ(max_abs_diff(image.rgb, bgr_to_rgb(bgr)), 0.0) << c.ext;
  }
}

TEST(Decode, JpegIsCloseToTheOriginal) {
  const cv::Mat bgr = pattern_bgr();
  const DecodedImage image = decode_image_bytes(encode_with_opencv(".jpg", bgr, {cv::IMWRITE_JPEG_QUALITY, 100}), "x.jpg");
  EXPECT_EQ(image.info.format, "jpeg");
  EXPECT_LT(cv::norm(image.rgb, bgr_to_rgb(bgr), cv::NORM_L1) / image.rgb.total() / 3, 3.0);
}

TEST(Decode, GrayIsReplicatedToRgb) {
  cv::Mat gray(5, 7, CV_8UC1);
  for (int i = 0; i < 35; ++i) gray.data[i] = static_cast<std::uint8_t>(i * 7);
  const DecodedImage image = decode_image_bytes(encode_with_opencv(".png", gray), "gray.png");
  EXPECT_EQ(image.info.channels, 1);
  ASSERT_EQ(image.rgb.type(), CV_8UC3);
  EXPECT_EQ(image.rgb.at<cv::Vec3b>(2, 3), cv::Vec3b(17 * 7, 17 * 7, 17 * 7));
}

TEST(Decode, SixteenBitKeepsPrecisionAndConvertsByRounding) {
  cv::Mat bgr16(2, 2, CV_16UC3, cv::Scalar(0, 0, 0));
  bgr16.at<cv::Vec3w>(0, 0) = cv::Vec3w(65535, 32768, 257);  // B, G, R
  bgr16.at<cv::Vec3w>(1, 1) = cv::Vec3w(128, 129, 384);
  const DecodedImage image = decode_image_bytes(encode_with_opencv(".png", bgr16), "deep.png");
  EXPECT_EQ(image.info.bit_depth, 16);
  ASSERT_EQ(image.rgb.type(), CV_16UC3);
  EXPECT_EQ(image.rgb.at<cv::Vec3w>(0, 0), cv::Vec3w(257, 32768, 65535));
  // 8-bit: v * 255 / 65535 rounded: 257 -> 1, 32768 -> 127.5 -> 128, 65535 -> 255; 384 -> 1.49 -> 1.
  const cv::Mat rgb8 = to_rgb8(image.rgb);
  EXPECT_EQ(rgb8.at<cv::Vec3b>(0, 0), cv::Vec3b(1, 128, 255));
  EXPECT_EQ(rgb8.at<cv::Vec3b>(1, 1), cv::Vec3b(1, 1, 0));
  const cv::Mat f = to_rgbf(image.rgb);
  EXPECT_FLOAT_EQ(f.at<cv::Vec3f>(0, 0)[1], 32768.0f / 65535.0f);
}

TEST(Decode, AlphaIsCompositedOnWhiteOrDropped) {
  cv::Mat bgra(1, 3, CV_8UC4);
  bgra.at<cv::Vec4b>(0, 0) = cv::Vec4b(0, 0, 200, 255);  // opaque red
  bgra.at<cv::Vec4b>(0, 1) = cv::Vec4b(0, 0, 200, 0);    // transparent
  bgra.at<cv::Vec4b>(0, 2) = cv::Vec4b(0, 0, 0, 51);     // black at alpha 0.2
  const auto bytes = encode_with_opencv(".png", bgra);
  const DecodedImage on_white = decode_image_bytes(bytes, "a.png");
  EXPECT_EQ(on_white.info.channels, 4);
  EXPECT_EQ(on_white.rgb.at<cv::Vec3b>(0, 0), cv::Vec3b(200, 0, 0));
  EXPECT_EQ(on_white.rgb.at<cv::Vec3b>(0, 1), cv::Vec3b(255, 255, 255));
  EXPECT_EQ(on_white.rgb.at<cv::Vec3b>(0, 2), cv::Vec3b(204, 204, 204));  // 255 * (1 - 0.2)
  DecodeOptions drop;
  drop.alpha = AlphaMode::kDrop;
  const DecodedImage dropped = decode_image_bytes(bytes, "a.png", drop);
  EXPECT_EQ(dropped.rgb.at<cv::Vec3b>(0, 1), cv::Vec3b(200, 0, 0));
  EXPECT_EQ(dropped.rgb.at<cv::Vec3b>(0, 2), cv::Vec3b(0, 0, 0));
}

TEST(Decode, GrayWithAlpha) {
  // tests/data/gray_alpha.png: gray 0 at alpha 128 (made by tests/tools/make_test_images.py).
  const DecodedImage image = decode_image_file(test_data("gray_alpha.png"));
  EXPECT_EQ(image.info.width, 4);
  // 0 * 128/255 + 255 * (1 - 128/255) = 127.
  EXPECT_EQ(image.rgb.at<cv::Vec3b>(1, 1), cv::Vec3b(127, 127, 127));
}

TEST(Decode, CmykIsConvertedToRgb) {
  // C=0, M=Y=K=... files hold C0 M255 Y255 K0: red.
  for (const char* name : {"cmyk.jpg", "cmyk.tif"}) {
    const DecodedImage image = decode_image_file(test_data(name));
    ASSERT_EQ(image.rgb.type(), CV_8UC3) << name;
    const cv::Vec3b p = image.rgb.at<cv::Vec3b>(4, 4);
    EXPECT_GT(p[0], 230) << name;
    EXPECT_LT(p[1], 25) << name;
    EXPECT_LT(p[2], 25) << name;
  }
}

// The upright picture in every orientation file: quadrants red, green / blue, white, 16x8.
void expect_upright(const cv::Mat& rgb, const std::string& what) {
  ASSERT_EQ(rgb.cols, 16) << what;
  ASSERT_EQ(rgb.rows, 8) << what;
  const auto near = [](cv::Vec3b a, cv::Vec3b b) { return cv::norm(cv::Vec3i(a) - cv::Vec3i(b), cv::NORM_INF) < 48; };
  EXPECT_TRUE(near(rgb.at<cv::Vec3b>(1, 2), {255, 0, 0})) << what;
  EXPECT_TRUE(near(rgb.at<cv::Vec3b>(1, 13), {0, 255, 0})) << what;
  EXPECT_TRUE(near(rgb.at<cv::Vec3b>(6, 2), {0, 0, 255})) << what;
  EXPECT_TRUE(near(rgb.at<cv::Vec3b>(6, 13), {255, 255, 255})) << what;
}

TEST(Decode, ExifOrientationIsApplied) {
  for (int orientation = 1; orientation <= 8; ++orientation) {
    const std::string name = "orientation_" + std::to_string(orientation) + ".jpg";
    const DecodedImage image = decode_image_file(test_data(name));
    EXPECT_EQ(image.info.exif_orientation, orientation) << name;
    expect_upright(image.rgb, name);
  }
  const DecodedImage png = decode_image_file(test_data("orientation_6.png"));
  EXPECT_EQ(png.info.exif_orientation, 6);
  expect_upright(png.rgb, "orientation_6.png");
}

TEST(Decode, ExifOrientationCanBeIgnored) {
  DecodeOptions options;
  options.apply_exif_orientation = false;
  const DecodedImage rotated = decode_image_file(test_data("orientation_6.jpg"), options);
  EXPECT_EQ(rotated.info.exif_orientation, 6);
  EXPECT_EQ(rotated.rgb.cols, 8);
  EXPECT_EQ(rotated.rgb.rows, 16);
}

// ---- bad files ----

class BadFiles : public ::testing::Test {
 protected:
  test::TempDir dir;
  std::string write(const std::string& name, const std::vector<std::uint8_t>& bytes) {
    const std::string path = dir.path(name);
    test::write_bytes(path, bytes);
    return path;
  }
  static std::vector<std::uint8_t> cut(std::vector<std::uint8_t> bytes, double fraction) {
    bytes.resize(static_cast<std::size_t>(double(bytes.size()) * fraction));
    return bytes;
  }
  void expect_input_error(const std::string& path, const std::string& needle) {
    expect_error([&] { decode_image_file(path); }, ErrorKind::kInput, needle);
    expect_error([&] { decode_image_file(path); }, ErrorKind::kInput, path);  // names the file
  }
};

TEST_F(BadFiles, MissingFile) { expect_input_error(dir.path("nope.png"), "no such file"); }

TEST_F(BadFiles, Directory) { expect_input_error(dir.path(""), "is a directory"); }

TEST_F(BadFiles, EmptyFile) { expect_input_error(write("empty.jpg", {}), "file is empty"); }

TEST_F(BadFiles, NotAnImage) {
  const std::string text = "image,score\na.png,3\n";
  expect_input_error(write("scores.png", {text.begin(), text.end()}), "not a supported image");
}

TEST_F(BadFiles, TruncatedFilesOfEveryFormat) {
  // Large enough that cutting it in half leaves the header intact.
  cv::Mat bgr(64, 96, CV_8UC3);
  cv::randu(bgr, 0, 256);
  const std::vector<std::pair<std::string, std::vector<int>>> formats = {
      {".jpg", {}}, {".png", {}}, {".bmp", {}}, {".tiff", {}}, {".webp", {}}, {".jp2", {}}};
  for (const auto& [ext, params] : formats) {
    const auto bytes = encode_with_opencv(ext, bgr, params);
    for (double fraction : {0.5, 0.98}) {
      const std::string path = write("cut" + std::to_string(int(fraction * 100)) + ext, cut(bytes, fraction));
      expect_input_error(path, "truncated or corrupt");
    }
    // Only the signature and a few header bytes.
    expect_input_error(write("stub" + ext, std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + 20)),
                       "truncated or corrupt");
  }
}

TEST_F(BadFiles, CorruptDataAfterAValidHeader) {
  auto bytes = encode_with_opencv(".png", pattern_bgr());
  for (std::size_t i = 40; i < bytes.size() - 20; ++i) bytes[i] ^= 0x5A;  // IDAT scrambled, IEND kept
  expect_input_error(write("scrambled.png", bytes), "corrupt png file");
}

TEST_F(BadFiles, DeclaredSizeAboveTheLimitIsRefusedBeforeDecoding) {
  // A PNG whose header declares 20000 x 20000 (400 megapixels); the rest is a tiny image.
  auto bytes = encode_with_opencv(".png", pattern_bgr());
  const std::uint8_t size[8] = {0, 0, 0x4E, 0x20, 0, 0, 0x4E, 0x20};
  std::copy(size, size + 8, bytes.begin() + 16);
  expect_input_error(write("huge.png", bytes), "20000x20000 (400.0 megapixels), above the limit of 100.0 megapixels");
}

TEST_F(BadFiles, LimitIsConfigurable) {
  DecodeOptions options;
  options.max_pixels = 100;
  const std::string path = write("small.bmp", encode_with_opencv(".bmp", pattern_bgr()));
  expect_error([&] { decode_image_file(path, options); }, ErrorKind::kInput, "48x32");
  EXPECT_NO_THROW(decode_image_file(path));
}

// ---- writing ----

TEST(Encode, PngRoundTripIsExactAndLeavesNoTemporaryFile) {
  test::TempDir dir;
  const cv::Mat rgb = bgr_to_rgb(pattern_bgr());
  const std::string path = dir.path("out.png");
  write_image(path, rgb);
  EXPECT_EQ(max_abs_diff(read_image_rgb8(path), rgb), 0.0);
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(path).parent_path())) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1u);
}

TEST(Encode, FloatImagesAreRoundedToEightBits) {
  test::TempDir dir;
  cv::Mat f(1, 1, CV_32FC3, cv::Scalar(0.5f, 1.0f / 255.0f * 2.4f, 1.2f));
  write_image(dir.path("f.bmp"), f);
  EXPECT_EQ(read_image_rgb8(dir.path("f.bmp")).at<cv::Vec3b>(0, 0), cv::Vec3b(128, 2, 255));
}

TEST(Encode, UnknownExtensionIsAnInputError) {
  test::TempDir dir;
  expect_error([&] { write_image(dir.path("out.gif"), bgr_to_rgb(pattern_bgr())); }, ErrorKind::kInput, "out.gif");
}

}  // namespace
}  // namespace shamisa

namespace shamisa {
namespace {

// A JPEG whose entropy-coded data is damaged but whose markers are intact: libjpeg would warn
// "Corrupt JPEG data" on stderr and return a partly grey picture; we refuse it.
TEST(DecodeJpeg, CorruptDataIsAnErrorNotAWarning) {
  cv::Mat bgr(64, 64, CV_8UC3);
  cv::randu(bgr, 0, 256);
  auto bytes = test::encode_with_opencv(".jpg", bgr, {cv::IMWRITE_JPEG_QUALITY, 90});
  // Replace the second half of the scan with the end-of-image marker.
  bytes.resize(bytes.size() / 2);
  bytes.push_back(0xFF);
  bytes.push_back(0xD9);
  test::expect_error([&] { decode_image_bytes(bytes, "damaged.jpg"); }, ErrorKind::kInput,
                     "damaged.jpg: corrupt jpeg file: Corrupt JPEG data");
}

TEST(DecodeJpeg, GrayJpegIsReplicated) {
  cv::Mat gray(16, 16, CV_8UC1, cv::Scalar(77));
  const DecodedImage image = decode_image_bytes(test::encode_with_opencv(".jpg", gray), "g.jpg");
  EXPECT_EQ(image.info.channels, 1);
  EXPECT_EQ(image.rgb.at<cv::Vec3b>(5, 5), cv::Vec3b(77, 77, 77));
}

}  // namespace
}  // namespace shamisa
