// The structured training item and the batch prefetcher (METHOD-SHAMISA.md section 5).
#include "shamisa/training_batch.h"

#include <chrono>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "shamisa/crop.h"
#include "shamisa/error.h"
#include "shamisa/fr_metrics.h"
#include "shamisa/image_io.h"
#include "shamisa/resize.h"
#include "shamisa/tensor.h"
#include "test_helpers.h"

namespace shamisa {
namespace {

constexpr int kCrop = 32;

// Six images: three 96x72 and three 40x30, each a distinct textured pattern.
class TrainingBatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cv::RNG rng(1234);
    for (int i = 0; i < 6; ++i) {
      const bool large = i < 3;
      cv::Mat bgr(large ? 72 : 30, large ? 96 : 40, CV_8UC3);
      rng.fill(bgr, cv::RNG::UNIFORM, cv::Scalar::all(20), cv::Scalar::all(235));
      const std::string path = dir_.path("img" + std::to_string(i) + ".png");
      ASSERT_TRUE(cv::imwrite(path, bgr));
      images_.push_back(path);
    }
    options_.n_refs = 2;
    options_.crop = kCrop;
    options_.compositions = 2;
    options_.composition.levels = 3;
  }

  test::TempDir dir_;
  std::vector<std::string> images_;
  TrainingItemOptions options_;
};

bool same(const torch::Tensor& a, const torch::Tensor& b) { return a.sizes() == b.sizes() && torch::equal(a, b); }

void expect_same_item(const TrainingItem& a, const TrainingItem& b) {
  EXPECT_TRUE(same(a.refs, b.refs));
  EXPECT_TRUE(same(a.dists, b.dists));
  EXPECT_EQ(a.variable_severity, b.variable_severity);
  EXPECT_EQ(a.dist_ssim, b.dist_ssim);
  EXPECT_EQ(a.ref_indices, b.ref_indices);
}

// Whether `view` ([3, c, c] normalised) equals some crop of `image` (8-bit RGB) drawn by the Q9
// rule: origins in [0, max(1, extent - c)).
bool matches_some_crop(const torch::Tensor& view, const cv::Mat& image) {
  const int ymax = std::max(1, image.rows - kCrop), xmax = std::max(1, image.cols - kCrop);
  for (int y = 0; y < ymax; ++y)
    for (int x = 0; x < xmax; ++x) {
      const torch::Tensor t = image_to_tensor(to_rgbf(crop_zero_padded(image, x, y, kCrop, kCrop)));
      if (torch::allclose(t, view, 1e-5, 1e-5)) return true;
    }
  return false;
}

TEST_F(TrainingBatchTest, TensorShapes) {
  const TrainingItem item = make_training_item(images_, 1, 7, 0, options_);
  EXPECT_EQ(item.refs.sizes(), (std::vector<int64_t>{4, 3, kCrop, kCrop}));
  EXPECT_EQ(item.dists.sizes(), (std::vector<int64_t>{4, 2, 3, 3, kCrop, kCrop}));
  EXPECT_EQ(item.refs.dtype(), torch::kFloat32);
  EXPECT_EQ(item.dists.dtype(), torch::kFloat32);
  EXPECT_EQ(item.variable_severity.size(), 6u);
  EXPECT_EQ(item.compositions.size(), 2u);
  ASSERT_EQ(item.ref_indices.size(), 2u);
  EXPECT_EQ(item.ref_indices[0], 1);
  EXPECT_NE(item.ref_indices[1], 1);  // drawn without replacement, excluding the anchor
  for (int f = 0; f < 2; ++f)
    for (int l = 0; l < 3; ++l)
      EXPECT_EQ(item.variable_severity[f * 3 + l], item.compositions[f].variable_levels[l].index);
}

// The quality target of each distorted crop, recomputed from the tensors (undoing the
// normalisation costs ~1e-7 per pixel, hence the tolerance), in the order of `dists`.
TEST_F(TrainingBatchTest, DistSsimIsEachDistortedCropAgainstItsReferenceCrop) {
  EXPECT_TRUE(make_training_item(images_, 2, 13, 0, options_).dist_ssim.empty());  // only on request
  options_.ssim_targets = true;
  const TrainingItem item = make_training_item(images_, 2, 13, 0, options_);
  ASSERT_EQ(item.dist_ssim.size(), 4u * 2u * 3u);
  int distorted = 0;
  for (int v = 0; v < 4; ++v)
    for (int f = 0; f < 2; ++f)
      for (int l = 0; l < 3; ++l) {
        const double expected = ssim(tensor_to_image(item.refs[v]), tensor_to_image(item.dists[v][f][l]));
        const double got = item.dist_ssim[static_cast<std::size_t>((v * 2 + f) * 3 + l)];
        EXPECT_NEAR(got, expected, 1e-4) << v << " " << f << " " << l;
        EXPECT_LE(got, 1.0 + 1e-9);
        if (got < 0.99) ++distorted;
      }
  EXPECT_GT(distorted, 0);  // the levels do degrade the crops
}

TEST_F(TrainingBatchTest, FullScaleViewsThenHalfScaleViews) {
  for (int index : {0, 4}) {
    const TrainingItem item = make_training_item(images_, index, 11, 3, options_);
    for (int r = 0; r < 2; ++r) {
      const cv::Mat image = read_image_rgb8(images_[item.ref_indices[r]]);
      EXPECT_TRUE(matches_some_crop(item.refs[r], image)) << "full view " << r;
      EXPECT_TRUE(matches_some_crop(item.refs[2 + r], half_scale(image))) << "half view " << r;
      if (image.cols == 96) {
        EXPECT_FALSE(matches_some_crop(item.refs[2 + r], image));
      }
    }
  }
}

TEST_F(TrainingBatchTest, SmallImageHalfScaleCropIsZeroPadded) {
  const TrainingItem item = make_training_item(images_, 4, 5, 0, options_);  // 40x30 -> 20x15
  const torch::Tensor half = item.refs[2];                                    // anchor, half scale
  const torch::Tensor black = image_to_tensor(cv::Mat(kCrop, kCrop, CV_32FC3, cv::Scalar::all(0)));
  EXPECT_TRUE(torch::allclose(half.slice(1, 15), black.slice(1, 15)));
  EXPECT_TRUE(torch::allclose(half.slice(2, 20), black.slice(2, 20)));
  EXPECT_FALSE(torch::allclose(half.slice(1, 0, 15).slice(2, 0, 20), black.slice(1, 0, 15).slice(2, 0, 20)));
  EXPECT_NEAR(half[0][31][31].item<float>(), -0.485f / 0.229f, 1e-5);
  EXPECT_NEAR(half[2][31][31].item<float>(), -0.406f / 0.225f, 1e-5);
  // The full-scale 40x30 crop is padded below row 30 only.
  EXPECT_TRUE(torch::allclose(item.refs[0].slice(1, 30), black.slice(1, 30)));
}

TEST_F(TrainingBatchTest, FixedSlotsIdenticalAcrossLevels) {
  const TrainingItem item = make_training_item(images_, 2, 9, 1, options_);
  for (const Composition& c : item.compositions) {
    ASSERT_EQ(c.levels(), 3);
    const auto first = c.chain(0);
    for (int l = 0; l < 3; ++l) {
      const auto chain = c.chain(l);
      ASSERT_EQ(chain.size(), first.size());
      for (std::size_t i = 0; i < chain.size(); ++i) {
        EXPECT_EQ(chain[i].type, first[i].type);
        if (static_cast<int>(i) == c.variable_slot) {
          EXPECT_EQ(chain[i].severity.index, c.variable_levels[l].index);
        } else {
          EXPECT_EQ(chain[i].severity.index, first[i].severity.index);
        }
      }
    }
  }
}

TEST_F(TrainingBatchTest, SameSeedSameTensorsWhateverTheThreadCount) {
  const int saved = cv::getNumThreads();
  cv::setNumThreads(1);
  const TrainingItem a = make_training_item(images_, 0, 42, 2, options_);
  cv::setNumThreads(2);
  const TrainingItem b = make_training_item(images_, 0, 42, 2, options_);
  cv::setNumThreads(saved);
  expect_same_item(a, b);
}

TEST_F(TrainingBatchTest, DifferentSeedsDiffer) {
  const TrainingItem a = make_training_item(images_, 0, 1, 0, options_);
  const TrainingItem b = make_training_item(images_, 0, 2, 0, options_);
  const TrainingItem c = make_training_item(images_, 0, 1, 1, options_);
  EXPECT_FALSE(same(a.dists, b.dists));
  EXPECT_FALSE(same(a.dists, c.dists));
}

TEST_F(TrainingBatchTest, InvalidOptionsAreUsageErrors) {
  TrainingItemOptions o = options_;
  o.n_refs = 7;
  test::expect_error([&] { make_training_item(images_, 0, 1, 0, o); }, ErrorKind::kUsage, "pool");
  test::expect_error([&] { make_training_item(images_, 6, 1, 0, options_); }, ErrorKind::kUsage, "index");
}

TEST_F(TrainingBatchTest, EpochsVisitEveryImageOnce) {
  for (std::int64_t e = 0; e < 2; ++e) {
    std::vector<int> seen(6, 0);
    for (int p = 0; p < 6; ++p) {
      std::int64_t epoch = -1;
      ++seen[training_item_index(6, 3, e * 6 + p, &epoch)];
      EXPECT_EQ(epoch, e);
    }
    EXPECT_EQ(seen, std::vector<int>(6, 1));
  }
}

TEST_F(TrainingBatchTest, PrefetcherMatchesDirectConstructionInOrder) {
  std::vector<TrainingBatch> direct;
  for (int k = 0; k < 4; ++k) direct.push_back(make_training_batch(images_, 2, 77, k, options_));
  for (int threads : {1, 3}) {
    TrainingBatchPrefetcher prefetcher(images_, 2, 77, options_, 2, threads);
    for (int k = 0; k < 4; ++k) {
      const TrainingBatch batch = prefetcher.next();
      EXPECT_EQ(batch.step, k);
      EXPECT_GE(batch.wait_seconds, 0.0);
      ASSERT_EQ(batch.items.size(), 2u);
      for (int b = 0; b < 2; ++b) expect_same_item(batch.items[b], direct[k].items[b]);
    }
  }
}

TEST_F(TrainingBatchTest, UnreadableImageSurfacesFromNext) {
  const std::string bad = dir_.path("broken.png");
  std::ofstream(bad) << "this is not a PNG";
  std::vector<std::string> pool = images_;
  pool.push_back(bad);
  TrainingBatchPrefetcher prefetcher(pool, 7, 5, options_, 2, 2);  // batch 0 holds every image
  try {
    prefetcher.next();
    ADD_FAILURE() << "expected shamisa::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("broken.png"), std::string::npos) << e.what();
  }
  EXPECT_THROW(prefetcher.next(), Error);  // the failed batch stays due
}

TEST_F(TrainingBatchTest, DestructionWhileProducingDoesNotHang) {
  const auto start = std::chrono::steady_clock::now();
  {
    TrainingBatchPrefetcher prefetcher(images_, 3, 1, options_, 4, 2);
  }
  {
    TrainingBatchPrefetcher prefetcher(images_, 3, 1, options_, 4, 2);
    prefetcher.next();
  }
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 60.0);
}

}  // namespace
}  // namespace shamisa
