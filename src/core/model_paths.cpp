// Default model lookup; see include/shamisa/model_paths.h.
#include "shamisa/model_paths.h"

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "shamisa/error.h"

namespace shamisa {

std::string default_model_file(const std::string& file_name) {
  namespace fs = std::filesystem;
  std::vector<fs::path> folders;
  if (const char* dir = std::getenv("SHAMISA_MODEL_DIR"); dir != nullptr && *dir != '\0') folders.emplace_back(dir);
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    folders.push_back(exe.parent_path().parent_path() / "models");
    folders.push_back(exe.parent_path() / "models");
  }
  folders.emplace_back(SHAMISA_SOURCE_MODELS);
  std::string searched;
  for (const fs::path& folder : folders) {
    const fs::path candidate = folder / file_name;
    if (fs::is_regular_file(candidate, ec)) return candidate.string();
    searched += (searched.empty() ? "" : ", ") + folder.string();
  }
  throw_model_error(file_name, "the default model is not installed (searched " + searched +
                                   "); pass --model FILE or set SHAMISA_MODEL_DIR");
}

}  // namespace shamisa
