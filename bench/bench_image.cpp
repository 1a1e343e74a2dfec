// Image-core benchmarks: decoding a 512x384 image and the protocol's half-scale resize.
//   build/bench/shamisa_bench --benchmark_filter='Decode|HalfScale'
#include <benchmark/benchmark.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include "shamisa/image_io.h"
#include "shamisa/resize.h"
#include "shamisa/runtime.h"

namespace {

// A 512x384 photograph (a BSDS500 image resized), or a synthetic pattern if the data is absent.
cv::Mat photo_512x384() {
  static const cv::Mat image = [] {
    cv::Mat bgr = cv::imread(SHAMISA_SHARED_DATA "/pristine/bsds500/test/100007.jpg", cv::IMREAD_COLOR);
    if (bgr.empty()) {
      bgr.create(384, 512, CV_8UC3);
      cv::randu(bgr, 0, 255);
      cv::GaussianBlur(bgr, bgr, cv::Size(0, 0), 2.0);
    }
    cv::Mat resized, rgb;
    cv::resize(bgr, resized, cv::Size(512, 384), 0, 0, cv::INTER_AREA);
    cv::cvtColor(resized, rgb, cv::COLOR_BGR2RGB);
    return rgb;
  }();
  return image;
}

std::vector<std::uint8_t> encoded(const std::string& ext, std::vector<int> params = {}) {
  cv::Mat bgr;
  cv::cvtColor(photo_512x384(), bgr, cv::COLOR_RGB2BGR);
  std::vector<std::uint8_t> bytes;
  cv::imencode(ext, bgr, bytes, params);
  return bytes;
}

void run_decode(benchmark::State& state, const std::vector<std::uint8_t>& bytes) {
  for (auto _ : state) {
    auto image = shamisa::decode_image_bytes(bytes, "bench");
    benchmark::DoNotOptimize(image.rgb.data);
  }
  state.counters["MP"] = benchmark::Counter(512.0 * 384.0 / 1e6, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_DecodeJpeg512x384(benchmark::State& state) { run_decode(state, encoded(".jpg", {cv::IMWRITE_JPEG_QUALITY, 90})); }
void BM_DecodePng512x384(benchmark::State& state) { run_decode(state, encoded(".png")); }

// Argument: thread count (OpenCV's parallel_for_ splits rows).
void run_half_scale(benchmark::State& state, const cv::Mat& image) {
  shamisa::set_thread_count(int(state.range(0)));
  for (auto _ : state) {
    cv::Mat half = shamisa::half_scale(image);
    benchmark::DoNotOptimize(half.data);
  }
  state.counters["MP"] = benchmark::Counter(512.0 * 384.0 / 1e6, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_HalfScaleU8_512x384(benchmark::State& state) { run_half_scale(state, photo_512x384()); }
void BM_HalfScaleF32_512x384(benchmark::State& state) { run_half_scale(state, shamisa::to_rgbf(photo_512x384())); }

// For scale: OpenCV's decoder on the same JPEG bytes (same libjpeg, no strict checks).
void BM_OpenCvImdecodeJpeg512x384(benchmark::State& state) {
  const auto bytes = encoded(".jpg", {cv::IMWRITE_JPEG_QUALITY, 90});
  for (auto _ : state) {
    cv::Mat image = cv::imdecode(bytes, cv::IMREAD_COLOR);
    benchmark::DoNotOptimize(image.data);
  }
}

// The machine's limit for dense arithmetic: a 1024^3 float matrix product through LibTorch and
// OpenBLAS. Argument: thread count.
void BM_TorchMatmul1024(benchmark::State& state) {
  shamisa::set_thread_count(int(state.range(0)));
  torch::manual_seed(0);
  const torch::Tensor a = torch::randn({1024, 1024}), b = torch::randn({1024, 1024});
  for (auto _ : state) {
    torch::Tensor c = torch::mm(a, b);
    benchmark::DoNotOptimize(c.data_ptr<float>());
  }
  state.counters["GFLOP"] = benchmark::Counter(2.0 * 1024 * 1024 * 1024 / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

// For scale: OpenCV's own (non-antialiasing) bicubic and area resizes of the same image.
void BM_OpenCvInterCubicHalf_512x384(benchmark::State& state) {
  const cv::Mat image = photo_512x384();
  for (auto _ : state) {
    cv::Mat half;
    cv::resize(image, half, cv::Size(256, 192), 0, 0, cv::INTER_CUBIC);
    benchmark::DoNotOptimize(half.data);
  }
}
void BM_OpenCvInterAreaHalf_512x384(benchmark::State& state) {
  const cv::Mat image = photo_512x384();
  for (auto _ : state) {
    cv::Mat half;
    cv::resize(image, half, cv::Size(256, 192), 0, 0, cv::INTER_AREA);
    benchmark::DoNotOptimize(half.data);
  }
}

}  // namespace

BENCHMARK(BM_DecodeJpeg512x384)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_DecodePng512x384)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_HalfScaleU8_512x384)->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_HalfScaleF32_512x384)->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_OpenCvImdecodeJpeg512x384)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TorchMatmul1024)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_OpenCvInterCubicHalf_512x384)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_OpenCvInterAreaHalf_512x384)->Unit(benchmark::kMicrosecond);
