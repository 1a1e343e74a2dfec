// Relational-method benchmarks: rendering stage-1 batches (triplets with masks and targets) and
// one training step of each stage as the trainer runs it (relational_step: rendering, forward,
// loss, backward, Adam), at the settings of configs/relational-default.json.
//   build/bench/shamisa_bench --benchmark_filter='RelationalBatch|RelationalStep|Relate768'
#include <benchmark/benchmark.h>

#include "shamisa/config_reader.h"
#include "shamisa/image_paths.h"
#include "shamisa/image_io.h"
#include "shamisa/relational_data.h"
#include "shamisa/relational_inference.h"
#include "shamisa/relational_trainer.h"
#include "shamisa/runtime.h"

namespace {

using namespace shamisa;

std::vector<std::string> pristine() {
  return expand_image_paths({std::string(SHAMISA_SHARED_DATA) + "/pristine"}, true);
}

RelationalConfig default_config() {
  const std::string path = std::string(SHAMISA_SOURCE_DIR) + "/configs/relational-default.json";
  return relational_config_from_json(read_json_file(path), path);
}

// Arguments: triplets per batch, crop. Items = pairs (3 per triplet).
void relational_batch(benchmark::State& state) {
  const std::vector<std::string> images = pristine();
  std::int64_t step = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(make_relational_batch(images, static_cast<int>(state.range(0)),
                                                   static_cast<int>(state.range(1)), 27, step++, ProgramOptions{}));
  }
  state.SetItemsProcessed(state.iterations() * 3 * state.range(0));
}
BENCHMARK(relational_batch)->Name("RelationalBatch")->Args({4, 96})->Unit(benchmark::kMillisecond)->UseRealTime();

// Arguments: stage (0 maps, 1 scorer), thread count. Items = image pairs through the map network
// (stage 1: 3 per triplet, each in both orders inside the network; stage 2: every image of the
// ranked sets against its reference, without gradients).
void relational_step_bench(benchmark::State& state) {
  set_thread_count(static_cast<int>(state.range(1)));
  const std::vector<std::string> images = pristine();
  RelationalState s;
  s.config = default_config();
  s.model = make_relational_model(s.config);
  const bool scorer = state.range(0) == 1;
  s.step = scorer ? s.config.maps.steps : 0;
  for (auto _ : state) benchmark::DoNotOptimize(relational_step(s, images, "bench"));
  state.SetItemsProcessed(state.iterations() *
                          (scorer ? s.config.sets * s.config.set_size : 3 * s.config.triplets));
}
BENCHMARK(relational_step_bench)
    ->Name("RelationalStep")
    ->ArgNames({"scorer", "threads"})
    ->Args({0, 1})
    ->Args({0, 2})
    ->Args({1, 1})
    ->Args({1, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Arguments: thread count. `relate` on a 768 x 512 pair (set14's monarch, blurred copy) with the
// shipped default model: tiled maps, summary and the pair score. Items = pairs.
void relate_pair(benchmark::State& state) {
  set_thread_count(static_cast<int>(state.range(0)));
  RelationalModelFile model =
      read_relational_model(std::string(SHAMISA_SOURCE_DIR) + "/models/relational-default.safetensors");
  const cv::Mat b = read_image_rgbf(std::string(SHAMISA_SHARED_DATA) + "/pristine/set14/monarch.bmp");
  Rng rng(1);
  const cv::Mat a = apply_step(b, parse_chain("gaublur:2")[0], rng);
  for (auto _ : state) benchmark::DoNotOptimize(relate(model, a, b));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(relate_pair)->Name("Relate768x512")->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
