// Train/validation/test splits of the evaluation protocol (METHOD-SHAMISA.md section 10.3).
#ifndef SHAMISA_SPLITS_H_
#define SHAMISA_SPLITS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "shamisa/dataset.h"

namespace shamisa {

struct Split {
  std::vector<int> train, val, test;  // item indices
};

struct SplitOptions {
  int count = 10;
  std::uint64_t seed = 27;
  double train = 0.7, val = 0.1;  // the rest is test
};

// - Reference-disjoint when the dataset has references: the sorted unique references are shuffled
//   (split i uses Rng::stream(seed, {i})), train = round(0.7 n) references, val = round(0.1 n),
//   test the rest (round half to even), and every image goes where its reference went.
// - Otherwise random at image level with the same counts.
// - A dataset with an official split (KonIQ-10k, FLIVE) gives that one split instead.
// Our shuffles are not numpy's PCG64 ones; outputs say "shamisa-xoshiro" as the split method.
std::vector<Split> make_splits(const Dataset& dataset, const SplitOptions& options = {});

// "reference-disjoint", "random" or "official".
std::string split_method(const Dataset& dataset);

}  // namespace shamisa

#endif  // SHAMISA_SPLITS_H_
