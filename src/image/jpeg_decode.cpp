#include "image/jpeg_decode.h"

#include <csetjmp>
#include <cstdio>

#include <jpeglib.h>

#include "image/jpeg_errors.h"
#include "shamisa/error.h"

namespace shamisa::detail {
namespace {

// libjpeg reports recoverable corruption as warnings (level -1) and keeps going; we stop.
void on_message(j_common_ptr info, int level) {
  if (level < 0) jpeg_error_longjmp(info);
}

// Adobe's CMYK JPEGs store inverted values (255 = no ink); others store plain ink amounts.
void cmyk_to_rgb(const std::uint8_t* in, std::uint8_t* out, int width, bool inverted) {
  for (int x = 0; x < width; ++x, in += 4, out += 3) {
    const int k = inverted ? in[3] : 255 - in[3];
    for (int c = 0; c < 3; ++c) {
      const int v = inverted ? in[c] : 255 - in[c];
      out[c] = static_cast<std::uint8_t>((v * k + 127) / 255);
    }
  }
}

}  // namespace

JpegPixels decode_jpeg_strict(const std::vector<std::uint8_t>& bytes, const std::string& name) {
  jpeg_decompress_struct info{};
  JpegErrorManager err{};
  info.err = jpeg_std_error(&err.base);
  err.base.error_exit = jpeg_error_longjmp;
  err.base.emit_message = on_message;
  // Everything that must survive a longjmp is declared before setjmp and holds no resources
  // beyond what jpeg_destroy_decompress and the Mats' own destructors release.
  JpegPixels result;
  std::vector<std::uint8_t> row;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&info);
    throw_input_error(name, std::string("corrupt jpeg file: ") + err.message);
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, bytes.data(), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&info, TRUE);
  result.stored_channels = info.num_components;
  const bool cmyk = info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK;
  if (cmyk) info.out_color_space = JCS_CMYK;
  else if (info.num_components == 1) info.out_color_space = JCS_GRAYSCALE;
  else info.out_color_space = JCS_RGB;
  jpeg_start_decompress(&info);
  const int width = static_cast<int>(info.output_width);
  result.image.create(static_cast<int>(info.output_height), width, cmyk ? CV_8UC3 : CV_8UC(info.output_components));
  row.resize(std::size_t(width) * info.output_components);
  while (info.output_scanline < info.output_height) {
    std::uint8_t* target = result.image.ptr<std::uint8_t>(static_cast<int>(info.output_scanline));
    JSAMPROW rows[1] = {cmyk ? row.data() : target};
    jpeg_read_scanlines(&info, rows, 1);
    if (cmyk) cmyk_to_rgb(row.data(), target, width, info.saw_Adobe_marker);
  }
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  return result;
}

}  // namespace shamisa::detail
