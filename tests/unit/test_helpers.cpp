#include "test_helpers.h"

#include <fstream>
#include <random>

#include <opencv2/imgcodecs.hpp>

namespace shamisa::test {

TempDir::TempDir() {
  std::random_device rd;
  dir_ = std::filesystem::temp_directory_path() / ("shamisa-test-" + std::to_string(rd()));
  std::filesystem::create_directories(dir_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string test_data(const std::string& name) { return std::string(SHAMISA_TEST_DATA) + "/" + name; }

void write_bytes(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

std::vector<std::uint8_t> encode_with_opencv(const std::string& ext, const cv::Mat& image,
                                             const std::vector<int>& params) {
  std::vector<std::uint8_t> bytes;
  EXPECT_TRUE(cv::imencode(ext, image, bytes, params)) << ext;
  return bytes;
}

}  // namespace shamisa::test
