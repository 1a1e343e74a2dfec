#include "shamisa/splits.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "shamisa/error.h"
#include "shamisa/rng.h"

namespace shamisa {

std::string split_method(const Dataset& dataset) {
  if (dataset.has_official_split()) return "official";
  return dataset.has_refs() ? "reference-disjoint" : "random";
}

namespace {

template <typename T>
void shuffle(std::vector<T>& v, Rng& rng) {  // Fisher-Yates from the back
  for (int i = static_cast<int>(v.size()) - 1; i > 0; --i) std::swap(v[i], v[rng.uniform_int(0, i)]);
}

Split official_split(const Dataset& dataset) {
  Split split;
  for (int i = 0; i < static_cast<int>(dataset.items.size()); ++i) {
    const std::string& s = dataset.items[i].split;
    if (s == "training" || s == "train") split.train.push_back(i);
    else if (s == "validation" || s == "val") split.val.push_back(i);
    else if (s == "test") split.test.push_back(i);
    else throw_input_error(dataset.source, "unknown split label '" + s + "' (expected training, validation or test)");
  }
  return split;
}

}  // namespace

std::vector<Split> make_splits(const Dataset& dataset, const SplitOptions& options) {
  if (options.count < 1) throw_usage_error("--splits", "must be at least 1");
  if (dataset.has_official_split()) return {official_split(dataset)};
  // Units to shuffle: references, or images.
  std::vector<std::string> units;
  std::map<std::string, int> unit_of_ref;
  const bool by_ref = dataset.has_refs();
  if (by_ref) {
    for (const auto& item : dataset.items) unit_of_ref.emplace(item.ref, 0);
    for (auto& [ref, index] : unit_of_ref) {  // sorted by the map
      index = static_cast<int>(units.size());
      units.push_back(ref);
    }
  }
  const int n = by_ref ? static_cast<int>(units.size()) : static_cast<int>(dataset.items.size());
  const int n_train = static_cast<int>(std::nearbyint(options.train * n));
  const int n_val = static_cast<int>(std::nearbyint(options.val * n));
  if (n_train < 1 || n - n_train - n_val < 1)
    throw_input_error(dataset.source, "too few " + std::string(by_ref ? "references" : "images") + " (" +
                                          std::to_string(n) + ") for train/val/test splits");
  std::vector<Split> splits;
  for (int s = 0; s < options.count; ++s) {
    std::vector<int> order(n);
    for (int i = 0; i < n; ++i) order[i] = i;
    Rng rng = Rng::stream(options.seed, {std::uint64_t(s)});
    shuffle(order, rng);
    std::vector<int> part(n);  // 0 train, 1 val, 2 test, per unit
    for (int k = 0; k < n; ++k) part[order[k]] = k < n_train ? 0 : (k < n_train + n_val ? 1 : 2);
    Split split;
    for (int i = 0; i < static_cast<int>(dataset.items.size()); ++i) {
      const int unit = by_ref ? unit_of_ref.at(dataset.items[i].ref) : i;
      (part[unit] == 0 ? split.train : part[unit] == 1 ? split.val : split.test).push_back(i);
    }
    splits.push_back(std::move(split));
  }
  return splits;
}

}  // namespace shamisa
