// Branch weights of the relation-graph aggregator (METHOD-SHAMISA.md §6 "Branch-weight MLP Φ",
// §7.4 step 2, quirk Q4).
//
// Φ maps the detached statistics of the six branches, (edge count, sum of edge values) each, to a
// softmax over the branches. In the reference Φ never receives a gradient (its output is detached
// and nothing else reads it), so it is a fixed function of its random initialisation: kFrozen.
// kUniform fixes every active branch to the same weight (ablation A3); kTrained lets the
// gradient reach Φ (ablation A4).
#ifndef SHAMISA_BRANCH_WEIGHTS_H_
#define SHAMISA_BRANCH_WEIGHTS_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include <torch/torch.h>

#include "shamisa/relation_graphs.h"

namespace shamisa {

enum class BranchWeightMode { kFrozen, kUniform, kTrained };  // config names: frozen, uniform, trained

// The 12 statistics in BranchIndex order: [count_0, sum_0, count_1, sum_1, ...], detached,
// float32. count = number of non-zero entries of the N×N branch matrix (ordered pairs, before the
// i < j filter), or knn_edges for the kNN branch when given (its edge list before the coalesce has
// 2 entries per kept affinity, where the matrix K + Kᵀ merges mutual pairs); sum = the sum of the
// entries. Both are taken on the raw branch values, before the coefficients of §7.2 are applied
// (the order is [U] in the spec). An undefined (switched-off) branch gives (0, 0).
torch::Tensor branch_statistics(const RelationBranches& branches, std::optional<double> knn_edges = std::nullopt);

// Φ: LayerNorm(12) → Linear(12→24) → LayerNorm(24) → PReLU → Linear(24→6); forward returns the
// 6 logits. Parameter names follow the modules: "input_norm.*", "fc1.*", "hidden_norm.*",
// "act.weight", "fc2.*". LayerNorms start at weight 1, bias 0; PReLU at 0.25 (one parameter);
// the Linear layers are then re-initialised as PyTorch's nn.Linear (weight and bias U(±1/√fan_in))
// from a private generator seeded with `seed`, so the weights depend on the seed only (the module
// constructors still draw from the global torch RNG first; nothing in training reads it).
class BranchWeightMlpImpl : public torch::nn::Module {
 public:
  explicit BranchWeightMlpImpl(std::uint64_t seed = 27);
  torch::Tensor forward(torch::Tensor statistics);

 private:
  torch::nn::LayerNorm input_norm{nullptr}, hidden_norm{nullptr};
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  torch::nn::PReLU act{nullptr};
};
TORCH_MODULE(BranchWeightMlp);

// The 6 branch weights w_b (BranchIndex order). active[b] false (branch switched off) gives
// w_b = 0 and the softmax runs over the active branches only; kUniform gives 1/(active count) to
// each active branch. kFrozen returns a detached tensor; kTrained keeps Φ's autograd graph.
torch::Tensor branch_weights(BranchWeightMlp& mlp, const torch::Tensor& statistics,
                             const std::array<bool, kBranchCount>& active, BranchWeightMode mode);

}  // namespace shamisa

#endif  // SHAMISA_BRANCH_WEIGHTS_H_
