// Distortion-engine benchmarks: every type on 224x224 and 512x384 images, and one SHAMISA training
// item (3 references x 2 scales x 4 compositions x 5 levels of 224x224 crops) on 2 threads.
//   build/bench/shamisa_bench --benchmark_filter='Distort|TrainingItem'
#include <benchmark/benchmark.h>

#include <opencv2/core/utility.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "shamisa/composition.h"
#include "shamisa/crop.h"
#include "shamisa/distort.h"
#include "shamisa/image_io.h"
#include "shamisa/resize.h"
#include "shamisa/runtime.h"

namespace {

cv::Mat photo(int width, int height, const char* name = "bsds500/test/100007.jpg") {
  cv::Mat rgb;
  try {
    rgb = shamisa::read_image_rgbf(std::string(SHAMISA_SHARED_DATA) + "/pristine/" + name);
  } catch (const std::exception&) {
    rgb.create(384, 512, CV_32FC3);
    cv::randu(rgb, 0.0f, 1.0f);
    cv::GaussianBlur(rgb, rgb, cv::Size(0, 0), 2.0);
  }
  cv::Mat out;
  cv::resize(rgb, out, cv::Size(width, height), 0, 0, cv::INTER_AREA);
  return out;
}

// Argument 0: index of the type in the registry; 1: 0 for 224x224, 1 for 512x384. One thread.
void BM_Distort(benchmark::State& state) {
  shamisa::set_thread_count(1);
  const auto& type = shamisa::distortion_registry()[state.range(0)];
  const cv::Mat image = state.range(1) == 0 ? photo(224, 224) : photo(512, 384);
  const shamisa::DistortionStep step{&type, shamisa::severity_to_value(type, 2.5)};
  shamisa::Rng rng(1);
  for (auto _ : state) {
    cv::Mat out = shamisa::apply_step(image, step, rng);
    benchmark::DoNotOptimize(out.data);
  }
  state.SetLabel(type.name + (state.range(1) == 0 ? " 224x224" : " 512x384"));
  state.counters["MP"] = benchmark::Counter(double(image.total()) / 1e6, benchmark::Counter::kIsIterationInvariantRate);
}

void register_type_benchmarks() {
  const int n = static_cast<int>(shamisa::distortion_registry().size());
  auto* b = benchmark::RegisterBenchmark("BM_Distort", BM_Distort);
  for (int size = 0; size < 2; ++size)
    for (int t = 0; t < n; ++t) b->Args({t, size});
  b->Unit(benchmark::kMillisecond);
}
const bool registered = (register_type_benchmarks(), true);

// One training item as METHOD-SHAMISA.md section 5 builds it: 3 references, each at full scale
// and at Pillow-bicubic half scale, a random 224 crop of each (6 views), 4 compositions shared by
// all views, 5 levels each with prefix reuse: 120 distorted crops. Views render in parallel.
void BM_TrainingItem(benchmark::State& state) {
  shamisa::set_thread_count(int(state.range(0)));
  const std::vector<cv::Mat> refs = {photo(512, 384, "bsds500/test/100007.jpg"), photo(512, 384, "bsds500/test/101027.jpg"),
                                     photo(512, 384, "bsds500/test/10081.jpg")};
  std::uint64_t item = 0;
  for (auto _ : state) {
    shamisa::Rng rng = shamisa::Rng::stream(1, {item++});
    std::vector<cv::Mat> views;
    for (const cv::Mat& ref : refs) {
      views.push_back(shamisa::crop_zero_padded(ref, rng.uniform_int(0, ref.cols - 225), rng.uniform_int(0, ref.rows - 225), 224, 224));
      const cv::Mat half = shamisa::half_scale(ref);
      views.push_back(shamisa::crop_zero_padded(half, rng.uniform_int(0, std::max(0, half.cols - 225)),
                                                rng.uniform_int(0, std::max(0, half.rows - 225)), 224, 224));
    }
    std::vector<shamisa::Composition> compositions;
    for (int f = 0; f < 4; ++f) compositions.push_back(shamisa::sample_composition(rng));
    std::vector<std::vector<cv::Mat>> out(views.size() * compositions.size());
    cv::parallel_for_(cv::Range(0, int(out.size())), [&](const cv::Range& range) {
      for (int i = range.start; i < range.end; ++i) {
        shamisa::Rng local = shamisa::Rng::stream(item, {std::uint64_t(i)});
        out[i] = shamisa::render_levels(views[i / 4], compositions[i % 4], local);
      }
    });
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["items"] = benchmark::Counter(1, benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

BENCHMARK(BM_TrainingItem)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->MinTime(5.0);
