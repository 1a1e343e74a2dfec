// File-level facts about an encoded image, read from its bytes without decoding pixels:
// the format (from the signature, not the file name), the dimensions the header declares, the
// EXIF orientation, and whether the file is structurally complete. Decoders are tolerant of
// truncation (libjpeg and OpenJPEG return a partly grey or blurred picture), so this check is what
// turns a cut-off download into an input error rather than a silently wrong score.
#ifndef SHAMISA_IMAGE_CONTAINER_H_
#define SHAMISA_IMAGE_CONTAINER_H_

#include <cstdint>
#include <string>
#include <vector>

namespace shamisa::detail {

enum class ImageFormat { kUnknown, kJpeg, kPng, kBmp, kTiff, kWebp, kJpeg2000 };

const char* format_name(ImageFormat format);

struct ContainerFacts {
  ImageFormat format = ImageFormat::kUnknown;
  std::int64_t width = -1;   // as declared by the header; -1 when not found
  std::int64_t height = -1;
  int exif_orientation = 1;  // 1..8
  std::string problem;       // non-empty: the file is truncated or structurally corrupt
};

ContainerFacts inspect_container(const std::vector<std::uint8_t>& bytes);

// The Orientation tag (0x0112) of a TIFF structure (an EXIF block or a TIFF file) starting at
// data; 1 when absent or unreadable.
int tiff_orientation(const std::uint8_t* data, std::size_t size);

}  // namespace shamisa::detail

#endif  // SHAMISA_IMAGE_CONTAINER_H_
