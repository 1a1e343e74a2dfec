#include "shamisa/version.h"

#include <dlfcn.h>

#include <opencv2/core/version.hpp>
#include <opencv2/core/utility.hpp>
#include <torch/version.h>

namespace shamisa {

std::string version() { return SHAMISA_VERSION; }

std::string torch_version() { return TORCH_VERSION; }

std::string opencv_version() { return cv::getVersionString(); }

std::string blas_description() {
  // OpenBLAS exports openblas_get_config(); the reference BLAS does not. Looked up at run time
  // because which libblas.so.3 is loaded is chosen by Debian's alternatives, not at build time.
  using ConfigFn = char* (*)();
  auto fn = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_config"));
  if (fn != nullptr) return fn();  // e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH … Zen MAX_THREADS=64"
  return "reference BLAS (slow: install libopenblas0-pthread)";
}

std::string version_report() {
  return "shamisa " + version() + "\nLibTorch " + torch_version() + "\nOpenCV " + opencv_version() +
         "\nBLAS " + blas_description() + "\n";
}

}  // namespace shamisa
