// Measuring a relational model on synthetic data it has never seen (METHOD-RELATIONAL.md §3.8 A):
// map accuracy per axis, type confusion, the structural properties, and ranking within ranked
// sets. Also q(X | R) as a full-reference metric for `shamisa eval` (§3.8 B).
#ifndef SHAMISA_RELATIONAL_EVALUATION_H_
#define SHAMISA_RELATIONAL_EVALUATION_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "shamisa/baselines.h"
#include "shamisa/relational_inference.h"

namespace shamisa {

struct RelationalEvaluationOptions {
  int triplets = 40;    // pairs = 3 per triplet: (A, B), (B, C), (A, C)
  int sets = 40;        // ranked sets, half monotone, half nested
  int set_size = 5;
  // Cross-program sets ordered by program_severity: a harder ranking test, across unrelated programs,
  // whose order is the proxy's (a design assumption), not a construction.
  int cross_sets = 40;
  int crop = 128;       // patches cut from the images
  std::uint64_t seed = 99;
  double threshold = 0.1;  // |Y| above this is "affected" (sign accuracy, IoU, type)
  ProgramOptions programs;
};

struct AxisEvaluation {
  std::string name;
  double pearson = 0.0;        // G_k against Y_k over every pixel of every pair
  double sign_accuracy = 0.0;  // sign(G_k) = sign(Y_k) where |Y_k| > threshold
  double iou = 0.0;            // {|G_k| > t} against {|Y_k| > t}
  double best_iou = 0.0;       // the same at the best τ of 0.05, 0.10, ..., 0.50 (one τ for both sets)
  double best_iou_threshold = 0.0;
  double leakage = 0.0;        // mean |G_k| where Y_k = 0
  std::int64_t affected_pixels = 0;
};

struct RelationalEvaluation {
  std::vector<AxisEvaluation> axes;
  // confusion[true axis][predicted axis]: argmax |Y| against argmax |G| where max |Y| > threshold.
  std::array<std::array<std::int64_t, kRelationalAxes>, kRelationalAxes> confusion{};
  double type_accuracy = 0.0;
  double antisymmetry_error = 0.0;  // max |G(A, B) + G(B, A)|
  double identity_error = 0.0;      // max |G(A, A)|
  double cycle_error = 0.0;         // mean |G(A, C) − G(A, B) − G(B, C)|
  double target_cycle_error = 0.0;  // the same for the clamped targets (what clamping alone costs)
  // Ranking of q(X | R) within the ranked sets, the reference included at rank 0.
  double kendall_tau = 0.0;          // mean over sets
  double pairwise_accuracy = 0.0;    // pairs ordered correctly (ties count as wrong)
  double kendall_tau_monotone = 0.0, kendall_tau_nested = 0.0;
  // The same on the cross-program sets (reference included at rank 0).
  double kendall_tau_cross = 0.0, pairwise_accuracy_cross = 0.0;
  // The no-reference pair mode (§3.7): s(X_i, X_j) > 0 for the distorted images i < j of each set
  // (the reference unseen), within-program sets and cross-program sets.
  double pair_mode_accuracy = 0.0, pair_mode_accuracy_cross = 0.0;
  int pairs = 0, sets = 0, cross_sets = 0;
  nlohmann::ordered_json to_json() const;
};

// Input error naming the file when an image cannot be read; usage error for bad options.
RelationalEvaluation evaluate_relational(RelationalModelFile& model, const std::vector<std::string>& images,
                                         const RelationalEvaluationOptions& options);

// q(X | R) of the model at `path` as a full-reference metric (higher is better), for `shamisa eval
// --metric relational`. Model errors as read_relational_model.
std::unique_ptr<MetricScorer> make_relational_metric(const std::string& path);

}  // namespace shamisa

#endif  // SHAMISA_RELATIONAL_EVALUATION_H_
