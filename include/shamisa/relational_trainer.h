// Training the relational method (`shamisa train --config configs/relational-*.json`): both
// networks, their checkpoint, one step of each stage, and the run, which shares the run folder,
// resume checks, log and checkpoint cadence of the SHAMISA trainer (run_folder.h).
//
// Checkpoint: a safetensors archive with "maps.<name>" and "scorer.<name>" (the networks'
// parameters), "optimizer.adam.<parameter>.m" / ".v" (Adam's moments of the stages stepped so
// far) and metadata: format, the resolved config (JSON), completed steps, the image-list digest
// and the thread count. A run resumes bit for bit: every draw of the data comes from (seed, step).
#ifndef SHAMISA_RELATIONAL_TRAINER_H_
#define SHAMISA_RELATIONAL_TRAINER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "shamisa/relational_config.h"
#include "shamisa/tensor_archive.h"
#include "shamisa/trainer.h"

namespace shamisa {

struct RelationalModel {
  MapNetwork maps{nullptr};
  RelationalScorer scorer{nullptr};
  NamedTensors map_parameters() const;     // "maps.<name>"
  NamedTensors scorer_parameters() const;  // "scorer.<name>"
  NamedTensors state() const;              // both: what a checkpoint stores
};

// Both networks of `config`, each from its own seed derived from config.seed.
RelationalModel make_relational_model(const RelationalConfig& config);

struct RelationalState {
  RelationalConfig config;
  RelationalModel model;
  std::map<std::string, torch::Tensor> moments;  // Adam's, keyed "<parameter>.m" / ".v"
  std::int64_t step = 0;
  std::string images_digest;
  int threads = 1;
};

// Atomic write (temporary name, then rename).
void save_relational_checkpoint(const std::string& path, const RelationalState& state);
// Model error naming the file when it is missing, corrupt, not a relational checkpoint, or does not
// match its own config.
RelationalState load_relational_checkpoint(const std::string& path);

// One step at state.step (stage 1 while step < maps.steps, else stage 2): renders its batch from
// `images`, computes the loss and updates the stage's network with Adam. Returns the log line:
// "stage", "lr", "loss" and every term ("regression", "leak", "type", "cycle" or "listmle", "rnc",
// "fidelity", and "pair_fidelity" with scorer.pair_mode), "grad_norm", "data_seconds" (rendering)
// and "step_seconds". Does not advance state.step. Internal error when the loss or the gradient is not finite.
nlohmann::json relational_step(RelationalState& state, const std::vector<std::string>& images,
                               const std::string& checkpoint);

// The run (see trainer.h for RUN's layout and TrainRunOptions). options.steps rescales both stages
// to that total, keeping their proportion (maps = round(total · maps / (maps + scorer))).
// options.init is a usage error (it names SHAMISA encoder weights). Each invocation ends by writing
// RUN/model.safetensors, the model file of the networks as they are (relational_inference.h; its
// header records the steps done), so that an unfinished or even untrained (--stop-after 0) run can
// be measured too.
TrainRunSummary run_relational_training(const std::optional<RelationalConfig>& config, const TrainRunOptions& options);

}  // namespace shamisa

#endif  // SHAMISA_RELATIONAL_TRAINER_H_
