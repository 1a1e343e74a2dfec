// The parts of a training run that do not depend on the method, shared by the SHAMISA trainer
// (trainer.h) and the relational one (relational_trainer.h): the run folder RUN with config.json,
// checkpoint.safetensors and log.jsonl; the checks that make --resume safe; the step loop with
// its JSON-lines log and atomic checkpoints; and reading a checkpoint's tensors by name.
#ifndef SHAMISA_RUN_FOLDER_H_
#define SHAMISA_RUN_FOLDER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "shamisa/tensor_archive.h"

namespace shamisa {

std::string run_config_path(const std::string& run_dir);      // RUN/config.json
std::string run_checkpoint_path(const std::string& run_dir);  // RUN/checkpoint.safetensors
std::string run_log_path(const std::string& run_dir);         // RUN/log.jsonl
std::string run_model_path(const std::string& run_dir);       // RUN/model.safetensors

// The pristine images of a training folder, searched recursively and sorted, and the digest
// (image_list_digest) a checkpoint records. Usage error when `dir` is not a folder.
struct TrainingImages {
  std::vector<std::string> paths;
  std::string digest;
};
TrainingImages list_training_images(const std::string& dir);

// A fresh run: usage error when RUN already holds a checkpoint (--resume continues it) or cannot
// be created; otherwise creates RUN and writes config.json and an empty log.
void start_run_folder(const std::string& run_dir, const nlohmann::json& config);
// (Re)writes RUN/config.json atomically.
void write_run_config(const std::string& run_dir, const nlohmann::json& config);

// Before loading a checkpoint to resume: usage error when RUN has none.
void require_run_checkpoint(const std::string& run_dir);

// What a checkpoint says about how it was made; resuming needs all three to match.
struct RunIdentity {
  nlohmann::json config;  // the resolved config
  std::string images_digest;
  int threads = 1;  // the sums, hence the bytes, depend on LibTorch's thread count
};

// Usage errors, each naming what differs: the config (listing the differing keys), the image list
// (naming images_dir), the thread count. Then drops the log lines after the checkpoint's step, so
// that the resumed run rewrites them.
void check_resume(const std::string& run_dir, const RunIdentity& saved, const RunIdentity& wanted,
                  std::int64_t saved_step, const std::string& images_dir);

// Seconds elapsed since `start` on the steady clock (step and data timings of the logs).
double seconds_since(std::chrono::steady_clock::time_point start);

// The step loop of a run. take_step() does one step and returns its log line; the loop adds
// "step" (the count of completed steps), appends the line to log.jsonl (flushed; an input error
// when it cannot be written), and calls save() every `checkpoint_every` steps and once at the
// end unless the file already holds the last step. `saved_step` is the step the checkpoint file
// holds when the loop starts (-1: none). `step` is the state's counter; take_step() must not
// change it.
struct StepLoop {
  std::string run_dir;
  std::int64_t end = 0;
  std::int64_t checkpoint_every = 100;
  std::int64_t saved_step = -1;
  std::int64_t units_per_step = 1;  // what the progress line counts (images, pairs)
  std::string unit = "images";
  bool progress = false;
};
void run_step_loop(std::int64_t& step, const StepLoop& loop, const std::function<nlohmann::json()>& take_step,
                   const std::function<void()>& save);

// Internal errors for a step that must not be applied: a non-finite loss, or a non-finite
// gradient norm (naming the first parameter whose gradient is not finite). `step` is the 1-based
// step; the message says the last checkpoint is kept.
void check_step_finite(double loss, double grad_norm, const NamedTensors& parameters, std::int64_t step,
                       const std::string& checkpoint);

// The JSON object in a model file's "header" metadata entry, checked to be of `format` (what = its
// description, e.g. "relational model") at format_version `version`; model errors name the file.
nlohmann::json model_file_header(const TensorArchive& archive, const std::string& path, const std::string& format,
                                 int version, const std::string& what);

// Appends the parameters of `module` (and its buffers when `buffers`) as prefix + their names.
void append_named(NamedTensors& out, const std::string& prefix, const torch::nn::Module& module, bool buffers);

// Copies each tensor of `source` into the target of the same name (same shape and dtype needed),
// appending " missing <name>;" or " wrong shape or type for <name>;" to `problems` otherwise.
void copy_named_tensors(const std::map<std::string, torch::Tensor>& source, const NamedTensors& targets,
                        std::string& problems);

// What every checkpoint records besides its tensors (the metadata keys "format",
// "format_version", "config", "step", "images_digest", "threads" and "code_version").
struct CheckpointRecord {
  std::string format, version;
  nlohmann::json config;
  std::int64_t step = 0;
  std::string images_digest;
  int threads = 1;
};

// Writes a checkpoint atomically: `state` under its names, each optimiser buffer as
// buffer_prefix + <its key>, the record and any `extra` metadata.
void write_checkpoint(const std::string& path, const CheckpointRecord& record, const NamedTensors& state,
                      const std::map<std::string, torch::Tensor>& buffers, const std::string& buffer_prefix,
                      const std::map<std::string, std::string>& extra = {});

// Reads a checkpoint archive: metadata by key and tensors by name, collecting every mismatch so
// that one model error (naming the file) lists them all.
class CheckpointReader {
 public:
  // Model error unless the archive's "format" is `format` and "format_version" is `version`.
  CheckpointReader(TensorArchive archive, std::string path, const std::string& format,
                   const std::string& version);
  const std::string& meta(const std::string& key) const;  // model error when absent
  std::int64_t count(const std::string& key) const;        // a non-negative integer
  // The record's fields: the embedded config (model error when it is not JSON), the completed
  // steps, the image-list digest and the thread count.
  nlohmann::json config() const;
  std::int64_t step() const { return count("step"); }
  const std::string& images_digest() const { return meta("images_digest"); }
  int threads() const;
  // Copies the archive's tensor of each name into it (same shape and dtype required).
  void restore(const NamedTensors& targets);
  // Tensors named prefix + <parameter name> (optimiser buffers): clones, keyed by the name
  // without the prefix; each must match the shape and dtype of the parameter it names.
  std::map<std::string, torch::Tensor> buffers(const std::string& prefix, const NamedTensors& parameters);
  // Model error listing every problem found, including tensors nobody asked for.
  void finish() const;
  const std::string& path() const { return path_; }

 private:
  TensorArchive archive_;
  std::string path_;
  std::set<std::string> used_;
  std::string problems_;
};

}  // namespace shamisa

#endif  // SHAMISA_RUN_FOLDER_H_
