// The "jpeg" group of distortions (METHOD-SHAMISA.md section 4.2): jpeg(q) and jpeg2000(ratio).
//
// Both round-trip the image through a real codec in memory:
//
// - jpeg: libjpeg (libjpeg-turbo) called directly with jpeg_set_defaults + jpeg_set_quality(q,
//   TRUE), exactly what torchvision's encode_jpeg does. With an RGB input those defaults give
//   baseline sequential JPEG, YCbCr with 2x2 luma / 1x1 chroma sampling factors (4:2:0), the
//   ISLOW DCT and the standard Huffman tables; Pillow's save() with only `quality` set uses the same
//   library defaults (its `subsampling` option defaults to "keep the library's"), and our decoded
//   pixels equal Pillow's bit for bit (checked with tests/tools/distort_reference_spatial.py).
//   Decoding uses the project's strict libjpeg decoder with its default (ISLOW, fancy
//   upsampling) settings, as torchvision's decode_jpeg does.
// - jpeg2000: OpenJPEG called directly, with the parameters Pillow (9.4, OpenJPEG 2.5) uses for
//   save(format="JPEG2000", quality_mode="rates", quality_layers=[ratio], num_resolutions=8):
//   JP2 container, one quality layer at compression ratio `ratio` (tcp_rates[0], cp_disto_alloc),
//   LRCP progression, reversible 5-3 wavelet (Pillow's irreversible=False default), no
//   multi-component transform (Pillow's mct=0 default), 64x64 code blocks, no tiling.
//   OpenJPEG's own default is also tcp_mct = 0, so Pillow versions without the mct option
//   (< 9.1) should write the same codestream [I]. Decoded pixels equal Pillow 9.4's bit for bit.
//
// Deviation [ours], documented: OpenJPEG refuses an image whose width or height is below
// 2^(numresolution-1) (128 px for 8 resolutions), and the reference then falls back to JPEG.
// We instead lower numresolution to the largest value the image allows (8 for anything >= 128 px
// on both sides, so 224- and 128-pixel training crops are unaffected). The JPEG fallback
// (quality round(100/ratio), round half to even, clamped to [1, 100]) remains for any other
// failure and is counted (quirk Q12); jpeg2000_fallback_count() reads the counter.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <jpeglib.h>
#include <openjpeg.h>

#include "distort/compression.h"
#include "distort/functions.h"
#include "image/jpeg_decode.h"
#include "image/jpeg_errors.h"
#include "shamisa/error.h"

namespace shamisa::detail {

namespace {
std::atomic<std::uint64_t> g_jpeg2000_fallbacks{0};

constexpr int kJpeg2000Resolutions = 8;  // num_resolutions=8 in the reference

// trunc8 into bytes: trunc(255 x), computed in float32 as the reference's `(255 * x).byte()`.
// Values are clamped to [0, 255] first (inputs are in [0, 1] by contract).
cv::Mat to_bytes_truncated(const cv::Mat& rgb) {
  cv::Mat out(rgb.rows, rgb.cols, CV_8UC3);
  const int n = rgb.cols * 3;
  for (int y = 0; y < rgb.rows; ++y) {
    const float* src = rgb.ptr<float>(y);
    std::uint8_t* dst = out.ptr<std::uint8_t>(y);
    for (int i = 0; i < n; ++i) {
      const float v = std::trunc(src[i] * 255.0f);
      dst[i] = static_cast<std::uint8_t>(v <= 0.0f ? 0.0f : (v >= 255.0f ? 255.0f : v));
    }
  }
  return out;
}

cv::Mat bytes_to_float(const cv::Mat& rgb8) {
  cv::Mat out(rgb8.rows, rgb8.cols, CV_32FC3);
  const int n = rgb8.cols * 3;
  for (int y = 0; y < rgb8.rows; ++y) {
    const std::uint8_t* src = rgb8.ptr<std::uint8_t>(y);
    float* dst = out.ptr<float>(y);
    for (int i = 0; i < n; ++i) dst[i] = static_cast<float>(src[i]) / 255.0f;
  }
  return out;
}

// Integer JPEG quality from the (already integer-valued) parameter: round half to even as Python
// does, clamped to the range libjpeg/torchvision accept.
int jpeg_quality_from(double q) {
  if (!std::isfinite(q)) throw_internal_error("jpeg", "quality is not a finite number");
  const double r = std::nearbyint(q);
  return static_cast<int>(std::clamp(r, 1.0, 100.0));
}

// ---- libjpeg ---------------------------------------------------------------------------------

// The library never prints: warnings from the compressor (there should be none) are dropped.
void jpeg_on_message(j_common_ptr, int) {}

// State that must survive a longjmp lives here, outside the setjmp frame's registers.
struct JpegEncodeState {
  jpeg_compress_struct info{};
  JpegErrorManager err{};
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
};

// ---- OpenJPEG memory streams -----------------------------------------------------------------

struct MemoryStream {
  std::vector<std::uint8_t> data;
  std::size_t pos = 0;
};

OPJ_SIZE_T mem_read(void* buffer, OPJ_SIZE_T n, void* user) {
  auto* s = static_cast<MemoryStream*>(user);
  if (s->pos >= s->data.size()) return static_cast<OPJ_SIZE_T>(-1);
  const std::size_t count = std::min<std::size_t>(n, s->data.size() - s->pos);
  std::memcpy(buffer, s->data.data() + s->pos, count);
  s->pos += count;
  return count;
}

OPJ_SIZE_T mem_write(void* buffer, OPJ_SIZE_T n, void* user) {
  auto* s = static_cast<MemoryStream*>(user);
  if (s->pos + n > s->data.size()) s->data.resize(s->pos + n);
  std::memcpy(s->data.data() + s->pos, buffer, n);
  s->pos += n;
  return n;
}

// Reading: move within the buffer (OpenJPEG only skips forward, but clamp both ways).
OPJ_OFF_T mem_skip_read(OPJ_OFF_T n, void* user) {
  auto* s = static_cast<MemoryStream*>(user);
  const auto size = static_cast<OPJ_OFF_T>(s->data.size());
  const auto pos = static_cast<OPJ_OFF_T>(s->pos);
  const OPJ_OFF_T target = std::clamp<OPJ_OFF_T>(pos + n, 0, size);
  s->pos = static_cast<std::size_t>(target);
  return target - pos;
}

// Writing: skipping forward leaves zero bytes behind, as a file would.
OPJ_OFF_T mem_skip_write(OPJ_OFF_T n, void* user) {
  auto* s = static_cast<MemoryStream*>(user);
  if (n < 0 && static_cast<std::size_t>(-n) > s->pos) return -1;
  s->pos = static_cast<std::size_t>(static_cast<OPJ_OFF_T>(s->pos) + n);
  if (s->pos > s->data.size()) s->data.resize(s->pos, 0);
  return n;
}

OPJ_BOOL mem_seek_read(OPJ_OFF_T n, void* user) {
  auto* s = static_cast<MemoryStream*>(user);
  if (n < 0 || static_cast<std::size_t>(n) > s->data.size()) return OPJ_FALSE;
  s->pos = static_cast<std::size_t>(n);
  return OPJ_TRUE;
}

OPJ_BOOL mem_seek_write(OPJ_OFF_T n, void* user) {
  auto* s = static_cast<MemoryStream*>(user);
  if (n < 0) return OPJ_FALSE;
  s->pos = static_cast<std::size_t>(n);
  if (s->pos > s->data.size()) s->data.resize(s->pos, 0);
  return OPJ_TRUE;
}

void opj_quiet(const char*, void*) {}

void silence(opj_codec_t* codec) {
  opj_set_info_handler(codec, opj_quiet, nullptr);
  opj_set_warning_handler(codec, opj_quiet, nullptr);
  opj_set_error_handler(codec, opj_quiet, nullptr);
}

// Owners for the OpenJPEG handles, so every exit path releases them.
struct OpjCodec {
  opj_codec_t* p = nullptr;
  ~OpjCodec() { if (p) opj_destroy_codec(p); }
};
struct OpjStream {
  opj_stream_t* p = nullptr;
  ~OpjStream() { if (p) opj_stream_destroy(p); }
};
struct OpjImage {
  opj_image_t* p = nullptr;
  ~OpjImage() { if (p) opj_image_destroy(p); }
};

// Encodes an 8-bit RGB image to a JP2 file in memory. False on any OpenJPEG failure.
bool jp2_encode(const cv::Mat& rgb8, double ratio, int resolutions, std::vector<std::uint8_t>& out) {
  const int w = rgb8.cols, h = rgb8.rows;
  opj_image_cmptparm_t comp[3];
  std::memset(comp, 0, sizeof(comp));
  for (auto& c : comp) {
    c.dx = c.dy = 1;
    c.w = static_cast<OPJ_UINT32>(w);
    c.h = static_cast<OPJ_UINT32>(h);
    c.x0 = c.y0 = 0;
    c.prec = 8;
    c.sgnd = 0;
  }
  OpjImage image;
  image.p = opj_image_create(3, comp, OPJ_CLRSPC_SRGB);
  if (!image.p) return false;
  image.p->x0 = 0;
  image.p->y0 = 0;
  image.p->x1 = static_cast<OPJ_UINT32>(w);
  image.p->y1 = static_cast<OPJ_UINT32>(h);
  for (int y = 0; y < h; ++y) {
    const std::uint8_t* row = rgb8.ptr<std::uint8_t>(y);
    const std::size_t base = std::size_t(y) * std::size_t(w);
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) image.p->comps[c].data[base + std::size_t(x)] = row[3 * x + c];
  }

  opj_cparameters_t params;
  opj_set_default_encoder_parameters(&params);
  params.tcp_numlayers = 1;
  params.tcp_rates[0] = static_cast<float>(ratio);
  params.cp_disto_alloc = 1;
  params.cp_fixed_alloc = 0;
  params.cp_fixed_quality = 0;
  params.numresolution = resolutions;
  params.irreversible = 0;  // Pillow's default: reversible 5-3 wavelet
  params.tcp_mct = 0;       // Pillow's default (mct=0): no colour transform
  params.prog_order = OPJ_LRCP;
  params.cp_rsiz = OPJ_STD_RSIZ;

  OpjCodec codec;
  codec.p = opj_create_compress(OPJ_CODEC_JP2);
  if (!codec.p) return false;
  silence(codec.p);
  if (!opj_setup_encoder(codec.p, &params, image.p)) return false;

  MemoryStream sink;
  OpjStream stream;
  stream.p = opj_stream_create(OPJ_J2K_STREAM_CHUNK_SIZE, OPJ_FALSE);
  if (!stream.p) return false;
  opj_stream_set_user_data(stream.p, &sink, nullptr);
  opj_stream_set_write_function(stream.p, mem_write);
  opj_stream_set_skip_function(stream.p, mem_skip_write);
  opj_stream_set_seek_function(stream.p, mem_seek_write);

  if (!opj_start_compress(codec.p, image.p, stream.p)) return false;
  if (!opj_encode(codec.p, stream.p)) return false;
  if (!opj_end_compress(codec.p, stream.p)) return false;
  out.swap(sink.data);
  return true;
}

// Decodes a JP2 file from memory into 8-bit RGB of the expected size. False on any failure.
bool jp2_decode(std::vector<std::uint8_t>& bytes, int width, int height, cv::Mat& rgb8) {
  MemoryStream source;
  source.data.swap(bytes);
  OpjCodec codec;
  codec.p = opj_create_decompress(OPJ_CODEC_JP2);
  if (!codec.p) return false;
  silence(codec.p);
  opj_dparameters_t params;
  opj_set_default_decoder_parameters(&params);
  if (!opj_setup_decoder(codec.p, &params)) return false;

  OpjStream stream;
  stream.p = opj_stream_create(OPJ_J2K_STREAM_CHUNK_SIZE, OPJ_TRUE);
  if (!stream.p) return false;
  opj_stream_set_user_data(stream.p, &source, nullptr);
  opj_stream_set_user_data_length(stream.p, source.data.size());
  opj_stream_set_read_function(stream.p, mem_read);
  opj_stream_set_skip_function(stream.p, mem_skip_read);
  opj_stream_set_seek_function(stream.p, mem_seek_read);

  OpjImage image;
  if (!opj_read_header(stream.p, codec.p, &image.p)) return false;
  if (!opj_decode(codec.p, stream.p, image.p)) return false;
  if (!opj_end_decompress(codec.p, stream.p)) return false;

  const opj_image_t* im = image.p;
  if (im->numcomps < 3) return false;
  for (int c = 0; c < 3; ++c) {
    const opj_image_comp_t& comp = im->comps[c];
    if (static_cast<int>(comp.w) != width || static_cast<int>(comp.h) != height || comp.prec != 8 ||
        comp.sgnd != 0 || comp.data == nullptr)
      return false;
  }
  rgb8.create(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y) {
    std::uint8_t* row = rgb8.ptr<std::uint8_t>(y);
    const std::size_t base = std::size_t(y) * std::size_t(width);
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < 3; ++c)
        row[3 * x + c] = static_cast<std::uint8_t>(std::clamp(im->comps[c].data[base + std::size_t(x)], 0, 255));
  }
  return true;
}

cv::Mat jpeg_round_trip_8bit(const cv::Mat& rgb8, int quality) {
  std::vector<std::uint8_t> bytes = jpeg_encode_rgb8(rgb8, quality);
  JpegPixels decoded;
  try {
    decoded = decode_jpeg_strict(bytes, "jpeg distortion");
  } catch (const Error& e) {
    throw_internal_error("jpeg", std::string("could not decode its own encoding: ") + e.what());
  }
  if (decoded.image.type() != CV_8UC3 || decoded.image.size() != rgb8.size())
    throw_internal_error("jpeg", "decoded image has an unexpected size or type");
  return bytes_to_float(decoded.image);
}

}  // namespace

// The largest number of resolutions (at most 8) OpenJPEG accepts for a w x h image: every side
// must be at least 2^(resolutions - 1) pixels.
int jpeg2000_resolutions_for(int width, int height) {
  int r = kJpeg2000Resolutions;
  const int side = std::min(width, height);
  while (r > 1 && side < (1 << (r - 1))) --r;
  return r;
}

std::uint64_t jpeg2000_fallback_count() { return g_jpeg2000_fallbacks.load(std::memory_order_relaxed); }

// Baseline JPEG at `quality` with libjpeg's defaults (4:2:0), as torchvision's encode_jpeg.
std::vector<std::uint8_t> jpeg_encode_rgb8(const cv::Mat& rgb8, int quality) {
  if (rgb8.empty() || rgb8.type() != CV_8UC3) throw_internal_error("jpeg", "expected a CV_8UC3 image");
  JpegEncodeState st;
  st.info.err = jpeg_std_error(&st.err.base);
  st.err.base.error_exit = jpeg_error_longjmp;
  st.err.base.emit_message = jpeg_on_message;
  if (setjmp(st.err.jump)) {
    jpeg_destroy_compress(&st.info);
    if (st.buffer) std::free(st.buffer);
    throw_internal_error("jpeg", std::string("libjpeg failed: ") + st.err.message);
  }
  jpeg_create_compress(&st.info);
  jpeg_mem_dest(&st.info, &st.buffer, &st.size);
  st.info.image_width = static_cast<JDIMENSION>(rgb8.cols);
  st.info.image_height = static_cast<JDIMENSION>(rgb8.rows);
  st.info.input_components = 3;
  st.info.in_color_space = JCS_RGB;
  jpeg_set_defaults(&st.info);
  jpeg_set_quality(&st.info, quality, TRUE);
  jpeg_start_compress(&st.info, TRUE);
  while (st.info.next_scanline < st.info.image_height) {
    // libjpeg does not write through the row pointer; the cast only drops const.
    JSAMPROW row[1] = {const_cast<JSAMPLE*>(rgb8.ptr<JSAMPLE>(static_cast<int>(st.info.next_scanline)))};
    jpeg_write_scanlines(&st.info, row, 1);
  }
  jpeg_finish_compress(&st.info);
  std::vector<std::uint8_t> bytes(st.buffer, st.buffer + st.size);
  jpeg_destroy_compress(&st.info);
  std::free(st.buffer);
  return bytes;
}

cv::Mat jpeg(const cv::Mat& rgb, double quality, Rng& rng) {
  (void)rng;  // deterministic
  require_rgb_image(rgb, "jpeg");
  return jpeg_round_trip_8bit(to_bytes_truncated(rgb), jpeg_quality_from(quality));
}

// adapt_resolutions = false reproduces the reference exactly: 8 resolutions whatever the size,
// so images under 128 px on a side fail in OpenJPEG and take the JPEG fallback.
cv::Mat jpeg2000_round_trip(const cv::Mat& rgb, double ratio, bool adapt_resolutions, bool* fell_back) {
  require_rgb_image(rgb, "jpeg2000");
  if (!std::isfinite(ratio)) throw_internal_error("jpeg2000", "ratio is not a finite number");
  const cv::Mat bytes8 = to_bytes_truncated(rgb);
  const int resolutions =
      adapt_resolutions ? jpeg2000_resolutions_for(rgb.cols, rgb.rows) : kJpeg2000Resolutions;
  std::vector<std::uint8_t> encoded;
  cv::Mat decoded;
  const bool ok = jp2_encode(bytes8, ratio, resolutions, encoded) &&
                  jp2_decode(encoded, rgb.cols, rgb.rows, decoded);
  if (fell_back) *fell_back = !ok;
  if (ok) return bytes_to_float(decoded);
  // SHAMISA's fallback: JPEG at quality round(100 / ratio).
  g_jpeg2000_fallbacks.fetch_add(1, std::memory_order_relaxed);
  const double q = ratio > 0 ? 100.0 / ratio : 100.0;
  return jpeg_round_trip_8bit(bytes8, jpeg_quality_from(q));
}

cv::Mat jpeg2000(const cv::Mat& rgb, double ratio, Rng& rng) {
  (void)rng;  // deterministic
  return jpeg2000_round_trip(rgb, ratio, /*adapt_resolutions=*/true, nullptr);
}

}  // namespace shamisa::detail
