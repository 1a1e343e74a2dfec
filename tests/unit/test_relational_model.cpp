// The relational map network: exact anti-symmetry, the map loss by hand, and a tiny training run.
#include <gtest/gtest.h>

#include <cmath>

#include <opencv2/imgproc.hpp>

#include "shamisa/relational_data.h"
#include "shamisa/relational_model.h"
#include "shamisa/tensor.h"
#include "test_helpers.h"

namespace shamisa {
namespace {

MapNetworkConfig small_config() {
  MapNetworkConfig c;
  c.channels = {8, 16, 32};
  return c;
}

TEST(MapNetwork, AntiSymmetricAndZeroOnIdenticalInputsExactly) {
  torch::manual_seed(1);
  MapNetwork net(small_config(), 7);
  for (int trial = 0; trial < 3; ++trial) {
    const torch::Tensor a = torch::rand({2, 3, 20, 28}), b = torch::rand({2, 3, 20, 28});
    torch::NoGradGuard no_grad;
    const MapOutput ab = net->forward(a, b), ba = net->forward(b, a), aa = net->forward(a, a);
    ASSERT_EQ(ab.maps.sizes(), (std::vector<int64_t>{2, 8, 20, 28}));
    ASSERT_EQ(ab.type_logits.sizes(), (std::vector<int64_t>{2, 9, 20, 28}));
    EXPECT_GT(ab.maps.abs().max().item<double>(), 1e-3);  // not trivially zero
    EXPECT_LE((ab.maps + ba.maps).abs().max().item<double>(), 1e-6);
    EXPECT_LE(aa.maps.abs().max().item<double>(), 1e-6);
    EXPECT_LE((ab.type_logits - ba.type_logits).abs().max().item<double>(), 1e-6);
  }
}

TEST(MapNetwork, WithoutGroupNormStillExactAndSeedDetermined) {
  MapNetworkConfig c = small_config();
  c.group_norm = false;
  torch::manual_seed(1);
  MapNetwork x(c, 5);
  torch::manual_seed(2);  // the global generator must not matter: every weight comes from the seed
  MapNetwork y(c, 5);
  const auto px = x->parameters(), py = y->parameters();
  ASSERT_EQ(px.size(), py.size());
  for (std::size_t i = 0; i < px.size(); ++i) EXPECT_TRUE(torch::equal(px[i], py[i]));
  const torch::Tensor a = torch::rand({1, 3, 16, 24}), b = torch::rand({1, 3, 16, 24});
  torch::NoGradGuard no_grad;
  const MapOutput ab = x->forward(a, b), ba = x->forward(b, a);
  EXPECT_GT(ab.maps.abs().max().item<double>(), 1e-3);
  EXPECT_LE((ab.maps + ba.maps).abs().max().item<double>(), 1e-6);
}

TEST(MapNetwork, LocalEnergyByHand) {
  // A flat image has no detail: sqrt(0 + 1e-8).
  EXPECT_NEAR(local_energy(torch::full({1, 3, 12, 12}, 0.4f)).max().item<double>(), 1e-4, 1e-9);
  // One white pixel (luma 1) on black, far from the edges: the Laplacian is -4 there and 1 at its
  // 4 neighbours, so the 9 x 9 window centred on it holds 16 + 4 = 20 of squared Laplacian.
  torch::Tensor x = torch::zeros({1, 3, 21, 21});
  x.index_put_({0, torch::indexing::Slice(), 10, 10}, 1.0f);
  const torch::Tensor e = local_energy(x);
  ASSERT_EQ(e.sizes(), (std::vector<int64_t>{1, 1, 21, 21}));
  EXPECT_NEAR(e[0][0][10][10].item<double>(), std::sqrt(20.0 / 81.0 + 1e-8), 1e-6);
  // A window that just misses the pixel and its neighbours: 6 pixels away.
  EXPECT_NEAR(e[0][0][10][16].item<double>(), 1e-4, 1e-9);
}

// An 8 x 8 checkerboard of grey 0 and 1: every step across a block boundary is 1, all others 0.
// In a 24-wide window the boundary phase holds 3 of 24 columns: its mean step × 8 = 1, the other
// phases 0, so each direction gives 1 − 1/8. The grid's origin does not matter.
TEST(MapNetwork, BlockEnergyByHand) {
  for (int shift : {0, 3}) {
    const torch::Tensor index = (torch::arange(64) + shift).div(8, "floor");
    const torch::Tensor board = (index.view({64, 1}) + index.view({1, 64})).remainder(2).to(torch::kFloat32);
    const torch::Tensor rgb = board.view({1, 1, 64, 64}).expand({1, 3, 64, 64}).contiguous();
    const torch::Tensor b = block_energy(rgb);
    ASSERT_EQ(b.sizes(), (std::vector<int64_t>{1, 1, 64, 64}));
    EXPECT_NEAR(b[0][0][32][32].item<double>(), 2 * (1.0 - 1.0 / 8.0), 1e-5) << shift;
    EXPECT_NEAR(b[0][0][20][40].item<double>(), 2 * (1.0 - 1.0 / 8.0), 1e-5) << shift;
  }
  EXPECT_NEAR(block_energy(torch::full({1, 3, 40, 40}, 0.3f)).abs().max().item<double>(), 0.0, 1e-6);
  // A smooth ramp has equal steps in every phase: no grid.
  const torch::Tensor ramp = (torch::arange(48, torch::kFloat32) / 48).view({1, 1, 1, 48}).expand({1, 3, 48, 48});
  EXPECT_NEAR(block_energy(ramp.contiguous())[0][0][24][24].item<double>(), 0.0, 1e-5);
}

TEST(MapNetwork, BlockAndEnergyChannelsKeepExactAntiSymmetry) {
  MapNetworkConfig c = small_config();
  c.energy_channel = true;
  c.block_channel = true;
  MapNetwork blocks(c, 9);
  torch::manual_seed(4);
  const torch::Tensor a = torch::rand({2, 3, 16, 24}), b = torch::rand({2, 3, 16, 24});
  torch::NoGradGuard no_grad;
  EXPECT_LE((blocks->forward(a, b).maps + blocks->forward(b, a).maps).abs().max().item<double>(), 1e-6);
}

TEST(MapNetwork, EnergyChannelKeepsExactAntiSymmetry) {
  MapNetworkConfig c = small_config();
  c.energy_channel = true;
  MapNetwork net(c, 9);
  torch::manual_seed(3);
  const torch::Tensor a = torch::rand({2, 3, 16, 24}), b = torch::rand({2, 3, 16, 24});
  torch::NoGradGuard no_grad;
  const MapOutput ab = net->forward(a, b), ba = net->forward(b, a), aa = net->forward(a, a);
  EXPECT_GT(ab.maps.abs().max().item<double>(), 1e-3);
  EXPECT_LE((ab.maps + ba.maps).abs().max().item<double>(), 1e-6);
  EXPECT_LE(aa.maps.abs().max().item<double>(), 1e-6);
}

TEST(MapNetwork, SameSeedSameNetworkAndSizeChecks) {
  MapNetwork x(small_config(), 3), y(small_config(), 3), z(small_config(), 4);
  const auto px = x->parameters(), py = y->parameters(), pz = z->parameters();
  bool any_differs = false;
  for (std::size_t i = 0; i < px.size(); ++i) {
    EXPECT_TRUE(torch::equal(px[i], py[i]));
    any_differs = any_differs || !torch::equal(px[i], pz[i]);
  }
  EXPECT_TRUE(any_differs);
  using test::expect_error;
  expect_error([&] { x->forward(torch::rand({1, 3, 3, 8}), torch::rand({1, 3, 3, 8})); }, ErrorKind::kUsage,
               "at least 4 pixels");
  expect_error([&] { x->forward(torch::rand({1, 3, 8, 8}), torch::rand({1, 3, 8, 9})); }, ErrorKind::kUsage,
               "one shape");
  MapNetworkConfig bad = small_config();
  bad.channels = {8, 12};
  expect_error([&] { MapNetwork(bad, 0); }, ErrorKind::kUsage, "multiple of 8");
}

// Two axes, two pixels; every term by hand (SmoothL1 with beta 1 is ½d² below |d| = 1).
TEST(MapLoss, TermsByHand) {
  MapOutput out;
  out.maps = torch::tensor({0.1f, 0.3f, 0.2f, -0.45f}).view({1, 2, 1, 2});
  out.type_logits = torch::zeros({1, 3, 1, 2});
  const torch::Tensor y = torch::tensor({0.6f, 0.0f, 0.0f, 0.05f}).view({1, 2, 1, 2});
  // Regression: axis 0 d = (-0.5, 0.3) -> (0.125 + 0.045) / 2; axis 1 d = (0.2, -0.5) -> (0.02 + 0.125) / 2.
  // Leak: |G| where Y = 0: 0.3 (axis 0, pixel 1) + 0.2 (axis 1, pixel 0), over 4 entries.
  // Type: pixel 0 is class 1 (axis 0, |Y| = 0.6), pixel 1 "none" (max |Y| = 0.05 < 0.1); zero
  // logits over 3 classes give ln 3 each.
  const MapLossTerms t = map_loss(out, y, MapLossWeights{});
  EXPECT_NEAR(t.regression, 0.085 + 0.0725, 1e-6);
  EXPECT_NEAR(t.leak, 0.125, 1e-6);
  EXPECT_NEAR(t.type, std::log(3.0), 1e-6);
  EXPECT_NEAR(t.total.item<double>(), 0.1575 + 0.5 * 0.125 + 0.2 * std::log(3.0), 1e-6);
  EXPECT_TRUE(torch::equal(type_classes(y, 0.1), torch::tensor({1, 0}, torch::kLong).view({1, 1, 2})));
  MapLossWeights weighted;
  weighted.axis = {2.0, 0.0};
  EXPECT_NEAR(map_loss(out, y, weighted).regression, 2 * 0.085, 1e-6);
  EXPECT_NEAR(cycle_loss(torch::tensor({0.5f, -0.2f}), torch::tensor({0.2f, 0.1f}), torch::tensor({0.1f, -0.1f})).item<double>(),
              (0.2 + 0.2) / 2, 1e-6);
}

// A few Adam steps on a fixed batch of engine pairs lower the map loss.
TEST(MapNetwork, TinyTrainingRunReducesTheMapLoss) {
  torch::set_num_threads(1);
  cv::Mat patch(32, 32, CV_32FC3);
  Rng pixels(2);
  for (auto it = patch.begin<cv::Vec3f>(); it != patch.end<cv::Vec3f>(); ++it) {
    const float v = float(pixels.uniform(0.2, 0.8));
    *it = cv::Vec3f(v, 0.5f * v + 0.2f, 0.9f - v);
  }
  cv::GaussianBlur(patch, patch, cv::Size(0, 0), 1.0);
  ProgramOptions options;
  options.p_reference = 0.3;
  std::vector<cv::Mat> as, bs;
  std::vector<torch::Tensor> ys;
  Rng rng(6);
  for (int i = 0; i < 6; ++i) {
    const RelationalPair p = make_relational_pair(patch, rng, options);
    as.push_back(p.a);
    bs.push_back(p.b);
    ys.push_back(planes_to_tensor(p.targets));
  }
  const torch::Tensor a = images_to_batch(as, kNoNormalization), b = images_to_batch(bs, kNoNormalization);
  const torch::Tensor y = torch::stack(ys);
  MapNetwork net(small_config(), 5);
  torch::optim::Adam adam(net->parameters(), torch::optim::AdamOptions(3e-3));
  double first = 0, last = 0;
  for (int step = 0; step < 40; ++step) {
    adam.zero_grad();
    const MapLossTerms t = map_loss(net->forward(a, b), y, MapLossWeights{});
    t.total.backward();
    adam.step();
    if (step == 0) first = t.total.item<double>();
    last = t.total.item<double>();
  }
  EXPECT_LT(last, 0.7 * first) << "first " << first << ", last " << last;
}

}  // namespace
}  // namespace shamisa
