#include "shamisa/dataset.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "shamisa/csv.h"
#include "shamisa/error.h"
#include "shamisa/image_io.h"
#include "shamisa/parse.h"

namespace shamisa {
namespace fs = std::filesystem;

bool Dataset::has_refs() const {
  for (const auto& item : items)
    if (!item.ref.empty()) return true;
  return false;
}
bool Dataset::has_types() const {
  for (const auto& item : items)
    if (!item.type.empty()) return true;
  return false;
}
bool Dataset::has_official_split() const {
  for (const auto& item : items)
    if (!item.split.empty()) return true;
  return false;
}

namespace {

double parse_score(const std::string& text, const std::string& file, int line) {
  const std::optional<double> v = parse_finite_double(text);
  if (!v) throw_input_error(file, "line " + std::to_string(line) + ": score '" + text + "' is not a finite number");
  return *v;
}

std::string join(const fs::path& root, const std::string& relative) {
  if (relative.empty()) return "";
  const fs::path p(relative);
  return (p.is_absolute() ? p : root / p).lexically_normal().string();
}

// Drops the first component of a score-list path ("LIVE/jp2k/img2.bmp" -> "jp2k/img2.bmp"): the
// lists name the dataset's own folder first, which is the user's images_root.
std::string strip_first_component(const std::string& path) {
  const auto slash = path.find('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

Dataset load_dataset_csv(const std::string& csv_path, std::optional<bool> lower_better) {
  const CsvTable table = read_csv_file(csv_path);
  const int image_col = table.column("image"), score_col = table.column("score");
  if (image_col < 0 || score_col < 0)
    throw_input_error(csv_path, "the header needs 'image' and 'score' columns (optional: ref, type, split)");
  const int ref_col = table.column("ref"), type_col = table.column("type"), split_col = table.column("split");
  const fs::path root = fs::path(csv_path).parent_path();

  Dataset dataset;
  dataset.source = csv_path;
  dataset.name = fs::path(csv_path).stem().string();
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const auto& row = table.rows[r];
    if (row[image_col].empty()) throw_input_error(csv_path, "line " + std::to_string(table.line_numbers[r]) + ": empty image path");
    DatasetItem item;
    item.image = join(root, row[image_col]);
    item.score = parse_score(row[score_col], csv_path, table.line_numbers[r]);
    if (ref_col >= 0) item.ref = join(root, row[ref_col]);
    if (type_col >= 0) item.type = row[type_col];
    if (split_col >= 0) item.split = row[split_col];
    dataset.items.push_back(std::move(item));
  }
  if (dataset.items.empty()) throw_input_error(csv_path, "no rows");

  const fs::path info_path = root / "dataset.json";
  if (fs::exists(info_path)) {
    nlohmann::json info;
    try {
      std::ifstream in(info_path);
      info = nlohmann::json::parse(in);
      if (info.contains("name")) dataset.name = info["name"].get<std::string>();
      if (info.contains("lower_better")) dataset.lower_better = info["lower_better"].get<bool>();
      if (info.contains("score_range")) dataset.score_range = info["score_range"].get<std::array<double, 2>>();
    } catch (const nlohmann::json::exception& e) {
      throw_input_error(info_path.string(), std::string("invalid dataset.json: ") + e.what());
    }
  }
  if (lower_better) dataset.lower_better = *lower_better;
  return dataset;
}

namespace {

struct Preset {
  const char* name;
  const char* display;
  const char* score_list;  // under score-lists/, or the KonIQ official file
  bool lower_better;
  std::array<double, 2> range;
};

// Directions and nominal ranges: METHOD-SHAMISA.md section 11.1.
const std::vector<Preset>& presets() {
  static const std::vector<Preset> list = {
      {"live", "LIVE", "score-lists/LIVE.csv", true, {1, 100}},
      {"csiq", "CSIQ", "score-lists/CSIQ.csv", true, {0, 1}},
      {"tid2013", "TID2013", "score-lists/TID2013.csv", false, {0, 9}},
      {"kadid10k", "KADID-10k", "score-lists/KADID-10k.csv", false, {1, 5}},
      {"koniq10k", "KonIQ-10k", "koniq10k-official/koniq10k_distributions_sets.csv", false, {1, 100}},
      {"spaq", "SPAQ", "score-lists/SPAQ.csv", false, {1, 100}},
      {"flive", "FLIVE", "labels_image.csv", false, {1, 100}},
      {"livec", "LIVE Challenge", "score-lists/LIVE_Challenge.csv", false, {1, 100}},
  };
  return list;
}

std::string default_metadata_dir() {
  if (const char* env = std::getenv("SHAMISA_IQA_METADATA")) return env;
  return "../shared/data/iqa-metadata";
}

// The icbcbicc score lists: dis_img_path, dis_type, [ref_img_path,] score.
void read_score_list(Dataset& d, const std::string& path, const fs::path& root) {
  const CsvTable t = read_csv_file(path);
  const int img = t.column("dis_img_path"), type = t.column("dis_type"), ref = t.column("ref_img_path"),
            score = t.column("score");
  if (img < 0 || score < 0) throw_input_error(path, "not a score list (needs dis_img_path and score columns)");
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    DatasetItem item;
    item.image = join(root, strip_first_component(t.rows[r][img]));
    if (ref >= 0) item.ref = join(root, strip_first_component(t.rows[r][ref]));
    if (type >= 0 && t.rows[r][type] != "Authentic") item.type = t.rows[r][type];
    item.score = parse_score(t.rows[r][score], path, t.line_numbers[r]);
    d.items.push_back(std::move(item));
  }
}

// KonIQ-10k's official metadata: image_name, …, MOS (1-100), SD, set; images in 1024x768/.
void read_koniq(Dataset& d, const std::string& path, const fs::path& root) {
  const CsvTable t = read_csv_file(path);
  const int name = t.column("image_name"), mos = t.column("MOS"), set = t.column("set");
  if (name < 0 || mos < 0 || set < 0) throw_input_error(path, "not KonIQ-10k's metadata (needs image_name, MOS, set)");
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    DatasetItem item;
    item.image = join(root, "1024x768/" + t.rows[r][name]);
    item.score = parse_score(t.rows[r][mos], path, t.line_numbers[r]);
    item.split = t.rows[r][set];
    d.items.push_back(std::move(item));
  }
}

// FLIVE's own labels_image.csv in the user's folder (no public copy here): the image column is
// name_image (or name / image), the score mos, and an optional set / is_valid column.
void read_flive(Dataset& d, const std::string& path, const fs::path& root) {
  const CsvTable t = read_csv_file(path);
  int name = t.column("name_image");
  if (name < 0) name = t.column("name");
  if (name < 0) name = t.column("image");
  const int mos = t.column("mos"), set = t.column("set"), valid = t.column("is_valid");
  if (name < 0 || mos < 0) throw_input_error(path, "not FLIVE's labels_image.csv (needs name_image and mos)");
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    DatasetItem item;
    item.image = join(root, t.rows[r][name]);
    item.score = parse_score(t.rows[r][mos], path, t.line_numbers[r]);
    if (set >= 0) item.split = t.rows[r][set];
    else if (valid >= 0) item.split = (t.rows[r][valid] == "True" || t.rows[r][valid] == "1") ? "test" : "training";
    d.items.push_back(std::move(item));
  }
}

}  // namespace

std::vector<std::string> dataset_preset_names() {
  std::vector<std::string> names;
  for (const auto& p : presets()) names.push_back(p.name);
  return names;
}

Dataset load_dataset_preset(const std::string& preset, const std::string& images_root, const std::string& metadata_dir) {
  const Preset* found = nullptr;
  for (const auto& p : presets())
    if (preset == p.name) found = &p;
  if (!found) {
    std::string known;
    for (const auto& p : presets()) known += (known.empty() ? "" : ", ") + std::string(p.name);
    throw_usage_error(preset, "unknown dataset preset (known: " + known + ")");
  }
  Dataset d;
  d.name = found->display;
  d.lower_better = found->lower_better;
  d.score_range = found->range;
  const fs::path root(images_root);
  const std::string name = found->name;
  if (name == "flive") {
    d.source = (root / found->score_list).string();
    read_flive(d, d.source, root);
  } else {
    d.source = (fs::path(metadata_dir.empty() ? default_metadata_dir() : metadata_dir) / found->score_list).string();
    if (name == "koniq10k") read_koniq(d, d.source, root);
    else read_score_list(d, d.source, root);
  }
  if (d.items.empty()) throw_input_error(d.source, "no rows");
  return d;
}

void require_dataset_files(const Dataset& dataset) {
  std::vector<std::string> missing;
  std::set<std::string> checked;
  auto check = [&](const std::string& path) {
    if (path.empty() || !checked.insert(path).second) return;
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) missing.push_back(path);
  };
  for (const auto& item : dataset.items) {
    check(item.image);
    check(item.ref);
  }
  if (missing.empty()) return;
  std::string list;
  for (std::size_t i = 0; i < missing.size() && i < 10; ++i) list += (i ? ", " : "") + missing[i];
  throw_input_error(dataset.source, std::to_string(missing.size()) + " image file(s) of the dataset are missing: " + list +
                                        (missing.size() > 10 ? ", …" : ""));
}

}  // namespace shamisa
