// Run folders, resume checks, the step loop and checkpoint reading; see include/shamisa/run_folder.h.
#include "shamisa/run_folder.h"

#include <filesystem>
#include <fstream>

#include "shamisa/error.h"
#include "shamisa/image_io.h"
#include "shamisa/image_paths.h"
#include "shamisa/progress.h"
#include "shamisa/training_model.h"
#include "shamisa/version.h"

namespace shamisa {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

void write_text_atomic(const std::string& path, const std::string& text) {
  write_file_atomic(path, std::vector<std::uint8_t>(text.begin(), text.end()));
}

bool path_exists(const std::string& path) {
  std::error_code ignored;
  return fs::exists(path, ignored);
}

// The keys whose values differ, for a readable mismatch message.
std::string differing_keys(const json& a, const json& b, const std::string& prefix = "") {
  std::string out;
  for (const auto& item : a.items()) {
    const std::string key = prefix + item.key();
    if (!b.contains(item.key())) {
      out += " " + key;
    } else if (item.value().is_object() && b[item.key()].is_object()) {
      out += differing_keys(item.value(), b[item.key()], key + ".");
    } else if (item.value() != b[item.key()]) {
      out += " " + key;
    }
  }
  return out;
}

// Keeps the log lines of steps 1..steps_done (a resumed run rewrites what came after its checkpoint).
void truncate_log(const std::string& path, std::int64_t steps_done) {
  std::ifstream in(path);
  if (!in) return;
  std::string kept, line;
  while (std::getline(in, line)) {
    try {
      if (json::parse(line).at("step").get<std::int64_t>() <= steps_done) kept += line + "\n";
    } catch (const json::exception&) {
      break;  // a line cut short by the interruption ends the usable log
    }
  }
  in.close();
  write_text_atomic(path, kept);
}

}  // namespace

std::string run_config_path(const std::string& run_dir) { return (fs::path(run_dir) / "config.json").string(); }
std::string run_checkpoint_path(const std::string& run_dir) {
  return (fs::path(run_dir) / "checkpoint.safetensors").string();
}
std::string run_log_path(const std::string& run_dir) { return (fs::path(run_dir) / "log.jsonl").string(); }
std::string run_model_path(const std::string& run_dir) {
  return (fs::path(run_dir) / "model.safetensors").string();
}

TrainingImages list_training_images(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw_usage_error(dir, "is not a folder of training images");
  TrainingImages images;
  images.paths = expand_image_paths({dir}, /*recursive=*/true);
  images.digest = image_list_digest(images.paths, dir);
  return images;
}

void start_run_folder(const std::string& run_dir, const json& config) {
  if (run_dir.empty()) throw_usage_error("--out", "no run folder given");
  if (path_exists(run_checkpoint_path(run_dir))) {
    throw_usage_error(run_dir, "already holds a run; pass --resume to continue it or choose another --out");
  }
  std::error_code ec;
  fs::create_directories(run_dir, ec);
  if (ec) throw_usage_error(run_dir, "cannot create the run folder: " + ec.message());
  write_run_config(run_dir, config);
  write_text_atomic(run_log_path(run_dir), "");
}

void write_run_config(const std::string& run_dir, const json& config) {
  write_text_atomic(run_config_path(run_dir), config.dump(2) + "\n");
}

void require_run_checkpoint(const std::string& run_dir) {
  if (run_dir.empty()) throw_usage_error("--out", "no run folder given");
  const std::string checkpoint = run_checkpoint_path(run_dir);
  if (!path_exists(checkpoint)) {
    throw_usage_error(run_dir, "has no checkpoint to resume (" + checkpoint + " does not exist)");
  }
}

void check_resume(const std::string& run_dir, const RunIdentity& saved, const RunIdentity& wanted,
                  std::int64_t saved_step, const std::string& images_dir) {
  if (saved.config != wanted.config) {
    throw_usage_error(run_dir, "the checkpoint was trained with a different config (differs in:" +
                                   differing_keys(wanted.config, saved.config) + ")");
  }
  if (saved.images_digest != wanted.images_digest) {
    throw_usage_error(images_dir, "is not the image list this run was trained on (the image names or "
                                  "sizes differ from the checkpoint's)");
  }
  if (saved.threads != wanted.threads) {
    throw_usage_error("--threads", "the run was trained with " + std::to_string(saved.threads) +
                                       " threads; resume it with --threads " + std::to_string(saved.threads) +
                                       " (the floating-point sums, hence the result, depend on the count)");
  }
  truncate_log(run_log_path(run_dir), saved_step);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void run_step_loop(std::int64_t& step, const StepLoop& loop, const std::function<json()>& take_step,
                   const std::function<void()>& save) {
  const std::string log_path = run_log_path(loop.run_dir);
  std::ofstream log(log_path, std::ios::app);
  if (!log) throw_usage_error(log_path, "cannot open the training log for writing");
  ProgressReporter progress("train (" + loop.unit + ")",
                            std::max<std::int64_t>(0, loop.end - step) * loop.units_per_step, loop.progress);
  std::int64_t saved_step = loop.saved_step;
  while (step < loop.end) {
    json line = take_step();
    ++step;
    line["step"] = step;
    log << line.dump() << "\n";
    log.flush();
    if (!log) throw_input_error(log_path, "cannot write the training log (disk full?)");
    if (step % loop.checkpoint_every == 0) {
      save();
      saved_step = step;
    }
    progress.advance(loop.units_per_step);
  }
  if (saved_step != step) save();
  progress.finish();
}

void check_step_finite(double loss, double grad_norm, const NamedTensors& parameters, std::int64_t step,
                       const std::string& checkpoint) {
  const std::string kept = " at step " + std::to_string(step) + "; the last checkpoint is kept in " + checkpoint;
  if (!std::isfinite(loss)) throw_internal_error("training", "the loss became " + std::to_string(loss) + kept);
  // A finite loss can still come with a non-finite gradient; stepping on it would put NaN into
  // the weights and then into the next checkpoint.
  if (std::isfinite(grad_norm)) return;
  std::string name = "a parameter";
  for (const auto& [candidate, p] : parameters) {
    if (p.grad().defined() && !torch::isfinite(p.grad()).all().item<bool>()) {
      name = candidate;
      break;
    }
  }
  throw_internal_error("training", "the gradient of " + name + " became non-finite" + kept);
}

void write_checkpoint(const std::string& path, const CheckpointRecord& record, const NamedTensors& state,
                      const std::map<std::string, torch::Tensor>& buffers, const std::string& buffer_prefix,
                      const std::map<std::string, std::string>& extra) {
  TensorArchive archive;
  for (const auto& [name, tensor] : state) archive.tensors[name] = tensor.detach().contiguous();
  for (const auto& [name, buffer] : buffers) archive.tensors[buffer_prefix + name] = buffer.detach().contiguous();
  archive.metadata = extra;
  archive.metadata["format"] = record.format;
  archive.metadata["format_version"] = record.version;
  archive.metadata["config"] = record.config.dump();
  archive.metadata["step"] = std::to_string(record.step);
  archive.metadata["images_digest"] = record.images_digest;
  archive.metadata["threads"] = std::to_string(record.threads);
  archive.metadata["code_version"] = version();
  write_tensor_archive(path, archive);
}

CheckpointReader::CheckpointReader(TensorArchive archive, std::string path, const std::string& format,
                                   const std::string& version)
    : archive_(std::move(archive)), path_(std::move(path)) {
  const auto it = archive_.metadata.find("format");
  if (it == archive_.metadata.end() || it->second != format) {
    throw_model_error(path_, "not a training checkpoint (format '" +
                                 (it == archive_.metadata.end() ? std::string() : it->second) + "'; expected '" +
                                 format + "')");
  }
  if (meta("format_version") != version) {
    throw_model_error(path_, "checkpoint format version " + meta("format_version") + " is not supported (expected " +
                                 version + ")");
  }
}

const std::string& CheckpointReader::meta(const std::string& key) const {
  const auto it = archive_.metadata.find(key);
  if (it == archive_.metadata.end()) throw_model_error(path_, "not a training checkpoint (no '" + key + "' metadata)");
  return it->second;
}

std::int64_t CheckpointReader::count(const std::string& key) const {
  const std::string& text = meta(key);
  try {
    std::size_t used = 0;
    const std::int64_t value = std::stoll(text, &used);
    if (used == text.size() && value >= 0) return value;
  } catch (const std::exception&) {
  }
  throw_model_error(path_, "invalid " + key + " '" + text + "'");
}

json CheckpointReader::config() const {
  try {
    return json::parse(meta("config"));
  } catch (const json::exception& e) {
    throw_model_error(path_, std::string("embedded config is not valid JSON: ") + e.what());
  }
}

int CheckpointReader::threads() const { return static_cast<int>(std::min<std::int64_t>(count("threads"), 1 << 20)); }

nlohmann::json model_file_header(const TensorArchive& archive, const std::string& path, const std::string& format,
                                 int version, const std::string& what) {
  const auto it = archive.metadata.find("header");
  if (it == archive.metadata.end()) throw_model_error(path, "not a " + what + " file (no header)");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(it->second);
  } catch (const nlohmann::json::exception& e) {
    throw_model_error(path, std::string("the header is not valid JSON: ") + e.what());
  }
  if (!header.is_object() || header.value("format", "") != format) {
    throw_model_error(path, "not a " + what + " file (format '" +
                                (header.is_object() ? header.value("format", "") : std::string()) + "')");
  }
  if (header.value("format_version", 0) != version) {
    throw_model_error(path, what + " format version " + header["format_version"].dump() +
                                " is not supported (expected " + std::to_string(version) + ")");
  }
  return header;
}

void append_named(NamedTensors& out, const std::string& prefix, const torch::nn::Module& module, bool buffers) {
  for (const auto& p : module.named_parameters()) out.emplace_back(prefix + p.key(), p.value());
  if (buffers) {
    for (const auto& b : module.named_buffers()) out.emplace_back(prefix + b.key(), b.value());
  }
}

void copy_named_tensors(const std::map<std::string, torch::Tensor>& source, const NamedTensors& targets,
                        std::string& problems) {
  torch::NoGradGuard no_grad;
  for (const auto& [name, target] : targets) {
    const auto it = source.find(name);
    if (it == source.end()) {
      problems += " missing " + name + ";";
    } else if (it->second.sizes() != target.sizes() || it->second.dtype() != target.dtype()) {
      problems += " wrong shape or type for " + name + ";";
    } else {
      target.copy_(it->second);
    }
  }
}

void CheckpointReader::restore(const NamedTensors& targets) {
  for (const auto& entry : targets) used_.insert(entry.first);
  copy_named_tensors(archive_.tensors, targets, problems_);
}

std::map<std::string, torch::Tensor> CheckpointReader::buffers(const std::string& prefix,
                                                               const NamedTensors& parameters) {
  std::map<std::string, torch::Tensor> by_name;
  for (const auto& [name, p] : parameters) by_name[name] = p;
  std::map<std::string, torch::Tensor> out;
  for (const auto& [name, tensor] : archive_.tensors) {
    if (name.rfind(prefix, 0) != 0) continue;
    used_.insert(name);
    const std::string param = name.substr(prefix.size());
    const auto p = by_name.find(param);
    if (p == by_name.end() || p->second.sizes() != tensor.sizes() || p->second.dtype() != tensor.dtype()) {
      problems_ += " unexpected buffer " + name + ";";
    } else {
      out[param] = tensor.clone();
    }
  }
  return out;
}

void CheckpointReader::finish() const {
  std::string problems = problems_;
  for (const auto& [name, tensor] : archive_.tensors) {
    if (used_.count(name) == 0) problems += " unexpected " + name + ";";
  }
  if (!problems.empty()) {
    problems.pop_back();
    throw_model_error(path_, "checkpoint does not match its config:" + problems);
  }
}

}  // namespace shamisa
