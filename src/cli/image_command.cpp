// `shamisa image info PATH… [--format csv|json] [--recursive]`: what shamisa reads from image files.
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/output.h"
#include "shamisa/error.h"
#include "shamisa/image_io.h"
#include "shamisa/image_paths.h"
#include "shamisa/progress.h"

namespace shamisa::cli {
namespace {

struct InfoOptions {
  std::vector<std::string> paths;
  std::string format = "csv";
  bool recursive = false;
  bool ignore_orientation = false;
};

int run_info(const InfoOptions& options, const GlobalOptions& globals) {
  const OutputFormat format = parse_output_format(options.format);
  const std::vector<std::string> paths = expand_image_paths(options.paths, options.recursive);
  if (paths.empty()) throw_input_error(options.paths.front(), "no image files found");
  DecodeOptions decode;
  decode.apply_exif_orientation = !options.ignore_orientation;

  nlohmann::ordered_json results = nlohmann::ordered_json::array();
  if (format == OutputFormat::kCsv)
    std::cout << csv_row({"path", "format", "width", "height", "channels", "bit_depth", "exif_orientation", "error"});
  std::size_t failures = 0;
  ProgressReporter progress("image info", std::int64_t(paths.size()), globals.show_progress());
  for (const std::string& path : paths) {
    try {
      const ImageInfo info = decode_image_file(path, decode).info;
      if (format == OutputFormat::kCsv) {
        std::cout << csv_row({path, info.format, std::to_string(info.width), std::to_string(info.height),
                              std::to_string(info.channels), std::to_string(info.bit_depth),
                              std::to_string(info.exif_orientation), ""});
      } else {
        results.push_back({{"path", path}, {"format", info.format}, {"width", info.width},
                           {"height", info.height}, {"channels", info.channels},
                           {"bit_depth", info.bit_depth}, {"exif_orientation", info.exif_orientation}});
      }
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::kInput) throw;
      ++failures;
      report_error(e.what());
      if (format == OutputFormat::kCsv) std::cout << csv_row({path, "", "", "", "", "", "", e.what()});
      else results.push_back({{"path", path}, {"error", e.what()}});
    }
    progress.advance();
  }
  progress.finish();
  if (format == OutputFormat::kJson) std::cout << nlohmann::ordered_json{{"results", results}}.dump(2) << '\n';
  return batch_exit_code(paths.size(), failures);
}

}  // namespace

void register_image_commands(Registration r) {
  CLI::App* image = r.parent.add_subcommand("image", "Inspect image files as shamisa decodes them");
  image->require_subcommand(1);
  auto options = std::make_shared<InfoOptions>();
  CLI::App* info = image->add_subcommand(
      "info", "Format, size, channels, bit depth and EXIF orientation of each image (CSV or JSON on stdout)");
  info->add_option("paths", options->paths, "Image files or folders")->required();
  info->add_option("--format", options->format, "Output format: csv or json")->capture_default_str();
  info->add_flag("--recursive,-r", options->recursive, "Descend into sub-folders");
  info->add_flag("--ignore-orientation", options->ignore_orientation,
                 "Report the stored size, without applying the EXIF orientation");
  const GlobalOptions& globals = r.globals;
  Action& action = r.action;
  info->callback([options, &globals, &action] { action = [options, &globals] { return run_info(*options, globals); }; });
}

}  // namespace shamisa::cli
