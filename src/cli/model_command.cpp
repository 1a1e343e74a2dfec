// `shamisa model info|export`, `shamisa fit` and `shamisa score`: SHAMISA quality model files, fitting
// their heads, and no-reference scores (src/model/quality_model.cpp, quality_fit.cpp).
#include <iomanip>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/output.h"
#include "shamisa/baselines.h"
#include "shamisa/dataset.h"
#include "shamisa/error.h"
#include "shamisa/image_paths.h"
#include "shamisa/progress.h"
#include "shamisa/quality_fit.h"
#include "shamisa/quality_model.h"

namespace shamisa::cli {

namespace {

std::string score_text(double score) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(3) << score;
  return s.str();
}

struct InfoOptions {
  std::string model;
  bool json = false;
};

int run_info(const InfoOptions& o) {
  const QualityModel m = read_quality_model(o.model);
  const nlohmann::json header = quality_model_header(m);
  if (o.json) {
    std::cout << header.dump(2) << '\n';
    return kExitSuccess;
  }
  const TrainConfig& c = m.config;
  std::cout << "model:      " << m.name << "  (" << o.model << ")\n"
            << "encoder:    ResNet-" << c.encoder.depth << " x" << c.encoder.width << ", h " << m.encoder->feature_dim()
            << "-d, projector " << c.projector_hidden << " -> " << c.projector_out << "\n"
            << "input:      5 + 5 crops of " << m.crop() << " px (full and half scale)\n"
            << "trained:    " << m.provenance.value("steps", 0) << " steps of '" << c.name << "', seed " << c.seed
            << ", shamisa " << m.provenance.value("code_version", "?") << "\n";
  auto head_line = [](const char* label, const std::optional<QualityHead>& h) {
    std::cout << label;
    if (!h) {
      std::cout << "none\n";
      return;
    }
    std::cout << h->trained_on.value("dataset", std::string("?")) << " (" << h->trained_on.value("images", 0)
              << " images), alpha " << h->alpha << ", target [" << h->range_lo << ", " << h->range_hi << "] "
              << (h->lower_better ? "lower" : "higher") << " is better\n";
  };
  head_line("NR head:    ", m.nr_head);
  head_line("FR head:    ", m.fr_head);
  return kExitSuccess;
}

struct ExportOptions {
  std::string checkpoint, out, name;
};

int run_export(const ExportOptions& o) {
  const TrainingState state = load_checkpoint(o.checkpoint);
  const QualityModel m = quality_model_from_checkpoint(state, o.name.empty() ? state.config.name : o.name);
  write_quality_model(o.out, m);
  std::cerr << "shamisa: wrote " << o.out << " (" << m.name << ", step " << state.step << ", no heads yet)\n";
  return kExitSuccess;
}

struct FitOptions {
  std::string model, dataset, out, alpha = "auto", name;
  bool full_reference = false, lower_better = false, higher_better = false;
};

int run_fit(const FitOptions& o, const GlobalOptions& globals) {
  if (o.lower_better && o.higher_better) throw_usage_error("fit", "--lower-better and --higher-better exclude each other");
  HeadFitOptions options;
  // |z_ref - z_dist| only grows with a distortion: an FR head whose weights could reward it would
  // score some distorted images above identical ones (docs/quality-model.md).
  options.protocol.sign_constrained = o.full_reference;
  if (o.alpha != "auto") {
    try {
      std::size_t used = 0;
      const double alpha = std::stod(o.alpha, &used);
      if (used != o.alpha.size() || !(alpha > 0) || !std::isfinite(alpha)) throw std::invalid_argument("alpha");
      options.alpha = alpha;
    } catch (const std::exception&) {
      throw_usage_error("--alpha", "expected auto or a positive number, got '" + o.alpha + "'");
    }
  }
  QualityModel m = read_quality_model(o.model);
  std::optional<bool> direction;
  if (o.lower_better) direction = true;
  if (o.higher_better) direction = false;
  Dataset dataset = load_dataset_csv(o.dataset, direction);
  require_dataset_files(dataset);
  if (o.full_reference && !dataset.has_refs()) throw_usage_error(o.dataset, "has no ref column; --fr needs references");

  const auto source = make_quality_feature_source(m, o.full_reference);
  std::vector<std::string> failures;
  ProgressReporter progress("features", std::int64_t(dataset.items.size()), globals.show_progress());
  std::vector<torch::Tensor> features = extract_dataset_features(dataset, *source, failures, [&] { progress.advance(); });
  progress.finish();
  for (const auto& f : failures) report_error(f);
  drop_failed_items(dataset, features);
  const HeadFit fit = fit_quality_head(dataset, features, source->name(), options);
  (o.full_reference ? m.fr_head : m.nr_head) = fit.head;
  if (!o.name.empty()) m.name = o.name;
  write_quality_model(o.out, m);

  nlohmann::ordered_json summary = {{"model", o.out},
                                    {"head", o.full_reference ? "fr" : "nr"},
                                    {"dataset", dataset.name},
                                    {"images", dataset.items.size()},
                                    {"alpha", fit.head.alpha}};
  if (fit.protocol) summary["protocol"] = {{"srcc", fit.protocol->overall.srcc}, {"plcc", fit.protocol->overall.plcc}};
  summary["failures"] = failures;
  std::cout << summary.dump(2) << '\n';
  return failures.empty() ? kExitSuccess : kExitPartial;
}

struct ScoreOptions {
  std::string model, format = "csv";
  std::vector<std::string> paths;
  bool recursive = false;
};

int run_score(const ScoreOptions& o, const GlobalOptions& globals) {
  const OutputFormat format = parse_output_format(o.format);
  QualityModel m = load_quality_model(o.model);
  if (!m.nr_head) throw_model_error(m.name, "has no no-reference head; fit one with 'shamisa fit'");
  const std::vector<std::string> paths = expand_image_paths(o.paths, o.recursive);
  if (paths.empty()) throw_input_error("score", "no image files in the paths given");

  Dataset batch;
  batch.name = "score";
  for (const std::string& p : paths) batch.items.push_back({p, "", "", 0.0, ""});
  const auto source = make_quality_feature_source(m, false);
  std::vector<std::string> failures;
  ProgressReporter progress("score", std::int64_t(paths.size()), globals.show_progress());
  const std::vector<torch::Tensor> features = extract_dataset_features(batch, *source, failures, [&] { progress.advance(); });
  progress.finish();

  // One failure message per item without features, in item order (extract_dataset_features).
  std::size_t next_failure = 0;
  nlohmann::ordered_json results = nlohmann::ordered_json::array();
  if (format == OutputFormat::kCsv) std::cout << csv_row({"path", "score", "error"});
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (!features[i].defined()) {
      const std::string& message = failures.at(next_failure++);
      report_error(message);
      if (format == OutputFormat::kCsv) std::cout << csv_row({paths[i], "", message});
      else results.push_back({{"path", paths[i]}, {"error", message}});
      continue;
    }
    const double score = nr_score_100(*m.nr_head, features[i]);
    if (format == OutputFormat::kCsv) std::cout << csv_row({paths[i], score_text(score), ""});
    else results.push_back({{"path", paths[i]}, {"score", std::stod(score_text(score))}});
  }
  if (format == OutputFormat::kJson) {
    std::cout << nlohmann::ordered_json{{"model", {{"name", m.name}, {"version", m.provenance.value("code_version", "")}}},
                                        {"results", results}}
                     .dump(2)
              << '\n';
  }
  return batch_exit_code(paths.size(), failures.size());
}

}  // namespace

void register_model_commands(Registration r) {
  const GlobalOptions& globals = r.globals;
  Action& action = r.action;

  CLI::App* model = r.parent.add_subcommand("model", "SHAMISA quality model files");
  model->require_subcommand(1);
  auto info = std::make_shared<InfoOptions>();
  CLI::App* info_app = model->add_subcommand("info", "Print a model file's header (architecture, heads, provenance)");
  info_app->add_option("model", info->model, "Model file")->required();
  info_app->add_flag("--json", info->json, "The whole header as JSON");
  info_app->callback([info, &action] { action = [info] { return run_info(*info); }; });

  auto ex = std::make_shared<ExportOptions>();
  CLI::App* export_app = model->add_subcommand("export", "Make a model file (no heads yet) from a training checkpoint");
  export_app->add_option("checkpoint", ex->checkpoint, "RUN/checkpoint.safetensors")->required();
  export_app->add_option("--out", ex->out, "Model file to write")->required();
  export_app->add_option("--name", ex->name, "Model name (default: the run's config name)");
  export_app->callback([ex, &action] { action = [ex] { return run_export(*ex); }; });

  auto fit = std::make_shared<FitOptions>();
  CLI::App* fit_app = r.parent.add_subcommand("fit", "Fit a model's linear head on frozen features of a scored dataset");
  fit_app->add_option("--model", fit->model, "Model file whose encoder gives the features")->required();
  fit_app->add_option("--dataset", fit->dataset, "Dataset CSV (image,score[,ref,type]) with optional dataset.json")->required();
  fit_app->add_option("--out", fit->out, "Model file to write (the input model with the new head)")->required();
  fit_app->add_option("--alpha", fit->alpha, "Ridge alpha: auto (validation search over 10 splits) or a number")
      ->capture_default_str();
  fit_app->add_flag("--fr", fit->full_reference, "Fit the full-reference head (|z_ref - z_dist|; needs a ref column)");
  fit_app->add_option("--name", fit->name, "Rename the model");
  fit_app->add_flag("--lower-better", fit->lower_better, "The scores are lower-is-better (overrides dataset.json)");
  fit_app->add_flag("--higher-better", fit->higher_better, "The scores are higher-is-better");
  fit_app->callback([fit, &globals, &action] { action = [fit, &globals] { return run_fit(*fit, globals); }; });

  auto score = std::make_shared<ScoreOptions>();
  CLI::App* score_app = r.parent.add_subcommand("score", "No-reference quality scores on [0, 100], higher is better");
  score_app->add_option("paths", score->paths, "Image files and folders")->required();
  score_app->add_option("--model", score->model,
                        "Model file (default: models/" + std::string(kDefaultQualityModel) + ")");
  score_app->add_option("--format", score->format, "csv (path,score,error) or json")->capture_default_str();
  score_app->add_flag("--recursive,-r", score->recursive, "Descend into sub-folders");
  score_app->callback([score, &globals, &action] { action = [score, &globals] { return run_score(*score, globals); }; });
}

}  // namespace shamisa::cli
