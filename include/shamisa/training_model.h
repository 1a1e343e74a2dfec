// The networks of one training run and its checkpoint file.
//
// A checkpoint is a safetensors archive (include/shamisa/tensor_archive.h) holding the networks'
// parameters and buffers ("model.encoder.<torchvision name>", "model.projector.*",
// "model.prototypes.*", "model.branch_mlp.*"), the optimiser's momentum buffers
// ("optimizer.momentum.<parameter name>"; with Adam "<parameter name>.m" and ".v") and metadata: format, the resolved config (JSON), the
// number of completed steps, a digest of the training image list, the thread count, and the
// number of momentum buffers. Nothing else is needed to
// continue a run bit for bit: every random draw of the data comes from (seed, step).
#ifndef SHAMISA_TRAINING_MODEL_H_
#define SHAMISA_TRAINING_MODEL_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "shamisa/branch_weights.h"
#include "shamisa/encoder.h"
#include "shamisa/train_config.h"

namespace shamisa {

struct TrainingModel {
  ResNetEncoder encoder{nullptr};
  Projector projector{nullptr};
  PrototypeHead prototypes{nullptr};  // shamisa objective only, else null
  BranchWeightMlp branch_mlp{nullptr};  // shamisa objective only, else null
  // Linear(feature_dim → 1), zero-initialised: the auxiliary quality target's head, present only
  // when config.quality_target > 0 ("model.quality_head.weight", ".bias").
  torch::nn::Linear quality_head{nullptr};
  // Linear(feature_dim → 7), zero-initialised: the auxiliary group target's head, present only
  // when config.group_target > 0 ("model.group_head.weight", ".bias").
  torch::nn::Linear group_head{nullptr};

  // Parameters the optimiser updates, with checkpoint names ("model.encoder.conv1.weight", ...).
  // Φ's are included only in the "trained" branch-weight mode (ablation A4).
  NamedTensors trainable_parameters(const TrainConfig& config) const;
  // Every parameter and buffer with its checkpoint name (what a checkpoint stores).
  NamedTensors state() const;
  void train(bool on = true);
};

// Networks of `config`, initialised deterministically from config.seed (each network from its
// own sub-stream; Φ from relations.branch_weight_seed).
TrainingModel make_training_model(const TrainConfig& config);

struct TrainingState {
  TrainConfig config;
  TrainingModel model;
  std::map<std::string, torch::Tensor> momentum;  // by parameter name; absent = not yet stepped
  std::int64_t step = 0;                          // completed steps
  std::string images_digest;                      // of the training image list
  int threads = 1;  // LibTorch threads the run uses; reductions, hence the bytes, depend on it
};

// threads = the current torch::get_num_threads().
TrainingState make_training_state(const TrainConfig& config, const std::string& images_digest);

// Atomic write (temporary name, then rename).
void save_checkpoint(const std::string& path, const TrainingState& state);
// Model error naming the file when it is missing, corrupt, of another format, or lacks or
// mis-shapes any tensor the config's networks need.
TrainingState load_checkpoint(const std::string& path);

// A digest (hex FNV-1a 64) of the training image list: each path relative to `root`, in order,
// with its size in bytes; so the same folder named another way gives the same digest.
std::string image_list_digest(const std::vector<std::string>& paths, const std::string& root);

}  // namespace shamisa

#endif  // SHAMISA_TRAINING_MODEL_H_
