#include "test_helpers.h"

#include <fstream>
#include <random>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

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

double laplacian_variance(const cv::Mat& rgb) {
  cv::Mat gray, lap;
  cv::cvtColor(rgb, gray, cv::COLOR_RGB2GRAY);
  cv::Laplacian(gray, lap, CV_32F);
  cv::Scalar mean, stddev;
  cv::meanStdDev(lap, mean, stddev);
  return stddev[0] * stddev[0];
}

}  // namespace shamisa::test
