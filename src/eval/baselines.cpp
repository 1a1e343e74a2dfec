#include "shamisa/baselines.h"

#include <map>
#include <mutex>

#include <opencv2/core/utility.hpp>

#include "shamisa/error.h"
#include "shamisa/fr_metrics.h"
#include "shamisa/image_io.h"
#include "shamisa/nr_metrics.h"

namespace shamisa {

const std::vector<MetricInfo>& baseline_metrics() {
  static const std::vector<MetricInfo> metrics = {
      {"psnr", true, false, "peak signal-to-noise ratio on RGB, dB"},
      {"ssim", true, false, "SSIM (Wang et al. 2004) on luminance, with the authors' downsampling rule"},
      {"ms-ssim", true, false, "multi-scale SSIM (Wang et al. 2003), 5 scales, on luminance"},
      {"gmsd", true, true, "gradient magnitude similarity deviation (Xue et al. 2014)"},
      {"brisque", false, true, "BRISQUE through OpenCV contrib, LIVE-trained model from opencv-data"},
      {"niqe", false, true, "NIQE (Mittal et al. 2013), pristine model of the authors' release"},
  };
  return metrics;
}

const MetricInfo& find_baseline_metric(const std::string& name) {
  for (const auto& m : baseline_metrics())
    if (m.name == name) return m;
  std::string known;
  for (const auto& m : baseline_metrics()) known += (known.empty() ? "" : ", ") + m.name;
  throw_usage_error(name, "unknown metric (known: " + known + ")");
}

namespace {

class FullReferenceScorer : public MetricScorer {
 public:
  using Fn = double (*)(const cv::Mat&, const cv::Mat&);
  FullReferenceScorer(const MetricInfo& info, Fn fn) : info_(info), fn_(fn) {}
  const MetricInfo& info() const override { return info_; }
  double score(const cv::Mat* ref, const cv::Mat& dist) const override {
    if (!ref) throw_usage_error(info_.name, "is a full-reference metric: it needs a reference image");
    return fn_(*ref, dist);
  }

 private:
  const MetricInfo& info_;
  Fn fn_;
};

class BrisqueScorer : public MetricScorer {
 public:
  BrisqueScorer() : info_(find_baseline_metric("brisque")) {}
  const MetricInfo& info() const override { return info_; }
  double score(const cv::Mat*, const cv::Mat& dist) const override { return brisque_.score(dist); }

 private:
  const MetricInfo& info_;
  Brisque brisque_;
};

class NiqeScorer : public MetricScorer {
 public:
  NiqeScorer() : info_(find_baseline_metric("niqe")) {}
  const MetricInfo& info() const override { return info_; }
  double score(const cv::Mat*, const cv::Mat& dist) const override { return niqe_.score(dist); }

 private:
  const MetricInfo& info_;
  Niqe niqe_;
};

// Runs fn(i) for every item on OpenCV's pool; input errors become NaN-style failures.
void for_each_item(const Dataset& dataset, std::vector<std::string>& failures, const std::function<void()>& on_item_done,
                   const std::function<void(int)>& fn) {
  std::mutex mutex;
  std::vector<std::string> messages(dataset.items.size());
  cv::parallel_for_(cv::Range(0, static_cast<int>(dataset.items.size())), [&](const cv::Range& range) {
    for (int i = range.start; i < range.end; ++i) {
      try {
        fn(i);
      } catch (const Error& e) {
        if (e.kind() != ErrorKind::kInput) throw;
        messages[i] = e.what();
      }
      if (on_item_done) {
        std::lock_guard<std::mutex> lock(mutex);
        on_item_done();
      }
    }
  });
  for (auto& m : messages)
    if (!m.empty()) failures.push_back(m);
}

}  // namespace

std::unique_ptr<MetricScorer> make_metric_scorer(const std::string& name) {
  const MetricInfo& info = find_baseline_metric(name);
  if (name == "psnr") return std::make_unique<FullReferenceScorer>(info, &psnr);
  if (name == "ssim") return std::make_unique<FullReferenceScorer>(info, &ssim);
  if (name == "ms-ssim") return std::make_unique<FullReferenceScorer>(info, &ms_ssim);
  if (name == "gmsd") return std::make_unique<FullReferenceScorer>(info, &gmsd);
  if (name == "brisque") return std::make_unique<BrisqueScorer>();
  return std::make_unique<NiqeScorer>();
}

double score_image(const MetricScorer& scorer, const std::string& dist_path, const cv::Mat* ref, const cv::Mat& dist) {
  try {
    return scorer.score(ref, dist);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kInput) throw;
    throw_input_error(dist_path, e.what());
  }
}

std::vector<double> score_dataset(const Dataset& dataset, const MetricScorer& scorer, std::vector<std::string>& failures,
                                  const std::function<void()>& on_item_done) {
  if (scorer.info().full_reference && !dataset.has_refs())
    throw_usage_error(scorer.info().name, "is a full-reference metric and " + dataset.source + " has no 'ref' column");
  // A reference serves many distorted images (LIVE: 29 for 779): decode each once, up front.
  std::map<std::string, cv::Mat> refs;
  std::map<std::string, std::string> ref_errors;
  if (scorer.info().full_reference) {
    for (const auto& item : dataset.items) refs.emplace(item.ref, cv::Mat());
    std::vector<std::map<std::string, cv::Mat>::iterator> slots;
    for (auto it = refs.begin(); it != refs.end(); ++it) slots.push_back(it);
    std::vector<std::string> errors(slots.size());
    cv::parallel_for_(cv::Range(0, static_cast<int>(slots.size())), [&](const cv::Range& range) {
      for (int k = range.start; k < range.end; ++k) {
        try {
          slots[k]->second = decode_image_file(slots[k]->first).rgb;
        } catch (const Error& e) {
          if (e.kind() != ErrorKind::kInput) throw;
          errors[k] = e.what();
        }
      }
    });
    for (std::size_t k = 0; k < slots.size(); ++k)
      if (!errors[k].empty()) ref_errors[slots[k]->first] = errors[k];
  }
  std::vector<double> predictions(dataset.items.size(), std::numeric_limits<double>::quiet_NaN());
  for_each_item(dataset, failures, on_item_done, [&](int i) {
    const DatasetItem& item = dataset.items[i];
    if (scorer.info().full_reference) {
      const auto error = ref_errors.find(item.ref);
      if (error != ref_errors.end()) throw Error(ErrorKind::kInput, item.image + ": reference unreadable: " + error->second);
      predictions[i] = score_image(scorer, item.image, &refs.at(item.ref), decode_image_file(item.image).rgb);
    } else {
      predictions[i] = score_image(scorer, item.image, nullptr, decode_image_file(item.image).rgb);
    }
  });
  return predictions;
}

namespace {

class BrisqueFeatures : public FeatureSource {
 public:
  std::string name() const override { return "brisque-features"; }
  torch::Tensor features(const DatasetItem& item) const override {
    const std::vector<float> f = brisque_.features(decode_image_file(item.image).rgb);
    return torch::tensor(f, torch::kFloat32).reshape({1, -1});
  }

 private:
  Brisque brisque_;
};

class NiqeFeatures : public FeatureSource {
 public:
  std::string name() const override { return "niqe-features"; }
  torch::Tensor features(const DatasetItem& item) const override {
    const std::vector<double> f = niqe_.patch_features_mean(decode_image_file(item.image).rgb);
    return torch::tensor(f, torch::kFloat64).to(torch::kFloat32).reshape({1, -1});
  }

 private:
  Niqe niqe_;
};

}  // namespace

std::unique_ptr<FeatureSource> make_baseline_feature_source(const std::string& name) {
  if (name == "brisque") return std::make_unique<BrisqueFeatures>();
  if (name == "niqe") return std::make_unique<NiqeFeatures>();
  throw_usage_error(name, "no feature source of that name (known: brisque, niqe)");
}

std::vector<torch::Tensor> extract_dataset_features(const Dataset& dataset, const FeatureSource& source,
                                                    std::vector<std::string>& failures,
                                                    const std::function<void()>& on_item_done) {
  std::vector<torch::Tensor> features(dataset.items.size());
  for_each_item(dataset, failures, on_item_done, [&](int i) { features[i] = source.features(dataset.items[i]); });
  return features;
}

void drop_failed_items(Dataset& dataset, std::vector<torch::Tensor>& features) {
  Dataset kept = dataset;
  kept.items.clear();
  std::vector<torch::Tensor> kept_features;
  for (std::size_t i = 0; i < dataset.items.size(); ++i) {
    if (features[i].defined() && features[i].numel() > 0) {
      kept.items.push_back(dataset.items[i]);
      kept_features.push_back(features[i]);
    }
  }
  dataset = std::move(kept);
  features = std::move(kept_features);
}

}  // namespace shamisa
