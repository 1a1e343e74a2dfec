// Research tool: writes a quality model's NR protocol features for every image of a dataset, so
// that heads can be studied outside the project (scripts/head-study.py does).
//   shamisa_dump_features MODEL DATASET.csv OUT.safetensors [CROP] [--fr]
// OUT holds "features" [N, 5, 2d] float32 (METHOD-SHAMISA.md §10.1, rows in dataset order) and
// "scores" [N] float64. CROP overrides the model's evaluation crop (default: its training crop);
// --fr writes the full-reference features instead ([N, 5, 2p], |z_ref - z_dist|; needs refs).
// Threads: SHAMISA_THREADS (default 2). Exit codes as the CLI's; a bad image stops the dump.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "shamisa/baselines.h"
#include "shamisa/dataset.h"
#include "shamisa/error.h"
#include "shamisa/quality_fit.h"
#include "shamisa/quality_model.h"
#include "shamisa/tensor_archive.h"

int main(int argc, char** argv) {
  using namespace shamisa;
  std::vector<std::string> args(argv + 1, argv + argc);
  const auto fr_flag = std::find(args.begin(), args.end(), "--fr");
  const bool full_reference = fr_flag != args.end();
  if (full_reference) args.erase(fr_flag);
  if (args.size() != 3 && args.size() != 4) {
    std::cerr << "usage: shamisa_dump_features MODEL DATASET.csv OUT.safetensors [CROP] [--fr]\n";
    return 2;
  }
  try {
    const char* threads = std::getenv("SHAMISA_THREADS");
    torch::set_num_threads(threads ? std::atoi(threads) : 2);
    QualityModel model = load_quality_model(args[0]);
    if (args.size() == 4) {
      const int crop = std::atoi(args[3].c_str());
      if (crop < 1) throw_usage_error("CROP", "must be a positive integer, not '" + args[3] + "'");
      model.config.item.crop = crop;
    }
    const Dataset dataset = load_dataset_csv(args[1]);
    const auto source = make_quality_feature_source(model, full_reference);
    std::vector<std::string> failures;
    const std::vector<torch::Tensor> features = extract_dataset_features(dataset, *source, failures);
    if (!failures.empty()) throw_input_error(args[1], failures.front());
    std::vector<double> scores;
    for (const auto& item : dataset.items) scores.push_back(item.score);
    TensorArchive archive;
    archive.tensors["features"] = torch::stack(features, 0);
    archive.tensors["scores"] = torch::tensor(scores, torch::kFloat64);
    archive.metadata["model"] = model.name;
    archive.metadata["crop"] = std::to_string(model.crop());
    write_tensor_archive(args[2], archive);
    return 0;
  } catch (const Error& e) {
    std::cerr << "shamisa_dump_features: " << e.what() << '\n';
    return exit_code_for(e.kind());
  }
}
