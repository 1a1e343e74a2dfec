// Whole-file reads and atomic writes, with errors that name the file.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <fcntl.h>
#include <unistd.h>

#include "shamisa/error.h"
#include "shamisa/image_io.h"

namespace shamisa {

namespace fs = std::filesystem;

std::vector<std::uint8_t> read_file_bytes(const std::string& path) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) throw_input_error(path, "no such file");
  if (fs::is_directory(status)) throw_input_error(path, "is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_input_error(path, std::string("cannot open: ") + std::strerror(errno));
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) throw_input_error(path, "cannot determine the file size");
  in.seekg(0, std::ios::beg);
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size))
    throw_input_error(path, "read failed");
  return bytes;
}

void write_file_atomic(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  // The temporary lives in the target's folder so that the rename cannot cross file systems; the
  // data is synced before the rename and the folder after it, so that a crash or power loss
  // leaves either the old file or the new one, never a truncated one.
  const fs::path target(path);
  const fs::path folder = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  const fs::path temporary = folder / ("." + target.filename().string() + ".tmp." + std::to_string(::getpid()));
  auto discard = [&](const std::string& problem) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    throw_input_error(path, problem);
  };
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw_input_error(path, std::string("cannot write: ") + std::strerror(errno));
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string reason = std::strerror(errno);
      ::close(fd);
      discard("write failed: " + reason);
    }
    written += static_cast<std::size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  if (::close(fd) != 0 || !synced) discard("write failed (disk full?)");
  std::error_code ec;
  fs::rename(temporary, target, ec);
  if (ec) discard("cannot replace the file: " + ec.message());
  const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);  // best effort: the rename itself has already happened
    ::close(dir);
  }
}

}  // namespace shamisa
