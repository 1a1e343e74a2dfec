// Tests of the SHAMISA loss (METHOD-SHAMISA.md §8).
#include "shamisa/shamisa_loss.h"

#include <gtest/gtest.h>

#include "shamisa/error.h"

namespace shamisa {
namespace {

// Z (4×2), n_ref = 2: r0 = (0,0), r1 = (1,0), d0 = (0.5,1), d1 = (1,0).
// Z1 = [r0; d0] = [(0,0); (0.5,1)], Z2 = [r1; d1] = [(1,0); (1,0)].
torch::Tensor tiny_z() {
  return torch::tensor({0.0f, 0.0f, 1.0f, 0.0f, 0.5f, 1.0f, 1.0f, 0.0f}).reshape({4, 2});
}

// W (4×4): W01 = 1, W02 = 0.5, W23 = 2, and W10 = 7 in the lower triangle (must be ignored).
torch::Tensor tiny_w() {
  torch::Tensor w = torch::zeros({4, 4});
  w[0][1] = 1.0f;
  w[0][2] = 0.5f;
  w[2][3] = 2.0f;
  w[1][0] = 7.0f;
  return w;
}

TEST(ShamisaLoss, SplitHalves) {
  // 8 rows, n_ref = 4: Z1 = refs 0,1 + dists 4,5; Z2 = refs 2,3 + dists 6,7.
  const torch::Tensor z = torch::arange(8, torch::kFloat32).reshape({8, 1});
  const auto [z1, z2] = split_halves(z, 4);
  EXPECT_TRUE(torch::equal(z1.flatten(), torch::tensor({0.0f, 1.0f, 4.0f, 5.0f})));
  EXPECT_TRUE(torch::equal(z2.flatten(), torch::tensor({2.0f, 3.0f, 6.0f, 7.0f})));
  EXPECT_THROW(split_halves(z, 3), Error);
  EXPECT_THROW(split_halves(torch::zeros({7, 1}), 4), Error);
}

// Z1: column variances (unbiased, n = 2) are 0.125 and 0.5; std = sqrt(0.1251) = 0.3536948,
//     sqrt(0.5001) = 0.7071775; ½·mean(1 − std) = ½·(0.6463052 + 0.2928225)/2 = 0.2347819.
// Z2: both columns constant, std = sqrt(1e-4) = 0.01; ½·mean(0.99, 0.99) = 0.495.
// L_var = 0.7297819.
TEST(ShamisaLoss, VarianceByHand) {
  const auto [z1, z2] = split_halves(tiny_z(), 2);
  EXPECT_NEAR(variance_loss(z1, z2).item<float>(), 0.7297819, 1e-6);
}

// Z1 centred = [(−0.25, −0.5); (0.25, 0.5)]: C01 = C10 = (0.125 + 0.125)/1 = 0.25,
//   Σ_{i≠j} C² = 2·0.0625 = 0.125, /D = 0.0625. Z2 centred is 0: contributes 0. L_cov = 0.0625.
TEST(ShamisaLoss, CovarianceByHand) {
  const auto [z1, z2] = split_halves(tiny_z(), 2);
  EXPECT_NEAR(covariance_loss(z1, z2).item<float>(), 0.0625, 1e-7);
}

// ‖z0 − z1‖² = 1, ‖z0 − z2‖² = 0.25 + 1 = 1.25, ‖z2 − z3‖² = 0.25 + 1 = 1.25.
// Σ_{i<j} W_ij‖·‖² = 1·1 + 0.5·1.25 + 2·1.25 = 4.125; /(N·D = 8) → L_inv = 0.515625.
// R_graph = −0.03419·(1² + 0.5² + 2²) = −0.03419·5.25 = −0.1794975.
TEST(ShamisaLoss, InvarianceAndRegulariserByHand) {
  EXPECT_NEAR(graph_invariance_loss(tiny_z(), tiny_w()).item<float>(), 0.515625, 1e-6);
  EXPECT_NEAR(graph_regulariser(tiny_w()).item<float>(), -0.1794975, 1e-6);
}

// L'_inv = 2·(0.515625 + 0.1 − 0.1794975) = 0.872255 (with L_ot = 0.1).
// L = 11.9757·0.7297819 + 88.3688·0.872255 + 57.2125·0.0625 = 89.3955584.
TEST(ShamisaLoss, TotalByHand) {
  const ShamisaLossTerms t = shamisa_loss(tiny_z(), tiny_w(), 2, torch::tensor(0.1f));
  EXPECT_NEAR(t.var.item<float>(), 0.7297819, 1e-6);
  EXPECT_NEAR(t.cov.item<float>(), 0.0625, 1e-7);
  EXPECT_NEAR(t.inv.item<float>(), 0.515625, 1e-6);
  EXPECT_NEAR(t.ot.item<float>(), 0.1, 1e-7);
  EXPECT_NEAR(t.graph_reg.item<float>(), -0.1794975, 1e-6);
  EXPECT_NEAR(t.inv_total.item<float>(), 0.872255, 1e-6);
  EXPECT_NEAR(t.total.item<float>(), 89.3955584, 2e-4);
  // Transport off: L_ot = 0.
  const ShamisaLossTerms off = shamisa_loss(tiny_z(), tiny_w(), 2);
  EXPECT_EQ(off.ot.item<float>(), 0.0f);
  EXPECT_NEAR(off.inv_total.item<float>(), 2.0 * (0.515625 - 0.1794975), 1e-6);
}

TEST(ShamisaLoss, GradientsReachZAndW) {
  torch::Tensor z = tiny_z().clone();
  z.set_requires_grad(true);
  torch::Tensor w = tiny_w().clone();
  w.set_requires_grad(true);
  shamisa_loss(z, w, 2).total.backward();
  ASSERT_TRUE(z.grad().defined());
  ASSERT_TRUE(w.grad().defined());
  EXPECT_GT(z.grad().abs().sum().item<float>(), 0.0f);
  // dL/dW_01 = 88.3688·2·(‖z0 − z1‖²/8 − 2·0.03419·W01) = 176.7376·(0.125 − 0.06838).
  EXPECT_NEAR(w.grad()[0][1].item<float>(), 176.7376 * (0.125 - 0.06838), 1e-3);
  EXPECT_EQ(w.grad()[1][0].item<float>(), 0.0f);  // lower triangle is not read
}

}  // namespace
}  // namespace shamisa
