// Research tool: writes a quality model's NR protocol features for every image of a dataset, so
// that heads can be studied outside the project (scripts/head-study.py does).
//   shamisa_dump_features MODEL DATASET.csv OUT.safetensors [CROP]
// OUT holds "features" [N, 5, 2d] float32 (METHOD-SHAMISA.md §10.1, rows in dataset order) and
// "scores" [N] float64. CROP overrides the model's evaluation crop (default: its training crop).
// Threads: SHAMISA_THREADS (default 2). Exit codes as the CLI's; a bad image stops the dump.
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
  if (argc != 4 && argc != 5) {
    std::cerr << "usage: shamisa_dump_features MODEL DATASET.csv OUT.safetensors [CROP]\n";
    return 2;
  }
  try {
    const char* threads = std::getenv("SHAMISA_THREADS");
    torch::set_num_threads(threads ? std::atoi(threads) : 2);
    QualityModel model = load_quality_model(argv[1]);
    if (argc == 5) {
      const int crop = std::atoi(argv[4]);
      if (crop < 1) throw_usage_error("CROP", std::string("must be a positive integer, not '") + argv[4] + "'");
      model.config.item.crop = crop;
    }
    const Dataset dataset = load_dataset_csv(argv[2]);
    const auto source = make_quality_feature_source(model, false);
    std::vector<std::string> failures;
    const std::vector<torch::Tensor> features = extract_dataset_features(dataset, *source, failures, [] {});
    if (!failures.empty()) throw_input_error(argv[2], failures.front());
    std::vector<double> scores;
    for (const auto& item : dataset.items) scores.push_back(item.score);
    TensorArchive archive;
    archive.tensors["features"] = torch::stack(features, 0);
    archive.tensors["scores"] = torch::tensor(scores, torch::kFloat64);
    archive.metadata["model"] = model.name;
    archive.metadata["crop"] = std::to_string(model.crop());
    write_tensor_archive(argv[3], archive);
    return 0;
  } catch (const Error& e) {
    std::cerr << "shamisa_dump_features: " << e.what() << '\n';
    return exit_code_for(e.kind());
  }
}
