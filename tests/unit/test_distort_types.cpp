// Properties every distortion type must have, checked over the whole registry: identity at the
// mildest severity where the type has it, monotone effect in severity on real photographs,
// range and determinism, and golden outputs at a fixed seed.
#include <algorithm>
#include <cmath>
#include <functional>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "shamisa/crop.h"
#include "shamisa/distort.h"
#include "shamisa/image_io.h"
#include "test_helpers.h"

namespace shamisa {
namespace {

// Five pristine photographs of different kinds (BSDS500 JPEGs, Set14 BMPs, a McMaster TIFF),
// centre-cropped to 128x128 to keep the test fast.
const std::vector<cv::Mat>& pristine_images() {
  static const std::vector<cv::Mat> images = [] {
    std::vector<cv::Mat> out;
    for (const char* name : {"bsds500/test/100007.jpg", "bsds500/test/101027.jpg", "set14/monarch.bmp",
                             "set14/baboon.bmp", "mcmaster18/1.tif"}) {
      const cv::Mat rgb = read_image_rgbf(std::string(SHAMISA_SHARED_DATA) + "/pristine/" + name);
      out.push_back(center_crop(rgb, 128, 128));
    }
    return out;
  }();
  return images;
}

cv::Mat distort(const cv::Mat& rgb, const DistortionType& type, double s, std::uint64_t seed = 7) {
  Rng rng(seed);
  return apply_step(rgb, {&type, severity_to_value(type, s)}, rng);
}

double psnr(const cv::Mat& a, const cv::Mat& b) {
  const double mse = cv::norm(a, b, cv::NORM_L2SQR) / double(a.total() * a.channels());
  return mse == 0 ? 200.0 : 10.0 * std::log10(1.0 / mse);
}

double mean_luminance(const cv::Mat& rgb) {
  cv::Mat gray;
  cv::cvtColor(rgb, gray, cv::COLOR_RGB2GRAY);
  return cv::mean(gray)[0];
}

double rms_contrast(const cv::Mat& rgb) {
  cv::Mat gray;
  cv::cvtColor(rgb, gray, cv::COLOR_RGB2GRAY);
  cv::Scalar mean, stddev;
  cv::meanStdDev(gray, mean, stddev);
  return stddev[0];
}

double mean_chroma(const cv::Mat& rgb) {  // mean of max(R,G,B) - min(R,G,B)
  double total = 0;
  for (auto it = rgb.begin<cv::Vec3f>(); it != rgb.end<cv::Vec3f>(); ++it) {
    const cv::Vec3f p = *it;
    total += std::max({p[0], p[1], p[2]}) - std::min({p[0], p[1], p[2]});
  }
  return total / double(rgb.total());
}

double sharpness(const cv::Mat& rgb) { return test::laplacian_variance(rgb); }

double changed_fraction(const cv::Mat& original, const cv::Mat& distorted) {
  cv::Mat diff;
  cv::absdiff(original, distorted, diff);
  cv::Mat any = diff.reshape(1, int(diff.total())).clone();
  cv::reduce(any, any, 1, cv::REDUCE_MAX);
  return double(cv::countNonZero(any > 1e-6)) / double(diff.total());
}

double distinct_values(const cv::Mat& rgb) {
  const cv::Mat flat = rgb.reshape(1, 1);
  std::vector<float> v(flat.begin<float>(), flat.end<float>());
  std::sort(v.begin(), v.end());
  return double(std::unique(v.begin(), v.end()) - v.begin());
}

cv::Mat low_pass(const cv::Mat& rgb) {
  cv::Mat out;
  cv::GaussianBlur(rgb, out, cv::Size(0, 0), 3.0, 3.0, cv::BORDER_REPLICATE);
  return out;
}

// The measure that must move with severity, and which way (+1 up, -1 down).
struct Measure {
  const char* what;
  std::function<double(const cv::Mat& original, const cv::Mat& distorted)> f;
  int direction;
};

Measure measure_for(const std::string& type) {
  const Measure psnr_falls{"PSNR to the original", [](const cv::Mat& o, const cv::Mat& d) { return psnr(o, d); }, -1};
  if (type == "brighten" || type == "meanshiftpos")
    return {"mean luminance", [](const cv::Mat&, const cv::Mat& d) { return mean_luminance(d); }, +1};
  if (type == "darken" || type == "meanshiftneg")
    return {"mean luminance", [](const cv::Mat&, const cv::Mat& d) { return mean_luminance(d); }, -1};
  if (type == "lincontrchangepos")
    return {"RMS contrast", [](const cv::Mat&, const cv::Mat& d) { return rms_contrast(d); }, +1};
  if (type == "lincontrchangeneg" || type == "nonlincontrchange")
    return {"RMS contrast", [](const cv::Mat&, const cv::Mat& d) { return rms_contrast(d); }, -1};
  if (type == "colorsat2") return {"chroma", [](const cv::Mat&, const cv::Mat& d) { return mean_chroma(d); }, +1};
  if (type == "highsharpen") return {"sharpness", [](const cv::Mat&, const cv::Mat& d) { return sharpness(d); }, +1};
  if (type == "gaublur" || type == "lensblur" || type == "motionblur")
    return {"sharpness", [](const cv::Mat&, const cv::Mat& d) { return sharpness(d); }, -1};
  // A misregistered G channel: on fine texture the plain PSNR saturates after a few pixels of
  // shift, so compare the low-pass images, where a longer shift keeps costing more.
  if (type == "colorshift")
    return {"PSNR of low-pass images", [](const cv::Mat& o, const cv::Mat& d) { return psnr(low_pass(o), low_pass(d)); }, -1};
  // Quantization stretches its buckets to [0, 1] (global min-max), so its PSNR is not monotone;
  // the number of distinct output values is.
  if (type == "quantization")
    return {"distinct values", [](const cv::Mat&, const cv::Mat& d) { return distinct_values(d); }, -1};
  // Later blocks can cover earlier ones with a closer colour; the covered area still grows.
  if (type == "colorblock") return {"changed area", changed_fraction, +1};
  return psnr_falls;  // colorsat1's factor changes sign at index 4, so its saturation is not monotone
}

TEST(DistortTypes, MildestSeverityIsIdentityWhereDeclared) {
  const cv::Mat& image = pristine_images()[0];
  int checked = 0;
  for (const auto& type : distortion_registry()) {
    if (!type.identity_at_mildest) continue;
    ++checked;
    const double diff = cv::norm(distort(image, type, 0.0), image, cv::NORM_INF);
    EXPECT_LE(diff, 1.0 / 255.0 + 1e-6) << type.name;
  }
  EXPECT_EQ(checked, 5);
}

TEST(DistortTypes, EffectGrowsWithSeverityOnFivePristineImages) {
  for (const auto& type : distortion_registry()) {
    const Measure m = measure_for(type.name);
    for (std::size_t i = 0; i < pristine_images().size(); ++i) {
      const cv::Mat& image = pristine_images()[i];
      std::vector<double> values;
      for (int level = 0; level <= 4; ++level) values.push_back(m.f(image, distort(image, type, level)));
      for (int level = 0; level < 4; ++level) {
        EXPECT_GT(m.direction * (values[level + 1] - values[level]), 0.0)
            << type.name << " on image " << i << ": " << m.what << " at severity " << level << " = " << values[level]
            << ", at " << level + 1 << " = " << values[level + 1];
      }
    }
  }
}

TEST(DistortTypes, OutputIsInRangeSameSizeAndDeterministic) {
  const cv::Mat& image = pristine_images()[2];
  for (const auto& type : distortion_registry()) {
    const cv::Mat a = distort(image, type, 2.7, 42), b = distort(image, type, 2.7, 42);
    ASSERT_EQ(a.type(), CV_32FC3) << type.name;
    ASSERT_EQ(a.size(), image.size()) << type.name;
    double lo, hi;
    cv::minMaxLoc(a.reshape(1), &lo, &hi);
    EXPECT_GE(lo, 0.0) << type.name;
    EXPECT_LE(hi, 1.0) << type.name;
    EXPECT_EQ(cv::norm(a, b, cv::NORM_INF), 0.0) << type.name << " differs between two runs with one seed";
    if (type.random) {
      EXPECT_GT(cv::norm(a, distort(image, type, 2.7, 43), cv::NORM_INF), 0.0) << type.name << " ignores the seed";
    }
  }
}

TEST(DistortTypes, InputIsNeverModified) {
  const cv::Mat image = pristine_images()[1].clone();
  const cv::Mat copy = image.clone();
  for (const auto& type : distortion_registry()) {
    distort(image, type, 3.3);
    ASSERT_EQ(cv::norm(image, copy, cv::NORM_INF), 0.0) << type.name << " modified its input";
  }
}

// Golden outputs: each type at severity 2.5 with seed 7 on tests/data/golden/input.png, rounded to
// 8 bits, must equal tests/data/golden/<type>.png byte for byte (regenerate with
// tests/tools/make_golden.sh after a deliberate change, and say why in the commit).
TEST(DistortTypes, GoldenOutputsAtSeedSeven) {
  const cv::Mat input = read_image_rgbf(test::test_data("golden/input.png"));
  ASSERT_EQ(input.size(), cv::Size(64, 64));
  for (const auto& type : distortion_registry()) {
    const cv::Mat expected = read_image_rgb8(test::test_data("golden/" + type.name + ".png"));
    const cv::Mat actual = to_rgb8(distort(input, type, 2.5, 7));
    EXPECT_EQ(cv::norm(actual, expected, cv::NORM_INF), 0.0) << type.name << " no longer matches its golden output";
  }
}

}  // namespace
}  // namespace shamisa
