// Fitting a quality model's linear heads on frozen features (METHOD-SHAMISA.md §10.2, §10.4,
// §10.6): the features of a dataset through the model, the protocol's alpha search, and the ridge
// fitted on every crop of every image with that alpha.
#ifndef SHAMISA_QUALITY_FIT_H_
#define SHAMISA_QUALITY_FIT_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "shamisa/dataset.h"
#include "shamisa/evaluation.h"
#include "shamisa/quality_model.h"

namespace shamisa {

// The model's NR features of item.image, or (full_reference) its FR features of item.image
// against item.ref. Shares the model's networks (in eval mode): keep the model alive and do not
// train it while the source is in use. Thread-safe; a full-reference source encodes each reference
// once and keeps its embedding. Input errors name the file; a full-reference source on an item
// without a reference is an input error.
std::unique_ptr<FeatureSource> make_quality_feature_source(QualityModel& model, bool full_reference);

struct HeadFitOptions {
  std::optional<double> alpha;       // none: the protocol's validation search picks it
  RidgeProtocolOptions protocol;     // splits and alpha grid of that search
};

struct HeadFit {
  QualityHead head;
  // The protocol's figures (10 reference-disjoint splits) with the chosen alpha; absent when the
  // alpha was given.
  std::optional<EvaluationResult> protocol;
};

// Fits a head on `features` (one [crops, d] tensor per item of `dataset`): alpha from the search
// (or options.alpha), then the ridge on all crops of all images, each crop with its image's score.
// The head's target scale is the dataset's: its direction, and its score_range when known, else
// the observed [min, max] of the scores. Usage error for fewer than 2 items or features of
// mismatched sizes.
HeadFit fit_quality_head(const Dataset& dataset, const std::vector<torch::Tensor>& features,
                         const std::string& feature_name, const HeadFitOptions& options = {});

}  // namespace shamisa

#endif  // SHAMISA_QUALITY_FIT_H_
