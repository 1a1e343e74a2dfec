// Process-wide settings: thread counts for LibTorch and OpenCV.
#ifndef SHAMISA_RUNTIME_H_
#define SHAMISA_RUNTIME_H_

namespace shamisa {

// The number of cores, at least 1.
int default_thread_count();

// Sets LibTorch's intra-op and OpenCV's thread counts. LibTorch's default here is 1 thread, so
// programs call this explicitly. Results do not depend on the count (see DESIGN.md).
void set_thread_count(int threads);

}  // namespace shamisa

#endif  // SHAMISA_RUNTIME_H_
