// The structured training item and its prefetcher (METHOD-SHAMISA.md section 5).
#include "shamisa/training_batch.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include <opencv2/core.hpp>

#include "shamisa/crop.h"
#include "shamisa/error.h"
#include "shamisa/fr_metrics.h"
#include "shamisa/image_io.h"
#include "shamisa/resize.h"
#include "shamisa/rng.h"
#include "shamisa/tensor.h"

namespace shamisa {
namespace {

// Stream tags outside any valid view number, for the item-level draws.
constexpr std::uint64_t kItemStream = 0xFFFF'FFFF'0000'0000ULL;
constexpr std::uint64_t kPickRefs = 0, kPickCrops = 1, kPickCompositions = 2;
constexpr std::uint64_t kShuffle = 0x5348'5546'464C'4531ULL;  // "SHUFFLE1"

// Python's random.randrange(0, max(1, extent - crop)): quirk Q9, the last offset is never drawn.
int crop_origin(Rng& rng, int extent, int crop) {
  const int stop = std::max(1, extent - crop);
  return rng.uniform_int(0, stop - 1);
}

cv::Mat random_crop(const cv::Mat& image, int crop, Rng& rng) {
  const int y = crop_origin(rng, image.rows, crop);  // TF.crop(top, left): the row first
  const int x = crop_origin(rng, image.cols, crop);
  return to_rgbf(crop_zero_padded(image, x, y, crop, crop));
}

void validate(const std::vector<std::string>& images, int index, const TrainingItemOptions& o) {
  if (o.n_refs < 1) throw_usage_error("n_refs", "must be at least 1, got " + std::to_string(o.n_refs));
  if (o.crop < 1) throw_usage_error("crop", "must be at least 1, got " + std::to_string(o.crop));
  if (o.compositions < 1)
    throw_usage_error("compositions", "must be at least 1, got " + std::to_string(o.compositions));
  if (o.composition.levels < 1)
    throw_usage_error("levels", "must be at least 1, got " + std::to_string(o.composition.levels));
  if (images.size() < static_cast<std::size_t>(o.n_refs))
    throw_usage_error("training images", "the pool has " + std::to_string(images.size()) +
                                             " images but an item needs " + std::to_string(o.n_refs));
  if (index < 0 || static_cast<std::size_t>(index) >= images.size())
    throw_usage_error("item index", std::to_string(index) + " is outside the pool of " +
                                        std::to_string(images.size()));
}

// Runs body(i) for i in [0, n) with cv::parallel_for_, rethrowing the first (lowest i) exception.
template <typename Body>
void parallel_tasks(int n, const Body& body) {
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(n));
  cv::parallel_for_(cv::Range(0, n), [&](const cv::Range& range) {
    for (int i = range.start; i < range.end; ++i) {
      try {
        body(i);
      } catch (...) {
        errors[static_cast<std::size_t>(i)] = std::current_exception();
      }
    }
  });
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace

TrainingItem make_training_item(const std::vector<std::string>& images, int index,
                                std::uint64_t seed, std::uint64_t step_or_epoch,
                                const TrainingItemOptions& options) {
  validate(images, index, options);
  const int n = options.n_refs, views = 2 * n, crop = options.crop;
  const int F = options.compositions, L = options.composition.levels;
  const auto key = static_cast<std::uint64_t>(index);
  TrainingItem item;

  // References: the anchor, then n - 1 distinct others (rejection keeps it O(n) for a large pool).
  Rng pick = Rng::stream(seed, {step_or_epoch, key, kItemStream, kPickRefs});
  const int pool = static_cast<int>(images.size());
  item.ref_indices.push_back(index);
  while (static_cast<int>(item.ref_indices.size()) < n) {
    const int candidate = pick.uniform_int(0, pool - 1);
    if (std::find(item.ref_indices.begin(), item.ref_indices.end(), candidate) == item.ref_indices.end())
      item.ref_indices.push_back(candidate);
  }

  // Decode each reference once, as 8-bit RGB (what PIL resizes), and its half scale.
  std::vector<cv::Mat> full(static_cast<std::size_t>(n)), half(static_cast<std::size_t>(n));
  parallel_tasks(n, [&](int r) {
    const auto i = static_cast<std::size_t>(r);
    full[i] = read_image_rgb8(images[static_cast<std::size_t>(item.ref_indices[i])]);
    half[i] = half_scale(full[i]);
  });

  // Crops, drawn in order: all full-scale crops, then all half-scale ones (view order).
  Rng crops_rng = Rng::stream(seed, {step_or_epoch, key, kItemStream, kPickCrops});
  std::vector<cv::Mat> crops;
  for (int v = 0; v < views; ++v) {
    const auto r = static_cast<std::size_t>(v % n);
    crops.push_back(random_crop(v < n ? full[r] : half[r], crop, crops_rng));
  }
  full.clear();
  half.clear();

  Rng comp_rng = Rng::stream(seed, {step_or_epoch, key, kItemStream, kPickCompositions});
  for (int f = 0; f < F; ++f) item.compositions.push_back(sample_composition(comp_rng, options.composition));
  for (const auto& c : item.compositions) {
    if (c.levels() != L) throw_internal_error("sample_composition", "returned the wrong number of levels");
    for (const auto& s : c.variable_levels) item.variable_severity.push_back(s.index);
  }

  // Render every (view, composition), each from its own stream.
  std::vector<std::vector<cv::Mat>> rendered(static_cast<std::size_t>(views * F));
  if (options.ssim_targets) item.dist_ssim.assign(static_cast<std::size_t>(views * F * L), 0.0);
  parallel_tasks(views * F, [&](int task) {
    const int v = task / F, f = task % F;
    Rng rng = Rng::stream(seed, {step_or_epoch, key, static_cast<std::uint64_t>(v),
                                 static_cast<std::uint64_t>(f)});
    const cv::Mat& reference = crops[static_cast<std::size_t>(v)];
    auto& levels = rendered[static_cast<std::size_t>(task)];
    levels = render_levels(reference, item.compositions[static_cast<std::size_t>(f)], rng);
    for (int l = 0; options.ssim_targets && l < L; ++l) {
      item.dist_ssim[static_cast<std::size_t>(task * L + l)] = ssim(reference, levels[static_cast<std::size_t>(l)]);
    }
  });

  item.refs = images_to_batch(crops);
  std::vector<cv::Mat> all;
  all.reserve(static_cast<std::size_t>(views * F * L));
  for (auto& levels : rendered)
    for (auto& image : levels) all.push_back(std::move(image));
  item.dists = images_to_batch(all).view({views, F, L, 3, crop, crop});
  return item;
}

int training_item_index(std::size_t pool_size, std::uint64_t seed, std::int64_t position,
                        std::int64_t* epoch) {
  if (pool_size == 0) throw_usage_error("training images", "the pool is empty");
  if (position < 0) throw_usage_error("training position", "must not be negative");
  const auto n = static_cast<std::int64_t>(pool_size);
  const std::int64_t e = position / n;
  if (epoch) *epoch = e;
  std::vector<int> order(pool_size);
  for (std::size_t i = 0; i < pool_size; ++i) order[i] = static_cast<int>(i);
  Rng rng = Rng::stream(seed, {kShuffle, static_cast<std::uint64_t>(e)});
  for (std::size_t i = pool_size - 1; i > 0; --i)
    std::swap(order[i], order[static_cast<std::size_t>(rng.uniform_int(0, static_cast<int>(i)))]);
  return order[static_cast<std::size_t>(position % n)];
}

TrainingBatch make_training_batch(const std::vector<std::string>& images, int items_per_batch,
                                  std::uint64_t seed, std::int64_t step,
                                  const TrainingItemOptions& options) {
  if (items_per_batch < 1) throw_usage_error("items per batch", "must be at least 1");
  TrainingBatch batch;
  batch.step = step;
  for (int b = 0; b < items_per_batch; ++b) {
    std::int64_t epoch = 0;
    const int index = training_item_index(images.size(), seed, step * items_per_batch + b, &epoch);
    batch.items.push_back(
        make_training_item(images, index, seed, static_cast<std::uint64_t>(epoch), options));
  }
  return batch;
}

TrainingBatchPrefetcher::TrainingBatchPrefetcher(std::vector<std::string> images, int items_per_batch,
                                                 std::uint64_t seed, TrainingItemOptions options,
                                                 int queue_depth, int producer_threads,
                                                 std::int64_t first_step)
    : images_(std::move(images)),
      items_per_batch_(items_per_batch),
      seed_(seed),
      options_(std::move(options)),
      queue_depth_(queue_depth),
      next_to_produce_(first_step),
      next_to_return_(first_step) {
  if (first_step < 0) throw_usage_error("first step", "must be non-negative");
  if (items_per_batch < 1) throw_usage_error("items per batch", "must be at least 1");
  if (queue_depth < 1) throw_usage_error("queue depth", "must be at least 1");
  if (producer_threads < 1) throw_usage_error("producer threads", "must be at least 1");
  if (images_.empty()) throw_usage_error("training images", "the pool is empty");
  for (int t = 0; t < producer_threads; ++t) threads_.emplace_back([this] { produce(); });
}

TrainingBatchPrefetcher::~TrainingBatchPrefetcher() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  space_.notify_all();
  ready_.notify_all();
  for (auto& t : threads_) t.join();
}

void TrainingBatchPrefetcher::produce() {
  for (;;) {
    std::int64_t step = 0;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      space_.wait(lock, [&] { return stop_ || next_to_produce_ < next_to_return_ + queue_depth_; });
      if (stop_) return;
      step = next_to_produce_++;
    }
    Slot slot;
    try {
      // make_training_batch item by item, so that a stop request is honoured between items.
      slot.batch.step = step;
      for (int b = 0; b < items_per_batch_ && !stop_; ++b) {
        std::int64_t epoch = 0;
        const int index = training_item_index(images_.size(), seed_, step * items_per_batch_ + b, &epoch);
        slot.batch.items.push_back(
            make_training_item(images_, index, seed_, static_cast<std::uint64_t>(epoch), options_));
      }
    } catch (...) {
      slot.error = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stop_) return;
      done_.emplace(step, std::move(slot));
    }
    ready_.notify_all();
  }
}

TrainingBatch TrainingBatchPrefetcher::next() {
  const auto start = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mutex_);
  ready_.wait(lock, [&] { return done_.count(next_to_return_) > 0; });
  auto it = done_.find(next_to_return_);
  if (it->second.error) std::rethrow_exception(it->second.error);  // sticky: batch k stays due
  TrainingBatch batch = std::move(it->second.batch);
  done_.erase(it);
  ++next_to_return_;
  lock.unlock();
  space_.notify_all();
  batch.wait_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return batch;
}

}  // namespace shamisa
