// One optimisation step: the batch as node-ordered tensors, the objective on the encoder features,
// the gradient (plain or gradient-cached), the cosine learning rate and the SGD update.
#ifndef SHAMISA_TRAIN_STEP_H_
#define SHAMISA_TRAIN_STEP_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "shamisa/train_config.h"
#include "shamisa/training_batch.h"
#include "shamisa/training_model.h"

namespace shamisa {

// The batch's images in node order (§5.5): [all references (b, v) ; all distorted (b, v, f, l)],
// [N, 3, crop, crop].
torch::Tensor batch_images(const TrainingBatch& batch);
// Variable-slot severities in the order build_metadata_graphs expects: (b·F + f)·L + l.
std::vector<double> batch_variable_severity(const TrainingBatch& batch);

// What the objective needs from a batch besides its images.
struct BatchTargets {
  std::vector<double> variable_severity;  // batch_variable_severity
  // [N] float32 in node order: 1 for a reference, its dist_ssim for a distorted crop; undefined
  // when the items carry no dist_ssim. Needed only when config.quality_target > 0.
  torch::Tensor quality;
  // [N, 7] float32 in node order, groups in distortion_groups() order: for a distorted node,
  // (s + 1)/5 where its chain (composition f at level l) holds a distortion of that group with
  // severity index s, else 0; 0 for a reference. Presence is groups > 0. Filled whenever the items
  // carry their compositions (the data path always does).
  torch::Tensor groups;
};
BatchTargets batch_targets(const TrainingBatch& batch);

// What a step reports: every loss term by name ("loss", "var", "cov", "inv", "ot", "graph_reg",
// "inv_total" for shamisa and vicreg; "loss", "nt_xent" for simclr; "quality", the unweighted
// mean squared error of the quality target, when it is on), and for shamisa the branch
// weights and the edge counts of the six branches (kNN: 2 per kept entry) and of W, and the
// collapse monitors.
struct StepStatistics {
  std::map<std::string, double> terms;
  std::array<double, kBranchCount> branch_weights{};
  std::array<double, kBranchCount> branch_edges{};
  double aggregated_edges = 0.0;
  // Collapse monitors: mean over feature columns of the standard deviation over the batch, for
  // the L2-normalised encoder features h (≈ 1/√d when spread evenly, 0 when collapsed) and the
  // projector output z (the variance term's target is 1).
  double h_std = 0.0;
  double z_std = 0.0;
};

struct ObjectiveOutput {
  torch::Tensor loss;  // 0-dim, with autograd history through h and the heads
  StepStatistics statistics;
};

// The configured objective on the L2-normalised encoder features h [N, d] (node order):
// shamisa = the four metadata graphs (constants), kNN and transport on h, Φ's branch weights,
// aggregation and the loss of §8; vicreg = vicreg_loss on the projector output; simclr = NT-Xent
// on the projector output with ARNIQA's positives. With config.quality_target > 0 the loss also
// holds quality_target × mean((quality_head(h) − targets.quality)²); with config.group_target > 0,
// group_target × the mean binary cross-entropy of group_head(ĥ)'s logits against targets.groups
// (graded) or its presence (targets.groups > 0), logged as "groups"; ĥ is h with each column standardised over the batch
// (minus its mean, over its standard deviation + 1e-5). The head sees the unit-norm h
// itself: h of a random encoder are nearly parallel, so a larger input scale would multiply the
// curvature along their common direction and make SGD at cpu-default's rate diverge.
ObjectiveOutput evaluate_objective(TrainingModel& model, const TrainConfig& config, const torch::Tensor& h,
                                   const BatchTargets& targets);

// Fills the .grad of every trainable parameter for one step (previous gradients are discarded)
// and returns the statistics. The encoder runs in micro-batches of config.micro_batch images
// (0 = all N at once), each with its own BatchNorm statistics. With gradient_cache false every
// micro-batch keeps its autograd graph until one backward pass over the whole loss. With
// gradient_cache true (what bounds memory): (1) h for all micro-batches without autograd,
// (2) the objective and its gradient with respect to h (and the heads), (3) each micro-batch
// again with autograd, back-propagating its slice of that gradient. Both give the same gradient;
// the BatchNorm running statistics are updated once per micro-batch in either case.
StepStatistics compute_step_gradients(TrainingModel& model, const TrainConfig& config, const torch::Tensor& images,
                                      const BatchTargets& targets, bool gradient_cache);

// η(step) = min_lr + ½(lr − min_lr)(1 + cos(π·step/total)), step = completed steps (0-based),
// times (step + 1)/warmup_steps during the first warmup_steps steps.
double cosine_learning_rate(const OptimizerConfig& optimizer, std::int64_t step, std::int64_t total);

// The global L2 norm of the parameters' gradients (summed in double, in parameter order). When
// max_norm > 0 and the norm exceeds it, every gradient is scaled by max_norm / (norm + 1e-6), as
// torch.nn.utils.clip_grad_norm_ does. Returns the norm before clipping; a non-finite norm
// (some gradient holds NaN or ±inf) leaves the gradients as they are.
double clip_gradient_norm(const NamedTensors& parameters, double max_norm);

// PyTorch's SGD (dampening 0, no Nesterov): d = g + wd·p; buf = d on the first step, else
// buf = momentum·buf + d; p −= lr·buf. Parameters without a gradient are skipped (no decay
// either), as torch.optim.SGD does. `momentum` is keyed by parameter name.
void sgd_update(const NamedTensors& parameters, std::map<std::string, torch::Tensor>& momentum,
                const OptimizerConfig& optimizer, double lr);

// PyTorch's Adam (no amsgrad), as the relational method's recipe uses it: d = g + wd·p;
// m = β1·m + (1 − β1)·d; v = β2·v + (1 − β2)·d²; p −= (lr / (1 − β1^t))·m / (√v / √(1 − β2^t) + ε),
// with t = `step` (1 for the first update). Moments are keyed "<name>.m" and "<name>.v", so they
// go into a checkpoint by name. Parameters without a gradient are skipped.
struct AdamOptions {
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.0;
};
void adam_update(const NamedTensors& parameters, std::map<std::string, torch::Tensor>& moments,
                 const AdamOptions& options, double lr, std::int64_t step);
// The Adam moments a checkpoint may hold: "<name>.m" and "<name>.v", each shaped as its parameter.
NamedTensors moment_slots(const NamedTensors& parameters);

// The update `optimizer.kind` names, at rate lr: sgd_update, or adam_update (its weight decay from
// `optimizer`, its step count `step`, 1 for the first update). `buffers` holds the momentum or
// the moments.
void optimizer_update(const NamedTensors& parameters, std::map<std::string, torch::Tensor>& buffers,
                      const OptimizerConfig& optimizer, double lr, std::int64_t step);
// The buffers optimizer_update keeps, named as it keys them (what a checkpoint holds): one per
// parameter for SGD, moment_slots for Adam.
NamedTensors optimizer_slots(const OptimizerConfig& optimizer, const NamedTensors& parameters);

}  // namespace shamisa

#endif  // SHAMISA_TRAIN_STEP_H_
