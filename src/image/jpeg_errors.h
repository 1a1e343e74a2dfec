// libjpeg error handling shared by the decoder and the JPEG distortion: libjpeg's default handler
// prints and calls exit(); ours formats the message and longjmps back to the caller's setjmp.
#ifndef SHAMISA_IMAGE_JPEG_ERRORS_H_
#define SHAMISA_IMAGE_JPEG_ERRORS_H_

#include <csetjmp>
#include <cstdio>

#include <jpeglib.h>

namespace shamisa::detail {

struct JpegErrorManager {
  jpeg_error_mgr base;  // first member, so libjpeg's pointer can be cast back
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

// For jpeg_error_mgr::error_exit.
[[noreturn]] inline void jpeg_error_longjmp(j_common_ptr info) {
  auto* err = reinterpret_cast<JpegErrorManager*>(info->err);
  (*info->err->format_message)(info, err->message);
  std::longjmp(err->jump, 1);
}

}  // namespace shamisa::detail

#endif  // SHAMISA_IMAGE_JPEG_ERRORS_H_
