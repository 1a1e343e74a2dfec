// Writing sets of distorted images to disk: one image's one-factor groups (`distort sample`) and
// KADID-style synthetic datasets from a folder of references (`distort dataset`).
#ifndef SHAMISA_DISTORTION_SETS_H_
#define SHAMISA_DISTORTION_SETS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "shamisa/composition.h"

namespace shamisa {

struct SampleOptions {
  int compositions = 4;  // F
  CompositionOptions composition;
  std::uint64_t seed = 0;
};

// Writes OUTDIR/reference.png, OUTDIR/c<F>_l<L>.png for every composition and level, and
// OUTDIR/meta.json describing every image (types, groups, values, severity indices, variable
// slot). Compositions render in parallel; the bytes depend only on the inputs and the seed.
void write_composition_sample(const std::string& input, const std::string& out_dir, const SampleOptions& options);

enum class DatasetMode {
  kEveryType,     // every type at the 5 anchor severities, one image each (like KADID-10k)
  kCompositions,  // random compositions, each at L levels of its variable factor
};

struct DatasetOptions {
  DatasetMode mode = DatasetMode::kEveryType;
  int per_ref = 4;  // compositions per reference (kCompositions)
  CompositionOptions composition;
  std::uint64_t seed = 0;
};

struct DatasetReport {
  std::size_t references = 0;
  std::size_t images = 0;
  std::vector<std::string> failures;  // one message per reference that could not be read
};

// Writes OUT/refs/<name>.png (each reference as decoded), OUT/images/…png, OUT/dataset.csv with
// columns image,ref,type,group,severity,value,score (paths relative to OUT) and OUT/dataset.json.
// score is a lower-better proxy: the severity index (kEveryType) or the sum of the composition's
// severity indices (kCompositions). A reference that cannot be read is reported and skipped.
// `on_reference_done` (optional) is called after each reference, for progress.
DatasetReport write_synthetic_dataset(const std::vector<std::string>& references, const std::string& out_dir,
                                      const DatasetOptions& options,
                                      const std::function<void()>& on_reference_done = {});

// A contact sheet: every type (a row, labelled) at severities 0..4 (columns), on a `tile` x `tile`
// centre crop of `rgb`, in two blocks of 13 rows side by side. 8-bit RGB.
cv::Mat render_contact_sheet(const cv::Mat& rgb, std::uint64_t seed, int tile = 96);

}  // namespace shamisa

#endif  // SHAMISA_DISTORTION_SETS_H_
