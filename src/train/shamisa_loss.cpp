// SHAMISA loss; see include/shamisa/shamisa_loss.h and METHOD-SHAMISA.md §8.
#include "shamisa/shamisa_loss.h"

#include <string>

#include "shamisa/error.h"

namespace shamisa {

namespace {

const char kSubject[] = "shamisa loss";

void check_matrix(const torch::Tensor& x, const char* name) {
  if (!x.defined() || x.dim() != 2) {
    throw_internal_error(kSubject, std::string(name) + " must be a 2-d tensor");
  }
}

void check_rows(const torch::Tensor& x, const char* name) {
  check_matrix(x, name);
  if (x.size(0) < 2) throw_internal_error(kSubject, std::string(name) + " needs at least 2 rows");
}

}  // namespace

std::pair<torch::Tensor, torch::Tensor> split_halves(const torch::Tensor& z, std::int64_t n_ref) {
  check_matrix(z, "Z");
  const std::int64_t n = z.size(0);
  const std::int64_t n_dist = n - n_ref;
  if (n_ref < 0 || n_dist < 0 || n_ref % 2 != 0 || n_dist % 2 != 0) {
    throw_internal_error(kSubject, "cannot split " + std::to_string(n) + " rows with n_ref = " +
                                       std::to_string(n_ref) +
                                       " (reference and distorted counts must be even)");
  }
  const torch::Tensor ref = z.slice(0, 0, n_ref);
  const torch::Tensor dist = z.slice(0, n_ref, n);
  torch::Tensor z1 = torch::cat({ref.slice(0, 0, n_ref / 2), dist.slice(0, 0, n_dist / 2)}, 0);
  torch::Tensor z2 =
      torch::cat({ref.slice(0, n_ref / 2, n_ref), dist.slice(0, n_dist / 2, n_dist)}, 0);
  return {z1, z2};
}

torch::Tensor variance_loss(const torch::Tensor& z1, const torch::Tensor& z2) {
  torch::Tensor total = torch::zeros({}, torch::kFloat32);
  for (const torch::Tensor* x : {&z1, &z2}) {
    check_rows(*x, "Z half");
    const torch::Tensor xf = x->to(torch::kFloat32);
    const torch::Tensor std = torch::sqrt(xf.var(0, /*unbiased=*/true) + 1e-4);
    total = total + 0.5 * torch::relu(1.0 - std).mean();
  }
  return total;
}

torch::Tensor covariance_loss(const torch::Tensor& z1, const torch::Tensor& z2) {
  torch::Tensor total = torch::zeros({}, torch::kFloat32);
  for (const torch::Tensor* x : {&z1, &z2}) {
    check_rows(*x, "Z half");
    const torch::Tensor xf = x->to(torch::kFloat32);
    const std::int64_t n = xf.size(0);
    const std::int64_t d = xf.size(1);
    const torch::Tensor centred = xf - xf.mean(0, /*keepdim=*/true);
    const torch::Tensor c = centred.t().matmul(centred) / static_cast<double>(n - 1);
    const torch::Tensor off_diagonal_sq = c.pow(2).sum() - c.diagonal().pow(2).sum();
    total = total + off_diagonal_sq / static_cast<double>(d);
  }
  return total;
}

torch::Tensor graph_invariance_loss(const torch::Tensor& z, const torch::Tensor& w) {
  check_matrix(z, "Z");
  check_matrix(w, "W");
  const std::int64_t n = z.size(0);
  const std::int64_t d = z.size(1);
  if (w.size(0) != n || w.size(1) != n) {
    throw_internal_error(kSubject, "W must be N x N with N = " + std::to_string(n));
  }
  const torch::Tensor zf = z.to(torch::kFloat32);
  const torch::Tensor wu = torch::triu(w.to(torch::kFloat32), 1);
  // Σ_ij W_ij ‖z_i − z_j‖² = Σ_i rowsum_i ‖z_i‖² + Σ_j colsum_j ‖z_j‖² − 2 Σ_ij W_ij z_i·z_j,
  // which avoids the N×N×D difference tensor.
  const torch::Tensor sq = zf.pow(2).sum(1);
  const torch::Tensor weighted = (wu.sum(1) * sq).sum() + (wu.sum(0) * sq).sum() -
                                 2.0 * (wu * zf.matmul(zf.t())).sum();
  return weighted / static_cast<double>(n * d);
}

torch::Tensor graph_regulariser(const torch::Tensor& w, double coefficient) {
  check_matrix(w, "W");
  return -coefficient * torch::triu(w.to(torch::kFloat32), 1).pow(2).sum();
}

ShamisaLossTerms shamisa_loss(const torch::Tensor& z, const torch::Tensor& w, std::int64_t n_ref,
                              const torch::Tensor& l_ot, const ShamisaLossCoefficients& k) {
  ShamisaLossTerms t;
  const auto halves = split_halves(z, n_ref);
  t.var = variance_loss(halves.first, halves.second);
  t.cov = covariance_loss(halves.first, halves.second);
  t.inv = graph_invariance_loss(z, w);
  t.ot = l_ot.defined() ? l_ot.to(torch::kFloat32).reshape({}) : torch::zeros({}, torch::kFloat32);
  t.graph_reg = graph_regulariser(w, k.graph_regulariser);
  t.inv_total = 2.0 * (t.inv + t.ot + t.graph_reg);
  t.total = k.variance * t.var + k.invariance * t.inv_total + k.covariance * t.cov;
  return t;
}

}  // namespace shamisa
