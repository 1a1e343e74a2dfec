// `shamisa eval` (the evaluation protocol) and `shamisa compare` (one full-reference pair).
#include <cstdio>
#include <iostream>
#include <limits>
#include <optional>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "shamisa/baselines.h"
#include "shamisa/encoder_features.h"
#include "shamisa/dataset.h"
#include "shamisa/error.h"
#include "shamisa/evaluation.h"
#include "shamisa/image_io.h"
#include "shamisa/progress.h"
#include "shamisa/quality_fit.h"
#include "shamisa/quality_model.h"
#include "shamisa/model_paths.h"
#include "shamisa/relational_evaluation.h"
#include "shamisa/training_model.h"

namespace shamisa::cli {
namespace {

struct DatasetArgs {
  std::string csv, preset, images, metadata;
};

Dataset load(const DatasetArgs& a, const std::string& what, std::optional<bool> lower_better) {
  if (!a.csv.empty() && !a.preset.empty()) throw_usage_error(what, "give a CSV or a preset, not both");
  Dataset d;
  if (!a.preset.empty()) {
    if (a.images.empty()) throw_usage_error(what, "a preset needs the folder of the dataset's images (--images)");
    d = load_dataset_preset(a.preset, a.images, a.metadata);
    if (lower_better) d.lower_better = *lower_better;
  } else if (!a.csv.empty()) {
    d = load_dataset_csv(a.csv, lower_better);
  } else {
    throw_usage_error(what, "give --dataset D.csv or --preset NAME --images DIR");
  }
  require_dataset_files(d);
  return d;
}

struct EvalArgs {
  DatasetArgs dataset, cross;
  std::string metric = "shamisa", protocol, checkpoint, model;
  int splits = 10;
  std::uint64_t seed = 27;
  double alpha = 0;
  bool json = false, lower_better = false, higher_better = false;
};

std::string fixed(double v, int digits = 4) {
  if (!std::isfinite(v)) return "n/a";
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", digits, v);
  return text;
}

void print_text(const EvaluationResult& r) {
  std::cout << r.dataset << (r.cross_dataset.empty() ? "" : " -> " + r.cross_dataset) << "  " << r.metric << "  "
            << r.protocol << "  n=" << r.n_images << '\n';
  std::cout << "SRCC " << fixed(r.overall.srcc) << "  PLCC " << fixed(r.overall.plcc) << "  KRCC "
            << fixed(r.overall.krcc) << "  PLCC(logistic) " << fixed(r.overall.plcc_logistic) << "  RMSE "
            << fixed(r.overall.rmse) << '\n';
  if (r.alpha) std::cout << "alpha " << *r.alpha << "  splits " << r.splits.size() << " (" << r.split_method << ")\n";
  for (const auto& t : r.per_type)
    std::cout << "  " << t.type << "  n=" << t.agreement.n << "  SRCC " << fixed(t.agreement.srcc) << "  PLCC "
              << fixed(t.agreement.plcc) << '\n';
}

int run_eval(const EvalArgs& a, const GlobalOptions& globals) {
  if (a.lower_better && a.higher_better) throw_usage_error("--lower-better", "contradicts --higher-better");
  std::optional<bool> direction;
  if (a.lower_better) direction = true;
  if (a.higher_better) direction = false;
  const bool from_checkpoint = !a.checkpoint.empty();
  // --metric shamisa without --checkpoint: a quality model file (--model, or the default one).
  const bool from_model = a.metric == "shamisa" && !from_checkpoint;
  if (from_checkpoint && !a.model.empty()) throw_usage_error("--checkpoint", "cannot be combined with --model");
  if (from_checkpoint && a.metric != "shamisa") throw_usage_error("--checkpoint", "cannot be combined with --metric " + a.metric);
  if (from_checkpoint && a.protocol == "direct") throw_usage_error("--checkpoint", "gives features; use --protocol ridge");
  const bool relational = a.metric == "relational";
  if (!a.model.empty() && !relational && !from_model)
    throw_usage_error("--model", "applies to --metric shamisa and --metric relational");
  const bool full_reference =
      !from_checkpoint && !from_model && (relational || find_baseline_metric(a.metric).full_reference);
  const std::string protocol = a.protocol.empty() ? (from_checkpoint || from_model ? "ridge" : "direct") : a.protocol;
  if (protocol != "direct" && protocol != "ridge")
    throw_usage_error("--protocol", "expected direct or ridge, got '" + protocol + "'");
  const bool has_cross = !a.cross.csv.empty() || !a.cross.preset.empty();
  if (has_cross && protocol != "ridge") throw_usage_error("--cross", "needs --protocol ridge");

  Dataset dataset = load(a.dataset, "--dataset", direction);
  std::vector<std::string> failures;
  EvaluationResult result;
  std::optional<QualityModel> model;
  if (from_model) model = load_quality_model(a.model);
  if (protocol == "direct" && from_model) {
    // The model's own NR head: the scores `shamisa score` gives, correlated with the dataset's.
    if (!model->nr_head) throw_model_error(model->name, "has no no-reference head; use --protocol ridge or fit one");
    const auto source = make_quality_feature_source(*model, false);
    ProgressReporter progress(source->name(), std::int64_t(dataset.items.size()), globals.show_progress());
    const std::vector<torch::Tensor> features =
        extract_dataset_features(dataset, *source, failures, [&] { progress.advance(); });
    progress.finish();
    std::vector<double> predictions(features.size(), std::numeric_limits<double>::quiet_NaN());
    for (std::size_t i = 0; i < features.size(); ++i) {
      if (features[i].defined()) predictions[i] = nr_score_100(*model->nr_head, features[i]);
    }
    result = evaluate_direct(dataset, predictions, false, source->name());
  } else if (protocol == "direct") {
    const auto scorer = relational ? make_relational_metric(a.model.empty() ? default_model_file(kDefaultRelationalModel)
                                                                             : a.model)
                                   : make_metric_scorer(a.metric);
    ProgressReporter progress(a.metric, std::int64_t(dataset.items.size()), globals.show_progress());
    const std::vector<double> predictions = score_dataset(dataset, *scorer, failures, [&] { progress.advance(); });
    progress.finish();
    result = evaluate_direct(dataset, predictions, scorer->info().lower_better, a.metric);
  } else {
    if (full_reference)
      throw_usage_error("--protocol ridge", a.metric + " gives a single number, not features; ridge needs a feature source "
                                           "(brisque, niqe, shamisa or --checkpoint)");
    std::unique_ptr<FeatureSource> source;
    if (from_model) {
      source = make_quality_feature_source(*model, false);
    } else if (from_checkpoint) {
      const TrainingState state = load_checkpoint(a.checkpoint);
      source = make_encoder_feature_source(state.model.encoder, state.config.item.crop,
                                           "shamisa:" + state.config.name + "@" + std::to_string(state.step));
    } else {
      source = make_baseline_feature_source(a.metric);
    }
    auto extract = [&](Dataset& d) {
      ProgressReporter progress(source->name() + " " + d.name, std::int64_t(d.items.size()), globals.show_progress());
      std::vector<torch::Tensor> f = extract_dataset_features(d, *source, failures, [&] { progress.advance(); });
      progress.finish();
      drop_failed_items(d, f);
      return f;
    };
    std::vector<torch::Tensor> features = extract(dataset);
    RidgeProtocolOptions options;
    options.splits.count = a.splits;
    options.splits.seed = a.seed;
    if (a.alpha > 0) options.fixed_alpha = a.alpha;
    if (has_cross) {
      Dataset cross = load(a.cross, "--cross", std::nullopt);
      std::vector<torch::Tensor> cross_features = extract(cross);
      result = evaluate_ridge(dataset, features, source->name(), options, &cross, &cross_features);
    } else {
      result = evaluate_ridge(dataset, features, source->name(), options);
    }
  }
  result.failures = failures;
  for (const auto& f : failures) report_error(f);
  if (a.json) std::cout << result.to_json().dump(2) << '\n';
  else print_text(result);
  return failures.empty() ? kExitSuccess : kExitPartial;
}

struct CompareArgs {
  std::string ref, dist, metric = "shamisa", model;
  bool json = false;
};

int run_compare(const CompareArgs& a) {
  double value = 0.0;
  bool lower_better = false;
  std::string model_name;
  if (a.metric == "shamisa") {
    QualityModel model = load_quality_model(a.model);
    if (!model.fr_head) throw_model_error(model.name, "has no full-reference head; fit one with 'shamisa fit --fr'");
    const cv::Mat ref = read_image_rgb8(a.ref), dist = read_image_rgb8(a.dist);
    try {
      value = fr_score_100(*model.fr_head, quality_fr_features(model, ref, dist));
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::kInput) throw;
      throw_input_error(a.dist, e.what());  // the size check, naming the file
    }
    model_name = model.name;
  } else {
    if (!a.model.empty()) throw_usage_error("--model", "is for --metric shamisa");
    const auto scorer = make_metric_scorer(a.metric);
    const cv::Mat dist = decode_image_file(a.dist).rgb;
    if (scorer->info().full_reference) {
      const cv::Mat ref = decode_image_file(a.ref).rgb;
      value = score_image(*scorer, a.dist, &ref, dist);
    } else {
      value = score_image(*scorer, a.dist, nullptr, dist);
    }
    lower_better = scorer->info().lower_better;
  }
  if (a.json) {
    nlohmann::ordered_json j = {{"metric", a.metric}, {"reference", a.ref}, {"distorted", a.dist},
                                {"score", std::isfinite(value) ? nlohmann::ordered_json(value) : nlohmann::ordered_json("inf")},
                                {"lower_better", lower_better}};
    if (!model_name.empty()) j["model"] = model_name;
    std::cout << j.dump(2) << '\n';
  } else {
    std::cout << "metric,score\n" << a.metric << ',' << (std::isfinite(value) ? fixed(value, 6) : "inf") << '\n';
  }
  return kExitSuccess;
}

void add_dataset_options(CLI::App* app, DatasetArgs& d, const std::string& prefix) {
  const bool cross = prefix == "cross";
  app->add_option(cross ? "--cross" : "--dataset", d.csv, cross ? "Test dataset CSV (fit on --dataset, test on this)"
                                                               : "Dataset CSV (image,score[,ref,type]) with optional dataset.json");
  app->add_option(cross ? "--cross-preset" : "--preset", d.preset,
                  "Standard dataset: live, csiq, tid2013, kadid10k, koniq10k, spaq, flive, livec");
  app->add_option(cross ? "--cross-images" : "--images", d.images, "Folder of the preset dataset's images");
  app->add_option(cross ? "--cross-metadata" : "--metadata", d.metadata,
                  "Folder of the score lists (default ../shared/data/iqa-metadata or $SHAMISA_IQA_METADATA)");
}

}  // namespace

void register_eval_commands(Registration r) {
  const GlobalOptions& globals = r.globals;
  Action& action = r.action;

  auto e = std::make_shared<EvalArgs>();
  CLI::App* eval = r.parent.add_subcommand("eval", "The evaluation protocol: correlations with human scores");
  add_dataset_options(eval, e->dataset, "");
  add_dataset_options(eval, e->cross, "cross");
  eval->add_option("--metric", e->metric, "shamisa, psnr, ssim, ms-ssim, gmsd, brisque, niqe or relational (q(X|REF))")
      ->capture_default_str();
  eval->add_option("--model", e->model, "With --metric shamisa: the quality model file (default: models/" +
                                            std::string(kDefaultQualityModel) + "; ridge on its features, or direct "
                                            "with its NR head); with --metric relational: the relational model (default: "
                                            "models/" + std::string(kDefaultRelationalModel) + ")");
  eval->add_option("--protocol", e->protocol,
                   "direct: correlate the metric's output over the dataset; ridge: the 10-split protocol with a "
                   "ridge head on the metric's features (brisque, niqe)");
  eval->add_option("--checkpoint", e->checkpoint,
                   "Ridge protocol on the encoder features of a training checkpoint (RUN/checkpoint.safetensors)");
  eval->add_option("--splits", e->splits, "Number of splits (ridge)")->capture_default_str();
  eval->add_option("--seed", e->seed, "Seed of the splits (ridge)")->capture_default_str();
  eval->add_option("--alpha", e->alpha, "Fixed ridge alpha instead of the validation search");
  eval->add_flag("--lower-better", e->lower_better, "The dataset's scores are lower-is-better (overrides dataset.json)");
  eval->add_flag("--higher-better", e->higher_better, "The dataset's scores are higher-is-better");
  eval->add_flag("--json", e->json, "JSON output (DESIGN.md's eval JSON)");
  eval->callback([e, &globals, &action] { action = [e, &globals] { return run_eval(*e, globals); }; });

  auto c = std::make_shared<CompareArgs>();
  CLI::App* compare = r.parent.add_subcommand("compare", "Full-reference score of DIST against REF");
  compare->add_option("ref", c->ref, "Reference image")->required();
  compare->add_option("dist", c->dist, "Distorted image")->required();
  compare->add_option("--metric", c->metric, "shamisa, psnr, ssim, ms-ssim, gmsd (or brisque, niqe on DIST alone)")
      ->capture_default_str();
  compare->add_option("--model", c->model, "With --metric shamisa: the model file (default: models/" +
                                               std::string(kDefaultQualityModel) + ")");
  compare->add_flag("--json", c->json, "JSON output");
  compare->callback([c, &action] { action = [c] { return run_compare(*c); }; });
}

}  // namespace shamisa::cli
