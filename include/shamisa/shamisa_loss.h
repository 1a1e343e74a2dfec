// SHAMISA loss (METHOD-SHAMISA.md §8): VICReg variance/covariance terms plus the graph-weighted
// invariance term, the graph regulariser and the transport term.
#ifndef SHAMISA_SHAMISA_LOSS_H_
#define SHAMISA_SHAMISA_LOSS_H_

#include <torch/torch.h>

#include <cstdint>
#include <utility>

namespace shamisa {

// Loss coefficients of §8 (used exactly as given).
struct ShamisaLossCoefficients {
  double variance = 11.9757;
  double invariance = 88.3688;
  double covariance = 57.2125;
  double graph_regulariser = 0.03419;  // R_graph = −graph_regulariser · Σ W²
};

// Every term, for logging. All are 0-dim float32 tensors carrying autograd history where inputs do.
struct ShamisaLossTerms {
  torch::Tensor var;        // L_var
  torch::Tensor cov;        // L_cov
  torch::Tensor inv;        // L_inv
  torch::Tensor ot;         // L_ot (as passed in)
  torch::Tensor graph_reg;  // R_graph
  torch::Tensor inv_total;  // L'_inv = 2·(L_inv + L_ot + R_graph)
  torch::Tensor total;      // L
};

// Variance/covariance "views" (§8, quirk Q10): with Z in node order [refs (n_ref rows) ; dists],
// Z1 = [z_ref[: n_ref/2] ; z_dist[: n_dist/2]], Z2 = the second halves. n_ref and the number of
// distorted rows must both be even (throws shamisa::Error otherwise).
std::pair<torch::Tensor, torch::Tensor> split_halves(const torch::Tensor& z, std::int64_t n_ref);

// L_var = Σ_{X∈{Z1,Z2}} ½·mean_j ReLU(1 − sqrt(Var_j(X) + 1e-4)), unbiased variance.
torch::Tensor variance_loss(const torch::Tensor& z1, const torch::Tensor& z2);
// L_cov = Σ_{X∈{Z1,Z2}} (1/D)·Σ_{i≠j} C(X)_ij², C = X̄ᵀX̄/(n − 1).
torch::Tensor covariance_loss(const torch::Tensor& z1, const torch::Tensor& z2);
// L_inv = (1/(N·D))·Σ_{i<j} W_ij ‖z_i − z_j‖². Only the strict upper triangle of W is read.
torch::Tensor graph_invariance_loss(const torch::Tensor& z, const torch::Tensor& w);
// R_graph = −coefficient·Σ_{i<j} W_ij². Only the strict upper triangle of W is read.
torch::Tensor graph_regulariser(const torch::Tensor& w, double coefficient = 0.03419);

// Everything of §8. z: [N, D] (computed in float32), w: [N, N] aggregated graph (§7.4),
// n_ref: number of reference rows at the top of z, l_ot: transport loss (undefined → 0, branch off).
ShamisaLossTerms shamisa_loss(const torch::Tensor& z, const torch::Tensor& w, std::int64_t n_ref,
                              const torch::Tensor& l_ot = torch::Tensor(),
                              const ShamisaLossCoefficients& coefficients = {});

}  // namespace shamisa

#endif  // SHAMISA_SHAMISA_LOSS_H_
