// Scoring benchmarks: what `shamisa score` does per image with the default model (decode the
// JPEG, half scale, 10 protocol crops through the encoder, the NR head), on JPEG files of
// 512x384 and 12 MP (4000x3000), through the same batch path as the command (OpenCV's pool over
// images).
//   build/bench/shamisa_bench --benchmark_filter='Score/'
#include <filesystem>

#include <benchmark/benchmark.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "shamisa/baselines.h"
#include "shamisa/quality_fit.h"
#include "shamisa/quality_model.h"
#include "shamisa/runtime.h"

#include "bench_common.h"

namespace {

using namespace shamisa;
using shamisa_bench::peak_rss_mib;

// A BSDS500 photograph resized to width x height (a blurred noise pattern if the data is absent),
// written once as a quality-90 JPEG in the temporary folder.
std::string jpeg_file(int width, int height) {
  const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                     ("shamisa-bench-score-" + std::to_string(width) + "x" + std::to_string(height) + ".jpg");
  if (std::filesystem::exists(path)) return path.string();
  cv::Mat bgr = cv::imread(SHAMISA_SHARED_DATA "/pristine/bsds500/test/100007.jpg", cv::IMREAD_COLOR);
  if (bgr.empty()) {
    bgr.create(321, 481, CV_8UC3);
    cv::randu(bgr, 0, 255);
    cv::GaussianBlur(bgr, bgr, cv::Size(0, 0), 2.0);
  }
  cv::Mat resized;
  cv::resize(bgr, resized, cv::Size(width, height), 0, 0, cv::INTER_CUBIC);
  cv::imwrite(path.string(), resized, {cv::IMWRITE_JPEG_QUALITY, 90});
  return path.string();
}

// Arguments: width, height, images per batch, thread count.
void score_batch(benchmark::State& state) {
  const int width = int(state.range(0)), height = int(state.range(1)), images = int(state.range(2));
  set_thread_count(int(state.range(3)));
  QualityModel model = load_quality_model(std::string(SHAMISA_SOURCE_DIR) + "/models/" + kDefaultQualityModel);
  Dataset batch;
  const std::string file = jpeg_file(width, height);
  for (int i = 0; i < images; ++i) batch.items.push_back({file, "", "", 0.0, ""});
  const auto source = make_quality_feature_source(model, false);
  for (auto _ : state) {
    std::vector<std::string> failures;
    const std::vector<torch::Tensor> features = extract_dataset_features(batch, *source, failures);
    if (!failures.empty()) state.SkipWithError(failures.front().c_str());
    for (const torch::Tensor& f : features) benchmark::DoNotOptimize(nr_score_100(*model.nr_head, f));
  }
  state.SetItemsProcessed(state.iterations() * images);
  // 10 crops per image through the encoder (forward only).
  const double flops = 2.0 * 10.0 * encoder_forward_macs(model.config.encoder, model.crop(), model.crop());
  state.counters["encoder_GFLOPs"] = benchmark::Counter(
      flops * images * static_cast<double>(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
  state.counters["peak_rss_MiB"] = peak_rss_mib();
}

BENCHMARK(score_batch)
    ->Name("Score/512x384")
    ->ArgNames({"w", "h", "images", "threads"})
    ->Args({512, 384, 32, 1})
    ->Args({512, 384, 32, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(score_batch)
    ->Name("Score/12MP")
    ->ArgNames({"w", "h", "images", "threads"})
    ->Args({4000, 3000, 4, 1})
    ->Args({4000, 3000, 4, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
