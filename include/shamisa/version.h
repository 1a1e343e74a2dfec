// Versions of shamisa and of the libraries it was built and runs with.
#ifndef SHAMISA_VERSION_H_
#define SHAMISA_VERSION_H_

#include <string>

namespace shamisa {

std::string version();          // e.g. "0.1.0"
std::string torch_version();    // LibTorch, as compiled against
std::string opencv_version();   // OpenCV, as loaded at run time
// The BLAS behind LibTorch's matrix products: OpenBLAS's build string, or a warning that the
// reference BLAS is in use (an order of magnitude slower).
std::string blas_description();

// Several lines: "shamisa X", "LibTorch Y", "OpenCV Z", "BLAS …".
std::string version_report();

}  // namespace shamisa

#endif  // SHAMISA_VERSION_H_
