// Baseline objectives; see include/shamisa/objectives.h.
#include "shamisa/objectives.h"

#include <limits>

#include "shamisa/error.h"

namespace shamisa {

std::pair<torch::Tensor, torch::Tensor> scale_pairs(const BatchLayout& layout) {
  layout.validate();
  const int refs = layout.views / 2;
  std::vector<std::int64_t> full, half;
  for (int b = 0; b < layout.items; ++b) {
    for (int r = 0; r < refs; ++r) {
      full.push_back(layout.ref_node(b, r));
      half.push_back(layout.ref_node(b, r + refs));
      for (int f = 0; f < layout.compositions; ++f) {
        for (int l = 0; l < layout.levels; ++l) {
          full.push_back(layout.dist_node(b, r, f, l));
          half.push_back(layout.dist_node(b, r + refs, f, l));
        }
      }
    }
  }
  return {torch::tensor(full, torch::kLong), torch::tensor(half, torch::kLong)};
}

ShamisaLossTerms vicreg_loss(const torch::Tensor& z, const BatchLayout& layout, const ShamisaLossCoefficients& k) {
  if (!z.defined() || z.dim() != 2 || z.size(0) != layout.nodes()) {
    throw_internal_error("vicreg", "expects z with one row per node (" + std::to_string(layout.nodes()) + ")");
  }
  ShamisaLossTerms t;
  const torch::Tensor zf = z.to(torch::kFloat32);
  const auto halves = split_halves(zf, layout.ref_nodes());
  t.var = variance_loss(halves.first, halves.second);
  t.cov = covariance_loss(halves.first, halves.second);
  const auto pairs = scale_pairs(layout);
  t.inv = torch::mse_loss(zf.index_select(0, pairs.first), zf.index_select(0, pairs.second));
  t.ot = torch::zeros({}, torch::kFloat32);
  t.graph_reg = torch::zeros({}, torch::kFloat32);
  t.inv_total = 2.0 * t.inv;
  t.total = k.variance * t.var + k.invariance * t.inv_total + k.covariance * t.cov;
  return t;
}

torch::Tensor simclr_positive_mask(const BatchLayout& layout) {
  layout.validate();
  const int n = layout.nodes();
  const int refs = layout.views / 2;
  // Per node: item, scale, reference, and a "distortion" id (-1 for a reference node).
  std::vector<int> item(n), scale(n), ref(n), distortion(n);
  auto describe = [&](int node, int b, int v, int d) {
    item[node] = b;
    scale[node] = v / refs;
    ref[node] = v % refs;
    distortion[node] = d;
  };
  for (int b = 0; b < layout.items; ++b) {
    for (int v = 0; v < layout.views; ++v) {
      describe(layout.ref_node(b, v), b, v, -1);
      for (int f = 0; f < layout.compositions; ++f) {
        for (int l = 0; l < layout.levels; ++l) {
          describe(layout.dist_node(b, v, f, l), b, v, f * layout.levels + l);
        }
      }
    }
  }
  torch::Tensor mask = torch::zeros({n, n}, torch::kBool);
  auto m = mask.accessor<bool, 2>();
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      m[i][j] = i != j && item[i] == item[j] && scale[i] == scale[j] && ref[i] != ref[j] &&
                distortion[i] == distortion[j];
    }
  }
  return mask;
}

torch::Tensor nt_xent_loss(const torch::Tensor& z, const torch::Tensor& positives, double temperature) {
  if (!z.defined() || z.dim() != 2 || positives.sizes() != torch::IntArrayRef({z.size(0), z.size(0)})) {
    throw_internal_error("nt-xent", "expects z [N, D] and an N x N positive mask");
  }
  const std::int64_t n = z.size(0);
  const torch::Tensor u = torch::nn::functional::normalize(
      z.to(torch::kFloat32), torch::nn::functional::NormalizeFuncOptions().dim(1));
  const torch::Tensor eye = torch::eye(n, torch::kBool);
  // Self-similarity is excluded from the denominator (−inf before the log-sum-exp).
  const torch::Tensor logits =
      (u.matmul(u.t()) / temperature).masked_fill(eye, -std::numeric_limits<float>::infinity());
  const torch::Tensor log_prob = logits - torch::logsumexp(logits, 1, /*keepdim=*/true);
  const torch::Tensor pos = positives.to(torch::kFloat32);
  const torch::Tensor counts = pos.sum(1);
  const torch::Tensor has_positive = counts.gt(0);
  if (!has_positive.any().item<bool>()) throw_internal_error("nt-xent", "no row has a positive");
  // masked_fill keeps the −inf diagonal out of the product (0·−inf would be NaN).
  const torch::Tensor pos_log_prob = log_prob.masked_fill(positives.logical_not(), 0.0).sum(1);
  const torch::Tensor per_row = -pos_log_prob.index({has_positive}) / counts.index({has_positive});
  return per_row.mean();
}

}  // namespace shamisa
