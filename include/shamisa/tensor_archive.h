// Reading and writing named tensors in the safetensors format.
//
// Layout of a file: an 8-byte little-endian unsigned header length N, then N bytes of UTF-8 JSON
//   {"<name>": {"dtype": "F32", "shape": [d0, d1, ...], "data_offsets": [begin, end]}, ...,
//    "__metadata__": {"<key>": "<value>", ...}}
// then the raw little-endian tensor data; offsets are relative to the first byte after the
// header. Reading never executes anything: it only parses JSON and copies bytes.
//
// Supported dtypes: F64, F32, F16 and BF16 (both read as float32), I64, I32, I16, I8, U8, BOOL.
// Every malformed file gives a model error (shamisa::Error, kind kModel) naming the file and the
// problem; never a crash or an exception of another type.
#ifndef SHAMISA_TENSOR_ARCHIVE_H_
#define SHAMISA_TENSOR_ARCHIVE_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

namespace shamisa {

// Tensors with names, in a fixed order (parameters and buffers of networks).
using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

struct TensorArchive {
  std::map<std::string, torch::Tensor> tensors;
  std::map<std::string, std::string> metadata;
};

// Reads a safetensors file. Throws a model error for a missing, truncated or malformed file.
TensorArchive read_tensor_archive(const std::string& path);

// Parses safetensors bytes already in memory; `source` names them in error messages.
TensorArchive parse_tensor_archive(const std::vector<std::uint8_t>& bytes,
                                   const std::string& source);

// Serialises an archive deterministically: compact JSON header with sorted names, padded with
// spaces so that the data starts at an 8-byte aligned offset; the data stored contiguously,
// ordered by element size (largest first) and then by name, so that every tensor is naturally
// aligned. Tensors are written as they are (any device, any layout; F16 and BF16 keep their
// dtype).
std::vector<std::uint8_t> serialize_tensor_archive(const TensorArchive& archive,
                                                   const std::string& source);

// Writes an archive atomically (temporary file in the same folder, then rename).
void write_tensor_archive(const std::string& path, const TensorArchive& archive);

}  // namespace shamisa

#endif  // SHAMISA_TENSOR_ARCHIVE_H_
