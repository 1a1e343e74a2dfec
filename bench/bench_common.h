// Helpers shared by the benchmark programs.
#ifndef SHAMISA_BENCH_COMMON_H_
#define SHAMISA_BENCH_COMMON_H_

#include <sys/resource.h>

namespace shamisa_bench {

// The process's peak resident set so far, in MiB.
inline double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

}  // namespace shamisa_bench

#endif  // SHAMISA_BENCH_COMMON_H_
