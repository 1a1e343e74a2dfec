// The baseline objectives on SHAMISA's data path (issue 5): plain VICReg and ARNIQA's SimCLR
// (NT-Xent with hard negatives, METHOD-SHAMISA.md Appendix A.2).
#ifndef SHAMISA_OBJECTIVES_H_
#define SHAMISA_OBJECTIVES_H_

#include <cstdint>
#include <string>
#include <utility>

#include <torch/torch.h>

#include "shamisa/relation_graphs.h"
#include "shamisa/shamisa_loss.h"

namespace shamisa {

enum class Objective { kShamisa, kVicreg, kSimclr };  // config names: shamisa, vicreg, simclr

// Plain VICReg on the same data path. The invariance pairs are what VICReg needs for quality:
// the same content and distortion at the two scales (node (b, v, f, l) of scale 0 against the node
// with view v + n_refs, same b, f, l; pristine views likewise), for any number of items.
// L_inv = mean over pairs and columns of (z_full − z_half)² (torch's mse_loss), L'_inv = 2·L_inv,
// and L_var, L_cov are those of §8 on the halves of split_halves (quirk Q10), so L = c_var·L_var +
// c_inv·L'_inv + c_cov·L_cov differs from SHAMISA's only in the relations. (§8's "MSE between paired
// embeddings" read literally would pair item 0 with item 1 at B = 2: different content and
// different distortions, i.e. distortion invariance — the opposite of a quality feature.)
ShamisaLossTerms vicreg_loss(const torch::Tensor& z, const BatchLayout& layout,
                             const ShamisaLossCoefficients& coefficients = {});
// The node indices of the pairs above: first = full-scale node, second = its half-scale twin.
std::pair<torch::Tensor, torch::Tensor> scale_pairs(const BatchLayout& layout);

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
