// Small helpers shared by the unit tests.
#ifndef SHAMISA_TESTS_TEST_HELPERS_H_
#define SHAMISA_TESTS_TEST_HELPERS_H_

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>

#include "shamisa/error.h"

namespace shamisa::test {

// A fresh empty folder under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

 private:
  std::filesystem::path dir_;
};

std::string test_data(const std::string& name);
void write_bytes(const std::string& path, const std::vector<std::uint8_t>& bytes);
std::vector<std::uint8_t> encode_with_opencv(const std::string& ext, const cv::Mat& bgr_or_gray,
                                             const std::vector<int>& params = {});

// Asserts that fn throws shamisa::Error of the given kind whose message contains `needle`.
template <typename Fn>
void expect_error(Fn&& fn, ErrorKind kind, const std::string& needle) {
  try {
    fn();
    ADD_FAILURE() << "expected shamisa::Error containing '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_EQ(static_cast<int>(e.kind()), static_cast<int>(kind)) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

// Variance of the Laplacian of the gray image (RGB CV_32FC3): a sharpness statistic.
double laplacian_variance(const cv::Mat& rgb);

}  // namespace shamisa::test

#endif  // SHAMISA_TESTS_TEST_HELPERS_H_
