// Tests of the ResNet encoder, projector and prototype head.
#include "shamisa/encoder.h"

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include "shamisa/error.h"
#include "shamisa/tensor_archive.h"
#include "test_helpers.h"

namespace shamisa {
namespace {

std::int64_t count_parameters(torch::nn::Module& m) {
  std::int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

std::set<std::string> state_keys(ResNetEncoder& e) {
  std::set<std::string> keys;
  for (const auto& p : e->named_parameters(true)) keys.insert(p.key());
  for (const auto& b : e->named_buffers(true)) keys.insert(b.key());
  return keys;
}

void add_bn(std::set<std::string>& keys, const std::string& prefix) {
  for (const char* s : {"weight", "bias", "running_mean", "running_var", "num_batches_tracked"}) {
    keys.insert(prefix + "." + s);
  }
}

torch::Tensor input(std::int64_t n = 2, std::int64_t size = 64) {
  torch::manual_seed(7);
  return torch::randn({n, 3, size, size});
}

// Puts non-trivial running statistics into every BatchNorm.
void warm_up(ResNetEncoder& e) {
  torch::NoGradGuard g;
  e->train();
  e->forward(input(4, 32));
  e->eval();
}

TEST(Encoder, FeatureDimensions) {
  EXPECT_EQ(encoder_feature_dim({18, 1.0}), 512);
  EXPECT_EQ(encoder_feature_dim({34, 0.5}), 256);
  EXPECT_EQ(encoder_feature_dim({50, 1.0}), 2048);
  EXPECT_EQ(encoder_feature_dim({50, 0.25}), 512);
  EXPECT_THROW(encoder_feature_dim({20, 1.0}), Error);
  EXPECT_THROW(encoder_feature_dim({18, 0.0}), Error);
  EXPECT_THROW(encoder_feature_dim({18, 0.3}), Error);
}

TEST(Encoder, OutputShapes) {
  torch::NoGradGuard g;
  const torch::Tensor x = input();
  for (int depth : {18, 34, 50}) {
    for (double width : {0.25, 1.0}) {
      ResNetEncoder e(EncoderConfig{depth, width});
      e->eval();
      const torch::Tensor h = e->forward(x);
      const std::int64_t dim = static_cast<std::int64_t>((depth == 50 ? 2048 : 512) * width);
      EXPECT_EQ(e->feature_dim(), dim);
      EXPECT_EQ(h.sizes(), (std::vector<std::int64_t>{2, dim})) << depth << " " << width;
    }
  }
}

TEST(Encoder, ParameterCountsMatchTorchvision) {
  ResNetEncoder r18(EncoderConfig{18, 1.0});
  EXPECT_EQ(count_parameters(*r18), 11689512 - 513000);
  ResNetEncoder r50(EncoderConfig{50, 1.0});
  EXPECT_EQ(count_parameters(*r50), 25557032 - 2049000);
}

TEST(Encoder, StateDictKeysMatchTorchvisionResNet18) {
  std::set<std::string> expected = {"conv1.weight"};
  add_bn(expected, "bn1");
  for (int layer = 1; layer <= 4; ++layer) {
    for (int block = 0; block < 2; ++block) {
      const std::string p = "layer" + std::to_string(layer) + "." + std::to_string(block);
      expected.insert(p + ".conv1.weight");
      add_bn(expected, p + ".bn1");
      expected.insert(p + ".conv2.weight");
      add_bn(expected, p + ".bn2");
      if (layer > 1 && block == 0) {
        expected.insert(p + ".downsample.0.weight");
        add_bn(expected, p + ".downsample.1");
      }
    }
  }
  ASSERT_EQ(expected.size(), 120u);  // torchvision resnet18: 122 keys, of which 2 are fc.*
  ResNetEncoder e(EncoderConfig{18, 1.0});
  EXPECT_EQ(state_keys(e), expected);
}

TEST(Encoder, ResNet50HasBottleneckNames) {
  ResNetEncoder e(EncoderConfig{50, 0.25});
  const auto keys = state_keys(e);
  EXPECT_TRUE(keys.count("layer1.0.conv3.weight"));
  EXPECT_TRUE(keys.count("layer1.0.downsample.0.weight"));  // 16 → 64 channels
  EXPECT_TRUE(keys.count("layer4.2.bn3.running_var"));
  EXPECT_FALSE(keys.count("layer1.1.downsample.0.weight"));
  EXPECT_EQ(keys.size(), 318u);  // torchvision resnet50: 320 keys including fc.weight, fc.bias
}

TEST(Encoder, InitialisationFollowsTorchvision) {
  ResNetEncoder e(EncoderConfig{18, 1.0}, 3);
  const auto params = e->named_parameters(true);
  EXPECT_TRUE(torch::equal(params["bn1.weight"], torch::ones({64})));
  EXPECT_TRUE(torch::equal(params["bn1.bias"], torch::zeros({64})));
  // kaiming_normal fan_out: std = sqrt(2 / (out·k·k)); layer3 conv has 256·9 fan-out.
  const torch::Tensor w = params["layer3.0.conv2.weight"];
  const double expected_std = std::sqrt(2.0 / (256.0 * 9.0));
  EXPECT_NEAR(w.std().item<double>(), expected_std, 0.02 * expected_std);
  EXPECT_NEAR(w.mean().item<double>(), 0.0, 0.02 * expected_std);
}

TEST(Encoder, SameSeedSameWeights) {
  torch::manual_seed(1);
  ResNetEncoder a(EncoderConfig{18, 0.25}, 5);
  torch::manual_seed(2);  // the global RNG must not matter
  ResNetEncoder b(EncoderConfig{18, 0.25}, 5);
  ResNetEncoder c(EncoderConfig{18, 0.25}, 6);
  const auto pa = a->named_parameters(true);
  const auto pb = b->named_parameters(true);
  const auto pc = c->named_parameters(true);
  for (const auto& item : pa) {
    EXPECT_TRUE(torch::equal(item.value(), pb[item.key()])) << item.key();
  }
  EXPECT_FALSE(torch::equal(pa["conv1.weight"], pc["conv1.weight"]));
}

TEST(Encoder, NormalizedOutputHasUnitNorm) {
  torch::NoGradGuard g;
  ResNetEncoder e(EncoderConfig{18, 0.25});
  e->eval();
  const torch::Tensor z = e->forward_normalized(input());
  EXPECT_TRUE(torch::allclose(z.norm(2, 1), torch::ones({2}), 1e-5, 1e-6));
}

TEST(Encoder, SaveLoadRoundTripReproducesOutputs) {
  torch::NoGradGuard g;
  ResNetEncoder a(EncoderConfig{18, 0.25}, 11);
  warm_up(a);
  const torch::Tensor x = input();
  const torch::Tensor ha = a->forward(x);

  TensorArchive archive = export_torchvision_weights(a);
  // A torchvision export also contains the classifier, which is ignored.
  archive.tensors["fc.weight"] = torch::zeros({1000, 128});
  archive.tensors["fc.bias"] = torch::zeros({1000});
  const auto dir = std::filesystem::temp_directory_path() /
                   ("shamisa_encoder_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "r18.safetensors").string();
  write_tensor_archive(path, archive);

  ResNetEncoder b(EncoderConfig{18, 0.25}, 99);
  b->eval();
  EXPECT_FALSE(torch::equal(b->forward(x), ha));
  load_torchvision_weights_file(b, path);
  std::filesystem::remove_all(dir);
  EXPECT_TRUE(torch::equal(b->forward(x), ha));
  EXPECT_EQ(b->named_buffers(true)["bn1.num_batches_tracked"].item<std::int64_t>(), 1);
}

std::string load_error(ResNetEncoder& e, const TensorArchive& archive) {
  try {
    load_torchvision_weights(e, archive, "weights.safetensors");
  } catch (const Error& err) {
    EXPECT_EQ(err.kind(), ErrorKind::kModel);
    return err.what();
  }
  ADD_FAILURE() << "no load error";
  return "";
}

TEST(Encoder, LoadReportsMissingKey) {
  ResNetEncoder e(EncoderConfig{18, 0.25});
  TensorArchive archive = export_torchvision_weights(e);
  archive.tensors.erase("layer2.0.downsample.1.running_var");
  archive.tensors["layer9.weight"] = torch::zeros({1});
  const std::string msg = load_error(e, archive);
  EXPECT_NE(msg.find("weights.safetensors"), std::string::npos) << msg;
  EXPECT_NE(msg.find("missing [layer2.0.downsample.1.running_var]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unexpected [layer9.weight]"), std::string::npos) << msg;
}

TEST(Encoder, LoadReportsShapeMismatch) {
  ResNetEncoder e(EncoderConfig{18, 0.25});
  TensorArchive archive = export_torchvision_weights(ResNetEncoder(EncoderConfig{18, 0.5}));
  const std::string msg = load_error(e, archive);
  EXPECT_NE(msg.find("shape mismatch"), std::string::npos) << msg;
  EXPECT_NE(msg.find("conv1.weight"), std::string::npos) << msg;
  // Nothing was loaded: the weights are unchanged.
  ResNetEncoder fresh(EncoderConfig{18, 0.25});
  EXPECT_TRUE(torch::equal(e->named_parameters(true)["conv1.weight"],
                           fresh->named_parameters(true)["conv1.weight"]));
}

TEST(Encoder, ProjectorShapesAndNames) {
  Projector p(64, 96, 48, 1);
  EXPECT_EQ(p->forward(torch::randn({5, 64})).sizes(), (std::vector<std::int64_t>{5, 48}));
  std::set<std::string> names;
  for (const auto& item : p->named_parameters(true)) names.insert(item.key());
  EXPECT_EQ(names, (std::set<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
  const double bound = 1.0 / std::sqrt(64.0);
  EXPECT_LE(p->named_parameters(true)["0.weight"].abs().max().item<double>(), bound);
  Projector q(64, 96, 48, 1);
  EXPECT_TRUE(torch::equal(p->named_parameters(true)["2.weight"],
                           q->named_parameters(true)["2.weight"]));
}

TEST(Encoder, ProjectorInitGainScalesOnlyTheFirstLayer) {
  Projector plain(64, 96, 48, 1);
  Projector gained(64, 96, 48, 1, 8.0);
  auto a = plain->named_parameters(true);
  auto b = gained->named_parameters(true);
  EXPECT_TRUE(torch::allclose(b["0.weight"], 8.0 * a["0.weight"], 0, 1e-6));
  EXPECT_TRUE(torch::allclose(b["0.bias"], 8.0 * a["0.bias"], 0, 1e-6));
  EXPECT_TRUE(torch::equal(b["2.weight"], a["2.weight"]));
  EXPECT_TRUE(torch::equal(b["2.bias"], a["2.bias"]));
  using test::expect_error;
  expect_error([] { Projector(64, 96, 48, 1, 0.0); }, ErrorKind::kUsage, "init gain");
  expect_error([] { Projector(64, 96, 48, 1, std::nan("")); }, ErrorKind::kUsage, "init gain");
}

TEST(Encoder, ProjectorBatchNormSpreadsNearlyParallelInputs) {
  // Nearly parallel unit vectors, as a random encoder gives: a shared direction plus 1% noise.
  torch::manual_seed(5);
  torch::Tensor h = torch::ones({32, 64}) + 0.01 * torch::randn({32, 64});
  h = h / h.norm(2, 1, true);
  Projector plain(64, 96, 48, 1);
  Projector normed(64, 96, 48, 1, 1.0, /*batch_norm=*/true);
  const auto names = normed->named_parameters(true).keys();
  EXPECT_EQ(names, (std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias"}));
  EXPECT_TRUE(normed->named_buffers(true).contains("1.running_mean"));
  // Same Linear initialisations; only the BatchNorm between them differs.
  EXPECT_TRUE(torch::equal(normed->named_parameters(true)["3.weight"], plain->named_parameters(true)["2.weight"]));
  const double plain_std = plain->forward(h).std(0).mean().item<double>();
  const double normed_std = normed->forward(h).std(0).mean().item<double>();
  EXPECT_LT(plain_std, 0.005);
  EXPECT_GT(normed_std, 0.05);  // hidden units standardised over the batch
  EXPECT_LT(normed_std, 1.0);
  // output_batch_norm: z's columns have zero mean and unit (biased) spread over the batch, and the
  // extra layer has no parameters, only running statistics.
  Projector standardised(64, 96, 48, 1, 1.0, true, /*output_batch_norm=*/true);
  EXPECT_EQ(standardised->named_parameters(true).size(), 6u);
  EXPECT_TRUE(standardised->named_buffers(true).contains("4.running_var"));
  const torch::Tensor z = standardised->forward(h);
  EXPECT_LT(z.mean(0).abs().max().item<double>(), 1e-5);
  EXPECT_NEAR(z.std(0, /*unbiased=*/false).mean().item<double>(), 1.0, 1e-2);
}

TEST(Encoder, PrototypeHeadWeightNormalisation) {
  PrototypeHead head(16, 32, 4);
  const auto params = head->named_parameters(true);
  const torch::Tensor v = params["weight_v"];
  EXPECT_EQ(v.sizes(), (std::vector<std::int64_t>{32, 16}));
  EXPECT_EQ(params["weight_g"].sizes(), (std::vector<std::int64_t>{32, 1}));
  EXPECT_LE(v.abs().max().item<double>(), 0.25);
  // Initially the effective weight is v itself.
  EXPECT_TRUE(torch::allclose(head->weight(), v, 1e-6, 1e-6));
  // Scaling v does not change the weight; g sets the row norms.
  {
    torch::NoGradGuard g;
    params["weight_v"].mul_(3.0);
    params["weight_g"].fill_(2.0);
  }
  EXPECT_TRUE(torch::allclose(head->weight().norm(2, 1), torch::full({32}, 2.0), 1e-5, 1e-6));
  const torch::Tensor x = torch::randn({3, 16});
  EXPECT_TRUE(torch::allclose(head->forward(x), x.matmul(head->weight().t()), 1e-5, 1e-6));
}

TEST(Encoder, ForwardMacsMatchThePublishedFigures) {
  // torchvision's model cards: ResNet-18 1.81 GFLOPS, ResNet-50 4.09 GFLOPS (multiply-adds, 224²).
  EXPECT_NEAR(encoder_forward_macs({18, 1.0}, 224, 224) / 1e9, 1.81, 0.01);
  EXPECT_NEAR(encoder_forward_macs({50, 1.0}, 224, 224) / 1e9, 4.09, 0.01);
  // Every feature map doubles exactly from 224 to 448 (224 = 7·32), so the count quadruples.
  EXPECT_DOUBLE_EQ(encoder_forward_macs({18, 0.5}, 224, 224) * 4, encoder_forward_macs({18, 0.5}, 448, 448));
  // The stem alone for a 3-channel 8×8 input at width 0.25: 16 filters of 3·7·7 over 4×4 outputs.
  EXPECT_GT(encoder_forward_macs({18, 0.25}, 8, 8), 16.0 * 3 * 49 * 16);
}

}  // namespace
}  // namespace shamisa
