// Baseline-metric benchmarks on 512x384 RGB images: images (or pairs) per second.
//   build/bench/shamisa_bench --benchmark_filter=Metric
#include <benchmark/benchmark.h>

#include <opencv2/imgproc.hpp>

#include "shamisa/baselines.h"
#include "shamisa/image_io.h"
#include "shamisa/runtime.h"

namespace {

cv::Mat live_ref_512x384() {
  cv::Mat rgb;
  try {
    rgb = shamisa::read_image_rgb8(std::string(SHAMISA_SHARED_DATA) + "/live-dev/refs/bikes.bmp");
  } catch (const std::exception&) {
    rgb.create(512, 768, CV_8UC3);
    cv::randu(rgb, 0, 255);
    cv::GaussianBlur(rgb, rgb, cv::Size(0, 0), 2.0);
  }
  return rgb(cv::Rect(0, 0, 512, 384)).clone();
}

// Argument: index into baseline_metrics(). One thread: the dataset runner parallelises over images.
void BM_Metric(benchmark::State& state) {
  shamisa::set_thread_count(1);
  const auto& info = shamisa::baseline_metrics()[state.range(0)];
  const auto scorer = shamisa::make_metric_scorer(info.name);
  const cv::Mat ref = live_ref_512x384();
  cv::Mat dist;
  cv::GaussianBlur(ref, dist, cv::Size(0, 0), 1.5);
  for (auto _ : state) benchmark::DoNotOptimize(scorer->score(&ref, dist));
  state.SetLabel(info.name);
  state.counters["images"] = benchmark::Counter(1, benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

BENCHMARK(BM_Metric)->DenseRange(0, 5)->Unit(benchmark::kMillisecond);

#include <torch/torch.h>

#include "shamisa/ridge.h"

namespace {

// The ridge path: one eigendecomposition, then every alpha cheaply. Arguments: n samples, d features.
void BM_RidgePathConstruction(benchmark::State& state) {
  shamisa::set_thread_count(2);
  torch::manual_seed(3);
  const torch::Tensor X = torch::rand({state.range(0), state.range(1)}, torch::kFloat32);
  const torch::Tensor y = torch::rand({state.range(0)}, torch::kFloat64);
  for (auto _ : state) {
    shamisa::RidgePath path(X, y);
    benchmark::DoNotOptimize(path.features());
  }
}

void BM_RidgePathHundredAlphas(benchmark::State& state) {
  shamisa::set_thread_count(2);
  torch::manual_seed(3);
  const torch::Tensor X = torch::rand({state.range(0), state.range(1)}, torch::kFloat32);
  const torch::Tensor y = torch::rand({state.range(0)}, torch::kFloat64);
  const shamisa::RidgePath path(X, y);
  const std::vector<double> alphas = shamisa::geomspace(1e-3, 1e3, 100);
  for (auto _ : state)
    for (double a : alphas) benchmark::DoNotOptimize(path.fit(a).intercept);
}

}  // namespace

BENCHMARK(BM_RidgePathConstruction)->Args({1200, 512})->Args({2700, 4096})->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_RidgePathHundredAlphas)->Args({1200, 512})->Unit(benchmark::kMillisecond);
