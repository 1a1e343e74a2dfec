// A training run: a folder RUN holding config.json (the resolved config), checkpoint.safetensors
// (the latest state, written atomically every config.checkpoint_every steps and at the end) and
// log.jsonl (one JSON object per step: every loss term, branch weights and edge counts, learning
// rate, timings). A run resumes from its checkpoint and continues bit for bit: the same inputs,
// seed and thread count give the same checkpoint bytes whether or not the run was interrupted.
#ifndef SHAMISA_TRAINER_H_
#define SHAMISA_TRAINER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "shamisa/run_folder.h"
#include "shamisa/train_config.h"
#include "shamisa/train_step.h"

namespace shamisa {

struct TrainRunOptions {
  std::string images_dir;  // pristine images (searched recursively, sorted)
  std::string run_dir;
  bool resume = false;     // continue RUN's checkpoint (its config must equal `config` if one is given)
  std::string init;        // optional torchvision-named encoder weights (safetensors), fresh runs only
  std::optional<std::int64_t> steps;       // overrides config.steps (also checked on resume)
  std::optional<std::uint64_t> seed;       // overrides config.seed (also checked on resume)
  std::optional<std::int64_t> stop_after;  // stop once this many steps are done (an interruption)
  bool progress = false;   // images/s and ETA on stderr
};

struct TrainRunSummary {
  std::int64_t first_step = 0;  // completed steps when this invocation started
  std::int64_t steps_done = 0;  // completed steps now
  std::int64_t total_steps = 0;
  double last_loss = 0.0;
  double seconds = 0.0;
  double images_per_second = 0.0;
  double data_wait_share = 0.0;  // time blocked on the data pipeline / wall time of the steps
  std::string checkpoint;
};

// Trains `config` (ignored with resume when nullopt: RUN's own config is used). Errors: usage
// (RUN already holds a run and resume is false; nothing to resume; config or image list differs
// from the checkpoint's; fewer images than data.refs), input (unreadable image while rendering),
// model (corrupt checkpoint or init file), internal (the loss became non-finite — the last
// checkpoint is kept).
TrainRunSummary run_training(const std::optional<TrainConfig>& config, const TrainRunOptions& options);

}  // namespace shamisa

#endif  // SHAMISA_TRAINER_H_
