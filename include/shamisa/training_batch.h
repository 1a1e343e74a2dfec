// The structured training item and batches of them (METHOD-SHAMISA.md section 5).
//
// One item holds n_refs pristine references, each cropped at two scales (2·n_refs views), and F
// compositions of distortions with L levels each, rendered on every view with prefix reuse
// (section 5.3). Everything random is drawn from Rng streams keyed by (seed, step_or_epoch, index,
// ...), so an item is the same whatever the thread count or scheduling.
#ifndef SHAMISA_TRAINING_BATCH_H_
#define SHAMISA_TRAINING_BATCH_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <torch/torch.h>

#include "shamisa/composition.h"

namespace shamisa {

struct TrainingItemOptions {
  int n_refs = 3;        // references per item: the anchor plus n_refs - 1 others
  int crop = 224;        // square crop side
  int compositions = 4;  // F
  CompositionOptions composition;  // levels L = composition.levels
  // Compute dist_ssim (the trainer sets this when loss.quality_target is on; not a config key).
  bool ssim_targets = false;
};

struct TrainingItem {
  // [2·n_refs, 3, crop, crop], ImageNet-normalised; view = scale·n_refs + r, scale 0 = full.
  torch::Tensor refs;
  // [2·n_refs, F, L, 3, crop, crop]: [view][composition][level], ImageNet-normalised.
  torch::Tensor dists;
  // [F·L]: severity index s of the variable slot of composition f at level l, at f·L + l.
  std::vector<double> variable_severity;
  // [2·n_refs·F·L]: SSIM (fr_metrics.h) of each distorted crop against its reference crop, in the
  // order of `dists` (view, composition, level): a label-free quality target (loss.quality_target).
  // Empty unless options.ssim_targets.
  std::vector<double> dist_ssim;
  std::vector<Composition> compositions;  // F, shared by all views
  std::vector<int> ref_indices;           // n_refs pool indices; ref_indices[0] == index
};

// Builds item `index` of the pool `images` (paths of pristine images):
//  - references: images[index] plus n_refs - 1 others drawn uniformly WITHOUT replacement and
//    excluding `index` (the reference code's behaviour here is unverified, §5.1 [U]); usage error
//    when the pool has fewer than n_refs images;
//  - each reference is decoded once (8-bit RGB, as PIL opens it); full scale = a crop whose origin
//    is randrange(0, max(1, H - crop)) vertically and likewise horizontally — quirk Q9 kept: the
//    last valid offset is never drawn; half scale = half_scale (Pillow bicubic on the 8-bit image)
//    of the whole image, then an independent crop drawn the same way; crops reaching outside
//    the image are zero (black) before normalisation (quirk Q7);
//  - F compositions are drawn once and shared by every view;
//  - each (view, f) is rendered with render_levels from Rng::stream(seed, {step_or_epoch, index,
//    view, f}), in parallel with cv::parallel_for_;
//  - values are clamped to [0, 1] after every step (apply_step) and ImageNet-normalised (§3.5);
//  - dist_ssim (with options.ssim_targets) is computed on the clamped [0, 1] crops, before
//    normalisation.
// Reference choice, crops and compositions come from their own streams of the same key.
// Input errors (shamisa::Error) name an unreadable image.
TrainingItem make_training_item(const std::vector<std::string>& images, int index,
                                std::uint64_t seed, std::uint64_t step_or_epoch,
                                const TrainingItemOptions& options = {});

struct TrainingBatch {
  std::vector<TrainingItem> items;
  std::int64_t step = 0;
  double wait_seconds = 0.0;  // how long next() blocked waiting for this batch
};

// The pool index of training position `position` (0, 1, 2, ...): epoch = position / N, and each
// epoch visits the pool in the order of a Fisher–Yates shuffle drawn from
// Rng::stream(seed, {kShuffle, epoch}). Sets *epoch when non-null.
int training_item_index(std::size_t pool_size, std::uint64_t seed, std::int64_t position,
                        std::int64_t* epoch = nullptr);

// Batch `step` built directly: positions step·B .. step·B + B - 1, each item made with
// step_or_epoch = its epoch (so an image never repeats its draws, even when a batch straddles an
// epoch boundary). wait_seconds is 0.
TrainingBatch make_training_batch(const std::vector<std::string>& images, int items_per_batch,
                                  std::uint64_t seed, std::int64_t step,
                                  const TrainingItemOptions& options = {});

// Produces make_training_batch(images, B, seed, k, options) for k = first_step, first_step + 1, ... on background
// threads, at most queue_depth batches ahead of the consumer. next() returns them in order, so the
// content of batch k never depends on thread count or timing. An exception thrown while building
// batch k is rethrown by next() when batch k is due (and again on every later call). The
// destructor stops the producers; a producer abandons its batch between items, so it never
// waits for more than one item.
class TrainingBatchPrefetcher {
 public:
  TrainingBatchPrefetcher(std::vector<std::string> images, int items_per_batch, std::uint64_t seed,
                          TrainingItemOptions options = {}, int queue_depth = 2,
                          int producer_threads = 1, std::int64_t first_step = 0);
  ~TrainingBatchPrefetcher();
  TrainingBatchPrefetcher(const TrainingBatchPrefetcher&) = delete;
  TrainingBatchPrefetcher& operator=(const TrainingBatchPrefetcher&) = delete;

  TrainingBatch next();

 private:
  struct Slot {
    TrainingBatch batch;
    std::exception_ptr error;
  };
  void produce();

  const std::vector<std::string> images_;
  const int items_per_batch_;
  const std::uint64_t seed_;
  const TrainingItemOptions options_;
  const int queue_depth_;

  std::mutex mutex_;
  std::condition_variable ready_;  // a batch was finished
  std::condition_variable space_;  // the consumer took a batch, or stop
  std::map<std::int64_t, Slot> done_;
  std::int64_t next_to_produce_ = 0;
  std::int64_t next_to_return_ = 0;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

}  // namespace shamisa

#endif  // SHAMISA_TRAINING_BATCH_H_
