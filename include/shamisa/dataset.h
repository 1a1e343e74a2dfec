// IQA datasets: the generic CSV format of DESIGN.md and presets for the standard datasets.
#ifndef SHAMISA_DATASET_H_
#define SHAMISA_DATASET_H_

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace shamisa {

struct DatasetItem {
  std::string image;  // path as usable from the current directory
  std::string ref;    // reference image path (full-reference datasets), or empty
  std::string type;   // distortion type, or empty
  double score = 0.0; // the dataset's own score (MOS or DMOS), as in the file
  std::string split;  // official split label ("training", "validation", "test") or empty
};

struct Dataset {
  std::string name;
  std::string source;                 // the file the scores came from
  std::vector<DatasetItem> items;
  bool lower_better = false;          // DMOS-like scores
  std::array<double, 2> score_range{0.0, 0.0};  // nominal range (lo, hi); lo == hi when unknown

  bool has_refs() const;
  bool has_types() const;
  bool has_official_split() const;
  // Score converted to "higher is better": -score for lower-better datasets.
  double quality(const DatasetItem& item) const { return lower_better ? -item.score : item.score; }
};

// DESIGN.md's format: header with `image` and `score`, optional `ref`, `type` and `split`; paths
// relative to the CSV's folder. `dataset.json` beside it may give {"name", "lower_better",
// "score_range"}; `lower_better` overrides both. Input errors name the file and line.
Dataset load_dataset_csv(const std::string& csv_path, std::optional<bool> lower_better = std::nullopt);

// Presets for the standard datasets: the public score list (from `metadata_dir`, by default
// ../shared/data/iqa-metadata relative to the working directory, or $SHAMISA_IQA_METADATA) with
// the images under `images_root`, the folder of the user's copy of the dataset.
std::vector<std::string> dataset_preset_names();  // live, csiq, tid2013, kadid10k, koniq10k, spaq, flive, livec
Dataset load_dataset_preset(const std::string& preset, const std::string& images_root,
                            const std::string& metadata_dir = "");

// Input error listing the missing files (up to 10, and how many in all) when any image or
// reference of the dataset does not exist.
void require_dataset_files(const Dataset& dataset);

}  // namespace shamisa

#endif  // SHAMISA_DATASET_H_
