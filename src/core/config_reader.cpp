// JSON config files; see include/shamisa/config_reader.h.
#include "shamisa/config_reader.h"

#include <fstream>

namespace shamisa {

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw_input_error(path, "cannot open the config file");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw_usage_error(path, std::string("not valid JSON: ") + e.what());
  }
}

}  // namespace shamisa
