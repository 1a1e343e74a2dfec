// Training-step benchmarks: one optimisation step (encoder forward and backward, relation graphs,
// loss, SGD update) of the shipped configs on a fixed batch rendered from the pristine images, and
// the rendering of one batch (the data pipeline's share).
//   build/bench/shamisa_bench --benchmark_filter='TrainStep/cpu-default|TrainingBatch'
//   build/bench/shamisa_bench --benchmark_filter='TrainStep/paper'   # alone: it reports peak RSS
#include <benchmark/benchmark.h>

#include "shamisa/image_paths.h"
#include "shamisa/runtime.h"
#include "shamisa/train_config.h"
#include "shamisa/train_step.h"
#include "shamisa/training_model.h"

#include "bench_common.h"

namespace {

using namespace shamisa;
using shamisa_bench::peak_rss_mib;

TrainConfig config_named(const std::string& name) {
  return read_train_config(std::string(SHAMISA_SOURCE_DIR) + "/configs/" + name + ".json");
}

std::vector<std::string> pristine() {
  return expand_image_paths({std::string(SHAMISA_SHARED_DATA) + "/pristine"}, true);
}

// Arguments: thread count. One step = compute_step_gradients + sgd_update on the same batch.
void train_step(benchmark::State& state, const std::string& name) {
  set_thread_count(static_cast<int>(state.range(0)));
  const TrainConfig config = config_named(name);
  const TrainingBatch batch = make_training_batch(pristine(), config.items_per_step, config.seed, 0, config.item);
  const torch::Tensor images = batch_images(batch);
  const BatchTargets targets = batch_targets(batch);
  TrainingModel model = make_training_model(config);
  const NamedTensors parameters = model.trainable_parameters(config);
  std::map<std::string, torch::Tensor> momentum;
  const std::int64_t n = images.size(0);
  const bool cache = config.micro_batch > 0 && config.micro_batch < n;
  for (auto _ : state) {
    const StepStatistics s = compute_step_gradients(model, config, images, targets, cache);
    sgd_update(parameters, momentum, config.optimizer, config.optimizer.lr);
    benchmark::DoNotOptimize(s.terms.at("loss"));
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["images_per_step"] = static_cast<double>(n);
  // Encoder convolutions only: forward + backward (inputs and weights) ≈ 3 forward passes, plus
  // the extra forward pass of gradient caching.
  const double passes = cache ? 4.0 : 3.0;
  const double flops = 2.0 * passes * encoder_forward_macs(config.encoder, config.item.crop, config.item.crop);
  state.counters["encoder_GFLOPs"] =
      benchmark::Counter(flops * static_cast<double>(n) * static_cast<double>(state.iterations()) / 1e9,
                         benchmark::Counter::kIsRate);
  state.counters["peak_rss_MiB"] = peak_rss_mib();
}

void BM_TrainStep_CpuDefault(benchmark::State& state) { train_step(state, "cpu-default"); }
void BM_TrainStep_Paper(benchmark::State& state) { train_step(state, "paper"); }
BENCHMARK(BM_TrainStep_CpuDefault)->Name("TrainStep/cpu-default")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_TrainStep_Paper)->Name("TrainStep/paper")->Arg(2)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

// Rendering one cpu-default batch on the given number of threads (what the prefetcher overlaps).
void BM_TrainingBatchCpuDefault(benchmark::State& state) {
  set_thread_count(static_cast<int>(state.range(0)));
  const TrainConfig config = config_named("cpu-default");
  const std::vector<std::string> images = pristine();
  std::int64_t step = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(make_training_batch(images, config.items_per_step, config.seed, step++, config.item));
  }
  state.SetItemsProcessed(state.iterations() * train_batch_layout(config).nodes());
}
BENCHMARK(BM_TrainingBatchCpuDefault)->Name("TrainingBatch/cpu-default")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
