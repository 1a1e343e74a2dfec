// The relational scorer and the ranking losses; see include/shamisa/relational_scorer.h.
#include "shamisa/relational_scorer.h"

#include <cmath>
#include <limits>
#include <string>

#include "shamisa/error.h"
#include "relational/network_init.h"

namespace shamisa {
namespace nn = torch::nn;

void validate(const ScorerConfig& c) {
  if (c.axes < 1 || c.axes > 64) throw_usage_error("scorer axes", "must be in [1, 64]");
  if (c.channels.empty() || c.channels.size() > 4) throw_usage_error("scorer channels", "needs 1 to 4 stages");
  for (int ch : c.channels) {
    if (ch < 8 || ch > 512) throw_usage_error("scorer channels", "each must be in [8, 512]");
  }
}

RelationalScorerImpl::RelationalScorerImpl(const ScorerConfig& config, std::uint64_t seed) : config_(config) {
  validate(config);
  trunk_ = nn::Sequential();
  int in = 2 * config.axes + 3 + (config.difference_channel ? 1 : 0);  // G, |G|, the image (and |X - R|)
  for (int ch : config.channels) {
    trunk_->push_back(nn::Conv2d(nn::Conv2dOptions(in, ch, 3).stride(2).padding(1)));
    trunk_->push_back(nn::SiLU());
    in = ch;
  }
  register_module("trunk", trunk_);
  head_ = register_module("head", nn::Conv2d(nn::Conv2dOptions(in, 2, 1)));
  init_convolutions(*this, seed);
}

ScorerOutput RelationalScorerImpl::forward(const torch::Tensor& maps, const torch::Tensor& image,
                                           const torch::Tensor& reference) {
  if (maps.dim() != 4 || maps.size(1) != config_.axes || image.dim() != 4 || image.size(1) != 3 ||
      maps.size(0) != image.size(0) || maps.size(2) != image.size(2) || maps.size(3) != image.size(3) ||
      !reference.defined() || reference.sizes() != image.sizes()) {
    throw_usage_error("relational scorer", "needs maps [N, " + std::to_string(config_.axes) +
                                               ", H, W], images and references [N, 3, H, W] of one size");
  }
  std::vector<torch::Tensor> inputs = {maps, maps.abs(), image - 0.5};
  if (config_.difference_channel) inputs.push_back((image - reference).abs().mean(1, /*keepdim=*/true));
  const torch::Tensor features = trunk_->forward(torch::cat(inputs, 1));
  const torch::Tensor out = head_->forward(features);
  ScorerOutput r;
  r.local = out.slice(1, 0, 1);
  r.weight = torch::nn::functional::softplus(out.slice(1, 1, 2)) + 1e-6;
  const torch::Tensor total = r.weight.sum({1, 2, 3});
  r.pooled = (r.weight * r.local).sum({1, 2, 3}) / total;
  r.embedding = (r.weight * features).sum({2, 3}) / total.unsqueeze(1);
  return r;
}

RelationalQuality relational_quality(RelationalScorer& scorer, const torch::Tensor& maps, const torch::Tensor& images,
                                     const torch::Tensor& references) {
  RelationalQuality q;
  q.image = scorer->forward(maps, images, references);
  const torch::Tensor baseline = scorer->forward(torch::zeros_like(maps), references, references).pooled;
  q.q = q.image.pooled - baseline;
  q.embedding = q.image.embedding;
  return q;
}

torch::Tensor relational_pair_score(RelationalScorer& scorer, const torch::Tensor& maps_ab, const torch::Tensor& a,
                                    const torch::Tensor& b) {
  const torch::Tensor q_ab = relational_quality(scorer, maps_ab, a, b).q;
  const torch::Tensor q_ba = relational_quality(scorer, -maps_ab, b, a).q;
  return 0.5 * (q_ab - q_ba);
}

torch::Tensor listmle_loss(const torch::Tensor& scores, double temperature) {
  if (scores.dim() != 2 || scores.size(1) < 2) throw_usage_error("ListMLE", "needs lists [S, n] with n >= 2");
  const torch::Tensor x = scores / temperature;
  // log Σ_{j≥i} exp(x_j): a reversed cumulative log-sum-exp.
  const torch::Tensor tail = torch::logcumsumexp(x.flip({1}), 1).flip({1});
  return (tail - x).sum(1).mean();
}

torch::Tensor fidelity_loss(const torch::Tensor& scores) {
  if (scores.dim() != 2 || scores.size(1) < 2) throw_usage_error("fidelity loss", "needs lists [S, n] with n >= 2");
  constexpr double kEps = 1e-8;
  const int64_t n = scores.size(1);
  const torch::Tensor diff = scores.unsqueeze(2) - scores.unsqueeze(1);  // q_i − q_j
  const torch::Tensor p = 0.5 * (1.0 + torch::erf(diff / 2.0));         // Φ(d/√2) = ½(1 + erf(d/2))
  const torch::Tensor earlier = torch::ones({n, n}, torch::kBool).triu(1);
  const torch::Tensor per_pair = 1.0 - torch::sqrt(p + kEps) - std::sqrt(kEps);
  return per_pair.masked_select(earlier.unsqueeze(0).expand_as(per_pair)).mean();
}

torch::Tensor rank_n_contrast_loss(const torch::Tensor& z, double temperature) {
  if (z.dim() != 3 || z.size(1) < 2) throw_usage_error("Rank-N-Contrast", "needs embeddings [S, n, C] with n >= 2");
  const int64_t n = z.size(1);
  // Distances via the squared form, with a floor so that the gradient of the root stays finite.
  const torch::Tensor sq = (z.unsqueeze(2) - z.unsqueeze(1)).pow(2).sum(3);
  const torch::Tensor eye = torch::eye(n, torch::kBool);
  const torch::Tensor s = -torch::sqrt(sq.masked_fill(eye, 1.0) + 1e-12).masked_fill(eye, 0.0) / temperature;
  const torch::Tensor rank = torch::arange(n, torch::kFloat32);
  const torch::Tensor label_gap = (rank.unsqueeze(1) - rank.unsqueeze(0)).abs();  // |y_i − y_k|
  // negatives[i][j][k]: k ≠ i and |y_i − y_k| ≥ |y_i − y_j|.
  const torch::Tensor negatives = label_gap.unsqueeze(1).ge(label_gap.unsqueeze(2)) &
                                  eye.logical_not().unsqueeze(1);
  const float inf = std::numeric_limits<float>::infinity();
  const torch::Tensor logits = s.unsqueeze(2).expand({z.size(0), n, n, n});  // [S, i, j, k] = s_ik
  const torch::Tensor denominator = torch::logsumexp(logits.masked_fill(negatives.logical_not(), -inf), 3);
  const torch::Tensor per_pair = denominator - s;  // −log(exp(s_ij) / Σ_k exp(s_ik))
  return per_pair.masked_select(eye.logical_not().unsqueeze(0).expand_as(per_pair)).mean();
}

}  // namespace shamisa
