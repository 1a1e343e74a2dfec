// Tests for the full-reference metrics (include/shamisa/fr_metrics.h).
//
// The test images are synthetic and deterministic: integer-only formulas that
// tests/tools/fr_reference_values.py reproduces bit for bit (the checksums below prove it).
// Pinned values come from that script (numpy 1.24.2, scipy 1.10.1, scikit-image 0.19.3):
//   - PSNR: numpy, equal to skimage.metrics.peak_signal_noise_ratio(data_range=255);
//   - SSIM: numpy ssim_index.m + ssim.m downsampling; for f = 1 equal (to 1e-15) to
//     skimage.metrics.structural_similarity(Y1, Y2, gaussian_weights=True, sigma=1.5,
//     use_sample_covariance=False, data_range=255); the f = 2, 3, 4 cases only from numpy;
//   - MS-SSIM, GMSD: the script's numpy implementations of msssim.m and GMSD.m.
// OpenCV contrib's quality module is compared where its conventions can be made to match.
#include "shamisa/fr_metrics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/quality.hpp>

#include "shamisa/error.h"

namespace shamisa {
namespace {

// ---- deterministic images (same formulas as fr_reference_values.py) ----------------------------

std::uint32_t hash32(std::uint32_t x, std::uint32_t y, std::uint32_t c, std::uint32_t seed) {
  std::uint32_t h = x * 0x9E3779B1u + y * 0x85EBCA77u + c * 0xC2B2AE3Du + seed * 0x27D4EB2Fu;
  h ^= h >> 15;
  h *= 0x2C1B3C6Du;
  h ^= h >> 12;
  h *= 0x297A2D39u;
  h ^= h >> 15;
  return h;
}

// Rings + ramps + checkerboard + fine texture; RGB, CV_8UC3.
cv::Mat pattern(int rows, int cols, int seed) {
  cv::Mat img(rows, cols, CV_8UC3);
  const long cx = cols * 3 / 7, cy = rows * 4 / 9;
  for (int y = 0; y < rows; ++y) {
    for (int x = 0; x < cols; ++x) {
      for (int c = 0; c < 3; ++c) {
        const long d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
        const long ring = (d2 / (40 + 13 * c)) % 64;
        const long xl = x, yl = y;
        const long ramp = ((xl * (c + 1) * 97 + yl * (3 - c) * 61) / (rows + cols)) % 96;
        const long checker = (((x >> 4) + (y >> 3) + c) & 1) * 40;
        const long texture = hash32(x, y, c, seed) % 17u;
        img.at<cv::Vec3b>(y, x)[c] =
            static_cast<std::uint8_t>(std::min(ring * 2 + ramp + checker + texture, 255L));
      }
    }
  }
  return img;
}

cv::Mat add_noise(const cv::Mat& img, int amplitude, int seed) {
  cv::Mat out(img.size(), CV_8UC3);
  for (int y = 0; y < img.rows; ++y) {
    for (int x = 0; x < img.cols; ++x) {
      for (int c = 0; c < 3; ++c) {
        const int n = static_cast<int>(hash32(x, y, c, seed) % (2u * amplitude + 1u)) - amplitude;
        out.at<cv::Vec3b>(y, x)[c] =
            static_cast<std::uint8_t>(std::clamp(img.at<cv::Vec3b>(y, x)[c] + n, 0, 255));
      }
    }
  }
  return out;
}

// k x k box blur (k odd), clamp-to-edge, rounded: (sum + k*k/2) / (k*k).
cv::Mat box_blur(const cv::Mat& img, int k) {
  cv::Mat out(img.size(), CV_8UC3);
  const int r = k / 2;
  for (int y = 0; y < img.rows; ++y) {
    for (int x = 0; x < img.cols; ++x) {
      for (int c = 0; c < 3; ++c) {
        int sum = 0;
        for (int dy = -r; dy <= r; ++dy) {
          for (int dx = -r; dx <= r; ++dx) {
            const int yy = std::clamp(y + dy, 0, img.rows - 1);
            const int xx = std::clamp(x + dx, 0, img.cols - 1);
            sum += img.at<cv::Vec3b>(yy, xx)[c];
          }
        }
        out.at<cv::Vec3b>(y, x)[c] = static_cast<std::uint8_t>((sum + k * k / 2) / (k * k));
      }
    }
  }
  return out;
}

cv::Mat contrast(const cv::Mat& img) {
  cv::Mat out(img.size(), CV_8UC3);
  for (int i = 0; i < static_cast<int>(img.total() * 3); ++i) {
    out.data[i] = static_cast<std::uint8_t>((img.data[i] * 3 + 2) / 4 + 32);
  }
  return out;
}

cv::Mat invert(const cv::Mat& img) {
  cv::Mat out(img.size(), CV_8UC3);
  for (int i = 0; i < static_cast<int>(img.total() * 3); ++i) {
    out.data[i] = static_cast<std::uint8_t>(255 - img.data[i]);
  }
  return out;
}

struct Checksum {
  long long sum = 0;
  long long weighted = 0;  // sum of (flat index % 251) * sample
};

Checksum checksum(const cv::Mat& img) {
  Checksum s;
  const long long n = static_cast<long long>(img.total()) * 3;
  for (long long i = 0; i < n; ++i) {
    s.sum += img.data[i];
    s.weighted += (i % 251) * img.data[i];
  }
  return s;
}

// The images of fr_reference_values.py, built once.
struct Images {
  cv::Mat a = pattern(192, 200, 1);  // 200 wide x 192 high: f = round(192/256) = 1
  cv::Mat a_blur5 = box_blur(a, 5);
  cv::Mat a_noise24 = add_noise(a, 24, 7);
  cv::Mat a_blur3_noise12 = add_noise(box_blur(a, 3), 12, 11);
  cv::Mat a_contrast = contrast(a);
  cv::Mat a_invert = invert(a);
  cv::Mat b = pattern(193, 201, 2);  // odd sizes
  cv::Mat b_noise = add_noise(box_blur(b, 3), 16, 5);
  cv::Mat c = pattern(384, 512, 3);  // f = 2
  cv::Mat c_dist = add_noise(box_blur(c, 3), 10, 9);
  cv::Mat d = pattern(778, 800, 4);  // f = 3
  cv::Mat d_dist = add_noise(box_blur(d, 5), 20, 13);
  cv::Mat e = pattern(900, 910, 5);  // f = round(3.52) = 4
  cv::Mat e_dist = add_noise(box_blur(e, 3), 8, 17);
};

const Images& images() {
  static const Images instance;
  return instance;
}

// Y = .299 R + .587 G + .114 B of an 8-bit RGB image, CV_64FC1 (for the OpenCV comparisons).
cv::Mat luma64(const cv::Mat& rgb8) {
  cv::Mat y(rgb8.size(), CV_64F);
  for (int r = 0; r < rgb8.rows; ++r) {
    for (int c = 0; c < rgb8.cols; ++c) {
      const cv::Vec3b p = rgb8.at<cv::Vec3b>(r, c);
      y.at<double>(r, c) = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
    }
  }
  return y;
}

template <typename Fn>
void expect_input_error(Fn&& fn, const std::string& needle) {
  try {
    fn();
    ADD_FAILURE() << "expected an input error containing '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_EQ(static_cast<int>(e.kind()), static_cast<int>(ErrorKind::kInput)) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

// ---- the generated images are the script's -----------------------------------------------------

TEST(FrMetricsImages, MatchTheReferenceScriptBitForBit) {
  // From fr_reference_values.py ("image checksums").
  const Images& im = images();
  const struct {
    const cv::Mat* image;
    long long sum, weighted;
  } expected[] = {
      {&im.a, 15544637, 1944106714},
      {&im.a_blur5, 15544695, 1943451831},
      {&im.a_noise24, 15547618, 1944406040},
      {&im.a_blur3_noise12, 15549163, 1944065404},
      {&im.b_noise, 15708282, 1963180505},
      {&im.c_dist, 81450455, 10181837195},
      {&im.d_dist, 256739619, 32093887911},
      {&im.e_dist, 337847461, 42238382210},
  };
  for (const auto& e : expected) {
    const Checksum s = checksum(*e.image);
    EXPECT_EQ(s.sum, e.sum);
    EXPECT_EQ(s.weighted, e.weighted);
  }
}

// ---- PSNR -------------------------------------------------------------------------------------

TEST(FrMetricsPsnr, HandCheckedTinyImages) {
  // 2x2 RGB, 12 samples. One sample off by 10: MSE = 100 / 12,
  // PSNR = 10 log10(255^2 * 12 / 100) = 10 log10(7803) = 38.92261606915535.
  cv::Mat ref(2, 2, CV_8UC3, cv::Scalar(100, 100, 100));
  cv::Mat dist = ref.clone();
  dist.at<cv::Vec3b>(1, 0)[2] = 110;
  EXPECT_NEAR(psnr(ref, dist), 38.92261606915535, 1e-12);

  // Every sample off by 5: MSE = 25, PSNR = 20 log10(255 / 5) = 20 log10(51) = 34.15140352195873.
  cv::Mat offset(2, 2, CV_8UC3, cv::Scalar(105, 95, 105));
  EXPECT_NEAR(psnr(ref, offset), 34.15140352195873, 1e-12);

  // Errors 10, 20, 30 in the three channels of every pixel: MSE = (100 + 400 + 900) / 3,
  // PSNR = 10 log10(255^2 * 3 / 1400) = 21.440..., not the mean of per-channel PSNRs.
  cv::Mat per_channel(2, 2, CV_8UC3, cv::Scalar(110, 120, 130));
  EXPECT_NEAR(psnr(ref, per_channel), 10.0 * std::log10(255.0 * 255.0 * 3.0 / 1400.0), 1e-12);
}

TEST(FrMetricsPsnr, IdenticalImagesGiveInfinity) {
  const cv::Mat& a = images().a;
  const double value = psnr(a, a.clone());
  EXPECT_TRUE(std::isinf(value));
  EXPECT_GT(value, 0.0);
}

// ---- pinned reference values --------------------------------------------------------------------

struct Reference {
  const char* name;
  const cv::Mat* ref;
  const cv::Mat* dist;
  double psnr, ssim, ms_ssim, gmsd;
};

std::vector<Reference> references() {
  const Images& im = images();
  // Printed by tests/tools/fr_reference_values.py ("name: psnr ssim ms_ssim gmsd").
  return {
      {"a_blur5", &im.a, &im.a_blur5, 21.860338198280488, 0.68973609476451225,
       0.94005309521762492, 0.09252691342256561},
      {"a_noise24", &im.a, &im.a_noise24, 25.16008799949622, 0.77608546508391485,
       0.96985046846202727, 0.03552794602197349},
      {"a_blur3_noise12", &im.a, &im.a_blur3_noise12, 23.324821183619498, 0.74711978007559132,
       0.97013322955095616, 0.039495460098009444},
      {"a_contrast", &im.a, &im.a_contrast, 26.375566943211926, 0.9691139531279388,
       0.96537677917808806, 0.011322576750869163},
      // Y of the inverse is 255 - Y: SSIM is negative, MS-SSIM's negative cs is clamped to 0,
      // and GMSD is non-zero only because of the zero padding at the border.
      {"a_invert", &im.a, &im.a_invert, 8.2935434328147615, -0.49944971455112291, 0.0,
       0.02503062108200375},
      {"b_odd_blur3_noise16", &im.b, &im.b_noise, 22.767160656519785, 0.70170654096444707,
       0.96336306027439012, 0.04316186774669542},
      {"c_f2_blur3_noise10", &im.c, &im.c_dist, 21.082948653869998, 0.9235765303414728,
       0.95453019645087933, 0.047663535491921032},
      {"d_f3_blur5_noise20", &im.d, &im.d_dist, 16.841069405169488, 0.65369378326575378,
       0.69396328433929044, 0.16873022109923991},
      {"e_f4_blur3_noise8", &im.e, &im.e_dist, 18.731395213470808, 0.94929984360865838,
       0.88584390356903442, 0.08069350773997537},
  };
}

TEST(FrMetricsReference, PsnrMatchesNumpyAndScikitImage) {
  for (const Reference& r : references()) {
    EXPECT_NEAR(psnr(*r.ref, *r.dist), r.psnr, 1e-10) << r.name;
  }
}

TEST(FrMetricsReference, SsimMatchesScikitImageAndNumpyDownsampling) {
  for (const Reference& r : references()) {
    EXPECT_NEAR(ssim(*r.ref, *r.dist), r.ssim, 1e-10) << r.name;
  }
}

TEST(FrMetricsReference, MsSsimMatchesNumpy) {
  for (const Reference& r : references()) {
    EXPECT_NEAR(ms_ssim(*r.ref, *r.dist), r.ms_ssim, 1e-10) << r.name;
  }
}

TEST(FrMetricsReference, GmsdMatchesNumpy) {
  for (const Reference& r : references()) {
    EXPECT_NEAR(gmsd(*r.ref, *r.dist), r.gmsd, 1e-10) << r.name;
  }
}

TEST(FrMetricsSsim, DownsamplingMatters) {
  // 512x384: f = 2. Without the downsampling (scikit-image) the value would be
  // 0.71648097224148133 (fr_reference_values.py); with it, 0.9235765303414728.
  const Images& im = images();
  EXPECT_GT(std::fabs(ssim(im.c, im.c_dist) - 0.71648097224148133), 0.1);
}

// ---- identities and properties ----------------------------------------------------------------

TEST(FrMetricsProperties, IdenticalImages) {
  const Images& im = images();
  for (const cv::Mat* img : {&im.a, &im.b, &im.c}) {
    EXPECT_DOUBLE_EQ(ssim(*img, img->clone()), 1.0);
    EXPECT_DOUBLE_EQ(ms_ssim(*img, img->clone()), 1.0);
    EXPECT_EQ(gmsd(*img, img->clone()), 0.0);
  }
}

TEST(FrMetricsProperties, SymmetricInTheTwoImages) {
  const Images& im = images();
  EXPECT_NEAR(ssim(im.a, im.a_noise24), ssim(im.a_noise24, im.a), 1e-14);
  EXPECT_NEAR(ms_ssim(im.a, im.a_noise24), ms_ssim(im.a_noise24, im.a), 1e-14);
  EXPECT_NEAR(gmsd(im.a, im.a_noise24), gmsd(im.a_noise24, im.a), 1e-14);
  EXPECT_EQ(psnr(im.a, im.a_noise24), psnr(im.a_noise24, im.a));
}

TEST(FrMetricsProperties, MoreBlurIsWorse) {
  const Images& im = images();
  const cv::Mat blur3 = box_blur(im.a, 3);
  EXPECT_GT(psnr(im.a, blur3), psnr(im.a, im.a_blur5));
  EXPECT_GT(ssim(im.a, blur3), ssim(im.a, im.a_blur5));
  EXPECT_GT(ms_ssim(im.a, blur3), ms_ssim(im.a, im.a_blur5));
  EXPECT_LT(gmsd(im.a, blur3), gmsd(im.a, im.a_blur5));
}

TEST(FrMetricsProperties, DepthDoesNotMatter) {
  // 16-bit (v * 257) and float (v / 255) versions give the 8-bit values.
  const Images& im = images();
  auto as16 = [](const cv::Mat& m) {
    cv::Mat out;
    m.convertTo(out, CV_16U, 257.0);
    return out;
  };
  auto asf = [](const cv::Mat& m) {
    cv::Mat out;
    m.convertTo(out, CV_32F, 1.0 / 255.0);
    return out;
  };
  const cv::Mat& ref = im.a;
  const cv::Mat& dist = im.a_blur3_noise12;
  const double p = psnr(ref, dist), s = ssim(ref, dist), ms = ms_ssim(ref, dist),
               g = gmsd(ref, dist);
  EXPECT_NEAR(psnr(as16(ref), as16(dist)), p, 1e-9);
  EXPECT_NEAR(ssim(as16(ref), as16(dist)), s, 1e-12);
  EXPECT_NEAR(ms_ssim(as16(ref), as16(dist)), ms, 1e-12);
  EXPECT_NEAR(gmsd(as16(ref), as16(dist)), g, 1e-12);
  // Float: v / 255 is rounded to float, so allow for ~1e-5 of a grey level.
  EXPECT_NEAR(psnr(asf(ref), asf(dist)), p, 1e-5);
  EXPECT_NEAR(ssim(asf(ref), asf(dist)), s, 1e-7);
  EXPECT_NEAR(ms_ssim(asf(ref), asf(dist)), ms, 1e-7);
  EXPECT_NEAR(gmsd(asf(ref), asf(dist)), g, 1e-7);
  // Mixed depths.
  EXPECT_NEAR(ssim(ref, as16(dist)), s, 1e-12);
}

TEST(FrMetricsProperties, RegionsOfInterestAreRead) {
  // Non-continuous views (rows with a stride) give the values of their compact copies.
  const Images& im = images();
  const cv::Rect box(7, 5, 181, 180);
  const cv::Mat ref = im.a(box), dist = im.a_noise24(box);
  ASSERT_FALSE(ref.isContinuous());
  EXPECT_EQ(psnr(ref, dist), psnr(ref.clone(), dist.clone()));
  EXPECT_EQ(ssim(ref, dist), ssim(ref.clone(), dist.clone()));
  EXPECT_EQ(ms_ssim(ref, dist), ms_ssim(ref.clone(), dist.clone()));
  EXPECT_EQ(gmsd(ref, dist), gmsd(ref.clone(), dist.clone()));
}

// ---- errors -----------------------------------------------------------------------------------

TEST(FrMetricsErrors, SizeMismatchNamesBothSizes) {
  const cv::Mat ref(192, 200, CV_8UC3, cv::Scalar::all(0));
  const cv::Mat dist(100, 120, CV_8UC3, cv::Scalar::all(0));
  const std::string message = "reference is 200x192, distorted is 120x100";
  expect_input_error([&] { psnr(ref, dist); }, "psnr: " + message);
  expect_input_error([&] { ssim(ref, dist); }, "ssim: " + message);
  expect_input_error([&] { ms_ssim(ref, dist); }, "ms_ssim: " + message);
  expect_input_error([&] { gmsd(ref, dist); }, "gmsd: " + message);
}

TEST(FrMetricsErrors, EmptyWrongChannelsWrongDepth) {
  const cv::Mat good(20, 20, CV_8UC3, cv::Scalar::all(7));
  expect_input_error([&] { psnr(cv::Mat(), good); }, "reference image is empty");
  expect_input_error([&] { gmsd(good, cv::Mat()); }, "distorted image is empty");
  const cv::Mat gray(20, 20, CV_8UC1, cv::Scalar::all(7));
  expect_input_error([&] { ssim(gray, gray); }, "has 1 channels, expected 3");
  const cv::Mat signed16(20, 20, CV_16SC3, cv::Scalar::all(7));
  expect_input_error([&] { psnr(signed16, signed16); }, "unsupported depth");
}

TEST(FrMetricsErrors, TooSmall) {
  const cv::Mat tiny(10, 40, CV_8UC3, cv::Scalar::all(7));
  expect_input_error([&] { ssim(tiny, tiny); }, "SSIM needs at least 11x11");
  const cv::Mat eleven(11, 11, CV_8UC3, cv::Scalar::all(7));
  EXPECT_DOUBLE_EQ(ssim(eleven, eleven), 1.0);
  // GMSD accepts any size, down to a single pixel (std2 of one value is 0).
  const cv::Mat one(1, 1, CV_8UC3, cv::Scalar::all(7));
  EXPECT_EQ(gmsd(one, one), 0.0);
  EXPECT_TRUE(std::isinf(psnr(one, one)));
}

TEST(FrMetricsErrors, MsSsimNeeds176Pixels) {
  // msssim.m refuses min(H, W) / 16 < 11. ('valid' filtering alone would allow 161: the
  // fifth scale of a 161-pixel side has ceil(161 / 16) = 11 samples.)
  const cv::Mat img = images().c;  // 512x384
  const cv::Mat ok = img(cv::Rect(0, 0, 176, 200)).clone();
  EXPECT_DOUBLE_EQ(ms_ssim(ok, ok), 1.0);
  const cv::Mat narrow = img(cv::Rect(0, 0, 175, 300)).clone();
  expect_input_error([&] { ms_ssim(narrow, narrow); },
                     "image is 175x300, MS-SSIM needs both sides >= 176");
}

// ---- OpenCV contrib quality module -------------------------------------------------------------
// cv::quality works per channel, on float (CV_32F for 8-bit input, CV_64F for double input),
// and its SSIM and GMSD differ from the authors' conventions: QualitySSIM filters 'same' with
// GaussianBlur's default reflect-101 border and has no automatic downsampling; QualityGMSD takes
// the population standard deviation (N) where MATLAB's std2 takes N - 1. Fed our luminance as
// one CV_64F channel, the parts that do match are compared below.

TEST(FrMetricsOpenCv, PsnrIsMseOverAllChannels) {
  const Images& im = images();
  const cv::Scalar mse = cv::quality::QualityMSE::compute(im.a, im.a_blur5, cv::noArray());
  const double mean_mse = (mse[0] + mse[1] + mse[2]) / 3.0;
  EXPECT_NEAR(psnr(im.a, im.a_blur5), 10.0 * std::log10(255.0 * 255.0 / mean_mse), 1e-6);
  // QualityPSNR is per channel; on a grey image (R = G = B) every channel equals our PSNR.
  cv::Mat grey_ref, grey_dist;
  cv::Mat planes[3];
  cv::split(im.a, planes);
  cv::merge(std::vector<cv::Mat>{planes[1], planes[1], planes[1]}, grey_ref);
  cv::split(im.a_noise24, planes);
  cv::merge(std::vector<cv::Mat>{planes[1], planes[1], planes[1]}, grey_dist);
  const cv::Scalar per_channel =
      cv::quality::QualityPSNR::compute(grey_ref, grey_dist, cv::noArray());
  const double ours = psnr(grey_ref, grey_dist);
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(per_channel[c], ours, 1e-6);
}

TEST(FrMetricsOpenCv, SsimInteriorOfTheMapMatches) {
  // f = 1 images: OpenCV's map is 'same' sized; its interior (5 pixels in from every side) is
  // the 'valid' map. The whole-map mean differs because of the border.
  const Images& im = images();
  for (const auto& [ref, dist] : {std::pair{&im.a, &im.a_blur5}, std::pair{&im.b, &im.b_noise}}) {
    cv::Mat map;  // one input channel, so one map (a vector of maps fails in OpenCV 4.6)
    const cv::Scalar whole = cv::quality::QualitySSIM::compute(luma64(*ref), luma64(*dist), map);
    ASSERT_EQ(map.size(), ref->size());
    const cv::Mat interior = map(cv::Rect(5, 5, ref->cols - 10, ref->rows - 10));
    const double ours = ssim(*ref, *dist);
    EXPECT_NEAR(cv::mean(interior)[0], ours, 1e-10);
    EXPECT_NEAR(whole[0], ours, 0.05);  // same ballpark, not equal
  }
}

TEST(FrMetricsOpenCv, GmsdMatchesUpToStdNormalisation) {
  // Even sizes (OpenCV halves with resize(0.5, INTER_NEAREST), which for odd sizes keeps
  // round(n / 2) samples instead of ceil(n / 2)); its 2x2 blur (anchor top-left, zero border)
  // and 'same' Prewitt are GMSD.m's. Population std = ours * sqrt((n - 1) / n).
  const Images& im = images();
  for (const auto& [ref, dist] : {std::pair{&im.a, &im.a_blur5}, std::pair{&im.a, &im.a_noise24},
                                  std::pair{&im.c, &im.c_dist}}) {
    const double n = static_cast<double>(((ref->rows + 1) / 2) * ((ref->cols + 1) / 2));
    const cv::Scalar theirs =
        cv::quality::QualityGMSD::compute(luma64(*ref), luma64(*dist), cv::noArray());
    EXPECT_NEAR(theirs[0], gmsd(*ref, *dist) * std::sqrt((n - 1.0) / n), 1e-10);
  }
}

}  // namespace
}  // namespace shamisa
