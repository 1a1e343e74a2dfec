// The relational map network (METHOD-RELATIONAL.md sections 3.2, 3.4 and 3.5): a small U-Net h on
// the concatenated pair, made anti-symmetric by construction,
//   G(A, B) = tanh(½ [h(A, B) - h(B, A)])   so  G(A, B) = -G(B, A)  and  G(A, A) = 0,
// with an even per-pixel type head T(A, B) = ½ [t(A, B) + t(B, A)], and the map loss.
#ifndef SHAMISA_RELATIONAL_MODEL_H_
#define SHAMISA_RELATIONAL_MODEL_H_

#include <cstdint>
#include <vector>

#include <torch/torch.h>

namespace shamisa {

struct MapNetworkConfig {
  int axes = 8;                              // K signed output channels
  std::vector<int> channels = {16, 32, 64, 128};  // per U-Net stage; each stage halves the size
  // GroupNorm after every convolution (true), or none, the convolutions then with a bias. GroupNorm
  // rescales each feature group to unit spread per image, which hides energies such as a noise level.
  bool group_norm = true;
  // Give the network each image's local_energy as a fourth input channel, so that comparing the
  // amount of fine detail or noise of A and B is first-order for it.
  bool energy_channel = false;
  // Give the network each image's block_energy as a further input channel, so that the 8 x 8 grid
  // of block-based compression (JPEG) is first-order for it, as detail energy is for noise.
  bool block_channel = false;
};

// Local RMS of the luma's Laplacian over 9 x 9 windows, per image: [N, 3, H, W] -> [N, 1, H, W].
torch::Tensor local_energy(const torch::Tensor& rgb);

// Local strength of an 8-pixel block grid, per image: [N, 3, H, W] -> [N, 1, H, W]. For each
// direction, the mean absolute luma step between neighbouring columns (rows) whose index is p
// modulo 8 is taken over 24 x 24 windows for each phase p; the strongest phase minus the mean of
// all eight is the excess of the grid's boundaries over the rest. The sum of both directions is
// returned. It needs no alignment: the grid may start anywhere (a cropped JPEG, a tile). 0 on
// smooth images and on images without a grid up to window noise.
torch::Tensor block_energy(const torch::Tensor& rgb);

// Usage error naming the field when the config is out of range.
void validate(const MapNetworkConfig& config);

struct MapOutput {
  torch::Tensor maps;         // G(A, B): [N, K, H, W] in (-1, 1), anti-symmetric
  torch::Tensor type_logits;  // T(A, B): [N, K + 1, H, W], symmetric; class 0 = "none", k + 1 = axis k
};

class MapNetworkImpl : public torch::nn::Module {
 public:
  // Weights are drawn from a generator seeded with `seed` (the same seed, the same network).
  MapNetworkImpl(const MapNetworkConfig& config, std::uint64_t seed);
  // a, b: [N, 3, H, W] RGB in [0, 1], same shape, H and W >= 2^(stages - 1). Both orders go through
  // h in one batch of 2N.
  MapOutput forward(const torch::Tensor& a, const torch::Tensor& b);
  const MapNetworkConfig& config() const { return config_; }

 private:
  torch::Tensor trunk(const torch::Tensor& x);  // h and t together: [2N, K + K + 1, H, W]

  MapNetworkConfig config_;
  std::vector<torch::nn::Sequential> down_, up_;
  torch::nn::Conv2d head_{nullptr};
};
TORCH_MODULE(MapNetwork);

struct MapLossWeights {
  double leak = 0.5;            // λ_leak: activation on axes whose target is 0
  double type = 0.2;            // λ_type: cross-entropy of the type head
  double none_threshold = 0.1;  // a pixel is "none" when max_k |Y_k| is below this
  std::vector<double> axis = {};  // w_k; empty = all 1
};

struct MapLossTerms {
  torch::Tensor total;  // differentiable
  double regression = 0, leak = 0, type = 0;
};

// Σ_k w_k · mean SmoothL1(G_k, Y_k) + λ_leak · mean(|G| · 1[Y = 0]) + λ_type · CE(T, class), where the
// class of a pixel is 1 + argmax_k |Y_k|, or 0 ("none") when max_k |Y_k| < none_threshold.
// targets: [N, K, H, W].
MapLossTerms map_loss(const MapOutput& out, const torch::Tensor& targets, const MapLossWeights& weights);

// The per-pixel type class of the targets, as map_loss uses it: [N, H, W] int64.
torch::Tensor type_classes(const torch::Tensor& targets, double none_threshold);

// mean |G(A, C) - (G(A, B) + G(B, C))|: cycle consistency on a triplet of one patch.
torch::Tensor cycle_loss(const torch::Tensor& g_ac, const torch::Tensor& g_ab, const torch::Tensor& g_bc);

}  // namespace shamisa

#endif  // SHAMISA_RELATIONAL_MODEL_H_
