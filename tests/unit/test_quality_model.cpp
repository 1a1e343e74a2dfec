// SHAMISA quality model files, their heads and predictions, and fitting a head.
#include "shamisa/quality_model.h"

#include <cmath>
#include <functional>

#include <gtest/gtest.h>

#include "shamisa/encoder_features.h"
#include "shamisa/error.h"
#include "shamisa/image_io.h"
#include "shamisa/quality_fit.h"
#include "shamisa/tensor_archive.h"
#include "test_helpers.h"
#include "tiny_train_config.h"

namespace shamisa {
namespace {

using test::expect_error;

TrainConfig tiny_config() { return test::tiny_train_config(); }

cv::Mat test_image(int seed, int width = 80, int height = 60) {
  cv::Mat m(height, width, CV_8UC3);
  cv::RNG rng(static_cast<std::uint64_t>(seed));
  rng.fill(m, cv::RNG::UNIFORM, 0, 256);
  return m;
}

QualityHead head_of(std::int64_t d, double scale) {
  QualityHead h;
  h.weights = torch::linspace(-1.0, 1.0, d, torch::kFloat64) * scale;
  h.intercept = 40.0;
  h.alpha = 0.5;
  h.range_lo = 0.0;
  h.range_hi = 80.0;
  h.trained_on = {{"dataset", "made up"}, {"images", 3}};
  return h;
}

QualityModel exported_model() {
  TrainingState state = make_training_state(tiny_config(), "digest");
  state.step = 7;
  return quality_model_from_checkpoint(state, "tiny-model");
}

TEST(QualityModel, ExportKeepsTheEncoderAndTheRoundTripKeepsEverything) {
  TrainingState state = make_training_state(tiny_config(), "digest");
  QualityModel m = quality_model_from_checkpoint(state, "tiny-model");
  EXPECT_EQ(m.crop(), 32);
  EXPECT_FALSE(m.nr_head);
  const cv::Mat image = test_image(1);
  state.model.encoder->eval();
  const torch::Tensor expected = encoder_protocol_features(state.model.encoder, image, 32);
  EXPECT_TRUE(torch::equal(quality_nr_features(m, image), expected));

  m.nr_head = head_of(2 * m.encoder->feature_dim(), 3.0);
  m.fr_head = head_of(2 * 16, -2.0);
  m.fr_head->lower_better = true;
  test::TempDir dir;
  write_quality_model(dir.path("m.safetensors"), m);
  QualityModel back = read_quality_model(dir.path("m.safetensors"));
  EXPECT_EQ(back.name, "tiny-model");
  EXPECT_EQ(back.provenance.at("images_digest"), "digest");
  EXPECT_EQ(quality_model_header(back), quality_model_header(m));
  ASSERT_TRUE(back.nr_head && back.fr_head);
  EXPECT_TRUE(torch::equal(back.nr_head->weights, m.nr_head->weights));
  EXPECT_EQ(back.fr_head->lower_better, true);
  EXPECT_EQ(back.fr_head->trained_on.at("dataset"), "made up");
  EXPECT_TRUE(torch::equal(quality_nr_features(back, image), expected));
  const cv::Mat other = test_image(2);
  EXPECT_TRUE(torch::equal(quality_fr_features(back, image, other), quality_fr_features(m, image, other)));
  // Writing the read model again gives the same bytes.
  write_quality_model(dir.path("again.safetensors"), back);
  EXPECT_EQ(read_file_bytes(dir.path("again.safetensors")), read_file_bytes(dir.path("m.safetensors")));
}

TEST(QualityModel, BadFilesAreModelErrorsNamingTheFile) {
  QualityModel m = exported_model();
  m.nr_head = head_of(2 * m.encoder->feature_dim(), 1.0);
  test::TempDir dir;
  const std::string good = dir.path("good.safetensors");
  write_quality_model(good, m);
  const std::vector<std::uint8_t> bytes = read_file_bytes(good);

  const std::string truncated = dir.path("truncated.safetensors");
  test::write_bytes(truncated, std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + bytes.size() / 2));
  expect_error([&] { read_quality_model(truncated); }, ErrorKind::kModel, "truncated.safetensors");

  auto edited = [&](const std::string& name, const std::function<void(TensorArchive&)>& edit) {
    TensorArchive a = read_tensor_archive(good);
    edit(a);
    const std::string path = dir.path(name);
    write_tensor_archive(path, a);
    return path;
  };
  auto header_edit = [&](const std::string& name, const std::function<void(nlohmann::json&)>& edit) {
    return edited(name, [&](TensorArchive& a) {
      nlohmann::json h = nlohmann::json::parse(a.metadata["header"]);
      edit(h);
      a.metadata["header"] = h.dump();
    });
  };
  expect_error([&] { read_quality_model(edited("noheader.safetensors", [](TensorArchive& a) { a.metadata.clear(); })); },
               ErrorKind::kModel, "noheader.safetensors: not a shamisa quality model file");
  expect_error([&] { read_quality_model(header_edit("v2.safetensors", [](nlohmann::json& h) { h["format_version"] = 2; })); },
               ErrorKind::kModel, "format version 2 is not supported");
  expect_error([&] { read_quality_model(header_edit("crop.safetensors", [](nlohmann::json& h) { h["input"]["crop"] = 64; })); },
               ErrorKind::kModel, "crop");
  expect_error([&] {
    read_quality_model(header_edit("config.safetensors", [](nlohmann::json& h) {
      h["provenance"]["config"]["encoder"]["width"] = 0.5;  // the weights are of width 0.25
    }));
  }, ErrorKind::kModel, "config.safetensors");
  expect_error([&] {
    read_quality_model(edited("head.safetensors", [](TensorArchive& a) { a.tensors["nr_head.weights"] = torch::zeros({3}, torch::kFloat64); }));
  }, ErrorKind::kModel, "nr_head.weights has 3 weights");
  expect_error([&] {
    read_quality_model(edited("nan.safetensors", [](TensorArchive& a) {
      a.tensors["nr_head.weights"] = a.tensors["nr_head.weights"].clone();
      a.tensors["nr_head.weights"][0] = std::nan("");
    }));
  }, ErrorKind::kModel, "non-finite");
  expect_error([&] {
    read_quality_model(edited("nohead.safetensors", [](TensorArchive& a) { a.tensors.erase("nr_head.weights"); }));
  }, ErrorKind::kModel, "nr_head.weights is missing");
  expect_error([&] {
    read_quality_model(edited("extra.safetensors", [](TensorArchive& a) { a.tensors["surprise"] = torch::zeros({1}); }));
  }, ErrorKind::kModel, "unexpected tensors");
  expect_error([&] { read_quality_model(dir.path("absent.safetensors")); }, ErrorKind::kModel, "absent.safetensors");
}

// Predictions by hand: the mean over crops of features·w + b, mapped onto [0, 100].
TEST(QualityModel, HeadPredictionAndTheScoreMapByHand) {
  QualityHead h;
  h.weights = torch::tensor({2.0, -1.0}, torch::kFloat64);
  h.intercept = 10.0;
  h.range_lo = 0.0;
  h.range_hi = 40.0;
  const torch::Tensor features = torch::tensor({{1.0f, 0.0f}, {3.0f, 2.0f}});  // 12 and 14
  EXPECT_DOUBLE_EQ(head_prediction(h, features), 13.0);
  EXPECT_DOUBLE_EQ(head_score_100(h, 13.0), 32.5);
  EXPECT_DOUBLE_EQ(head_score_100(h, -5.0), 0.0);   // clamped
  EXPECT_DOUBLE_EQ(head_score_100(h, 50.0), 100.0);
  h.lower_better = true;
  EXPECT_DOUBLE_EQ(head_score_100(h, 13.0), 67.5);
  expect_error([&] { head_prediction(h, torch::zeros({5, 3})); }, ErrorKind::kUsage, "[crops, 2]");
  // FR: relative to u = 0 (prediction 10, i.e. 75 on this lower-better scale): 13 is 7.5 worse.
  EXPECT_DOUBLE_EQ(fr_score_100(h, features), 92.5);
  EXPECT_DOUBLE_EQ(fr_score_100(h, torch::zeros({5, 2})), 100.0);
}

TEST(QualityModel, AnImageAgainstItselfHasZeroFrFeaturesAndTheBestScore) {
  QualityModel m = exported_model();
  m.fr_head = head_of(2 * 16, 5.0);
  const cv::Mat image = test_image(3);
  const torch::Tensor u = quality_fr_features(m, image, image);
  EXPECT_EQ(u.sizes(), (std::vector<std::int64_t>{5, 32}));
  EXPECT_EQ(u.abs().sum().item<float>(), 0.0f);
  EXPECT_EQ(fr_score_100(*m.fr_head, u), 100.0);
  const torch::Tensor other = quality_fr_features(m, image, test_image(4));
  EXPECT_GT(other.abs().sum().item<float>(), 0.0f);
  EXPECT_LE(fr_score_100(*m.fr_head, other), 100.0);
  expect_error([&] { quality_fr_features(m, image, test_image(4, 60, 80)); }, ErrorKind::kInput, "differ in size");
}

// A head fitted on features that are an exact linear function of the score recovers the score.
TEST(QualityFit, RecoversALinearRelationAndRecordsTheTarget) {
  Dataset d;
  d.name = "linear";
  d.lower_better = true;
  std::vector<torch::Tensor> features;
  for (int r = 0; r < 10; ++r) {
    for (int k = 0; k < 6; ++k) {
      const double score = 10.0 * k + r;
      d.items.push_back({"img" + std::to_string(r) + "_" + std::to_string(k), "ref" + std::to_string(r), "t", score, ""});
      torch::Tensor f = torch::zeros({5, 3}, torch::kFloat64);
      for (int c = 0; c < 5; ++c) {
        f[c][0] = score / 50.0;
        f[c][1] = std::sin(r + c);  // a nuisance that varies over crops and contents
        f[c][2] = 1.0;
      }
      features.push_back(f);
    }
  }
  HeadFitOptions fixed;
  fixed.alpha = 1e-6;
  const HeadFit fit = fit_quality_head(d, features, "linear", fixed);
  EXPECT_FALSE(fit.protocol);
  EXPECT_EQ(fit.head.alpha, 1e-6);
  EXPECT_TRUE(fit.head.lower_better);
  EXPECT_DOUBLE_EQ(fit.head.range_lo, 0.0);  // observed range (no score_range given)
  EXPECT_DOUBLE_EQ(fit.head.range_hi, 59.0);
  EXPECT_NEAR(head_prediction(fit.head, features[13]), d.items[13].score, 1e-3);
  EXPECT_EQ(fit.head.trained_on.at("images"), 60);

  const HeadFit searched = fit_quality_head(d, features, "linear");
  ASSERT_TRUE(searched.protocol);
  EXPECT_GT(searched.protocol->overall.srcc, 0.99);
  EXPECT_EQ(searched.head.alpha, searched.protocol->alpha.value());
  EXPECT_TRUE(searched.head.trained_on.contains("protocol"));

  d.score_range = {0.0, 100.0};
  EXPECT_DOUBLE_EQ(fit_quality_head(d, features, "linear", fixed).head.range_hi, 100.0);
  Dataset one = d;
  one.items.resize(1);
  expect_error([&] { fit_quality_head(one, {features[0]}, "x", fixed); }, ErrorKind::kUsage, "at least 2 images");
}

// A sign-constrained head (the FR heads): feature 0 grows with the score and feature 1 falls with
// it; on a lower-is-better scale only feature 0 may carry weight, and every weight is >= 0, so no
// feature can predict better quality than zero features. A higher-is-better scale flips the signs.
TEST(QualityFit, SignConstrainedHeadOnlyLowersQuality) {
  Dataset d;
  d.name = "signs";
  d.lower_better = true;
  std::vector<torch::Tensor> features;
  for (int r = 0; r < 8; ++r) {
    for (int k = 0; k < 5; ++k) {
      const double score = 10.0 * k + r;
      d.items.push_back({"img" + std::to_string(r) + "_" + std::to_string(k), "ref" + std::to_string(r), "t", score, ""});
      torch::Tensor f = torch::zeros({5, 2}, torch::kFloat64);
      for (int c = 0; c < 5; ++c) {
        f[c][0] = score / 50.0 + 0.01 * std::sin(r + c);
        f[c][1] = 1.0 - score / 50.0;
      }
      features.push_back(f);
    }
  }
  HeadFitOptions options;
  options.alpha = 0.1;
  options.protocol.sign_constrained = true;
  const HeadFit fit = fit_quality_head(d, features, "signs", options);
  EXPECT_GE(fit.head.weights.min().item<double>(), 0.0);
  EXPECT_GT(fit.head.weights[0].item<double>(), 0.0);
  EXPECT_EQ(fit.head.weights[1].item<double>(), 0.0);
  EXPECT_EQ(fit.head.trained_on.at("weights"), "sign-constrained: each feature can only lower the predicted quality");
  HeadFitOptions free_options;
  free_options.alpha = 0.1;
  EXPECT_LT(fit_quality_head(d, features, "signs", free_options).head.weights[1].item<double>(), 0.0);

  d.lower_better = false;
  const HeadFit flipped = fit_quality_head(d, features, "signs", options);
  EXPECT_LE(flipped.head.weights.max().item<double>(), 0.0);
  EXPECT_LT(flipped.head.weights[1].item<double>(), 0.0);
}

}  // namespace
}  // namespace shamisa
