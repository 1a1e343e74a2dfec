// Tests of the evaluation protocol's 5 + 5 crop features from a frozen encoder.
#include "shamisa/encoder_features.h"

#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "shamisa/error.h"
#include "shamisa/image_io.h"
#include "shamisa/resize.h"
#include "shamisa/tensor.h"
#include "test_helpers.h"

namespace shamisa {
namespace {

// W x H image whose pixel (x, y) is (x + 1, y + 1, 200): every pixel is non-zero and says where
// it came from, so a crop's source window can be read off.
cv::Mat coordinate_image(int width, int height) {
  cv::Mat image(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) image.at<cv::Vec3b>(y, x) = cv::Vec3b(x + 1, y + 1, 200);
  return image;
}

// Asserts that `crop` is the window of `image` with top-left (left, top), zero outside the image.
void expect_window(const cv::Mat& crop, const cv::Mat& image, int left, int top, const std::string& what) {
  ASSERT_EQ(crop.type(), image.type()) << what;
  for (int y = 0; y < crop.rows; ++y) {
    for (int x = 0; x < crop.cols; ++x) {
      const int sx = left + x, sy = top + y;
      const bool inside = sx >= 0 && sy >= 0 && sx < image.cols && sy < image.rows;
      const cv::Vec3b expected = inside ? image.at<cv::Vec3b>(sy, sx) : cv::Vec3b(0, 0, 0);
      EXPECT_EQ(crop.at<cv::Vec3b>(y, x), expected) << what << " at (" << x << ", " << y << ")";
    }
  }
}

// The windows (left, top) of the five crops, in protocol order, for a W x H image.
struct Window {
  int left, top;
  const char* name;
};

void expect_five(const std::vector<cv::Mat>& crops, int first, const cv::Mat& image, const std::vector<Window>& windows) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(crops[first + i].size(), crops[first].size());
    expect_window(crops[first + i], image, windows[i].left, windows[i].top, windows[i].name);
  }
}

TEST(ProtocolCrops, PositionsOnSevenByFive) {
  const cv::Mat image = coordinate_image(7, 5);
  const std::vector<cv::Mat> crops = protocol_crops(image, 3);
  ASSERT_EQ(crops.size(), 10u);
  for (const auto& c : crops) EXPECT_EQ(c.size(), cv::Size(3, 3));
  // Full scale 7x5: centre (7/2 - 1, 5/2 - 1) = (2, 1), corners at 0 and (7 - 3, 5 - 3).
  expect_five(crops, 0, image, {{2, 1, "centre"}, {0, 0, "top-left"}, {0, 2, "bottom-left"},
                                {4, 0, "top-right"}, {4, 2, "bottom-right"}});
  // Half scale 3x2, smaller than the crop in height: centre (0, 0), bottom corners at top -1,
  // i.e. the bottom crops are padded above and the top/centre ones below.
  const cv::Mat half = half_scale(image);
  ASSERT_EQ(half.size(), cv::Size(3, 2));
  expect_five(crops, 5, half, {{0, 0, "half centre"}, {0, 0, "half top-left"}, {0, -1, "half bottom-left"},
                               {0, 0, "half top-right"}, {0, -1, "half bottom-right"}});
  EXPECT_EQ(crops[9].at<cv::Vec3b>(0, 0), cv::Vec3b(0, 0, 0));
  EXPECT_NE(crops[5].at<cv::Vec3b>(0, 0), cv::Vec3b(0, 0, 0));
}

TEST(ProtocolCrops, CentreFollowsTheReferenceNotTorchvisionRounding) {
  // 8x6, crop 3: the reference's centre is (8/2 - 1, 6/2 - 1) = (3, 2); torchvision's
  // round((8 - 3) / 2) would give left 2.
  const cv::Mat image = coordinate_image(8, 6);
  const std::vector<cv::Mat> crops = protocol_crops(image, 3);
  expect_window(crops[0], image, 3, 2, "centre");
  EXPECT_EQ(crops[0].at<cv::Vec3b>(0, 0), cv::Vec3b(4, 3, 200));
}

TEST(ProtocolCrops, ZeroPaddingWhenTheImageIsSmallerThanTheCrop) {
  // 4x3 with crop 6: centre left 4/2 - 3 = -1 (pad 1 left, 1 right), top 3/2 - 3 = -2 (pad 2
  // above, 1 below); corners keep the image against their own corner.
  const cv::Mat image = coordinate_image(4, 3);
  const std::vector<cv::Mat> crops = protocol_crops(image, 6);
  ASSERT_EQ(crops.size(), 10u);
  expect_five(crops, 0, image, {{-1, -2, "centre"}, {0, 0, "top-left"}, {0, -3, "bottom-left"},
                                {-2, 0, "top-right"}, {-2, -3, "bottom-right"}});
  EXPECT_EQ(crops[4].at<cv::Vec3b>(5, 5), cv::Vec3b(4, 3, 200));  // the image's bottom-right pixel
  // Half scale 2x1: centre (1 - 3, 0 - 3) = (-2, -3).
  const cv::Mat half = half_scale(image);
  ASSERT_EQ(half.size(), cv::Size(2, 1));
  expect_five(crops, 5, half, {{-2, -3, "half centre"}, {0, 0, "half top-left"}, {0, -5, "half bottom-left"},
                               {-4, 0, "half top-right"}, {-4, -5, "half bottom-right"}});
}

TEST(ProtocolCrops, Errors) {
  test::expect_error([] { protocol_crops(coordinate_image(7, 5), 0); }, ErrorKind::kUsage, "crop size");
  test::expect_error([] { protocol_crops(cv::Mat(), 3); }, ErrorKind::kUsage, "CV_8UC3");
  test::expect_error([] { protocol_crops(cv::Mat(5, 5, CV_32FC3, cv::Scalar::all(0.5)), 3); }, ErrorKind::kUsage,
                     "CV_8UC3");
  test::expect_error([] { protocol_crops(coordinate_image(1, 5), 3); }, ErrorKind::kInput, "1x5");
  EXPECT_EQ(protocol_crops(coordinate_image(2, 2), 3).size(), 10u);
}

// A deterministic small image with some structure.
cv::Mat test_image(int width = 70, int height = 50) {
  cv::Mat image(height, width, CV_8UC3);
  cv::RNG rng(11);
  rng.fill(image, cv::RNG::UNIFORM, 0, 256);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width / 2; ++x) image.at<cv::Vec3b>(y, x)[1] = static_cast<uchar>(4 * y);
  return image;
}

ResNetEncoder small_encoder() {
  ResNetEncoder encoder(EncoderConfig{18, 0.25}, /*seed=*/3);
  // Non-trivial running statistics, so eval-mode BatchNorm is not the identity.
  torch::NoGradGuard no_grad;
  torch::manual_seed(5);
  encoder->train();
  encoder->forward(torch::randn({4, 3, 32, 32}));
  encoder->eval();
  return encoder;
}

constexpr int kCrop = 32;

TEST(EncoderProtocolFeatures, ShapeAndUnitNormHalves) {
  ResNetEncoder encoder = small_encoder();
  const std::int64_t d = encoder->feature_dim();
  ASSERT_EQ(d, 128);
  const torch::Tensor f = encoder_protocol_features(encoder, test_image(), kCrop);
  EXPECT_EQ(f.sizes(), (std::vector<std::int64_t>{5, 2 * d}));
  EXPECT_EQ(f.scalar_type(), torch::kFloat32);
  EXPECT_FALSE(f.requires_grad());
  const torch::Tensor ones = torch::ones({5});
  EXPECT_TRUE(torch::allclose(f.slice(1, 0, d).norm(2, 1), ones, 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(f.slice(1, d, 2 * d).norm(2, 1), ones, 1e-5, 1e-6));
  EXPECT_FALSE(encoder->is_training());
}

TEST(EncoderProtocolFeatures, HalvesAreTheEncoderOnEachScaleCrops) {
  ResNetEncoder encoder = small_encoder();
  const std::int64_t d = encoder->feature_dim();
  const cv::Mat image = test_image();
  const torch::Tensor f = encoder_protocol_features(encoder, image, kCrop);
  const std::vector<cv::Mat> crops = protocol_crops(image, kCrop);
  torch::NoGradGuard no_grad;
  const torch::Tensor full = encoder->forward_normalized(
      images_to_batch(std::vector<cv::Mat>(crops.begin(), crops.begin() + 5), kImageNetNormalization));
  const torch::Tensor half = encoder->forward_normalized(
      images_to_batch(std::vector<cv::Mat>(crops.begin() + 5, crops.end()), kImageNetNormalization));
  // Batches of 5 and of 10 may round differently, hence a tolerance.
  EXPECT_TRUE(torch::allclose(f.slice(1, 0, d), full, 1e-5, 1e-6)) << (f.slice(1, 0, d) - full).abs().max();
  EXPECT_TRUE(torch::allclose(f.slice(1, d, 2 * d), half, 1e-5, 1e-6)) << (f.slice(1, d, 2 * d) - half).abs().max();
  // Different content in the two halves and across crops.
  EXPECT_FALSE(torch::allclose(f.slice(1, 0, d), f.slice(1, d, 2 * d)));
  EXPECT_FALSE(torch::allclose(f[0], f[1]));
}

TEST(EncoderProtocolFeatures, RepeatableAcrossCallsAndThreadCounts) {
  ResNetEncoder encoder = small_encoder();
  const cv::Mat image = test_image();
  const int threads_before = torch::get_num_threads();
  torch::set_num_threads(1);
  const torch::Tensor one_a = encoder_protocol_features(encoder, image, kCrop);
  const torch::Tensor one_b = encoder_protocol_features(encoder, image, kCrop);
  torch::set_num_threads(2);
  const torch::Tensor two = encoder_protocol_features(encoder, image, kCrop);
  torch::set_num_threads(threads_before);
  EXPECT_TRUE(torch::equal(one_a, one_b));
  EXPECT_TRUE(torch::equal(one_a, two)) << (one_a - two).abs().max();
}

TEST(EncoderProtocolFeatures, ConcurrentCallsOnOneEncoder) {
  ResNetEncoder encoder = small_encoder();
  const cv::Mat image = test_image();
  const torch::Tensor expected = encoder_protocol_features(encoder, image, kCrop);
  const std::vector<std::string> before = [&] {
    std::vector<std::string> s;
    for (const auto& b : encoder->named_buffers()) s.push_back(b.key() + std::to_string(b.value().sum().item<double>()));
    return s;
  }();
  std::vector<torch::Tensor> results(3);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < results.size(); ++t)
    threads.emplace_back([&, t] { results[t] = encoder_protocol_features(encoder, image, kCrop); });
  for (auto& t : threads) t.join();
  for (const auto& r : results) EXPECT_TRUE(torch::equal(r, expected));
  std::vector<std::string> after;
  for (const auto& b : encoder->named_buffers()) after.push_back(b.key() + std::to_string(b.value().sum().item<double>()));
  EXPECT_EQ(before, after);  // running statistics and num_batches_tracked untouched
}

TEST(EncoderProtocolFeatures, RequiresEvalMode) {
  ResNetEncoder encoder = small_encoder();
  encoder->train();
  test::expect_error([&] { encoder_protocol_features(encoder, test_image(), kCrop); }, ErrorKind::kUsage, "eval");
  EXPECT_TRUE(encoder->is_training());  // left as the caller set it
  encoder->eval();
  encoder->named_children()["layer2"]->train();  // one submodule in training mode is enough to refuse
  test::expect_error([&] { encoder_protocol_features(encoder, test_image(), kCrop); }, ErrorKind::kUsage, "eval");
}

TEST(EncoderFeatureSource, ReadsTheImageAndPutsTheEncoderInEvalMode) {
  test::TempDir dir;
  const std::string path = dir.path("image.png");
  const cv::Mat image = test_image();
  write_image(path, image);
  ResNetEncoder encoder = small_encoder();
  encoder->train();
  const auto source = make_encoder_feature_source(encoder, kCrop, "shamisa-test");
  EXPECT_EQ(source->name(), "shamisa-test");
  EXPECT_FALSE(encoder->is_training());  // shared module, now in eval mode
  DatasetItem item;
  item.image = path;
  const torch::Tensor f = source->features(item);
  EXPECT_TRUE(torch::equal(f, encoder_protocol_features(encoder, image, kCrop)));
}

TEST(EncoderFeatureSource, ErrorsNameTheFile) {
  test::TempDir dir;
  const std::string broken = dir.path("broken.png");
  test::write_bytes(broken, {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0});
  const std::string tiny = dir.path("tiny.png");
  write_image(tiny, cv::Mat(5, 1, CV_8UC3, cv::Scalar(10, 20, 30)));
  const auto source = make_encoder_feature_source(small_encoder(), kCrop, "shamisa");
  for (const std::string& path : {broken, dir.path("missing.png"), tiny}) {
    DatasetItem item;
    item.image = path;
    test::expect_error([&] { source->features(item); }, ErrorKind::kInput, path);
  }
  test::expect_error([] { make_encoder_feature_source(small_encoder(), 0, "shamisa"); }, ErrorKind::kUsage,
                     "crop size");
}

}  // namespace
}  // namespace shamisa
