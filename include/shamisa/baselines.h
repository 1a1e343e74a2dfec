// The classic metrics as evaluation subjects: names, direction, one scorer interface over FR and
// NR metrics, scoring a whole dataset in parallel, and their features as ridge feature sources.
#ifndef SHAMISA_BASELINES_H_
#define SHAMISA_BASELINES_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "shamisa/dataset.h"
#include "shamisa/evaluation.h"

namespace shamisa {

struct MetricInfo {
  std::string name;  // psnr, ssim, ms-ssim, gmsd (full-reference); brisque, niqe (no-reference)
  bool full_reference = false;
  bool lower_better = false;
  std::string description;
};
const std::vector<MetricInfo>& baseline_metrics();
// Usage error listing the names for an unknown one.
const MetricInfo& find_baseline_metric(const std::string& name);

// score() must be thread-safe. `ref` is null for no-reference metrics. Images are RGB as
// image_io decodes them.
class MetricScorer {
 public:
  virtual ~MetricScorer() = default;
  virtual const MetricInfo& info() const = 0;
  virtual double score(const cv::Mat* ref, const cv::Mat& dist) const = 0;
};
// scorer.score(ref, dist) with input errors (size mismatch, image too small) re-raised as
// "<dist_path>: <problem>", so the message names the file.
double score_image(const MetricScorer& scorer, const std::string& dist_path, const cv::Mat* ref, const cv::Mat& dist);

// Model errors when BRISQUE's or NIQE's model files cannot be read.
std::unique_ptr<MetricScorer> make_metric_scorer(const std::string& name);

// Scores every item (reading its image, and its reference for FR metrics) on OpenCV's thread
// pool. An item that fails (unreadable image) gets NaN and a message in `failures`.
// `on_item_done` is called once per item from the worker threads, serialised.
std::vector<double> score_dataset(const Dataset& dataset, const MetricScorer& scorer, std::vector<std::string>& failures,
                                  const std::function<void()>& on_item_done = {});

// Feature sources from the baselines, for the ridge protocol: "brisque" (its 36 features) and
// "niqe" (the mean of its 36 patch features), one crop per image.
std::unique_ptr<FeatureSource> make_baseline_feature_source(const std::string& name);

// Extracts features for every item in parallel (failures as in score_dataset, with an empty tensor).
// `failures` gets one message per failed item, in item order.
std::vector<torch::Tensor> extract_dataset_features(const Dataset& dataset, const FeatureSource& source,
                                                    std::vector<std::string>& failures,
                                                    const std::function<void()>& on_item_done = {});

// Leaves out the items whose features could not be computed (undefined or empty tensors), from
// both the dataset and the features.
void drop_failed_items(Dataset& dataset, std::vector<torch::Tensor>& features);

}  // namespace shamisa

#endif  // SHAMISA_BASELINES_H_
