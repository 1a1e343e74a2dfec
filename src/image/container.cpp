#include "image/container.h"

#include <algorithm>
#include <cstring>
#include <optional>

namespace shamisa::detail {
namespace {

// Bounds-checked reads of unsigned integers in either byte order.
class Bytes {
 public:
  Bytes(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  std::size_t size() const { return size_; }
  bool has(std::size_t pos, std::size_t n) const { return pos <= size_ && n <= size_ - pos; }
  std::optional<std::uint32_t> u16(std::size_t pos, bool big_endian) const {
    if (!has(pos, 2)) return std::nullopt;
    const std::uint8_t* p = data_ + pos;
    return big_endian ? (p[0] << 8 | p[1]) : (p[1] << 8 | p[0]);
  }
  std::optional<std::uint32_t> u24le(std::size_t pos) const {
    if (!has(pos, 3)) return std::nullopt;
    const std::uint8_t* p = data_ + pos;
    return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16;
  }
  std::optional<std::uint32_t> u32(std::size_t pos, bool big_endian) const {
    if (!has(pos, 4)) return std::nullopt;
    const std::uint8_t* p = data_ + pos;
    return big_endian ? (std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3])
                      : (std::uint32_t(p[3]) << 24 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[1]) << 8 | p[0]);
  }
  bool matches(std::size_t pos, const char* text, std::size_t n) const {
    return has(pos, n) && std::memcmp(data_ + pos, text, n) == 0;
  }
  const std::uint8_t* at(std::size_t pos) const { return data_ + pos; }
  std::uint8_t operator[](std::size_t pos) const { return data_[pos]; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
};

constexpr bool kBig = true;
constexpr bool kLittle = false;

// ---- TIFF (also the body of EXIF blocks) ----

struct TiffEntry {
  std::uint32_t type = 0, count = 0;
  std::size_t value_pos = 0;  // where the value (or its first element) is stored
};

struct TiffIfd {
  bool big_endian = false;
  std::vector<std::pair<std::uint32_t, TiffEntry>> entries;
};

std::optional<TiffIfd> read_first_ifd(const Bytes& b) {
  TiffIfd ifd;
  if (b.matches(0, "II*\0", 4)) ifd.big_endian = false;
  else if (b.matches(0, "MM\0*", 4)) ifd.big_endian = true;
  else return std::nullopt;
  auto offset = b.u32(4, ifd.big_endian);
  if (!offset) return std::nullopt;
  auto count = b.u16(*offset, ifd.big_endian);
  if (!count) return std::nullopt;
  for (std::uint32_t i = 0; i < *count; ++i) {
    std::size_t pos = std::size_t(*offset) + 2 + 12 * std::size_t(i);
    auto tag = b.u16(pos, ifd.big_endian);
    auto type = b.u16(pos + 2, ifd.big_endian);
    auto n = b.u32(pos + 4, ifd.big_endian);
    if (!tag || !type || !n) return std::nullopt;
    TiffEntry e{*type, *n, pos + 8};
    const std::size_t unit = (*type == 3) ? 2 : (*type == 4) ? 4 : 1;
    if (std::uint64_t(unit) * *n > 4) {  // the value does not fit: the field holds its offset
      auto at = b.u32(pos + 8, ifd.big_endian);
      if (!at) return std::nullopt;
      e.value_pos = *at;
    }
    ifd.entries.emplace_back(*tag, e);
  }
  return ifd;
}

const TiffEntry* find_entry(const TiffIfd& ifd, std::uint32_t tag) {
  for (const auto& [t, e] : ifd.entries)
    if (t == tag) return &e;
  return nullptr;
}

// Element i of a SHORT or LONG entry.
std::optional<std::uint32_t> entry_value(const Bytes& b, const TiffIfd& ifd, const TiffEntry& e,
                                         std::uint32_t i = 0) {
  if (i >= e.count) return std::nullopt;
  if (e.type == 3) return b.u16(e.value_pos + 2 * std::size_t(i), ifd.big_endian);
  if (e.type == 4) return b.u32(e.value_pos + 4 * std::size_t(i), ifd.big_endian);
  return std::nullopt;
}

void inspect_tiff(const Bytes& b, ContainerFacts& facts) {
  auto ifd = read_first_ifd(b);
  if (!ifd) {
    facts.problem = "unreadable TIFF header or first directory";
    return;
  }
  if (auto* w = find_entry(*ifd, 256)) facts.width = entry_value(b, *ifd, *w).value_or(-1);
  if (auto* h = find_entry(*ifd, 257)) facts.height = entry_value(b, *ifd, *h).value_or(-1);
  if (auto* o = find_entry(*ifd, 274)) facts.exif_orientation = int(entry_value(b, *ifd, *o).value_or(1));
  // Every strip (or tile) the directory lists must lie inside the file.
  for (auto [offsets_tag, counts_tag] : {std::pair{273u, 279u}, std::pair{324u, 325u}}) {
    const TiffEntry* offsets = find_entry(*ifd, offsets_tag);
    const TiffEntry* counts = find_entry(*ifd, counts_tag);
    if (!offsets || !counts) continue;
    for (std::uint32_t i = 0; i < offsets->count && i < counts->count; ++i) {
      auto off = entry_value(b, *ifd, *offsets, i);
      auto len = entry_value(b, *ifd, *counts, i);
      if (!off || !len || !b.has(*off, *len)) {
        facts.problem = "image data ends before its last strip or tile";
        return;
      }
    }
  }
}

// ---- JPEG ----

bool is_sof_marker(std::uint8_t m) { return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC; }

void inspect_jpeg(const Bytes& b, ContainerFacts& facts) {
  std::size_t pos = 2;
  while (true) {
    while (b.has(pos, 1) && b[pos] == 0xFF) ++pos;  // fill bytes before a marker
    if (!b.has(pos, 1)) break;
    const std::uint8_t marker = b[pos++];
    if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;
    if (marker == 0xD9) break;
    auto length = b.u16(pos, kBig);
    if (!length || *length < 2 || !b.has(pos, *length)) {
      facts.problem = "file ends inside a header segment";
      return;
    }
    const std::size_t body = pos + 2;
    if (marker == 0xE1 && b.matches(body, "Exif\0\0", 6))
      facts.exif_orientation = tiff_orientation(b.at(body + 6), *length - 8);
    if (is_sof_marker(marker)) {
      facts.height = b.u16(body + 1, kBig).value_or(-1);
      facts.width = b.u16(body + 3, kBig).value_or(-1);
    }
    pos += *length;
    if (marker == 0xDA) {
      // Entropy-coded data follows; a 0xFF inside it is always stuffed (FF 00) or a restart
      // marker, so a complete file has an end-of-image marker (FF D9) somewhere after here.
      for (std::size_t i = pos; i + 1 < b.size(); ++i)
        if (b[i] == 0xFF && b[i + 1] == 0xD9) return;
      facts.problem = "file ends before the end-of-image marker (truncated?)";
      return;
    }
  }
  if (facts.width < 0) facts.problem = "no frame header (SOF) before the end of the file";
  else facts.problem = "no image data (SOS) before the end of the file";
}

// ---- PNG ----

void inspect_png(const Bytes& b, ContainerFacts& facts) {
  facts.width = b.u32(16, kBig).value_or(-1);
  facts.height = b.u32(20, kBig).value_or(-1);
  std::size_t pos = 8;
  while (true) {
    auto length = b.u32(pos, kBig);
    if (!length || !b.has(pos + 8, std::size_t(*length) + 4)) {
      facts.problem = "file ends inside a chunk (truncated?)";
      return;
    }
    if (b.matches(pos + 4, "eXIf", 4)) facts.exif_orientation = tiff_orientation(b.at(pos + 8), *length);
    if (b.matches(pos + 4, "IEND", 4)) return;
    pos += std::size_t(*length) + 12;
  }
}

// ---- BMP ----

void inspect_bmp(const Bytes& b, ContainerFacts& facts) {
  auto header_size = b.u32(14, kLittle);
  auto data_offset = b.u32(10, kLittle);
  if (!header_size || !data_offset) {
    facts.problem = "file ends inside the header";
    return;
  }
  std::int64_t bits = 0;
  std::uint32_t compression = 0;
  if (*header_size == 12) {  // OS/2 core header: 16-bit fields
    facts.width = b.u16(18, kLittle).value_or(0);
    facts.height = b.u16(20, kLittle).value_or(0);
    bits = b.u16(24, kLittle).value_or(0);
  } else {
    auto w = b.u32(18, kLittle), h = b.u32(22, kLittle);
    if (!w || !h) {
      facts.problem = "file ends inside the header";
      return;
    }
    facts.width = std::int32_t(*w);
    facts.height = std::abs(std::int64_t(std::int32_t(*h)));  // negative height: top-down rows
    bits = b.u16(28, kLittle).value_or(0);
    compression = b.u32(30, kLittle).value_or(0);
  }
  // Uncompressed pixel arrays have a known size: rows padded to 4 bytes.
  if ((compression == 0 || compression == 3) && bits > 0 && facts.width > 0) {
    const std::int64_t row = (bits * facts.width + 31) / 32 * 4;
    if (!b.has(*data_offset, std::size_t(row * facts.height)))
      facts.problem = "pixel data ends early (truncated?)";
  }
}

// ---- WebP ----

void inspect_webp(const Bytes& b, ContainerFacts& facts) {
  auto riff_size = b.u32(4, kLittle);
  if (!riff_size || !b.has(8, *riff_size)) {
    facts.problem = "file is shorter than its RIFF header declares (truncated?)";
    return;
  }
  std::size_t pos = 12;
  while (b.has(pos, 8)) {
    auto size = b.u32(pos + 4, kLittle);
    const std::size_t body = pos + 8;
    if (!size || !b.has(body, *size)) {
      facts.problem = "file ends inside a chunk (truncated?)";
      return;
    }
    if (b.matches(pos, "VP8X", 4)) {
      facts.width = std::int64_t(b.u24le(body + 4).value_or(0)) + 1;
      facts.height = std::int64_t(b.u24le(body + 7).value_or(0)) + 1;
    } else if (b.matches(pos, "VP8 ", 4) && facts.width < 0) {
      facts.width = b.u16(body + 6, kLittle).value_or(0) & 0x3FFF;
      facts.height = b.u16(body + 8, kLittle).value_or(0) & 0x3FFF;
    } else if (b.matches(pos, "VP8L", 4) && facts.width < 0) {
      const std::uint32_t bits = b.u32(body + 1, kLittle).value_or(0);
      facts.width = (bits & 0x3FFF) + 1;
      facts.height = ((bits >> 14) & 0x3FFF) + 1;
    } else if (b.matches(pos, "EXIF", 4)) {
      const std::size_t skip = b.matches(body, "Exif\0\0", 6) ? 6 : 0;
      facts.exif_orientation = tiff_orientation(b.at(body + skip), *size - skip);
    }
    pos = body + *size + (*size & 1);  // chunks are padded to even sizes
  }
}

// ---- JPEG 2000 ----

// A codestream ends with the EOC marker FF D9; OpenJPEG decodes a truncated one without complaint.
void inspect_j2k_codestream(const Bytes& b, std::size_t start, std::size_t end, ContainerFacts& facts) {
  if (b.matches(start, "\xFF\x4F\xFF\x51", 4)) {
    auto xsiz = b.u32(start + 8, kBig), ysiz = b.u32(start + 12, kBig);
    auto x0 = b.u32(start + 16, kBig), y0 = b.u32(start + 20, kBig);
    if (xsiz && ysiz && x0 && y0 && *xsiz >= *x0 && *ysiz >= *y0) {
      facts.width = *xsiz - *x0;
      facts.height = *ysiz - *y0;
    }
  }
  if (end < start + 4 || b[end - 2] != 0xFF || b[end - 1] != 0xD9)
    facts.problem = "codestream has no end marker (truncated?)";
}

void inspect_jp2(const Bytes& b, ContainerFacts& facts) {
  std::size_t pos = 0;
  while (b.has(pos, 8)) {
    std::uint64_t length = b.u32(pos, kBig).value_or(0);
    std::size_t header = 8;
    if (length == 1) {  // 64-bit length follows the type
      auto hi = b.u32(pos + 8, kBig), lo = b.u32(pos + 12, kBig);
      if (!hi || !lo) break;
      length = (std::uint64_t(*hi) << 32) | *lo;
      header = 16;
    } else if (length == 0) {  // the box runs to the end of the file
      length = b.size() - pos;
    }
    if (length < header || !b.has(pos, length)) {
      facts.problem = "file ends inside a box (truncated?)";
      return;
    }
    if (b.matches(pos + 4, "jp2c", 4)) {
      inspect_j2k_codestream(b, pos + header, pos + length, facts);
      return;
    }
    pos += length;
  }
  facts.problem = "no codestream box (jp2c) in the file";
}

}  // namespace

const char* format_name(ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg: return "jpeg";
    case ImageFormat::kPng: return "png";
    case ImageFormat::kBmp: return "bmp";
    case ImageFormat::kTiff: return "tiff";
    case ImageFormat::kWebp: return "webp";
    case ImageFormat::kJpeg2000: return "jpeg2000";
    case ImageFormat::kUnknown: break;
  }
  return "unknown";
}

int tiff_orientation(const std::uint8_t* data, std::size_t size) {
  Bytes b(data, size);
  auto ifd = read_first_ifd(b);
  if (!ifd) return 1;
  const TiffEntry* e = find_entry(*ifd, 274);
  if (!e) return 1;
  const std::uint32_t value = entry_value(b, *ifd, *e).value_or(1);
  return (value >= 1 && value <= 8) ? int(value) : 1;
}

ContainerFacts inspect_container(const std::vector<std::uint8_t>& bytes) {
  Bytes b(bytes.data(), bytes.size());
  ContainerFacts facts;
  if (b.matches(0, "\xFF\xD8\xFF", 3)) {
    facts.format = ImageFormat::kJpeg;
    inspect_jpeg(b, facts);
  } else if (b.matches(0, "\x89PNG\r\n\x1A\n", 8)) {
    facts.format = ImageFormat::kPng;
    inspect_png(b, facts);
  } else if (b.matches(0, "BM", 2)) {
    facts.format = ImageFormat::kBmp;
    inspect_bmp(b, facts);
  } else if (b.matches(0, "II*\0", 4) || b.matches(0, "MM\0*", 4)) {
    facts.format = ImageFormat::kTiff;
    inspect_tiff(b, facts);
  } else if (b.matches(0, "RIFF", 4) && b.matches(8, "WEBP", 4)) {
    facts.format = ImageFormat::kWebp;
    inspect_webp(b, facts);
  } else if (b.matches(0, "\0\0\0\x0CjP  \r\n\x87\n", 12)) {
    facts.format = ImageFormat::kJpeg2000;
    inspect_jp2(b, facts);
  } else if (b.matches(0, "\xFF\x4F\xFF\x51", 4)) {
    facts.format = ImageFormat::kJpeg2000;
    inspect_j2k_codestream(b, 0, b.size(), facts);
  }
  return facts;
}

}  // namespace shamisa::detail
