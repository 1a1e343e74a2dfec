// Unit tests of the compression distortions (jpeg, jpeg2000; src/distort/compression.cpp) and the
// spatial distortions (jitter, non_eccentricity_patch, pixelate, quantization, color_block;
// src/distort/spatial.cpp). METHOD-SHAMISA.md sections 4.1, 4.2, 12 (Q8, Q12).
//
// Provenance of the expected values:
// - pixelate and quantization expectations are worked out by hand in the comments next to them
//   and were cross-checked with tests/tools/distort_reference_spatial.py (NumPy float32
//   re-statement of PyTorch's nearest rule and of torch.bucketize(right=False)).
// - The JPEG quantisation table at quality 50 is the standard luminance table of ITU-T T.81
//   Annex K (libjpeg scales it by 100% at q = 50).
// - Codec outputs are not pinned here (no golden values): they were checked bit for bit against
//   Pillow 9.4 (same libjpeg-turbo 2.1.5 and OpenJPEG 2.5.0) with that script's --dump output.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>
#include <jpeglib.h>
#include <opencv2/core.hpp>

#include "distort/compression.h"
#include "distort/functions.h"
#include "shamisa/error.h"
#include "shamisa/rng.h"

namespace shamisa {
namespace {

using detail::color_block;
using detail::jitter;
using detail::jpeg;
using detail::jpeg2000;
using detail::non_eccentricity_patch;
using detail::pixelate;
using detail::quantization;

// --- Test images ------------------------------------------------------------------------------

// A smooth image: slow gradients, different per channel, values k/255.
cv::Mat smooth_image(int w, int h) {
  cv::Mat m(h, w, CV_32FC3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const int r = 40 + (150 * x) / std::max(1, w - 1);
      const int g = 60 + (120 * y) / std::max(1, h - 1);
      const int b = 200 - (100 * (x + y)) / std::max(1, w + h - 2);
      m.at<cv::Vec3f>(y, x) = cv::Vec3f(r / 255.0f, g / 255.0f, b / 255.0f);
    }
  return m;
}

// A textured image with detail at many scales (what compression visibly damages).
cv::Mat textured_image(int w, int h) {
  cv::Mat m(h, w, CV_32FC3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) {
        const double v = 0.5 + 0.2 * std::sin(0.11 * x + 0.7 * c) * std::cos(0.07 * y) +
                         0.15 * std::sin(0.9 * x + 0.4 * y + c) + 0.1 * ((x / 8 + y / 8 + c) % 2);
        m.at<cv::Vec3f>(y, x)[c] = static_cast<float>(std::floor(std::clamp(v, 0.0, 1.0) * 255.0) / 255.0);
      }
  return m;
}

// Uniform noise in [0, 1): every pixel distinct with probability ~1.
cv::Mat noise_image(int w, int h, std::uint64_t seed) {
  Rng rng(seed);
  cv::Mat m(h, w, CV_32FC3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w * 3; ++x) m.ptr<float>(y)[x] = static_cast<float>(rng.uniform());
  return m;
}

// Each pixel encodes its own coordinates: R = y / 1024, G = x / 1024, B = 0.5 (exact in float).
cv::Mat coordinate_image(int w, int h) {
  cv::Mat m(h, w, CV_32FC3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) m.at<cv::Vec3f>(y, x) = cv::Vec3f(y / 1024.0f, x / 1024.0f, 0.5f);
  return m;
}
int coord_y(const cv::Vec3f& v) { return static_cast<int>(std::lround(v[0] * 1024.0f)); }
int coord_x(const cv::Vec3f& v) { return static_cast<int>(std::lround(v[1] * 1024.0f)); }

double psnr(const cv::Mat& a, const cv::Mat& b) {
  double se = 0.0;
  const int n = a.cols * 3;
  for (int y = 0; y < a.rows; ++y)
    for (int i = 0; i < n; ++i) {
      const double d = double(a.ptr<float>(y)[i]) - double(b.ptr<float>(y)[i]);
      se += d * d;
    }
  const double mse = se / (double(a.rows) * n);
  return mse == 0.0 ? 1e9 : 10.0 * std::log10(1.0 / mse);
}

bool identical(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0.0;
}

// Every value is exactly float(k) / 255 for an integer k in [0, 255].
void expect_multiples_of_1_over_255(const cv::Mat& m) {
  int bad = 0;
  for (int y = 0; y < m.rows; ++y)
    for (int i = 0; i < m.cols * 3; ++i) {
      const float v = m.ptr<float>(y)[i];
      const float k = std::nearbyint(v * 255.0f);
      if (!(k >= 0.0f && k <= 255.0f && v == k / 255.0f)) ++bad;
    }
  EXPECT_EQ(bad, 0);
}

using DistortFn = std::function<cv::Mat(const cv::Mat&, double, Rng&)>;

struct Case {
  const char* name;
  DistortFn fn;
  double value;
};

// --- Shared contract --------------------------------------------------------------------------

// Input untouched, a new CV_32FC3 image of the same size in [0, 1], the same output for the same
// seed.
void expect_contract(const std::vector<Case>& cases) {
  const cv::Mat input = noise_image(150, 130, 7);
  const cv::Mat before = input.clone();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Rng a(1234), b(1234);
    const cv::Mat out1 = c.fn(input, c.value, a);
    const cv::Mat out2 = c.fn(input, c.value, b);
    EXPECT_TRUE(identical(input, before)) << "input modified";
    ASSERT_EQ(out1.type(), CV_32FC3);
    ASSERT_EQ(out1.size(), input.size());
    EXPECT_NE(out1.data, input.data);
    EXPECT_TRUE(identical(out1, out2)) << "not deterministic for the same seed";
    double lo = 0, hi = 0;
    cv::minMaxLoc(out1.reshape(1), &lo, &hi);
    EXPECT_GE(lo, 0.0);
    EXPECT_LE(hi, 1.0);
  }
}

TEST(DistortCompression, InputUntouchedNewImageSameShapeDeterministic) {
  expect_contract({{"jpeg", jpeg, 24}, {"jpeg2000", jpeg2000, 45}});
}

TEST(DistortSpatial, InputUntouchedNewImageSameShapeDeterministic) {
  expect_contract({{"jitter", jitter, 0.5},
                   {"non_eccentricity_patch", non_eccentricity_patch, 40},
                   {"pixelate", pixelate, 0.2},
                   {"quantization", quantization, 10},
                   {"color_block", color_block, 6}});
}

// --- jpeg ---------------------------------------------------------------------------------------

TEST(DistortCompression, JpegQuality100IsCloseOnSmoothImage) {
  const cv::Mat img = smooth_image(96, 72);
  Rng rng(1);
  const cv::Mat out = jpeg(img, 100, rng);
  EXPECT_GT(psnr(img, out), 40.0);
  EXPECT_LE(cv::norm(img, out, cv::NORM_INF), 4.0 / 255.0);
}

TEST(DistortCompression, JpegLowerQualityGivesLowerPsnr) {
  const cv::Mat img = textured_image(128, 96);
  Rng rng(1);
  const double p43 = psnr(img, jpeg(img, 43, rng));
  const double p4 = psnr(img, jpeg(img, 4, rng));
  EXPECT_GT(p43, p4 + 3.0) << p43 << " vs " << p4;
}

TEST(DistortCompression, JpegOutputIsMultiplesOf1Over255) {
  Rng rng(1);
  expect_multiples_of_1_over_255(jpeg(textured_image(64, 48), 36, rng));
  expect_multiples_of_1_over_255(jpeg(noise_image(33, 17, 3), 7, rng));
}

// Quirk Q8: the 8-bit conversion truncates. A flat grey image is coded exactly at q = 100 (DC
// only, quantiser 1, Cb = Cr = 128), so 255 x = 100.9 must come back as 100, not 101.
TEST(DistortCompression, JpegTruncatesTo8Bit) {
  const cv::Mat img(16, 16, CV_32FC3, cv::Scalar::all(100.9 / 255.0));
  Rng rng(1);
  const cv::Mat out = jpeg(img, 100, rng);
  EXPECT_EQ(cv::norm(out, cv::Mat(16, 16, CV_32FC3, cv::Scalar::all(100.0f / 255.0f)), cv::NORM_INF), 0.0);
}

// A libjpeg failure (here: wider than its 65500-pixel limit) is an internal error, raised after
// the setjmp handler has released the compressor and its buffer.
TEST(DistortCompression, JpegLibraryErrorBecomesInternalError) {
  const cv::Mat wide(1, 70000, CV_32FC3, cv::Scalar::all(0.5));
  Rng rng(1);
  try {
    jpeg(wide, 50, rng);
    ADD_FAILURE() << "expected shamisa::Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInternal);
    EXPECT_NE(std::string(e.what()).find("jpeg"), std::string::npos) << e.what();
  }
}

struct JpegHeaderFacts {
  int components = 0;
  J_COLOR_SPACE colour_space = JCS_UNKNOWN;
  int h_samp[3] = {0, 0, 0};
  int v_samp[3] = {0, 0, 0};
  bool progressive = false;
  bool arithmetic = false;
  int data_precision = 0;
  std::vector<int> luma_table;  // natural order
  int max_quant = 0;
};

JpegHeaderFacts read_header(const std::vector<std::uint8_t>& bytes) {
  JpegHeaderFacts f;
  jpeg_decompress_struct info{};
  jpeg_error_mgr err{};
  info.err = jpeg_std_error(&err);
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, bytes.data(), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&info, TRUE);
  f.components = info.num_components;
  f.colour_space = info.jpeg_color_space;
  for (int c = 0; c < std::min(3, info.num_components); ++c) {
    f.h_samp[c] = info.comp_info[c].h_samp_factor;
    f.v_samp[c] = info.comp_info[c].v_samp_factor;
  }
  f.progressive = info.progressive_mode;
  f.arithmetic = info.arith_code;
  f.data_precision = info.data_precision;
  for (int t = 0; t < NUM_QUANT_TBLS; ++t)
    if (info.quant_tbl_ptrs[t])
      for (int i = 0; i < DCTSIZE2; ++i) f.max_quant = std::max<int>(f.max_quant, info.quant_tbl_ptrs[t]->quantval[i]);
  if (info.quant_tbl_ptrs[0])
    for (int i = 0; i < DCTSIZE2; ++i) f.luma_table.push_back(info.quant_tbl_ptrs[0]->quantval[i]);
  jpeg_destroy_decompress(&info);
  return f;
}

// torchvision's encode_jpeg (and Pillow's save without `subsampling`) keep libjpeg's defaults:
// YCbCr, 2x2 luma and 1x1 chroma sampling (4:2:0), baseline sequential Huffman, 8-bit.
TEST(DistortCompression, JpegEncoderUsesLibjpegDefaults420Baseline) {
  cv::Mat rgb8;
  textured_image(40, 24).convertTo(rgb8, CV_8UC3, 255.0);
  for (int q : {100, 43, 4}) {
    SCOPED_TRACE(q);
    const JpegHeaderFacts f = read_header(detail::jpeg_encode_rgb8(rgb8, q));
    EXPECT_EQ(f.components, 3);
    EXPECT_EQ(f.colour_space, JCS_YCbCr);
    EXPECT_EQ(f.h_samp[0], 2);
    EXPECT_EQ(f.v_samp[0], 2);
    EXPECT_EQ(f.h_samp[1], 1);
    EXPECT_EQ(f.v_samp[1], 1);
    EXPECT_EQ(f.h_samp[2], 1);
    EXPECT_EQ(f.v_samp[2], 1);
    EXPECT_FALSE(f.progressive);
    EXPECT_FALSE(f.arithmetic);
    EXPECT_EQ(f.data_precision, 8);
    // jpeg_set_quality(q, force_baseline = TRUE): quantisers are clamped to 8 bits even at q = 4.
    EXPECT_LE(f.max_quant, 255);
  }
  // At q = 50 the scaling is 100%: the first row of the Annex K luminance table.
  const JpegHeaderFacts f50 = read_header(detail::jpeg_encode_rgb8(rgb8, 50));
  ASSERT_EQ(f50.luma_table.size(), 64u);
  EXPECT_EQ(std::vector<int>(f50.luma_table.begin(), f50.luma_table.begin() + 8),
            (std::vector<int>{16, 11, 10, 16, 24, 40, 51, 61}));
}

// --- jpeg2000 -----------------------------------------------------------------------------------

TEST(DistortCompression, Jpeg2000HigherRatioGivesLowerPsnr) {
  const cv::Mat img = textured_image(160, 128);
  Rng rng(1);
  const std::uint64_t fallbacks = detail::jpeg2000_fallback_count();
  const cv::Mat r16 = jpeg2000(img, 16, rng);
  const cv::Mat r170 = jpeg2000(img, 170, rng);
  EXPECT_EQ(detail::jpeg2000_fallback_count(), fallbacks) << "OpenJPEG should not have failed";
  const double p16 = psnr(img, r16), p170 = psnr(img, r170);
  EXPECT_GT(p16, p170 + 3.0) << p16 << " vs " << p170;
  EXPECT_GT(p16, 20.0);
  expect_multiples_of_1_over_255(r16);
  expect_multiples_of_1_over_255(r170);
}

// OpenJPEG needs both sides >= 2^(resolutions - 1); we lower the reference's 8 to fit.
TEST(DistortCompression, Jpeg2000ResolutionsAdaptToSmallImages) {
  EXPECT_EQ(detail::jpeg2000_resolutions_for(224, 224), 8);
  EXPECT_EQ(detail::jpeg2000_resolutions_for(128, 4000), 8);
  EXPECT_EQ(detail::jpeg2000_resolutions_for(127, 4000), 7);
  EXPECT_EQ(detail::jpeg2000_resolutions_for(300, 64), 7);
  EXPECT_EQ(detail::jpeg2000_resolutions_for(63, 63), 6);
  EXPECT_EQ(detail::jpeg2000_resolutions_for(2, 9), 2);
  EXPECT_EQ(detail::jpeg2000_resolutions_for(1, 1), 1);
  // Small images therefore go through JPEG 2000, not the fallback.
  for (auto [w, h] : {std::pair{100, 90}, std::pair{40, 7}, std::pair{1, 1}}) {
    SCOPED_TRACE(std::to_string(w) + "x" + std::to_string(h));
    bool fell_back = true;
    const cv::Mat out = detail::jpeg2000_round_trip(textured_image(w, h), 32, true, &fell_back);
    EXPECT_FALSE(fell_back);
    EXPECT_EQ(out.size(), cv::Size(w, h));
  }
}

// The reference's behaviour, kept as a non-adaptive mode: 8 resolutions on a 64x64 image make
// OpenJPEG fail, and the result is jpeg(round(100 / ratio)) with Python's round half to even.
TEST(DistortCompression, Jpeg2000FallsBackToJpegWhenEncoderFails) {
  const cv::Mat img = textured_image(64, 64);
  Rng rng(1);
  // ratio, expected JPEG quality: 100/16 = 6.25 -> 6; 100/40 = 2.5 -> 2 (half to even);
  // 100/170 = 0.59 -> 1; 100/400 = 0.25 -> 0, clamped to libjpeg's minimum 1.
  for (auto [ratio, quality] : {std::pair{16.0, 6}, std::pair{40.0, 2}, std::pair{170.0, 1}, std::pair{400.0, 1}}) {
    SCOPED_TRACE(ratio);
    const std::uint64_t before = detail::jpeg2000_fallback_count();
    bool fell_back = false;
    const cv::Mat out = detail::jpeg2000_round_trip(img, ratio, /*adapt_resolutions=*/false, &fell_back);
    EXPECT_TRUE(fell_back);
    EXPECT_EQ(detail::jpeg2000_fallback_count(), before + 1);
    EXPECT_TRUE(identical(out, jpeg(img, quality, rng)));
  }
  // With 8 resolutions a 128x128 image is fine in either mode, and both modes agree.
  const cv::Mat big = textured_image(128, 128);
  bool fell_back = true;
  const cv::Mat strict = detail::jpeg2000_round_trip(big, 45, false, &fell_back);
  EXPECT_FALSE(fell_back);
  EXPECT_TRUE(identical(strict, jpeg2000(big, 45, rng)));
}

// --- pixelate -----------------------------------------------------------------------------------

// Each output pixel must be the input pixel at (ymap[y], xmap[x]).
void expect_pixelate_map(const cv::Mat& in, const cv::Mat& out, const std::vector<int>& ymap,
                         const std::vector<int>& xmap) {
  ASSERT_EQ(out.rows, static_cast<int>(ymap.size()));
  ASSERT_EQ(out.cols, static_cast<int>(xmap.size()));
  for (int y = 0; y < out.rows; ++y)
    for (int x = 0; x < out.cols; ++x)
      EXPECT_EQ(out.at<cv::Vec3f>(y, x), in.at<cv::Vec3f>(ymap[y], xmap[x])) << "at " << y << "," << x;
}

TEST(DistortSpatial, PixelateIndexMappingByHand) {
  Rng rng(1);
  // s = 0.5: z = 0.95 - 0.5^0.6 = 0.95 - 0.65975 = 0.29025.
  // Rows, H = 7: int(7 z) = 2. Down (in 7, out 2, scale 3.5): rows floor(0*3.5) = 0, floor(3.5) = 3.
  //   Up (in 2, out 7, scale 2/7 = 0.2857): floor(i * 0.2857) = 0,0,0,0,1,1,1 -> rows 0,0,0,0,3,3,3.
  // Columns, W = 10: int(10 z) = 2. Down (scale 5): 0, 5. Up (scale 0.2): 0,0,0,0,0,1,1,1,1,1
  //   (5 * 0.2f = 1.0000000149, floor 1) -> columns 0,0,0,0,0,5,5,5,5,5.
  const cv::Mat img = coordinate_image(10, 7);
  expect_pixelate_map(img, pixelate(img, 0.5, rng), {0, 0, 0, 0, 3, 3, 3}, {0, 0, 0, 0, 0, 5, 5, 5, 5, 5});

  // s = 0.2: z = 0.95 - 0.2^0.6 = 0.95 - 0.38073 = 0.56927; int(10 z) = 5.
  // Down (in 10, out 5): out == in / 2, scale 2: 0, 2, 4, 6, 8. Up (in 5, out 10 == 2 * in): i >> 1.
  // -> 0,0,2,2,4,4,6,6,8,8 on both axes.
  const cv::Mat sq = coordinate_image(10, 10);
  const std::vector<int> m = {0, 0, 2, 2, 4, 4, 6, 6, 8, 8};
  expect_pixelate_map(sq, pixelate(sq, 0.2, rng), m, m);
}

// A 224-wide row at s = 0.01 (z = 0.88690, reduced width int(198.67) = 198): the float32 index rule
// repeats column 7 and skips column 8 (map[8] = map[9] = 7, map[10] = 9), from
// tests/tools/distort_reference_spatial.py; the height 4 becomes int(3.55) = 3 and maps back as
// rows 0, 0, 1, 2 (down scale 4/3: 0, 1, 2; up scale 3/4: 0, 0, 1, 2).
TEST(DistortSpatial, PixelateFloat32IndexRuleOnTrainingWidth) {
  Rng rng(1);
  const cv::Mat img = coordinate_image(224, 4);
  const cv::Mat out = pixelate(img, 0.01, rng);
  const std::vector<int> expected_cols = {0, 0, 1, 2, 3, 4, 5, 6, 7, 7, 9, 10, 11};
  for (int x = 0; x < static_cast<int>(expected_cols.size()); ++x)
    EXPECT_EQ(coord_x(out.at<cv::Vec3f>(0, x)), expected_cols[x]) << "column " << x;
  EXPECT_EQ(coord_x(out.at<cv::Vec3f>(0, 223)), 222);
  const std::vector<int> expected_rows = {0, 0, 1, 2};
  for (int y = 0; y < 4; ++y) EXPECT_EQ(coord_y(out.at<cv::Vec3f>(y, 0)), expected_rows[y]) << "row " << y;
}

TEST(DistortSpatial, PixelateTinyImageKeepsAtLeastOnePixel) {
  Rng rng(1);
  const cv::Mat img = coordinate_image(3, 1);  // int(1 * 0.29) = 0 -> clamped to 1
  const cv::Mat out = pixelate(img, 0.5, rng);
  for (int x = 0; x < 3; ++x) EXPECT_EQ(coord_x(out.at<cv::Vec3f>(0, x)), 0);
}

// --- quantization -------------------------------------------------------------------------------

cv::Mat from_levels(const std::vector<int>& ks, int w, int h) {
  cv::Mat m(h, w, CV_32FC3);
  for (int i = 0; i < w * h * 3; ++i) m.ptr<float>(0)[i] = static_cast<float>(ks[i]) / 255.0f;
  return m;
}

std::vector<float> values_of(const cv::Mat& m) {
  return std::vector<float>(m.ptr<float>(0), m.ptr<float>(0) + m.total() * 3);
}

// A 1x4 image whose 12 values are given as 8-bit levels k (x = k / 255, so u = 255 x = k exactly
// in float32). n = 4: boundaries [0, int(63.75) = 63, int(127.5) = 127, int(191.25) = 191, 256].
// bucketize(right=False) gives b = number of boundaries < u: 0 -> 0 (its own bucket); 10, 63 -> 1
// (63 <= 63 stays low); 64, 100, 127 -> 2; 128, 150, 191 -> 3; 192, 230, 255 -> 4. min b = 0,
// max b = 4, so the output is b / 4.
// n = 7: boundaries [0, 36, 72, 109, 145, 182, 218, 256] -> b = 0,1,2,2,3,4,4,5,6,6,7,7, output b / 7.
TEST(DistortSpatial, QuantizationByHand) {
  Rng rng(1);
  const std::vector<int> ks = {0, 10, 63, 64, 100, 127, 128, 150, 191, 192, 230, 255};
  const cv::Mat img = from_levels(ks, 4, 1);

  const std::vector<int> b4 = {0, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4};
  std::vector<float> want4;
  for (int b : b4) want4.push_back(static_cast<float>(b) / 4.0f);
  EXPECT_EQ(values_of(quantization(img, 4, rng)), want4);

  const std::vector<int> b7 = {0, 1, 2, 2, 3, 4, 4, 5, 6, 6, 7, 7};
  std::vector<float> want7;
  for (int b : b7) want7.push_back(static_cast<float>(b) / 7.0f);
  EXPECT_EQ(values_of(quantization(img, 7, rng)), want7);
}

// The min-max is global: two grey levels 70 and 130 fall in buckets 2 and 3 (n = 4) and are
// stretched to 0 and 1. A single bucket (flat image) gives 0 everywhere instead of 0/0.
TEST(DistortSpatial, QuantizationGlobalMinMaxAndFlatImage) {
  Rng rng(1);
  const cv::Mat two = from_levels({70, 70, 70, 130, 130, 130}, 2, 1);
  EXPECT_EQ(values_of(quantization(two, 4, rng)), (std::vector<float>{0, 0, 0, 1, 1, 1}));
  const cv::Mat flat(5, 5, CV_32FC3, cv::Scalar::all(0.4));
  EXPECT_EQ(cv::norm(quantization(flat, 10, rng), cv::NORM_INF), 0.0);
}

// --- color_block --------------------------------------------------------------------------------

struct BlockStats {
  int changed = 0;
  int x_min = 1 << 30, x_max = -1, y_min = 1 << 30, y_max = -1;
  std::set<std::tuple<float, float, float>> colours;
};

BlockStats changed_pixels(const cv::Mat& in, const cv::Mat& out) {
  BlockStats s;
  for (int y = 0; y < in.rows; ++y)
    for (int x = 0; x < in.cols; ++x) {
      const cv::Vec3f a = in.at<cv::Vec3f>(y, x), b = out.at<cv::Vec3f>(y, x);
      if (a == b) continue;
      ++s.changed;
      s.x_min = std::min(s.x_min, x);
      s.x_max = std::max(s.x_max, x);
      s.y_min = std::min(s.y_min, y);
      s.y_max = std::max(s.y_max, y);
      s.colours.insert({b[0], b[1], b[2]});
    }
  return s;
}

TEST(DistortSpatial, ColorBlockOneBlockIsA32x32FlatSquare) {
  const cv::Mat img = noise_image(100, 70, 11);
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    Rng rng(seed);
    const BlockStats s = changed_pixels(img, color_block(img, 1, rng));
    ASSERT_EQ(s.changed, 32 * 32) << "seed " << seed;
    EXPECT_EQ(s.x_max - s.x_min, 31);
    EXPECT_EQ(s.y_max - s.y_min, 31);
    EXPECT_EQ(s.colours.size(), 1u);
    // Top-left corner in [0, W - 32) x [0, H - 32).
    EXPECT_GE(s.x_min, 0);
    EXPECT_LT(s.x_min, 100 - 32);
    EXPECT_LT(s.y_min, 70 - 32);
  }
}

TEST(DistortSpatial, ColorBlockManyBlocksOverlapAllowed) {
  const cv::Mat img = noise_image(120, 90, 12);
  Rng rng(5);
  const BlockStats s = changed_pixels(img, color_block(img, 10, rng));
  EXPECT_GE(s.changed, 32 * 32);
  EXPECT_LE(s.changed, 10 * 32 * 32);
  EXPECT_GE(s.colours.size(), 1u);
  EXPECT_LE(s.colours.size(), 10u);
  // Same seed, same blocks; another seed, other blocks.
  Rng a(5), b(5), c(6);
  const cv::Mat out = color_block(img, 10, a);
  EXPECT_TRUE(identical(out, color_block(img, 10, b)));
  EXPECT_FALSE(identical(out, color_block(img, 10, c)));
}

// Sides of 32 px or less: the block starts at 0 and is clipped, so a 20x20 image becomes flat.
TEST(DistortSpatial, ColorBlockSmallImageIsClipped) {
  const cv::Mat img = noise_image(20, 20, 13);
  Rng rng(1);
  const BlockStats s = changed_pixels(img, color_block(img, 2, rng));
  EXPECT_EQ(s.changed, 400);
  EXPECT_EQ(s.colours.size(), 1u);
  EXPECT_TRUE(identical(color_block(img, 0, rng), img));
}

// --- non_eccentricity_patch ---------------------------------------------------------------------

// One patch: every changed pixel shows the input pixel at a fixed offset (oy, ox) with
// |oy|, |ox| <= 8; the changed pixels fit in a 16x16 box whose source corner is in
// [16, H-32] x [16, W-32].
TEST(DistortSpatial, NonEccentricityPatchOnePatchIsAShiftedCopy) {
  const int w = 90, h = 70;
  const cv::Mat img = coordinate_image(w, h);
  int moved = 0;
  for (std::uint64_t seed = 0; seed < 30; ++seed) {
    SCOPED_TRACE(seed);
    Rng rng(seed);
    const cv::Mat out = non_eccentricity_patch(img, 1, rng);
    std::set<std::pair<int, int>> shifts;
    int changed = 0, y_min = h, y_max = -1, x_min = w, x_max = -1;
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        const cv::Vec3f v = out.at<cv::Vec3f>(y, x);
        if (v == img.at<cv::Vec3f>(y, x)) continue;
        ++changed;
        const int sy = coord_y(v), sx = coord_x(v);
        shifts.insert({y - sy, x - sx});
        y_min = std::min(y_min, y), y_max = std::max(y_max, y);
        x_min = std::min(x_min, x), x_max = std::max(x_max, x);
        EXPECT_GE(sy, 16);
        EXPECT_LE(sy, h - 32 + 15);
        EXPECT_GE(sx, 16);
        EXPECT_LE(sx, w - 32 + 15);
      }
    if (changed == 0) continue;  // offset (0, 0)
    ++moved;
    ASSERT_EQ(shifts.size(), 1u);
    EXPECT_LE(std::abs(shifts.begin()->first), 8);
    EXPECT_LE(std::abs(shifts.begin()->second), 8);
    EXPECT_LE(y_max - y_min, 15);
    EXPECT_LE(x_max - x_min, 15);
  }
  EXPECT_GT(moved, 20);
}

// Many patches: output values are all copies of input pixels (in place, later patches may copy
// earlier pastes), changes stay inside [8, H-8) x [8, W-8), and the same seed repeats.
TEST(DistortSpatial, NonEccentricityPatchManyPatchesDeterministic) {
  const int w = 64, h = 80;
  const cv::Mat img = coordinate_image(w, h);
  Rng a(77), b(77), c(78);
  const cv::Mat out = non_eccentricity_patch(img, 100, a);
  EXPECT_TRUE(identical(out, non_eccentricity_patch(img, 100, b)));
  EXPECT_FALSE(identical(out, non_eccentricity_patch(img, 100, c)));
  int changed = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const cv::Vec3f v = out.at<cv::Vec3f>(y, x);
      const int sy = coord_y(v), sx = coord_x(v);
      ASSERT_TRUE(sy >= 0 && sy < h && sx >= 0 && sx < w);
      EXPECT_EQ(v, img.at<cv::Vec3f>(sy, sx));
      if (sy != y || sx != x) {
        ++changed;
        EXPECT_TRUE(y >= 8 && y < h - 8 && x >= 8 && x < w - 8) << y << "," << x;
      }
    }
  EXPECT_GT(changed, 0);
}

// Under 48 px on a side there is no valid source corner: the image is returned unchanged.
TEST(DistortSpatial, NonEccentricityPatchSmallImageUnchanged) {
  Rng rng(1);
  for (auto [w, h] : {std::pair{47, 200}, std::pair{200, 47}, std::pair{10, 10}}) {
    const cv::Mat img = noise_image(w, h, 4);
    EXPECT_TRUE(identical(non_eccentricity_patch(img, 100, rng), img));
  }
  const cv::Mat img48 = noise_image(48, 48, 4);  // exactly one source corner (16, 16)
  EXPECT_EQ(non_eccentricity_patch(img48, 1, rng).size(), img48.size());
}

// --- jitter -------------------------------------------------------------------------------------

TEST(DistortSpatial, JitterDeterministicPerSeed) {
  const cv::Mat img = textured_image(64, 48);
  Rng a(3), b(3), c(4);
  const cv::Mat out = jitter(img, 1.0, a);
  EXPECT_TRUE(identical(out, jitter(img, 1.0, b)));
  EXPECT_FALSE(identical(out, jitter(img, 1.0, c)));
  EXPECT_FALSE(identical(out, img));
}

TEST(DistortSpatial, JitterTinyAmountIsNearlyIdentity) {
  const cv::Mat img = textured_image(64, 48);
  Rng rng(3);
  EXPECT_LT(cv::norm(jitter(img, 1e-6, rng), img, cv::NORM_INF), 1e-4);
  EXPECT_TRUE(identical(jitter(img, 0.0, rng), img));  // zero displacement samples exactly
}

// Bilinear sampling with replicate borders is a convex combination of input pixels: a flat image
// stays flat and nothing leaves the input's range, even with displacements beyond the border.
TEST(DistortSpatial, JitterIsConvexWithReplicateBorder) {
  Rng rng(9);
  const cv::Mat flat(20, 30, CV_32FC3, cv::Scalar(0.25, 0.5, 0.75));
  EXPECT_LT(cv::norm(jitter(flat, 3.0, rng), flat, cv::NORM_INF), 1e-6);
  const cv::Mat img = textured_image(40, 30);
  double lo = 0, hi = 0, olo = 0, ohi = 0;
  cv::minMaxLoc(img.reshape(1), &lo, &hi);
  cv::minMaxLoc(jitter(img, 2.0, rng).reshape(1), &olo, &ohi);
  EXPECT_GE(olo, lo - 1e-6);
  EXPECT_LE(ohi, hi + 1e-6);
}

}  // namespace
}  // namespace shamisa
