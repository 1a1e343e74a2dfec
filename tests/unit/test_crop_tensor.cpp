// Zero-padded crops and image <-> tensor conversion.
#include <gtest/gtest.h>

#include "shamisa/crop.h"
#include "shamisa/tensor.h"
#include "test_helpers.h"

namespace shamisa {
namespace {

cv::Mat counting_image(int w, int h) {  // pixel (x, y) = (x, y, x + y) + 1
  cv::Mat m(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) m.at<cv::Vec3b>(y, x) = cv::Vec3b(x + 1, y + 1, x + y + 1);
  return m;
}

TEST(Crop, InsideIsACopy) {
  const cv::Mat img = counting_image(5, 4);
  const cv::Mat c = crop_zero_padded(img, 1, 2, 3, 2);
  ASSERT_EQ(c.size(), cv::Size(3, 2));
  EXPECT_EQ(c.at<cv::Vec3b>(0, 0), cv::Vec3b(2, 3, 4));
  EXPECT_EQ(c.at<cv::Vec3b>(1, 2), cv::Vec3b(4, 4, 7));
}

TEST(Crop, OutsideIsZeroPadded) {
  const cv::Mat img = counting_image(3, 2);
  const cv::Mat c = crop_zero_padded(img, -1, -1, 5, 4);
  EXPECT_EQ(c.at<cv::Vec3b>(0, 0), cv::Vec3b(0, 0, 0));
  EXPECT_EQ(c.at<cv::Vec3b>(1, 1), cv::Vec3b(1, 1, 1));
  EXPECT_EQ(c.at<cv::Vec3b>(2, 3), cv::Vec3b(3, 2, 4));
  EXPECT_EQ(c.at<cv::Vec3b>(3, 4), cv::Vec3b(0, 0, 0));
  EXPECT_EQ(cv::countNonZero(crop_zero_padded(img, 10, 10, 2, 2).reshape(1)), 0);
  test::expect_error([&] { crop_zero_padded(img, 0, 0, 0, 2); }, ErrorKind::kUsage, "positive");
}

TEST(Crop, CenterCropRoundsHalfToEvenLikeTorchvision) {
  const cv::Mat img = counting_image(6, 5);
  // (6 - 3) / 2 = 1.5 -> 2; (5 - 2) / 2 = 1.5 -> 2.
  EXPECT_EQ(center_crop(img, 3, 2).at<cv::Vec3b>(0, 0), cv::Vec3b(3, 3, 5));
  // (6 - 1) / 2 = 2.5 -> 2; (5 - 4) / 2 = 0.5 -> 0.
  EXPECT_EQ(center_crop(img, 1, 4).at<cv::Vec3b>(0, 0), cv::Vec3b(3, 1, 3));
}

TEST(Tensor, ImageNetNormalisationByHand) {
  cv::Mat img(1, 2, CV_8UC3);
  img.at<cv::Vec3b>(0, 0) = cv::Vec3b(255, 0, 51);
  img.at<cv::Vec3b>(0, 1) = cv::Vec3b(0, 255, 102);
  const torch::Tensor t = image_to_tensor(img);
  ASSERT_EQ(t.sizes(), (std::vector<std::int64_t>{3, 1, 2}));
  EXPECT_NEAR(t[0][0][0].item<float>(), (1.0 - 0.485) / 0.229, 1e-5);
  EXPECT_NEAR(t[1][0][0].item<float>(), (0.0 - 0.456) / 0.224, 1e-5);
  EXPECT_NEAR(t[2][0][0].item<float>(), (0.2 - 0.406) / 0.225, 1e-5);
  EXPECT_NEAR(t[1][0][1].item<float>(), (1.0 - 0.456) / 0.224, 1e-5);
  // Zero padding is black before normalisation: -mean/std, as with TF.crop.
  const torch::Tensor padded = image_to_tensor(crop_zero_padded(img, -1, 0, 1, 1));
  EXPECT_NEAR(padded[0][0][0].item<float>(), -0.485 / 0.229, 1e-5);
}

TEST(Tensor, RoundTripAndBatch) {
  const cv::Mat img = counting_image(7, 3);
  const cv::Mat back = tensor_to_image(image_to_tensor(img));
  cv::Mat expected;
  img.convertTo(expected, CV_32F, 1.0 / 255.0);
  EXPECT_LT(cv::norm(back, expected, cv::NORM_INF), 1e-6);
  const torch::Tensor batch = images_to_batch({img, img});
  ASSERT_EQ(batch.sizes(), (std::vector<std::int64_t>{2, 3, 3, 7}));
  EXPECT_TRUE(torch::equal(batch[1], image_to_tensor(img)));
  test::expect_error([&] { images_to_batch({img, counting_image(3, 3)}); }, ErrorKind::kUsage, "differ in size");
}

}  // namespace
}  // namespace shamisa
