#include "shamisa/image_paths.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include <glob.h>

namespace shamisa {

namespace fs = std::filesystem;

bool has_image_extension(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* known : {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".jp2", ".j2k"})
    if (ext == known) return true;
  return false;
}

std::vector<std::string> expand_image_paths(const std::vector<std::string>& paths, bool recursive) {
  std::vector<std::string> out;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (!fs::exists(path, ec) && path.find_first_of("*?[") != std::string::npos) {
      // A pattern the shell did not expand (quoted, or from a script): its matches, sorted.
      glob_t matches{};
      if (glob(path.c_str(), 0, nullptr, &matches) == 0) {
        std::vector<std::string> matched(matches.gl_pathv, matches.gl_pathv + matches.gl_pathc);
        globfree(&matches);
        const std::vector<std::string> expanded = expand_image_paths(matched, recursive);  // folders among them
        out.insert(out.end(), expanded.begin(), expanded.end());
        continue;
      }
      globfree(&matches);
    }
    if (!fs::is_directory(path, ec)) {
      out.push_back(path);
      continue;
    }
    std::vector<std::string> found;
    auto collect = [&](const fs::directory_entry& entry) {
      if (entry.is_regular_file(ec) && has_image_extension(entry.path().string()))
        found.push_back(entry.path().string());
    };
    if (recursive) {
      for (const auto& entry : fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, ec))
        collect(entry);
    } else {
      for (const auto& entry : fs::directory_iterator(path, ec)) collect(entry);
    }
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

}  // namespace shamisa
