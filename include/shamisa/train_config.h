// Training configuration (configs/*.json): every knob of the recipe (METHOD-SHAMISA.md §9, §13) and
// every ablation switch (§9 table), with the paper's values as defaults.
//
// A config file is a JSON object with the sections and keys of train_config_to_json(); a key left
// out keeps the default below. An unknown key or a value of the wrong type or range is a usage
// error naming the file and the key, so a typo never silently trains something else.
#ifndef SHAMISA_TRAIN_CONFIG_H_
#define SHAMISA_TRAIN_CONFIG_H_

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "shamisa/branch_weights.h"
#include "shamisa/encoder.h"
#include "shamisa/objectives.h"
#include "shamisa/relation_graphs.h"
#include "shamisa/shamisa_loss.h"
#include "shamisa/training_batch.h"

namespace shamisa {

struct RelationConfig {
  // Branch switches (ablations B1–B8). The kNN branch also feeds R_graph's gradient.
  bool ref_ref = true, ref_dist = true, dist_dist = true, structural = true, knn = true,
       transport = true;
  bool binary = false;          // A1: every kept edge has value 1 (kNN and transport edges too)
  bool original_curve = false;  // F1: φ = 1/(1 + Δ/4)
  StructuralRule structural_rule = StructuralRule::kSameScale;  // Q3
  int knn_k = 31;
  // Fraction of the G^dd candidates kept (paper: 4096 of 6960), rounded to a count.
  double dist_dist_fraction = 4096.0 / 6960.0;
  TransportOptions transport_options;  // Sinkhorn, temperature, top fraction, L_ot coefficient (E1: 0)
  BranchWeightMode branch_weights = BranchWeightMode::kFrozen;  // Q4; A3 uniform; A4 trained
  std::uint64_t branch_weight_seed = 27;
};

enum class OptimizerKind { kSgd, kAdam };

struct OptimizerConfig {
  // kSgd = the paper's SGD with momentum; kAdam = Adam (β 0.9, 0.999), the same cosine schedule
  // and weight decay (momentum unused). A deviation for training from random weights.
  OptimizerKind kind = OptimizerKind::kSgd;
  double lr = 1.5e-3;
  double min_lr = 1e-6;  // cosine floor η_min
  double momentum = 0.9;
  double weight_decay = 1e-4;
  std::int64_t warmup_steps = 0;  // linear ramp from 0 to the cosine curve (0 = the paper's none)
  double clip_grad_norm = 0.0;    // rescale the gradient to at most this global L2 norm (0 = none)
};

struct TrainConfig {
  std::string name = "paper";
  Objective objective = Objective::kShamisa;
  std::uint64_t seed = 27;
  std::int64_t steps = 70000;  // the cosine schedule's length
  EncoderConfig encoder{50, 1.0};
  int projector_hidden = 3072;
  int projector_out = 768;
  double projector_init_gain = 1.0;  // ProjectorImpl's first_layer_gain (1 = the paper's init)
  bool projector_batch_norm = false;         // BatchNorm after the hidden Linear (false = the paper's)
  bool projector_output_batch_norm = false;  // affine-free BatchNorm on z (false = the paper's)
  int prototypes = 32;
  int items_per_step = 2;  // B
  TrainingItemOptions item;  // n_refs, crop, F, composition (K, L, severity distribution, order)
  int prefetch_depth = 2;    // batches rendered ahead of the trainer
  RelationConfig relations;
  ShamisaLossCoefficients loss;
  double simclr_temperature = 0.1;
  // Coefficient of the auxiliary quality term (0 = off, the paper's): a linear head on h predicts
  // each node's SSIM against its reference crop (references: 1), mean squared error. A label-free
  // deviation; see docs/training.md, "The quality target".
  double quality_target = 0.0;
  // Coefficient of the auxiliary group target (0 = off, the paper's): a linear head on h predicts,
  // for each of the 7 distortion groups, whether the node's chain holds a distortion of it
  // (references: none), by binary cross-entropy. With group_target_graded the target of a present
  // group is (s + 1)/5 for its severity index s instead of 1. Distortion metadata only, no human
  // labels: a deviation; see docs/training.md, "The group target".
  double group_target = 0.0;
  bool group_target_graded = false;
  OptimizerConfig optimizer;
  // Images per encoder pass; 0 = the whole step in one pass (plain backpropagation). A smaller
  // value turns on gradient caching, which bounds memory; BatchNorm statistics are then those of
  // each micro-batch.
  int micro_batch = 0;
  std::int64_t checkpoint_every = 100;  // steps between checkpoints (and one at the end)
};

// Parses and validates; `source` names the file in errors.
TrainConfig train_config_from_json(const nlohmann::json& json, const std::string& source);
// Reads a config file (input error when unreadable, usage error when invalid).
TrainConfig read_train_config(const std::string& path);
// Every key, resolved; train_config_from_json(train_config_to_json(c)) == c.
nlohmann::json train_config_to_json(const TrainConfig& config);

// Checks ranges and consistency (e.g. items, refs, crop, micro_batch ≥ 0, knn_k ≥ 1); usage error.
void validate_train_config(const TrainConfig& config, const std::string& source);

// Derived quantities.
BatchLayout train_batch_layout(const TrainConfig& config);
// config.item, with ssim_targets on when the quality target needs them.
TrainingItemOptions training_item_options(const TrainConfig& config);
std::int64_t dist_dist_top_k(const TrainConfig& config);  // round(fraction × candidates)

}  // namespace shamisa

#endif  // SHAMISA_TRAIN_CONFIG_H_
