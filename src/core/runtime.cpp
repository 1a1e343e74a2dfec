#include "shamisa/runtime.h"

#include <thread>

#include <opencv2/core/utility.hpp>
#include <torch/torch.h>

#include "shamisa/error.h"

namespace shamisa {

int default_thread_count() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

void set_thread_count(int threads) {
  if (threads < 1) throw_usage_error("--threads", "must be at least 1, got " + std::to_string(threads));
  torch::set_num_threads(threads);
  cv::setNumThreads(threads);
}

}  // namespace shamisa
