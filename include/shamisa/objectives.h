// The baseline objectives on SHAMISA's data path (issue 5): plain VICReg and ARNIQA's SimCLR
// (NT-Xent with hard negatives, METHOD-SHAMISA.md Appendix A.2).
#ifndef SHAMISA_OBJECTIVES_H_
#define SHAMISA_OBJECTIVES_H_

#include <cstdint>
#include <string>

#include <torch/torch.h>

#include "shamisa/relation_graphs.h"
#include "shamisa/shamisa_loss.h"

namespace shamisa {

enum class Objective { kShamisa, kVicreg, kSimclr };
// "shamisa", "vicreg", "simclr"; usage error naming the accepted values otherwise.
Objective parse_objective(const std::string& name);
std::string objective_name(Objective objective);

// Plain VICReg (relations off, §8 last note): the halves Z1, Z2 of split_halves are the paired
// embeddings, L_inv = mean over rows and columns of (Z1 − Z2)² (torch's mse_loss), and the rest is
// §8 unchanged: L'_inv = 2·L_inv (no transport, no regulariser), L = c_var·L_var + c_inv·L'_inv +
// c_cov·L_cov. With one item per step the pairs are the same node at full and half scale; with
// two items they are node k of item 0 and node k of item 1 (quirk Q10).
ShamisaLossTerms vicreg_loss(const torch::Tensor& z, std::int64_t n_ref,
                             const ShamisaLossCoefficients& coefficients = {});

// SimCLR positives as ARNIQA defines them (same distortion, same scale, different content): node i
// and j ≠ i are positive when they belong to the same item, their views have the same scale and a
// different reference, and both are references or both are distorted with the same composition
// and level. Everything else is a negative, including the same content and distortion at the
// other scale (ARNIQA's hard negatives). [N, N] bool, symmetric, false on the diagonal.
torch::Tensor simclr_positive_mask(const BatchLayout& layout);

// NT-Xent over the rows of z (cosine similarities / τ). With one positive per row this is
// ARNIQA's ℓ_i = −log(exp(s_ip/τ) / Σ_{j≠i} exp(s_ij/τ)); with several (n_refs > 2 gives
// n_refs − 1), ℓ_i is the mean of that term over the positives of i (SupCon's "out" form).
// L = mean over the rows that have a positive. Throws an internal error when no row has one.
torch::Tensor nt_xent_loss(const torch::Tensor& z, const torch::Tensor& positives,
                           double temperature = 0.1);

}  // namespace shamisa

#endif  // SHAMISA_OBJECTIVES_H_
