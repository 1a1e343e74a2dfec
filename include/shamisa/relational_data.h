// Training data of the relational method (METHOD-RELATIONAL.md section 3.3): signed edits along the
// K = 8 attribute axes, applied through spatial masks; image pairs with per-pixel signed targets;
// ranked sets whose order holds by construction.
#ifndef SHAMISA_RELATIONAL_DATA_H_
#define SHAMISA_RELATIONAL_DATA_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>
#include <torch/torch.h>

#include "shamisa/distort.h"
#include "shamisa/masks.h"
#include "shamisa/rng.h"

namespace shamisa {

// One way of moving an image along an axis in one direction, e.g. gaublur (sharpness, -1): a
// registry type or one of relational_distortion_types(), run by apply_step at the severity of |t|.
struct AxisOperation {
  const DistortionType* type = nullptr;
  int axis = 0;
  int sign = 1;  // +1: the edited image has more of the attribute (METHOD-RELATIONAL.md §3.1)
};

// Every operation, grouped by axis in channel order.
const std::vector<AxisOperation>& axis_operations();
// The operations for `axis` in direction `sign`; empty for the missing side of a one-sided axis.
std::vector<const AxisOperation*> operations_for(int axis, int sign);
// Noise, compression and texture loss only go one way on an image (their negative arises in a pair).
bool axis_is_one_sided(int axis);

// Strength |t| in [0.2, 1] -> SHAMISA severity index s = 5|t| - 1 in [0, 4] (so KADID-like levels
// 1..5 are t = 0.2..1); clamped to [0, 4].
double strength_to_severity(double t);

// The operation applied to the whole of x (CV_32FC3 RGB in [0, 1]) at strength |t| in (0, 1], i.e.
// apply_step at severity strength_to_severity(|t|); result clamped to [0, 1]. Random operations
// draw from rng.
cv::Mat apply_axis_operation(const cv::Mat& x, const AxisOperation& op, double magnitude, Rng& rng);

// One planned edit: the signed strength and mask (as SignedEdit) and how to realise it. noise_seed
// makes a random operation draw the same noise each time the edit is applied, so the same program
// at larger strengths gives the same noise, scaled.
struct PlannedEdit {
  SignedEdit edit;
  const AxisOperation* operation = nullptr;
  std::uint64_t noise_seed = 0;
};

// What is done to a pristine patch; no edits = the patch itself.
struct ImageProgram {
  std::vector<PlannedEdit> edits;
};

struct ProgramOptions {
  double p_reference = 0.3;   // probability that an image is the pristine patch
  int max_axes = 3;           // 1..max_axes distinct axes per program
  double min_strength = 0.2;  // |t| >= this (the spec's 0.15 maps below severity 0)
  std::vector<int> axes = {0, 1, 2, 3, 4, 5, 6, 7};  // the axes that may be drawn
};

// Usage error naming the field when options are out of range.
void validate(const ProgramOptions& options);

// Draws a program for `patch` (whose size the masks take): with p_reference none; otherwise
// 1..max_axes distinct axes with t ~ U[-1, 1], |t| >= min_strength (one-sided axes positive), each
// with an operation of that direction and a mask of a random kind.
ImageProgram sample_program(const cv::Mat& patch, Rng& rng, const ProgramOptions& options);

// X <- X + M (D(X) - X) for each edit in order (the patch unchanged for an empty program).
cv::Mat apply_program(const cv::Mat& patch, const ImageProgram& program);

// y(X): CV_32FC(kRelationalAxes) per-pixel targets of a program on a patch of `size`.
cv::Mat program_targets(const ImageProgram& program, cv::Size size);

// A training pair from one patch: two independent programs, and Y(A, B) = clamp(y(A) - y(B)).
struct RelationalPair {
  cv::Mat a, b;     // CV_32FC3 RGB in [0, 1]
  cv::Mat targets;  // Y(A, B), CV_32FC(kRelationalAxes)
  ImageProgram program_a, program_b;
};
RelationalPair make_relational_pair(const cv::Mat& patch, Rng& rng, const ProgramOptions& options);
// (B, A) with target -Y: the swapped pair is free.
RelationalPair swapped(const RelationalPair& pair);

// A set of images of one patch, best first: images[0] is the patch itself (rank 0), and each later
// image is worse than the one before: by construction for the first two kinds, by a proxy for the
// third.
enum class RankedSetKind {
  kMonotoneStrength,  // one program (1..max_axes axes, fixed masks and noise), strengths growing
  kNested,            // images[j + 1] = images[j] plus one more masked edit on a new axis
  // n - 1 independent non-empty programs, ordered by program_severity. This ranks across unrelated
  // programs, which no construction guarantees: it is the design assumption of METHOD-RELATIONAL.md
  // §3.6 point 5 (equal calibrated |t| over equal area is equally bad, whatever the axis).
  kCrossProgram,
};

// The proxy severity of a program: Σ over its edits of |t| · mean(mask) (a global edit has area 1).
double program_severity(const ImageProgram& program);
struct RankedSet {
  std::vector<cv::Mat> images;   // n images, CV_32FC3
  std::vector<cv::Mat> targets;  // y(images[j]) = Y(images[j], patch)
  std::vector<ImageProgram> programs;
};
// The pairs (i, j) of the no-reference pair mode in a set of n (METHOD-RELATIONAL.md §3.7): every
// i < j of its distorted images (ranks 1 ... n - 1), the better first, the reference unseen.
std::vector<std::pair<int, int>> distorted_pairs(int set_size);

// n in [2, 8] (kNested: at most 1 + the number of allowed axes). Usage error otherwise.
RankedSet make_ranked_set(const cv::Mat& patch, int n, RankedSetKind kind, Rng& rng,
                          const ProgramOptions& options);

// A stage-1 training batch of `triplets` triplets. Each is a crop x crop patch, cut at a random
// place from a random image of the pool, with three programs A, B and C drawn on it. The rows are
// three blocks of `triplets`: (A, B), then (B, C), then (A, C), so that the map of (A, C) can be
// checked against the sum of the other two (cycle_loss; the targets add up exactly before their
// clamp). Swapped pairs are not included: with an architecturally anti-symmetric network they
// give exactly the loss of the pair itself. Every draw comes from Rng::stream(seed, {kind, step,
// i}), so a batch depends only on (images, seed, step). Input error naming the file when an image
// cannot be read.
struct RelationalBatch {
  torch::Tensor a, b;     // [3·triplets, 3, crop, crop], RGB in [0, 1]
  torch::Tensor targets;  // [3·triplets, K, crop, crop], Y(A, B)
  int triplets = 0;
};
RelationalBatch make_relational_batch(const std::vector<std::string>& images, int triplets, int crop,
                                      std::uint64_t seed, std::int64_t step, const ProgramOptions& options);

// A stage-2 training batch: `sets` ranked sets of `set_size` images, each from a crop x crop patch cut
// at a random place of a random image; set i is of kind kinds[i % kinds.size()].
// Rows are set-major and best first, so row s·set_size is the patch itself. Draws come from
// Rng::stream(seed, {kind, step, s}); input error naming the file when an image cannot be read.
struct RankedBatch {
  torch::Tensor images;      // [sets·set_size, 3, crop, crop], RGB in [0, 1]
  torch::Tensor references;  // [sets·set_size, 3, crop, crop]: the patch of each row's set
  int sets = 0, set_size = 0;
};
RankedBatch make_ranked_batch(const std::vector<std::string>& images, int sets, int set_size, int crop,
                              std::uint64_t seed, std::int64_t step, const ProgramOptions& options,
                              const std::vector<RankedSetKind>& kinds = {RankedSetKind::kMonotoneStrength,
                                                                         RankedSetKind::kNested});

}  // namespace shamisa

#endif  // SHAMISA_RELATIONAL_DATA_H_
