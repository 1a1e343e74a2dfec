// Relational-method benchmarks: rendering stage-1 batches (pairs with masks and targets) and one
// map-network optimisation step (forward of both orders, map loss, backward, Adam).
//   build/bench/shamisa_bench --benchmark_filter='RelationalBatch|MapNetworkStep'
#include <benchmark/benchmark.h>

#include "shamisa/image_paths.h"
#include "shamisa/relational_data.h"
#include "shamisa/relational_model.h"
#include "shamisa/runtime.h"
#include "shamisa/train_step.h"

namespace {

using namespace shamisa;

std::vector<std::string> pristine() {
  return expand_image_paths({std::string(SHAMISA_SHARED_DATA) + "/pristine"}, true);
}

// Arguments: pairs per batch, crop. Items = pairs rendered (the swapped copies are free).
void relational_batch(benchmark::State& state) {
  const std::vector<std::string> images = pristine();
  std::int64_t step = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(make_relational_batch(images, static_cast<int>(state.range(0)),
                                                   static_cast<int>(state.range(1)), 27, step++, ProgramOptions{}));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(relational_batch)->Name("RelationalBatch")->Args({8, 128})->Unit(benchmark::kMillisecond)->UseRealTime();

// Arguments: thread count. A batch of 8 pairs + 8 swaps at 128 px, the default 16-32-64-128 U-Net.
// Items = image pairs through the network (16 per step, each run in both orders).
void map_network_step(benchmark::State& state) {
  set_thread_count(static_cast<int>(state.range(0)));
  const RelationalBatch batch = make_relational_batch(pristine(), 8, 128, 27, 0, ProgramOptions{});
  MapNetwork net(MapNetworkConfig{}, 1);
  NamedTensors params;
  for (const auto& p : net->named_parameters()) params.emplace_back(p.key(), p.value());
  std::map<std::string, torch::Tensor> moments;
  std::int64_t step = 0;
  for (auto _ : state) {
    for (auto& [name, p] : params) p.mutable_grad() = torch::Tensor();
    const MapLossTerms loss = map_loss(net->forward(batch.a, batch.b), batch.targets, MapLossWeights{});
    loss.total.backward();
    adam_update(params, moments, AdamOptions{}, 2e-4, ++step);
  }
  state.SetItemsProcessed(state.iterations() * batch.a.size(0));
}
BENCHMARK(map_network_step)->Name("MapNetworkStep")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
