// Compositions of distortions in which one factor varies (METHOD-SHAMISA.md sections 3.4 and 5.3).
#ifndef SHAMISA_COMPOSITION_H_
#define SHAMISA_COMPOSITION_H_

#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <opencv2/core.hpp>

#include "shamisa/distort.h"
#include "shamisa/rng.h"

namespace shamisa {

struct CompositionOptions {
  int max_distortions = 7;  // K: 1..K distortions, at most one per group (K <= 7)
  int levels = 5;           // L: re-drawn severities of the variable slot
  SeverityDistribution distribution = SeverityDistribution::kHalfNormal;
  bool fixed_order = false;  // ablation D4: apply in the canonical group order
};

// n distortions from n distinct groups, in application order; slot `variable_slot` takes L
// independently re-drawn severities while the others keep theirs. Levels are not sorted.
struct Composition {
  std::vector<DistortionStep> base;          // one step per slot, in application order
  int variable_slot = 0;
  std::vector<Severity> variable_levels;     // L severities for the variable slot

  int size() const { return static_cast<int>(base.size()); }
  int levels() const { return static_cast<int>(variable_levels.size()); }
  // The chain of one level: the base with the variable slot's severity replaced.
  std::vector<DistortionStep> chain(int level) const;
};

// Draws in the reference's order: n, the groups (their sampled order is the application order),
// a type per group, base severities, the variable slot, then the L level severities.
Composition sample_composition(Rng& rng, const CompositionOptions& options = {});

// Renders all levels of `composition` on one image, reusing the prefix: the slots before the
// variable one are applied once (their random draws shared by every level), the variable slot and
// the rest once per level. Returns L images.
std::vector<cv::Mat> render_levels(const cv::Mat& rgb, const Composition& composition, Rng& rng);

// {"num_distortions", "variable_slot", "types", "groups", "levels": [{"severity_indices",
// "values"}]} with the reference's padded arrays: 7 slots per level, -1 where unused.
nlohmann::json composition_to_json(const Composition& composition);

}  // namespace shamisa

#endif  // SHAMISA_COMPOSITION_H_
