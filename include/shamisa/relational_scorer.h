// The relational scoring network and its ranking losses (METHOD-RELATIONAL.md section 3.6).
//
// A small CNN reads the maps G(X, R), their magnitudes |G| and the image X (and, when configured,
// the absolute difference |X - R|), and gives a per-location score s(x) and a weight w(x) > 0;
// f = Σ w·s / Σ w (weighted pooling), and
//   q(X | R) = f(G(X, R), X, R) - f(0, R, R),   so q(R | R) = 0 exactly (G(R, R) = 0, |R - R| = 0).
// Higher q is better: a distortion should make q negative. It also pools an embedding z with the
// same weights, for the Rank-N-Contrast term.
#ifndef SHAMISA_RELATIONAL_SCORER_H_
#define SHAMISA_RELATIONAL_SCORER_H_

#include <cstdint>
#include <vector>

#include <torch/torch.h>

namespace shamisa {

struct ScorerConfig {
  int axes = 8;                       // K: the map network's axes
  std::vector<int> channels = {32, 64};  // each stage: a stride-2 conv 3x3 and SiLU
  // A further input channel: the per-pixel mean absolute RGB difference |X - R|. It lets the score
  // see differences that no axis of the maps names (a deviation from METHOD-RELATIONAL.md §3.6,
  // whose input is G, |G| and X only). It is even in the pair, so s(A, B) stays anti-symmetric.
  bool difference_channel = false;
};

// Usage error naming the field when the config is out of range.
void validate(const ScorerConfig& config);

struct ScorerOutput {
  torch::Tensor pooled;     // f: [N]
  torch::Tensor embedding;  // z: [N, channels.back()], pooled with the same weights
  torch::Tensor local;      // s: [N, 1, h, w]
  torch::Tensor weight;     // w: [N, 1, h, w], > 0
};

class RelationalScorerImpl : public torch::nn::Module {
 public:
  RelationalScorerImpl(const ScorerConfig& config, std::uint64_t seed);
  // maps: [N, K, H, W] (G(X, R)); image X and reference R: [N, 3, H, W] RGB in [0, 1]. R is read only
  // with difference_channel.
  ScorerOutput forward(const torch::Tensor& maps, const torch::Tensor& image, const torch::Tensor& reference);
  const ScorerConfig& config() const { return config_; }

 private:
  ScorerConfig config_;
  torch::nn::Sequential trunk_{nullptr};
  torch::nn::Conv2d head_{nullptr};  // 2 channels: s and the pre-softplus weight
};
TORCH_MODULE(RelationalScorer);

struct RelationalQuality {
  torch::Tensor q;          // q(X | R): [N]
  torch::Tensor embedding;  // z of X: [N, C]
  ScorerOutput image;       // f(G(X, R), X, R), for "where it hurts" maps (w·s)
};

// q(X | R) for images X [N, 3, H, W] whose maps against their references are `maps` [N, K, H, W];
// references [N, 3, H, W] (the reference of each row).
RelationalQuality relational_quality(RelationalScorer& scorer, const torch::Tensor& maps, const torch::Tensor& images,
                                     const torch::Tensor& references);

// The no-reference pair score of METHOD-RELATIONAL.md §3.7, for images A and B [N, 3, H, W] whose
// maps are maps_ab = G(A, B): s(A, B) = ½ [q(A | B) − q(B | A)], using G(B, A) = −G(A, B). It is
// anti-symmetric by construction; s > 0 means A is better. [N].
torch::Tensor relational_pair_score(RelationalScorer& scorer, const torch::Tensor& maps_ab, const torch::Tensor& a,
                                    const torch::Tensor& b);

// ListMLE (Plackett–Luce) over lists given best first: scores [S, n], row i a list;
// −Σ_i log(exp(q_i/τ) / Σ_{j≥i} exp(q_j/τ)), averaged over lists.
torch::Tensor listmle_loss(const torch::Tensor& scores, double temperature);

// The fidelity loss on every pair i < j of each best-first list (the earlier one is better, g = 1):
// p = Φ((q_i − q_j)/√2), loss = 1 − sqrt(p + ε) − sqrt(ε), averaged over pairs and lists.
torch::Tensor fidelity_loss(const torch::Tensor& scores);

// Rank-N-Contrast on embeddings [S, n, C] of best-first lists, labels = the rank positions:
// s_ij = −‖z_i − z_j‖₂, and for each anchor i and positive j ≠ i the negatives are the k ≠ i with
// |i − k| ≥ |i − j|; −1/(n(n−1)) Σ_i Σ_{j≠i} log(exp(s_ij/τ) / Σ_k exp(s_ik/τ)), averaged over lists.
torch::Tensor rank_n_contrast_loss(const torch::Tensor& embeddings, double temperature);

}  // namespace shamisa

#endif  // SHAMISA_RELATIONAL_SCORER_H_
