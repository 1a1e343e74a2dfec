// `shamisa distort list|apply|sample|dataset`: the distortion engine from the command line.
#include <cstdio>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/output.h"
#include "shamisa/distort.h"
#include "shamisa/distortion_sets.h"
#include "shamisa/error.h"
#include "shamisa/masks.h"
#include "shamisa/image_io.h"
#include "shamisa/image_paths.h"
#include "shamisa/progress.h"

namespace shamisa::cli {
namespace {

std::string anchors_text(const DistortionType& type) {
  std::string text;
  for (double a : type.anchors) {
    std::ostringstream v;
    v << a;
    text += (text.empty() ? "" : " ") + v.str();
  }
  return text;
}

int run_list(bool json) {
  if (json) {
    nlohmann::ordered_json types = nlohmann::ordered_json::array();
    for (const auto& t : distortion_registry())
      types.push_back({{"name", t.name}, {"group", t.group}, {"parameter", t.parameter}, {"anchors", t.anchors},
                       {"integer", t.integer_valued}, {"direction", t.direction}, {"random", t.random}});
    std::cout << types.dump(2) << '\n';
    return kExitSuccess;
  }
  std::cout << csv_row({"name", "group", "parameter", "anchors", "integer", "direction"});
  for (const auto& t : distortion_registry())
    std::cout << csv_row({t.name, t.group, t.parameter, anchors_text(t), t.integer_valued ? "yes" : "no", t.direction});
  return kExitSuccess;
}

struct ApplyOptions {
  std::string input, output, chain, type, region;
  double severity = -1.0;
  std::uint64_t seed = 0;
};

int run_apply(const ApplyOptions& o) {
  std::string chain = o.chain;
  if (!o.type.empty()) {
    if (!chain.empty()) throw_usage_error("--type", "give either --chain or --type/--severity, not both");
    if (o.severity < 0) throw_usage_error("--type", "needs --severity S (0 to 4)");
    std::ostringstream text;
    text.precision(17);
    text << o.type << ':' << o.severity;
    chain = text.str();
  }
  if (chain.empty()) throw_usage_error("distort apply", "give --chain NAME:S[,NAME:S…] or --type NAME --severity S");
  const std::vector<DistortionStep> steps = parse_chain(chain);  // usage errors before any I/O
  cv::Rect region;
  if (!o.region.empty()) {
    char tail = 0;
    if (std::sscanf(o.region.c_str(), "%d,%d,%d,%d%c", &region.x, &region.y, &region.width, &region.height, &tail) != 4 ||
        region.width < 1 || region.height < 1 || region.x < 0 || region.y < 0) {
      throw_usage_error("--region", "expected X,Y,W,H in pixels with W, H >= 1 (got '" + o.region + "')");
    }
  }
  const cv::Mat rgb = read_image_rgbf(o.input);
  Rng rng(o.seed);
  cv::Mat out = apply_chain(rgb, steps, rng);
  if (!o.region.empty()) {
    // The whole image is distorted (so filters see real neighbours), then kept inside the region only.
    const cv::Rect inside = region & cv::Rect(0, 0, rgb.cols, rgb.rows);
    if (inside.area() == 0) throw_usage_error("--region", "lies outside the " + std::to_string(rgb.cols) + "x" +
                                                               std::to_string(rgb.rows) + " image");
    cv::Mat mask = cv::Mat::zeros(rgb.size(), CV_32FC1);
    mask(inside).setTo(1.0);
    out = blend_through_mask(rgb, out, mask);
  }
  write_image(o.output, out);
  return kExitSuccess;
}

struct SampleCli {
  std::string input, out_dir;
  SampleOptions options;
};

struct DatasetCli {
  std::string refs, out_dir, mode = "every-type";
  bool recursive = false;
  DatasetOptions options;
};

int run_dataset(const DatasetCli& d, const GlobalOptions& globals) {
  DatasetOptions options = d.options;
  if (d.mode == "every-type") options.mode = DatasetMode::kEveryType;
  else if (d.mode == "compositions") options.mode = DatasetMode::kCompositions;
  else throw_usage_error("--mode", "expected every-type or compositions, got '" + d.mode + "'");
  const std::vector<std::string> refs = expand_image_paths({d.refs}, d.recursive);
  if (refs.empty()) throw_input_error(d.refs, "no image files found");
  ProgressReporter progress("distort dataset", std::int64_t(refs.size()), globals.show_progress());
  const DatasetReport report = write_synthetic_dataset(refs, d.out_dir, options, [&] { progress.advance(); });
  progress.finish();
  for (const auto& failure : report.failures) report_error(failure);
  if (!globals.quiet)
    std::cerr << "shamisa: wrote " << report.images << " images from " << report.references << " references to "
              << d.out_dir << '\n';
  return batch_exit_code(refs.size(), report.failures.size());
}

}  // namespace

void register_distort_commands(Registration r) {
  CLI::App* distort = r.parent.add_subcommand("distort", "The compositional distortion engine (26 types, 7 groups)");
  distort->require_subcommand(1);
  const GlobalOptions& globals = r.globals;
  Action& action = r.action;

  auto list_json = std::make_shared<bool>(false);
  CLI::App* list = distort->add_subcommand("list", "The distortion types: name, group, parameter, 5 anchors, integer, direction");
  list->add_flag("--json", *list_json, "JSON instead of CSV");
  list->callback([list_json, &action] { action = [list_json] { return run_list(*list_json); }; });

  auto apply = std::make_shared<ApplyOptions>();
  CLI::App* apply_cmd = distort->add_subcommand("apply", "Apply a chain of distortions to one image");
  apply_cmd->add_option("input", apply->input, "Image to distort")->required();
  apply_cmd->add_option("output", apply->output, "Where to write the result (.png, .jpg, .bmp)")->required();
  apply_cmd->add_option("--chain", apply->chain, "NAME:S[,NAME:S…], S the severity index in [0, 4], applied in order");
  apply_cmd->add_option("--type", apply->type, "One distortion type (with --severity)");
  apply_cmd->add_option("--severity", apply->severity, "Severity index in [0, 4] (with --type)");
  apply_cmd->add_option("--seed", apply->seed, "Seed of the random draws")->capture_default_str();
  apply_cmd->add_option("--region", apply->region, "X,Y,W,H: distort only this rectangle (pixels), the rest untouched");
  apply_cmd->callback([apply, &action] { action = [apply] { return run_apply(*apply); }; });

  auto sample = std::make_shared<SampleCli>();
  CLI::App* sample_cmd = distort->add_subcommand(
      "sample", "One-factor-varies groups of one image: F compositions x L levels, with OUTDIR/meta.json");
  sample_cmd->add_option("input", sample->input, "Image to distort")->required();
  sample_cmd->add_option("outdir", sample->out_dir, "Folder for the images and meta.json")->required();
  sample_cmd->add_option("--compositions", sample->options.compositions, "Compositions F")->capture_default_str();
  sample_cmd->add_option("--levels", sample->options.composition.levels, "Levels L of the variable factor")->capture_default_str();
  sample_cmd->add_option("--max-distortions", sample->options.composition.max_distortions, "At most K distortions (1..7)")
      ->capture_default_str();
  sample_cmd->add_option("--seed", sample->options.seed, "Seed")->capture_default_str();
  sample_cmd->callback([sample, &action] {
    action = [sample] {
      write_composition_sample(sample->input, sample->out_dir, sample->options);
      return kExitSuccess;
    };
  });

  struct SheetCli {
    std::string input, output;
    std::uint64_t seed = 0;
    int tile = 96;
  };
  auto sheet = std::make_shared<SheetCli>();
  CLI::App* sheet_cmd = distort->add_subcommand("sheet", "A contact sheet of all types at severities 0..4 (PNG)");
  sheet_cmd->add_option("input", sheet->input, "Image to distort")->required();
  sheet_cmd->add_option("output", sheet->output, "Where to write the sheet (.png)")->required();
  sheet_cmd->add_option("--seed", sheet->seed, "Seed")->capture_default_str();
  sheet_cmd->add_option("--tile", sheet->tile, "Tile size in pixels")->capture_default_str();
  sheet_cmd->callback([sheet, &action] {
    action = [sheet] {
      EncodeOptions encode;
      encode.png_compression = 9;  // a sheet is written once and looked at often
      write_image(sheet->output, render_contact_sheet(read_image_rgbf(sheet->input), sheet->seed, sheet->tile), encode);
      return kExitSuccess;
    };
  });

  auto dataset = std::make_shared<DatasetCli>();
  CLI::App* dataset_cmd = distort->add_subcommand(
      "dataset", "A KADID-style synthetic dataset from a folder of references, with dataset.csv and dataset.json");
  dataset_cmd->add_option("--refs", dataset->refs, "Folder (or one image) of pristine references")->required();
  dataset_cmd->add_option("--out", dataset->out_dir, "Output folder")->required();
  dataset_cmd->add_option("--mode", dataset->mode, "every-type (26 types x 5 levels) or compositions")->capture_default_str();
  dataset_cmd->add_option("--per-ref", dataset->options.per_ref, "Compositions per reference (compositions mode)")
      ->capture_default_str();
  dataset_cmd->add_option("--levels", dataset->options.composition.levels, "Levels per composition")->capture_default_str();
  dataset_cmd->add_option("--max-distortions", dataset->options.composition.max_distortions, "At most K distortions")
      ->capture_default_str();
  dataset_cmd->add_option("--seed", dataset->options.seed, "Seed")->capture_default_str();
  dataset_cmd->add_flag("--recursive,-r", dataset->recursive, "Descend into sub-folders of --refs");
  dataset_cmd->callback([dataset, &globals, &action] {
    action = [dataset, &globals] { return run_dataset(*dataset, globals); };
  });
}

}  // namespace shamisa::cli
