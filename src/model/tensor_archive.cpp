// safetensors reader and writer (see include/shamisa/tensor_archive.h).
#include "shamisa/tensor_archive.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <limits>
#include <sstream>


#include <nlohmann/json.hpp>

#include "shamisa/error.h"
#include "shamisa/image_io.h"

namespace shamisa {
namespace {

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "tensor_archive.cpp assumes a little-endian host"
#endif

// Headers larger than this are rejected as corrupt (real headers are a few hundred kB).
constexpr std::uint64_t kMaxHeaderBytes = 100ull * 1024 * 1024;

struct DtypeInfo {
  const char* name;
  torch::ScalarType stored;  // how the bytes are laid out
  std::size_t size;
};

const DtypeInfo kDtypes[] = {
    {"F64", torch::kFloat64, 8}, {"F32", torch::kFloat32, 4}, {"F16", torch::kFloat16, 2},
    {"BF16", torch::kBFloat16, 2}, {"I64", torch::kInt64, 8}, {"I32", torch::kInt32, 4},
    {"I16", torch::kInt16, 2},   {"I8", torch::kInt8, 1},     {"U8", torch::kUInt8, 1},
    {"BOOL", torch::kBool, 1},
};

const DtypeInfo* dtype_by_name(const std::string& name) {
  for (const auto& d : kDtypes) {
    if (name == d.name) return &d;
  }
  return nullptr;
}

const DtypeInfo* dtype_by_type(torch::ScalarType type) {
  for (const auto& d : kDtypes) {
    if (d.stored == type) return &d;
  }
  return nullptr;
}

// The file's bytes; a missing or unreadable file is a model error here, not an input error.
std::vector<std::uint8_t> read_whole_file(const std::string& path) {
  try {
    return read_file_bytes(path);
  } catch (const Error& e) {
    throw_model_error(path, std::string("cannot read tensor archive (") + e.what() + ")");
  }
}

std::uint64_t read_u64_le(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

void append_u64_le(std::vector<std::uint8_t>& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>((v >> (8 * i)) & 0xFF));
}

struct Entry {
  std::string name;
  const DtypeInfo* dtype;
  std::vector<std::int64_t> shape;
  std::uint64_t begin;
  std::uint64_t end;
};

Entry parse_entry(const std::string& source, const std::string& name, const nlohmann::json& j) {
  const std::string what = "tensor '" + name + "'";
  if (!j.is_object()) throw_model_error(source, what + ": header entry is not an object");
  for (const char* key : {"dtype", "shape", "data_offsets"}) {
    if (!j.contains(key)) throw_model_error(source, what + ": header entry has no '" + key + "'");
  }
  Entry e;
  e.name = name;
  const auto& jd = j.at("dtype");
  if (!jd.is_string()) throw_model_error(source, what + ": dtype is not a string");
  e.dtype = dtype_by_name(jd.get<std::string>());
  if (e.dtype == nullptr) {
    throw_model_error(source, what + ": unsupported dtype '" + jd.get<std::string>() + "'");
  }
  const auto& js = j.at("shape");
  if (!js.is_array()) throw_model_error(source, what + ": shape is not an array");
  std::uint64_t numel = 1;
  bool overflow = false;
  for (const auto& d : js) {
    if (!d.is_number_unsigned()) {
      throw_model_error(source, what + ": shape entries must be non-negative integers");
    }
    const std::uint64_t v = d.get<std::uint64_t>();
    if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) overflow = true;
    if (v != 0 && numel > std::numeric_limits<std::uint64_t>::max() / v) overflow = true;
    numel *= v;
    e.shape.push_back(static_cast<std::int64_t>(v));
  }
  const auto& jo = j.at("data_offsets");
  if (!jo.is_array() || jo.size() != 2 || !jo[0].is_number_unsigned() ||
      !jo[1].is_number_unsigned()) {
    throw_model_error(source, what + ": data_offsets must be two non-negative integers");
  }
  e.begin = jo[0].get<std::uint64_t>();
  e.end = jo[1].get<std::uint64_t>();
  if (e.end < e.begin) throw_model_error(source, what + ": data_offsets end before they begin");
  if (overflow || numel > std::numeric_limits<std::uint64_t>::max() / e.dtype->size ||
      numel * e.dtype->size != e.end - e.begin) {
    std::ostringstream msg;
    msg << what << ": shape and dtype need a different byte count than data_offsets ["
        << e.begin << ", " << e.end << "]";
    throw_model_error(source, msg.str());
  }
  return e;
}

}  // namespace

TensorArchive parse_tensor_archive(const std::vector<std::uint8_t>& bytes,
                                   const std::string& source) {
  if (bytes.size() < 8) {
    throw_model_error(source, "truncated tensor archive (shorter than the 8-byte header length)");
  }
  const std::uint64_t header_len = read_u64_le(bytes.data());
  if (header_len > bytes.size() - 8) {
    throw_model_error(source, "header length " + std::to_string(header_len) +
                                  " runs beyond the end of the file (" +
                                  std::to_string(bytes.size()) + " bytes)");
  }
  if (header_len > kMaxHeaderBytes) throw_model_error(source, "header is implausibly large");
  if (header_len < 2) throw_model_error(source, "header is too short to be a JSON object");
  const char* hbegin = reinterpret_cast<const char*>(bytes.data() + 8);
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(hbegin, hbegin + header_len);
  } catch (const std::exception& e) {
    throw_model_error(source, std::string("header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) throw_model_error(source, "header is not a JSON object");

  const std::uint8_t* data = bytes.data() + 8 + header_len;
  const std::uint64_t data_size = bytes.size() - 8 - header_len;

  TensorArchive archive;
  std::vector<Entry> entries;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it.value().is_object()) throw_model_error(source, "__metadata__ is not an object");
      for (auto m = it.value().begin(); m != it.value().end(); ++m) {
        if (!m.value().is_string()) {
          throw_model_error(source, "metadata value of '" + m.key() + "' is not a string");
        }
        archive.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    entries.push_back(parse_entry(source, it.key(), it.value()));
  }
  // Bounds and overlap.
  std::vector<const Entry*> by_offset;
  for (const auto& e : entries) {
    if (e.end > data_size) {
      std::ostringstream msg;
      msg << "tensor '" << e.name << "': data_offsets [" << e.begin << ", " << e.end
          << "] run beyond the data section (" << data_size << " bytes; file truncated?)";
      throw_model_error(source, msg.str());
    }
    by_offset.push_back(&e);
  }
  std::sort(by_offset.begin(), by_offset.end(), [](const Entry* a, const Entry* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  for (std::size_t i = 1; i < by_offset.size(); ++i) {
    const Entry* prev = by_offset[i - 1];
    const Entry* cur = by_offset[i];
    // Empty tensors occupy no bytes and cannot overlap anything.
    if (cur->begin == cur->end || prev->begin == prev->end) continue;
    if (cur->begin < prev->end) {
      throw_model_error(source, "tensors '" + prev->name + "' and '" + cur->name +
                                    "' have overlapping data_offsets");
    }
  }
  for (const auto& e : entries) {
    torch::Tensor t;
    try {
      t = torch::empty(e.shape, torch::TensorOptions().dtype(e.dtype->stored));
      if (e.end > e.begin) std::memcpy(t.data_ptr(), data + e.begin, e.end - e.begin);
      if (e.dtype->stored == torch::kFloat16 || e.dtype->stored == torch::kBFloat16) {
        t = t.to(torch::kFloat32);
      }
    } catch (const c10::Error& err) {
      throw_model_error(source, "tensor '" + e.name + "': cannot allocate: " + err.what_without_backtrace());
    } catch (const std::bad_alloc&) {
      throw_model_error(source, "tensor '" + e.name + "': out of memory");
    }
    archive.tensors[e.name] = t;
  }
  return archive;
}

TensorArchive read_tensor_archive(const std::string& path) {
  return parse_tensor_archive(read_whole_file(path), path);
}

std::vector<std::uint8_t> serialize_tensor_archive(const TensorArchive& archive,
                                                   const std::string& source) {
  nlohmann::json header = nlohmann::json::object();
  std::vector<torch::Tensor> blobs;
  std::uint64_t offset = 0;
  // Data order: larger element sizes first, then by name. The data section starts 8-byte
  // aligned and every tensor size is a multiple of its element size, so each tensor starts at a
  // multiple of its own element size (natural alignment) while the buffers stay contiguous.
  std::vector<std::pair<std::string, torch::Tensor>> order(archive.tensors.begin(),
                                                           archive.tensors.end());
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    const auto sa = a.second.defined() ? a.second.element_size() : 0;
    const auto sb = b.second.defined() ? b.second.element_size() : 0;
    return sa > sb;
  });
  for (const auto& [name, tensor] : order) {
    if (name == "__metadata__") throw_model_error(source, "'__metadata__' is not a tensor name");
    if (!tensor.defined()) throw_model_error(source, "tensor '" + name + "' is undefined");
    const DtypeInfo* d = dtype_by_type(tensor.scalar_type());
    if (d == nullptr) {
      throw_model_error(source, "tensor '" + name + "': unsupported dtype " +
                                    std::string(c10::toString(tensor.scalar_type())));
    }
    torch::Tensor t = tensor.detach().to(torch::kCPU).contiguous();
    const std::uint64_t nbytes = static_cast<std::uint64_t>(t.numel()) * d->size;
    nlohmann::json shape = nlohmann::json::array();
    for (auto s : t.sizes()) shape.push_back(static_cast<std::uint64_t>(s));
    header[name] = {{"dtype", d->name}, {"shape", shape}, {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
    blobs.push_back(t);
  }
  if (!archive.metadata.empty()) {
    nlohmann::json meta = nlohmann::json::object();
    for (const auto& [k, v] : archive.metadata) meta[k] = v;
    header["__metadata__"] = meta;
  }
  std::string text = header.dump();  // keys sorted (std::map), compact: deterministic
  while ((8 + text.size()) % 8 != 0) text.push_back(' ');

  std::vector<std::uint8_t> out;
  out.reserve(8 + text.size() + offset);
  append_u64_le(out, text.size());
  out.insert(out.end(), text.begin(), text.end());
  for (const auto& t : blobs) {
    const auto* p = static_cast<const std::uint8_t*>(t.data_ptr());
    out.insert(out.end(), p, p + t.numel() * t.element_size());
  }
  return out;
}

void write_tensor_archive(const std::string& path, const TensorArchive& archive) {
  const std::vector<std::uint8_t> bytes = serialize_tensor_archive(archive, path);
  try {
    write_file_atomic(path, bytes);  // temporary file in the same folder, then rename
  } catch (const Error& e) {
    throw_model_error(path, std::string("cannot write the archive: ") + e.what());
  }
}

}  // namespace shamisa
