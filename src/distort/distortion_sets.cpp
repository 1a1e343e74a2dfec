#include "shamisa/distortion_sets.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>

#include "shamisa/crop.h"
#include "shamisa/error.h"
#include "shamisa/resize.h"
#include "shamisa/image_io.h"

namespace shamisa {
namespace fs = std::filesystem;

namespace {
void make_folder(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) throw_input_error(dir.string(), "cannot create the folder: " + ec.message());
}

void write_text_atomic(const fs::path& path, const std::string& text) {
  write_file_atomic(path.string(), std::vector<std::uint8_t>(text.begin(), text.end()));
}

// Runs body(i) for i in [0, n) on OpenCV's thread pool. Each item must draw from its own Rng
// stream, so the results do not depend on the scheduling.
void parallel_items(int n, const std::function<void(int)>& body) {
  cv::parallel_for_(cv::Range(0, n), [&](const cv::Range& range) {
    for (int i = range.start; i < range.end; ++i) body(i);
  });
}

std::string number(double v) {
  std::ostringstream text;
  text.precision(10);
  text << v;
  return text.str();
}

// Unique file stems for the references: the file name's stem with characters other than letters,
// digits, '.', '-' and '_' replaced by '_' (so CSV fields need no quoting), and _2, _3 … on clashes.
std::vector<std::string> unique_stems(const std::vector<std::string>& paths) {
  std::map<std::string, int> seen;
  std::vector<std::string> stems;
  for (const auto& path : paths) {
    std::string stem = fs::path(path).stem().string();
    for (char& ch : stem)
      if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '.' && ch != '-' && ch != '_') ch = '_';
    const int count = ++seen[stem];
    stems.push_back(count == 1 ? stem : stem + "_" + std::to_string(count));
  }
  return stems;
}

}  // namespace

void write_composition_sample(const std::string& input, const std::string& out_dir, const SampleOptions& options) {
  if (options.compositions < 1) throw_usage_error("--compositions", "must be at least 1");
  const cv::Mat rgb = read_image_rgbf(input);
  const fs::path dir(out_dir);
  make_folder(dir);
  write_image((dir / "reference.png").string(), rgb);

  // Compositions are drawn in sequence from one stream (cheap), rendered in parallel, each from
  // its own stream.
  Rng draw = Rng::stream(options.seed, {0});
  std::vector<Composition> compositions;
  for (int f = 0; f < options.compositions; ++f) compositions.push_back(sample_composition(draw, options.composition));
  parallel_items(options.compositions, [&](int f) {
    Rng rng = Rng::stream(options.seed, {1, std::uint64_t(f)});
    const std::vector<cv::Mat> levels = render_levels(rgb, compositions[f], rng);
    for (std::size_t l = 0; l < levels.size(); ++l)
      write_image((dir / ("c" + std::to_string(f) + "_l" + std::to_string(l) + ".png")).string(), levels[l]);
  });

  nlohmann::json meta = {{"source", input}, {"seed", options.seed}, {"reference", "reference.png"},
                         {"max_distortions", options.composition.max_distortions},
                         {"levels", options.composition.levels}, {"compositions", nlohmann::json::array()}};
  for (int f = 0; f < options.compositions; ++f) {
    nlohmann::json c = composition_to_json(compositions[f]);
    for (int l = 0; l < compositions[f].levels(); ++l)
      c["levels"][l]["file"] = "c" + std::to_string(f) + "_l" + std::to_string(l) + ".png";
    meta["compositions"].push_back(c);
  }
  write_text_atomic(dir / "meta.json", meta.dump(2) + "\n");
}

DatasetReport write_synthetic_dataset(const std::vector<std::string>& references, const std::string& out_dir,
                                      const DatasetOptions& options, const std::function<void()>& on_reference_done) {
  if (references.empty()) throw_usage_error("--refs", "no reference images");
  if (options.mode == DatasetMode::kCompositions && options.per_ref < 1) throw_usage_error("--per-ref", "must be at least 1");
  const fs::path dir(out_dir);
  make_folder(dir / "refs");
  make_folder(dir / "images");
  const std::vector<std::string> stems = unique_stems(references);
  const auto& registry = distortion_registry();

  DatasetReport report;
  std::ostringstream csv;
  csv << "image,ref,type,group,severity,value,score\n";
  for (std::size_t r = 0; r < references.size(); ++r) {
    cv::Mat rgb;
    try {
      rgb = read_image_rgbf(references[r]);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::kInput) throw;
      report.failures.push_back(e.what());
      if (on_reference_done) on_reference_done();
      continue;
    }
    const std::string ref_name = "refs/" + stems[r] + ".png";
    write_image((dir / ref_name).string(), rgb);
    std::vector<std::string> rows;
    if (options.mode == DatasetMode::kEveryType) {
      const int items = static_cast<int>(registry.size()) * 5;
      rows.resize(items);
      parallel_items(items, [&](int item) {
        const DistortionType& type = registry[item / 5];
        const int level = item % 5;
        Rng rng = Rng::stream(options.seed, {r, std::uint64_t(item)});
        const DistortionStep step{&type, severity_to_value(type, level)};
        const std::string name = "images/" + stems[r] + "_" + type.name + "_" + std::to_string(level) + ".png";
        write_image((dir / name).string(), apply_step(rgb, step, rng));
        rows[item] = name + "," + ref_name + "," + type.name + "," + type.group + "," + number(step.severity.index) +
                     "," + number(step.severity.value) + "," + number(step.severity.index) + "\n";
      });
    } else {
      Rng draw = Rng::stream(options.seed, {r, 0});
      std::vector<Composition> compositions;
      for (int k = 0; k < options.per_ref; ++k) compositions.push_back(sample_composition(draw, options.composition));
      const int levels = options.composition.levels;
      rows.resize(std::size_t(options.per_ref) * levels);
      parallel_items(options.per_ref, [&](int k) {
        Rng rng = Rng::stream(options.seed, {r, 1, std::uint64_t(k)});
        const Composition& c = compositions[k];
        const std::vector<cv::Mat> images = render_levels(rgb, c, rng);
        std::string types, groups;
        for (const auto& step : c.base) {
          types += (types.empty() ? "" : "+") + step.type->name;
          groups += (groups.empty() ? "" : "+") + step.type->group;
        }
        for (int l = 0; l < levels; ++l) {
          const std::string name = "images/" + stems[r] + "_c" + std::to_string(k) + "_l" + std::to_string(l) + ".png";
          write_image((dir / name).string(), images[l]);
          double total = 0.0;
          std::string severities, values;
          for (const auto& step : c.chain(l)) {
            total += step.severity.index;
            severities += (severities.empty() ? "" : "+") + number(step.severity.index);
            values += (values.empty() ? "" : "+") + number(step.severity.value);
          }
          rows[std::size_t(k) * levels + l] =
              name + "," + ref_name + "," + types + "," + groups + "," + severities + "," + values + "," + number(total) + "\n";
        }
      });
    }
    for (const auto& row : rows) csv << row;
    report.images += rows.size();
    ++report.references;
    if (on_reference_done) on_reference_done();
  }
  write_text_atomic(dir / "dataset.csv", csv.str());
  const bool every = options.mode == DatasetMode::kEveryType;
  const nlohmann::json info = {
      {"name", "shamisa-synthetic"},
      {"lower_better", true},
      {"score_range", every ? std::vector<double>{0, 4} : std::vector<double>{0, 4.0 * options.composition.max_distortions}},
      {"score_meaning", every ? "severity index of the one distortion (a proxy, not human opinion)"
                              : "sum of the severity indices of the composition (a proxy, not human opinion)"},
      {"mode", every ? "every-type" : "compositions"},
      {"seed", options.seed}};
  write_text_atomic(dir / "dataset.json", info.dump(2) + "\n");
  return report;
}

cv::Mat render_contact_sheet(const cv::Mat& rgb, std::uint64_t seed, int tile) {
  if (tile < 16) throw_usage_error("--tile", "must be at least 16 pixels");
  // Scale the short side to the tile, then take the centre square.
  const cv::Mat f = to_rgbf(rgb);
  const double scale = double(tile) / std::min(f.cols, f.rows);
  const cv::Mat scaled = resize_antialiased(f, std::max(tile, int(std::lround(f.cols * scale))),
                                            std::max(tile, int(std::lround(f.rows * scale))));
  const cv::Mat source = center_crop(scaled, tile, tile);

  const auto& registry = distortion_registry();
  const int rows_per_block = (int(registry.size()) + 1) / 2;
  const int label_width = 150, gap = 4, header = 28;
  const int block_width = label_width + 5 * (tile + gap);
  cv::Mat sheet(header + rows_per_block * (tile + gap), 2 * block_width, CV_8UC3, cv::Scalar(255, 255, 255));
  const cv::Scalar ink(0, 0, 0);
  for (int block = 0; block < 2; ++block)
    for (int level = 0; level <= 4; ++level)
      cv::putText(sheet, "s=" + std::to_string(level), {block * block_width + label_width + level * (tile + gap) + tile / 3, 20},
                  cv::FONT_HERSHEY_SIMPLEX, 0.5, ink, 1, cv::LINE_AA);
  const int cells = int(registry.size()) * 5;
  std::vector<cv::Mat> tiles(cells);
  parallel_items(cells, [&](int cell) {
    const DistortionType& type = registry[cell / 5];
    Rng rng = Rng::stream(seed, {std::uint64_t(cell)});
    tiles[cell] = to_rgb8(apply_step(source, {&type, severity_to_value(type, cell % 5)}, rng));
  });
  for (int t = 0; t < int(registry.size()); ++t) {
    const int x0 = (t / rows_per_block) * block_width, y0 = header + (t % rows_per_block) * (tile + gap);
    cv::putText(sheet, registry[t].name, {x0 + 6, y0 + tile / 2}, cv::FONT_HERSHEY_SIMPLEX, 0.5, ink, 1, cv::LINE_AA);
    cv::putText(sheet, registry[t].group, {x0 + 6, y0 + tile / 2 + 18}, cv::FONT_HERSHEY_SIMPLEX, 0.35,
                cv::Scalar(90, 90, 90), 1, cv::LINE_AA);
    for (int level = 0; level <= 4; ++level)
      tiles[t * 5 + level].copyTo(sheet(cv::Rect(x0 + label_width + level * (tile + gap), y0, tile, tile)));
  }
  return sheet;
}

}  // namespace shamisa
