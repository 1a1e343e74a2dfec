// Tests of the safetensors reader and writer.
#include "shamisa/tensor_archive.h"

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "shamisa/error.h"

namespace shamisa {
namespace {

namespace fs = std::filesystem;

class ArchiveTempDir {
 public:
  ArchiveTempDir() {
    static int counter = 0;
    path_ = fs::temp_directory_path() /
            ("shamisa_archive_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(path_);
  }
  ~ArchiveTempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::vector<std::uint8_t> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// A safetensors file: 8-byte LE length, the header text as given, then the data bytes.
std::vector<std::uint8_t> make_file(const std::string& header, const std::vector<std::uint8_t>& data,
                                    std::uint64_t declared_len = UINT64_MAX) {
  std::uint64_t len = declared_len == UINT64_MAX ? header.size() : declared_len;
  std::vector<std::uint8_t> out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>((len >> (8 * i)) & 0xFF));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

// Expects a model error whose message names `source` and contains `fragment`.
void expect_model_error(const std::vector<std::uint8_t>& bytes, const std::string& fragment) {
  ArchiveTempDir dir;
  const std::string path = dir.file("bad.safetensors");
  write_bytes(path, bytes);
  try {
    read_tensor_archive(path);
    FAIL() << "no error for a file that should contain: " << fragment;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kModel) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  } catch (const std::exception& e) {
    FAIL() << "wrong exception type: " << e.what();
  }
}

TensorArchive sample_archive() {
  TensorArchive a;
  a.tensors["f32"] = torch::arange(12, torch::kFloat32).reshape({3, 4}) * 0.5;
  a.tensors["f64"] = torch::tensor({1.0, -2.5, 3.25}, torch::kFloat64);
  a.tensors["i64"] = torch::tensor({std::int64_t{-7}, std::int64_t{1} << 40}, torch::kInt64);
  a.tensors["i32"] = torch::tensor({1, -2, 3, -4}, torch::kInt32).reshape({2, 2});
  a.tensors["u8"] = torch::tensor({0, 200, 255}, torch::kUInt8);
  a.tensors["bool"] = torch::tensor({true, false, true});
  a.tensors["scalar"] = torch::tensor(42, torch::kInt64);
  a.tensors["empty"] = torch::zeros({0, 3}, torch::kFloat32);
  a.metadata["format"] = "pt";
  a.metadata["note"] = "ünïcode \"quoted\"";
  return a;
}

TEST(TensorArchive, RoundTripSeveralDtypesAndMetadata) {
  ArchiveTempDir dir;
  const std::string path = dir.file("a.safetensors");
  const TensorArchive a = sample_archive();
  write_tensor_archive(path, a);
  const TensorArchive b = read_tensor_archive(path);
  EXPECT_EQ(b.metadata, a.metadata);
  ASSERT_EQ(b.tensors.size(), a.tensors.size());
  for (const auto& [name, t] : a.tensors) {
    ASSERT_TRUE(b.tensors.count(name)) << name;
    const torch::Tensor& u = b.tensors.at(name);
    EXPECT_EQ(u.scalar_type(), t.scalar_type()) << name;
    EXPECT_EQ(u.sizes(), t.sizes()) << name;
    EXPECT_TRUE(torch::equal(u, t)) << name;
  }
  // No temporary file is left behind.
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST(TensorArchive, NonContiguousTensorIsWrittenInLogicalOrder) {
  TensorArchive a;
  a.tensors["t"] = torch::arange(6, torch::kFloat32).reshape({2, 3}).t();
  const TensorArchive b = parse_tensor_archive(serialize_tensor_archive(a, "mem"), "mem");
  EXPECT_TRUE(torch::equal(b.tensors.at("t"), a.tensors.at("t")));
}

TEST(TensorArchive, HalfPrecisionIsReadAsFloat) {
  TensorArchive a;
  a.tensors["h"] = torch::tensor({1.5f, -0.25f, 1024.0f}).to(torch::kFloat16);
  a.tensors["bf"] = torch::tensor({2.0f, -3.0f}).to(torch::kBFloat16);
  const TensorArchive b = parse_tensor_archive(serialize_tensor_archive(a, "mem"), "mem");
  EXPECT_EQ(b.tensors.at("h").scalar_type(), torch::kFloat32);
  EXPECT_TRUE(torch::equal(b.tensors.at("h"), torch::tensor({1.5f, -0.25f, 1024.0f})));
  EXPECT_TRUE(torch::equal(b.tensors.at("bf"), torch::tensor({2.0f, -3.0f})));
}

TEST(TensorArchive, BytesAreDeterministicAndAligned) {
  ArchiveTempDir dir;
  const std::string p1 = dir.file("1.safetensors");
  const std::string p2 = dir.file("2.safetensors");
  write_tensor_archive(p1, sample_archive());
  write_tensor_archive(p2, sample_archive());
  const auto b1 = file_bytes(p1);
  const auto b2 = file_bytes(p2);
  EXPECT_EQ(b1, b2);
  ASSERT_GE(b1.size(), 8u);
  std::uint64_t len = 0;
  for (int i = 7; i >= 0; --i) len = (len << 8) | b1[i];
  EXPECT_EQ((8 + len) % 8, 0u);
  // Names sorted in the header: "bool" comes before "empty" before "f32".
  const std::string header(b1.begin() + 8, b1.begin() + 8 + static_cast<long>(len));
  EXPECT_LT(header.find("\"bool\""), header.find("\"empty\""));
  EXPECT_LT(header.find("\"empty\""), header.find("\"f32\""));
  // Data is contiguous from offset 0 and every tensor is naturally aligned (8-byte ones first).
  const nlohmann::json j = nlohmann::json::parse(header);
  std::uint64_t total = 0;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "__metadata__") continue;
    const auto begin = it.value()["data_offsets"][0].get<std::uint64_t>();
    const auto end = it.value()["data_offsets"][1].get<std::uint64_t>();
    const std::string dtype = it.value()["dtype"].get<std::string>();
    const std::uint64_t size = (dtype == "F64" || dtype == "I64")   ? 8
                               : (dtype == "F32" || dtype == "I32") ? 4
                                                                    : 1;
    EXPECT_EQ(begin % size, 0u) << it.key();
    total += end - begin;
  }
  EXPECT_EQ(8 + len + total, b1.size());
  // 8-byte tensors by name ("f64" < "i64" < "scalar"), then 4-byte ones, then 1-byte ones.
  EXPECT_EQ(j["f64"]["data_offsets"][0].get<std::uint64_t>(), 0u) << header;
  EXPECT_EQ(j["i64"]["data_offsets"][0].get<std::uint64_t>(), 24u) << header;
  EXPECT_EQ(j["scalar"]["data_offsets"][0].get<std::uint64_t>(), 40u) << header;
  EXPECT_EQ(j["f32"]["data_offsets"][0].get<std::uint64_t>(), 48u) << header;
  // Reading and writing again gives the same bytes.
  write_tensor_archive(p2, read_tensor_archive(p1));
  EXPECT_EQ(file_bytes(p2), b1);
}

TEST(TensorArchive, ReadsHandWrittenFile) {
  // Two F32 values 1.0 and -2.0, then one I64 value 7, with metadata.
  const std::string header =
      R"({"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
      R"("b":{"dtype":"I64","shape":[1,1],"data_offsets":[8,16]}})";
  const std::vector<std::uint8_t> data = {0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0,
                                          0x07, 0, 0, 0, 0, 0, 0, 0};
  ArchiveTempDir dir;
  const std::string path = dir.file("hand.safetensors");
  write_bytes(path, make_file(header, data));
  const TensorArchive a = read_tensor_archive(path);
  ASSERT_EQ(a.tensors.size(), 2u);
  EXPECT_EQ(a.metadata.at("k"), "v");
  EXPECT_TRUE(torch::equal(a.tensors.at("a"), torch::tensor({1.0f, -2.0f})));
  EXPECT_EQ(a.tensors.at("b").scalar_type(), torch::kInt64);
  EXPECT_EQ(a.tensors.at("b").sizes(), (std::vector<std::int64_t>{1, 1}));
  EXPECT_EQ(a.tensors.at("b").item<std::int64_t>(), 7);
}

TEST(TensorArchive, MissingFileIsModelError) {
  ArchiveTempDir dir;
  const std::string path = dir.file("nope.safetensors");
  try {
    read_tensor_archive(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kModel);
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
  }
}

const std::string kGoodHeader = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
const std::vector<std::uint8_t> kGoodData(8, 0);

TEST(TensorArchive, TruncatedFilesAreModelErrors) {
  expect_model_error({}, "truncated");
  expect_model_error({1, 0, 0}, "truncated");
  // Data section shorter than the offsets say.
  expect_model_error(make_file(kGoodHeader, std::vector<std::uint8_t>(5, 0)), "beyond the data");
}

TEST(TensorArchive, HeaderLengthBeyondFileIsModelError) {
  expect_model_error(make_file(kGoodHeader, kGoodData, 1000), "beyond the end of the file");
  expect_model_error(make_file(kGoodHeader, kGoodData, UINT64_MAX - 1), "beyond the end");
}

TEST(TensorArchive, BadJsonIsModelError) {
  expect_model_error(make_file(R"({"a": {"dtype": "F32", )", {}), "not valid JSON");
  expect_model_error(make_file("[1, 2]", {}), "not a JSON object");
  expect_model_error(make_file(R"({"a": 3})", {}), "not an object");
  expect_model_error(make_file(R"({"a":{"dtype":"F32","shape":[2]}})", kGoodData),
                     "data_offsets");
  expect_model_error(make_file(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})",
                               kGoodData),
                     "non-negative");
  expect_model_error(make_file(R"({"__metadata__":{"k":1}})", {}), "not a string");
}

TEST(TensorArchive, OffsetsOutOfRangeOrOverlappingAreModelErrors) {
  expect_model_error(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
                               kGoodData),
                     "beyond the data");
  expect_model_error(make_file(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})",
                               kGoodData),
                     "end before");
  expect_model_error(
      make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                kGoodData),
      "overlapping");
  expect_model_error(
      make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,18446744073709551615]}})",
                kGoodData),
      "byte count");
}

TEST(TensorArchive, UnsupportedDtypeIsModelError) {
  expect_model_error(make_file(R"({"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}})",
                               kGoodData),
                     "unsupported dtype 'C64'");
}

TEST(TensorArchive, ShapeSizeMismatchIsModelError) {
  expect_model_error(make_file(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})",
                               kGoodData),
                     "byte count");
  expect_model_error(
      make_file(R"({"a":{"dtype":"F64","shape":[4294967296,4294967296,4294967296],)"
                R"("data_offsets":[0,8]}})",
                kGoodData),
      "byte count");
}

}  // namespace
}  // namespace shamisa
