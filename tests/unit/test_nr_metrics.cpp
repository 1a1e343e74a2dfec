// Tests of the no-reference metrics (include/shamisa/nr_metrics.h): BRISQUE against OpenCV's own
// QualityBRISQUE, NIQE against the independent numpy/scipy implementation in
// tests/tools/niqe_reference.py, monotonicity under blur and noise, and the error cases.
//
// The shared images are read from SHAMISA_SHARED_DATA (the project's ../shared/data); the tests
// that need them are skipped when it is absent.
#include "shamisa/nr_metrics.h"
#include "test_helpers.h"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/quality/qualitybrisque.hpp>

#include "shamisa/error.h"
#include "shamisa/image_io.h"
#include "shamisa/resize.h"

#ifndef SHAMISA_SHARED_DATA
#define SHAMISA_SHARED_DATA "../shared/data"
#endif

namespace shamisa {
namespace {

const std::string kShared = SHAMISA_SHARED_DATA;
const std::string kOpenCvBrisqueDir = "/usr/share/opencv4/quality";

std::string shared(const std::string& rel) { return kShared + "/" + rel; }
bool exists(const std::string& path) { return std::filesystem::exists(path); }

// The data these tests need is part of the project's environment (shared/ and opencv-data, both
// installed by scripts/setup.sh): its absence is a failure, never a skip.
#define REQUIRE_FILE(path)                                               \
  do {                                                                   \
    if (!exists(path)) FAIL() << "missing test data: " << (path);       \
  } while (0)

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

// Sets an environment variable for the scope, restoring the previous state afterwards.
struct ScopedEnv {
  std::string name;
  bool had = false;
  std::string old;
  ScopedEnv(const std::string& n, const std::string& value) : name(n) {
    if (const char* v = std::getenv(n.c_str())) {
      had = true;
      old = v;
    }
    ::setenv(n.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (had)
      ::setenv(name.c_str(), old.c_str(), 1);
    else
      ::unsetenv(name.c_str());
  }
};

// A deterministic synthetic RGB image: smooth gradients, edges and some texture.
cv::Mat synthetic_rgb(int w, int h, std::uint64_t seed) {
  cv::Mat img(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const double r = 128 + 100 * std::sin(x * 0.05) * std::cos(y * 0.03);
      const double g = (x / 16 + y / 16) % 2 ? 200 : 60;
      const double b = 255.0 * x / w;
      img.at<cv::Vec3b>(y, x) = cv::Vec3b(cv::saturate_cast<uchar>(r), cv::saturate_cast<uchar>(g),
                                          cv::saturate_cast<uchar>(b));
    }
  }
  cv::Mat noise(h, w, CV_16SC3);
  cv::RNG rng(seed);
  rng.fill(noise, cv::RNG::NORMAL, 0, 6);
  cv::Mat out;
  cv::add(img, noise, out, cv::noArray(), CV_8UC3);
  return out;
}

cv::Mat gaussian_blur(const cv::Mat& rgb, double sigma) {
  cv::Mat out;
  cv::GaussianBlur(rgb, out, cv::Size(0, 0), sigma, sigma, cv::BORDER_REFLECT);
  return out;
}

cv::Mat add_noise(const cv::Mat& rgb, double sigma, std::uint64_t seed = 7) {
  cv::Mat noise(rgb.size(), CV_16SC3);
  cv::RNG rng(seed);
  rng.fill(noise, cv::RNG::NORMAL, 0, sigma);
  cv::Mat out;
  cv::add(rgb, noise, out, cv::noArray(), CV_8UC3);
  return out;
}

double opencv_brisque(const cv::Mat& bgr) {
  return cv::quality::QualityBRISQUE::compute(bgr, kOpenCvBrisqueDir + "/brisque_model_live.yml",
                                              kOpenCvBrisqueDir + "/brisque_range_live.yml")[0];
}

// ================================= BRISQUE =================================================

class NrMetricsBrisque : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!exists(kOpenCvBrisqueDir + "/brisque_model_live.yml"))
      FAIL() << "Debian's opencv-data is not installed";
  }
};

TEST_F(NrMetricsBrisque, EqualsOpenCvOnSharedImages) {
  const std::vector<std::string> files = {
      "pristine/set14/baboon.bmp",  "pristine/set14/bridge.bmp",  // bridge is 8-bit gray
      "pristine/set14/comic.bmp",   "pristine/set14/monarch.bmp",
      "live-dev/refs/bikes.bmp",    "live-dev/refs/churchandcapitol.bmp",
      "live-dev/refs/statue.bmp"};
  const Brisque brisque;
  int checked = 0;
  for (const std::string& rel : files) {
    const std::string path = shared(rel);
    if (!exists(path)) continue;
    const cv::Mat bgr = cv::imread(path, cv::IMREAD_COLOR);
    ASSERT_FALSE(bgr.empty()) << path;
    const double expected = opencv_brisque(bgr);
    const cv::Mat rgb = read_image_rgb8(path);
    EXPECT_EQ(brisque.score(rgb), expected) << rel;

    cv::Mat expected_features;
    cv::quality::QualityBRISQUE::computeFeatures(bgr, expected_features);
    const std::vector<float> features = brisque.features(rgb);
    ASSERT_EQ(features.size(), 36u);
    for (int i = 0; i < 36; ++i)
      EXPECT_EQ(features[i], expected_features.at<float>(i)) << rel << " #" << i;
    ++checked;
  }
  if (checked == 0) FAIL() << "no shared images under " << kShared;
}

TEST_F(NrMetricsBrisque, EqualsOpenCvOnSyntheticImages) {
  const Brisque brisque;
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    const cv::Mat rgb = synthetic_rgb(200 + 37 * int(seed), 150 + 11 * int(seed), seed);
    cv::Mat bgr;
    cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
    EXPECT_EQ(brisque.score(rgb), opencv_brisque(bgr)) << seed;
  }
  // A gray (1-channel) image is handed over as it is.
  cv::Mat gray;
  cv::cvtColor(synthetic_rgb(160, 120, 9), gray, cv::COLOR_RGB2GRAY);
  EXPECT_EQ(brisque.score(gray), opencv_brisque(gray));
}

TEST_F(NrMetricsBrisque, OtherDepthsAreRoundedToEightBits) {
  const Brisque brisque;
  const cv::Mat rgb8 = synthetic_rgb(180, 140, 5);
  cv::Mat rgb16, rgbf;
  rgb8.convertTo(rgb16, CV_16U, 257.0);
  rgb8.convertTo(rgbf, CV_32F, 1.0 / 255.0);
  const double s8 = brisque.score(rgb8);
  EXPECT_EQ(brisque.score(rgb16), s8);
  EXPECT_EQ(brisque.score(rgbf), s8);
  EXPECT_EQ(brisque.features(rgbf), brisque.features(rgb8));
}

TEST_F(NrMetricsBrisque, RisesWithBlurAndNoise) {
  const std::string path = shared("live-dev/refs/bikes.bmp");
  REQUIRE_FILE(path);
  const Brisque brisque;
  const cv::Mat rgb = read_image_rgb8(path);
  const double clean = brisque.score(rgb);
  double prev = clean;
  for (double sigma : {1.0, 2.0, 4.0}) {
    const double s = brisque.score(gaussian_blur(rgb, sigma));
    EXPECT_GT(s, prev) << "blur sigma " << sigma;
    prev = s;
  }
  prev = clean;
  for (double sigma : {5.0, 15.0, 30.0}) {
    const double s = brisque.score(add_noise(rgb, sigma));
    EXPECT_GT(s, prev) << "noise sigma " << sigma;
    prev = s;
  }
}

TEST_F(NrMetricsBrisque, ModelFolderSearchOrder) {
  {
    ScopedEnv env("SHAMISA_BRISQUE_DIR", "");
    EXPECT_EQ(Brisque().model_dir(), kOpenCvBrisqueDir);
  }
  const std::string shared_dir = shared("baseline-models/brisque-opencv");
  if (exists(shared_dir)) {
    ScopedEnv env("SHAMISA_BRISQUE_DIR", shared_dir);
    EXPECT_EQ(Brisque().model_dir(), shared_dir);
    EXPECT_EQ(Brisque(kOpenCvBrisqueDir).model_dir(), kOpenCvBrisqueDir);  // argument wins
  }
}

TEST_F(NrMetricsBrisque, MissingOrCorruptModelIsAModelError) {
  test::expect_error([] { Brisque("/nonexistent/brisque"); }, ErrorKind::kModel,
                  "/nonexistent/brisque/brisque_model_live.yml");
  {
    ScopedEnv env("SHAMISA_BRISQUE_DIR", "/nonexistent/env-brisque");
    test::expect_error([] { Brisque(); }, ErrorKind::kModel, "/nonexistent/env-brisque");
  }
  test::TempDir dir;
  std::filesystem::copy_file(kOpenCvBrisqueDir + "/brisque_model_live.yml",
                             dir.path("brisque_model_live.yml"));
  test::expect_error([&] { Brisque(dir.path("")); }, ErrorKind::kModel,
                  dir.path("brisque_range_live.yml"));
  write_text(dir.path("brisque_range_live.yml"), "%YAML:1.0\nrange: 3\n");
  test::expect_error([&] { Brisque(dir.path("")); }, ErrorKind::kModel, "brisque_range_live.yml");
  std::filesystem::remove(dir.path("brisque_model_live.yml"));
  write_text(dir.path("brisque_model_live.yml"), "this is not yaml {\n");
  std::filesystem::copy_file(kOpenCvBrisqueDir + "/brisque_range_live.yml",
                             dir.path("brisque_range_live.yml"),
                             std::filesystem::copy_options::overwrite_existing);
  test::expect_error([&] { Brisque(dir.path("")); }, ErrorKind::kModel, "brisque_model_live.yml");
}

TEST_F(NrMetricsBrisque, BadImagesAreInputErrors) {
  const Brisque brisque;
  test::expect_error([&] { brisque.score(cv::Mat()); }, ErrorKind::kInput, "empty");
  test::expect_error([&] { brisque.score(cv::Mat(10, 40, CV_8UC3, cv::Scalar::all(9))); },
                  ErrorKind::kInput, "40x10");
  test::expect_error([&] { brisque.score(cv::Mat(40, 40, CV_8UC4, cv::Scalar::all(9))); },
                  ErrorKind::kInput, "unsupported");
  test::expect_error([&] { brisque.features(cv::Mat(40, 40, CV_64FC3, cv::Scalar::all(0))); },
                  ErrorKind::kInput, "unsupported");
}

// =================================== NIQE =================================================

// Reference values: tests/tools/niqe_reference.py (numpy 1.24.2, scipy 1.10.1, Pillow 9.4.0,
// Debian 12's /usr/bin/python3), run as
//   niqe_reference.py score shared/data/pristine/set14/{baboon,bridge,monarch}.bmp
//       shared/data/live-dev/refs/{bikes,churchandcapitol}.bmp
//   niqe_reference.py score --black=240 shared/data/live-dev/refs/bikes.bmp
//   niqe_reference.py features shared/data/live-dev/refs/bikes.bmp
// with the pristine model read from shared/data/baseline-models/niqe/*.txt.
struct NiqeReference {
  const char* file;
  double score;
};
const NiqeReference kNiqeReference[] = {
    {"pristine/set14/baboon.bmp", 5.7496408850655856},          // 500x480 -> 5x5 patches
    {"pristine/set14/bridge.bmp", 2.5121600068262886},          // 8-bit gray file
    {"pristine/set14/monarch.bmp", 3.3986797942963016},         // 768x512
    {"live-dev/refs/bikes.bmp", 2.8559748899362161},            // 768x512
    {"live-dev/refs/churchandcapitol.bmp", 2.4623107694471282},  // 634x505, cropped to 576x480
};
const double kNiqeBikesBlack240 = 3.6836710504488792;  // top-left 240x240 set to 0
const double kNiqeBikesFeatureMeans[36] = {
    2.6051750000000005,  0.88164930106955341, 0.8213750000000003,    0.087213210942841304,
    0.1232685207479465,  0.1858866756143342,  0.82087500000000024,   0.083020512057945167,
    0.12539221138346543, 0.18497348604479738, 0.75734999999999975,   -0.0010158420836842551,
    0.13795801978579506, 0.13734865885517872, 0.76517500000000005,   -0.0010881660584587123,
    0.13920619100129461, 0.13828617872374008, 3.0419500000000004,    0.99108880614089612,
    0.87039999999999984, 0.063819398624525375, 0.18121183508976499,  0.23191536285374048,
    0.87799999999999978, 0.047143990172386678, 0.19179015456217646,  0.22731514289542001,
    0.83235000000000026, 0.001853199917133054, 0.19445589702550709,  0.19461910971371085,
    0.85759999999999992, -0.047401982247481739, 0.22329565851873062, 0.18546478672843697};

TEST(NrMetricsNiqe, MatchesIndependentReference) {
  const Niqe niqe;
  int checked = 0;
  for (const NiqeReference& ref : kNiqeReference) {
    const std::string path = shared(ref.file);
    if (!exists(path)) continue;
    const double s = niqe.score(read_image_rgb8(path));
    EXPECT_NEAR(s, ref.score, 1e-3) << ref.file;
    EXPECT_NEAR(s, ref.score, 1e-9) << ref.file << " (agreement seen when the test was written)";
    ++checked;
  }
  if (checked == 0) FAIL() << "no shared images under " << kShared;
}

TEST(NrMetricsNiqe, FeatureMeansMatchIndependentReference) {
  const std::string path = shared("live-dev/refs/bikes.bmp");
  REQUIRE_FILE(path);
  const std::vector<double> mean = Niqe().patch_features_mean(read_image_rgb8(path));
  ASSERT_EQ(mean.size(), 36u);
  for (int i = 0; i < 36; ++i) EXPECT_NEAR(mean[i], kNiqeBikesFeatureMeans[i], 1e-9) << "#" << i;
}

TEST(NrMetricsNiqe, FlatPatchesFollowMatlabNanRules) {
  const std::string path = shared("live-dev/refs/bikes.bmp");
  REQUIRE_FILE(path);
  cv::Mat rgb = read_image_rgb8(path).clone();
  rgb(cv::Rect(0, 0, 240, 240)).setTo(cv::Scalar::all(0));
  const Niqe niqe;
  // Patches (0,0), (1,0), (0,1), (1,1) are flat at both scales: NaN scales, shape 0.2.
  const cv::Mat feats = niqe.patch_features(rgb);
  ASSERT_EQ(feats.rows, 5 * 8);
  for (int idx : {0, 1, 5, 6}) {  // column-major: idx = c * 5 + r
    EXPECT_EQ(feats.at<double>(idx, 0), 0.2) << idx;
    EXPECT_TRUE(std::isnan(feats.at<double>(idx, 1))) << idx;
    EXPECT_EQ(feats.at<double>(idx, 18), 0.2) << idx;
    EXPECT_TRUE(std::isnan(feats.at<double>(idx, 35))) << idx;
  }
  EXPECT_FALSE(std::isnan(feats.at<double>(2, 1)));
  EXPECT_NEAR(niqe.score(rgb), kNiqeBikesBlack240, 1e-3);
  EXPECT_NEAR(niqe.score(rgb), kNiqeBikesBlack240, 1e-9);
}

TEST(NrMetricsNiqe, GrayIsMatlabRgb2gray) {
  cv::Mat rgb8(1, 4, CV_8UC3);
  rgb8.at<cv::Vec3b>(0) = {255, 0, 0};
  rgb8.at<cv::Vec3b>(1) = {0, 255, 0};
  rgb8.at<cv::Vec3b>(2) = {0, 0, 255};
  rgb8.at<cv::Vec3b>(3) = {10, 20, 30};
  const cv::Mat g8 = nr_detail::niqe_gray(rgb8);
  ASSERT_EQ(g8.type(), CV_64FC1);
  EXPECT_EQ(g8.at<double>(0), 76.0);   // 76.2287
  EXPECT_EQ(g8.at<double>(1), 150.0);  // 149.6960
  EXPECT_EQ(g8.at<double>(2), 29.0);   // 29.0753
  EXPECT_EQ(g8.at<double>(3), 18.0);   // 18.1509
  cv::Mat rgbf, rgb16;
  rgb8.convertTo(rgbf, CV_32F, 1.0 / 255.0);
  rgb8.convertTo(rgb16, CV_16U, 257.0);
  const cv::Mat gf = nr_detail::niqe_gray(rgbf), g16 = nr_detail::niqe_gray(rgb16);
  EXPECT_NEAR(gf.at<double>(0), 76.22868542991273, 1e-5);  // not rounded (float storage)
  EXPECT_NEAR(g16.at<double>(1), 149.69598398503592, 1e-9);
  EXPECT_NEAR(g16.at<double>(2), 29.07533058505133, 1e-9);
}

TEST(NrMetricsNiqe, HalfScaleIsMatlabImresize) {
  // Reference: niqe_reference.imresize_half of x(i, j) = ((7i + 3j) mod 11) * 20, 6x8; the
  // weights are dyadic, so the values are exact.
  cv::Mat x(6, 8, CV_64F);
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 8; ++j) x.at<double>(i, j) = ((7 * i + 3 * j) % 11) * 20.0;
  const double expected[12] = {81.60919189453125,  116.83380126953125, 74.69696044921875,
                               131.35223388671875, 126.30096435546875, 96.4849853515625,
                               86.57470703125,     120.79559326171875, 103.96484375,
                               75.86090087890625,  110.56427001953125, 94.9615478515625};
  const cv::Mat half = nr_detail::matlab_imresize_half(x);
  ASSERT_EQ(half.rows, 3);
  ASSERT_EQ(half.cols, 4);
  for (int k = 0; k < 12; ++k) EXPECT_NEAR(half.at<double>(k / 4, k % 4), expected[k], 1e-12) << k;

  // Away from the borders the taps are Pillow's bicubic ones (resize_antialiased, float path).
  cv::Mat big(96, 144, CV_64F);
  cv::RNG rng(3);
  rng.fill(big, cv::RNG::UNIFORM, 0.0, 255.0);
  const cv::Mat ours = nr_detail::matlab_imresize_half(big);
  cv::Mat big32;
  big.convertTo(big32, CV_32F);
  cv::Mat pillow;
  resize_antialiased(big32, 72, 48, ResampleFilter::kBicubic).convertTo(pillow, CV_64F);
  double interior = 0, border = 0;
  for (int y = 0; y < 48; ++y) {
    for (int xx = 0; xx < 72; ++xx) {
      const double d = std::fabs(ours.at<double>(y, xx) - pillow.at<double>(y, xx));
      if (y >= 2 && y < 46 && xx >= 2 && xx < 70)
        interior = std::max(interior, d);
      else
        border = std::max(border, d);
    }
  }
  EXPECT_LT(interior, 1e-3);  // float32 storage in the Pillow path
  EXPECT_GT(border, 1e-2);    // mirroring vs renormalising at the borders

  // A constant stays constant (up to rounding).
  const cv::Mat flat = nr_detail::matlab_imresize_half(cv::Mat(10, 12, CV_64F, cv::Scalar(42.0)));
  double lo, hi;
  cv::minMaxLoc(flat, &lo, &hi);
  EXPECT_NEAR(lo, 42.0, 1e-12);
  EXPECT_NEAR(hi, 42.0, 1e-12);
}

TEST(NrMetricsNiqe, RisesWithBlurAndNoise) {
  const std::string path = shared("live-dev/refs/bikes.bmp");
  REQUIRE_FILE(path);
  const Niqe niqe;
  const cv::Mat rgb = read_image_rgb8(path);
  const double clean = niqe.score(rgb);
  double prev = clean;
  for (double sigma : {1.0, 2.0, 4.0}) {
    const double s = niqe.score(gaussian_blur(rgb, sigma));
    EXPECT_GT(s, prev) << "blur sigma " << sigma;
    prev = s;
  }
  prev = clean;
  for (double sigma : {5.0, 15.0, 30.0}) {
    const double s = niqe.score(add_noise(rgb, sigma));
    EXPECT_GT(s, prev) << "noise sigma " << sigma;
    prev = s;
  }
}

TEST(NrMetricsNiqe, DepthsAndChannels) {
  const Niqe niqe;
  const cv::Mat rgb8 = synthetic_rgb(300, 200, 4);
  // The same pixels as float: only the rounding of the gray values differs.
  cv::Mat rgbf;
  rgb8.convertTo(rgbf, CV_32F, 1.0 / 255.0);
  EXPECT_NEAR(niqe.score(rgbf), niqe.score(rgb8), 0.5);
  // A 1-channel image is used as gray directly: equal to the RGB image with those gray values.
  const cv::Mat gray = nr_detail::niqe_gray(rgb8);
  cv::Mat gray8;
  gray.convertTo(gray8, CV_8U);
  cv::Mat gray_rgb;
  cv::cvtColor(gray8, gray_rgb, cv::COLOR_GRAY2RGB);
  EXPECT_EQ(niqe.score(gray8), niqe.score(gray_rgb));
}

TEST(NrMetricsNiqe, EmbeddedModelEqualsSharedFiles) {
  const std::string dir = shared("baseline-models/niqe");
  REQUIRE_FILE(dir + "/niqe_pristine_mu.txt");
  ScopedEnv env("SHAMISA_NIQE_DIR", "");
  const Niqe embedded;
  EXPECT_EQ(embedded.model_source(), "embedded");
  const Niqe files(dir);
  EXPECT_EQ(files.model_source(), dir);
  ASSERT_EQ(embedded.pristine_mean().size(), 36u);
  EXPECT_EQ(embedded.pristine_mean(), files.pristine_mean());
  EXPECT_EQ(cv::norm(embedded.pristine_covariance(), files.pristine_covariance(), cv::NORM_INF),
            0.0);
  EXPECT_EQ(embedded.pristine_covariance().at<double>(0, 0), 4.5347810203e-01);
  EXPECT_EQ(embedded.pristine_mean()[0], 2.6013136802e+00);
}

TEST(NrMetricsNiqe, ModelFolderOverrides) {
  // A model with another mean changes the score; the environment variable is used when no
  // folder is given, and the argument wins over it.
  const std::string dir = shared("baseline-models/niqe");
  REQUIRE_FILE(dir + "/niqe_pristine_cov.txt");
  test::TempDir scratch;
  std::filesystem::copy_file(dir + "/niqe_pristine_cov.txt", scratch.path("niqe_pristine_cov.txt"));
  std::string mu;
  for (int i = 0; i < 36; ++i) mu += "0.5 ";
  write_text(scratch.path("niqe_pristine_mu.txt"), mu);
  const cv::Mat rgb = synthetic_rgb(288, 192, 8);
  const double base = Niqe("").score(rgb);
  {
    ScopedEnv env("SHAMISA_NIQE_DIR", scratch.path(""));
    const Niqe from_env;
    EXPECT_EQ(from_env.model_source(), scratch.path(""));
    EXPECT_EQ(from_env.pristine_mean()[3], 0.5);
    EXPECT_NE(from_env.score(rgb), base);
    EXPECT_EQ(Niqe(dir).score(rgb), base);
  }
}

TEST(NrMetricsNiqe, MissingOrBadModelIsAModelError) {
  test::expect_error([] { Niqe("/nonexistent/niqe"); }, ErrorKind::kModel,
                  "/nonexistent/niqe/niqe_pristine_mu.txt");
  {
    ScopedEnv env("SHAMISA_NIQE_DIR", "/nonexistent/env-niqe");
    test::expect_error([] { Niqe(); }, ErrorKind::kModel, "/nonexistent/env-niqe");
  }
  test::TempDir dir;
  write_text(dir.path("niqe_pristine_mu.txt"), "1 2 3\n");
  const std::string folder = dir.path("");
  test::expect_error([&] { Niqe{folder}; }, ErrorKind::kModel, "expected 36 numbers, found 3");
  std::string mu;
  for (int i = 0; i < 36; ++i) mu += "1 ";
  write_text(dir.path("niqe_pristine_mu.txt"), mu);
  test::expect_error([&] { Niqe{folder}; }, ErrorKind::kModel, dir.path("niqe_pristine_cov.txt"));
  write_text(dir.path("niqe_pristine_cov.txt"), "1 2 x\n");
  test::expect_error([&] { Niqe{folder}; }, ErrorKind::kModel, "'x' is not a finite number");
}

TEST(NrMetricsNiqe, SmallOrFlatImagesAreInputErrors) {
  const Niqe niqe;
  test::expect_error([&] { niqe.score(cv::Mat()); }, ErrorKind::kInput, "empty");
  test::expect_error([&] { niqe.score(synthetic_rgb(300, 95, 1)); }, ErrorKind::kInput,
                  "at least 96 pixels on each side");
  test::expect_error([&] { niqe.score(synthetic_rgb(191, 191, 1)); }, ErrorKind::kInput,
                  "NIQE needs at least 2");
  test::expect_error([&] { niqe.patch_features_mean(synthetic_rgb(95, 400, 1)); }, ErrorKind::kInput,
                  "95x400");
  test::expect_error([&] { niqe.score(cv::Mat(192, 192, CV_8UC3, cv::Scalar::all(128))); },
                  ErrorKind::kInput, "flat");
  test::expect_error([&] { niqe.score(cv::Mat(192, 192, CV_8SC3, cv::Scalar::all(1))); },
                  ErrorKind::kInput, "unsupported");
  // The smallest images that work: two patches.
  EXPECT_TRUE(std::isfinite(niqe.score(synthetic_rgb(192, 96, 1))));
  EXPECT_TRUE(std::isfinite(niqe.score(synthetic_rgb(96, 192, 1))));
}

}  // namespace
}  // namespace shamisa
