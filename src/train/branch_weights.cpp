// Branch-weight MLP Φ; see include/shamisa/branch_weights.h.
#include "shamisa/branch_weights.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <limits>

#include "shamisa/error.h"

namespace shamisa {

torch::Tensor branch_statistics(const RelationBranches& branches, std::optional<double> knn_edges) {
  torch::NoGradGuard no_grad;
  const torch::Tensor* ordered[kBranchCount] = {&branches.ref_ref,    &branches.ref_dist,
                                                &branches.dist_dist,  &branches.structural,
                                                &branches.knn,        &branches.transport};
  torch::Tensor stats = torch::zeros({2 * kBranchCount}, torch::kFloat32);
  for (int b = 0; b < kBranchCount; ++b) {
    const torch::Tensor& g = *ordered[b];
    if (!g.defined()) continue;
    const torch::Tensor values = g.detach().to(torch::kFloat32);
    stats[2 * b] = values.ne(0).sum().to(torch::kFloat32);
    stats[2 * b + 1] = values.sum();
  }
  if (knn_edges && branches.knn.defined()) stats[2 * kBranchKnn] = static_cast<float>(*knn_edges);
  return stats;
}

BranchWeightMlpImpl::BranchWeightMlpImpl(std::uint64_t seed) {
  constexpr int kInputs = 2 * kBranchCount;
  constexpr int kHidden = 24;
  input_norm = register_module("input_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({kInputs})));
  fc1 = register_module("fc1", torch::nn::Linear(kInputs, kHidden));
  hidden_norm = register_module("hidden_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({kHidden})));
  act = register_module("act", torch::nn::PReLU(torch::nn::PReLUOptions().num_parameters(1).init(0.25)));
  fc2 = register_module("fc2", torch::nn::Linear(kHidden, kBranchCount));
  torch::NoGradGuard no_grad;
  at::Generator gen = at::detail::createCPUGenerator(seed);
  for (torch::nn::Linear* l : {&fc1, &fc2}) {
    const double bound = 1.0 / std::sqrt(static_cast<double>((*l)->weight.size(1)));
    (*l)->weight.uniform_(-bound, bound, gen);
    (*l)->bias.uniform_(-bound, bound, gen);
  }
}

torch::Tensor BranchWeightMlpImpl::forward(torch::Tensor statistics) {
  torch::Tensor x = input_norm(statistics);
  x = act(hidden_norm(fc1(x)));
  return fc2(x);
}

torch::Tensor branch_weights(BranchWeightMlp& mlp, const torch::Tensor& statistics,
                             const std::array<bool, kBranchCount>& active, BranchWeightMode mode) {
  torch::Tensor mask = torch::zeros({kBranchCount}, torch::kBool);
  int active_count = 0;
  for (int b = 0; b < kBranchCount; ++b) {
    if (active[b]) {
      mask[b] = true;
      ++active_count;
    }
  }
  if (active_count == 0) throw_usage_error("relations", "every branch is switched off");
  if (mode == BranchWeightMode::kUniform) {
    return mask.to(torch::kFloat32) / static_cast<double>(active_count);
  }
  torch::Tensor logits = mlp->forward(statistics.detach().to(torch::kFloat32));
  logits = logits.masked_fill(mask.logical_not(), -std::numeric_limits<float>::infinity());
  torch::Tensor weights = torch::softmax(logits, 0);
  return mode == BranchWeightMode::kFrozen ? weights.detach() : weights;
}

}  // namespace shamisa
