// `shamisa relate A B` and `shamisa rank REF IMG…`: the relational method's maps and scores
// (src/relational/relational_inference.cpp).
#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/output.h"
#include "shamisa/error.h"
#include "shamisa/image_io.h"
#include "shamisa/model_paths.h"
#include "shamisa/progress.h"
#include "shamisa/image_paths.h"
#include "shamisa/relational_evaluation.h"
#include "shamisa/relational_figures.h"
#include "shamisa/relational_inference.h"

namespace shamisa::cli {
namespace {

RelationalModelFile load_model(const std::string& path) {
  return read_relational_model(path.empty() ? default_model_file(kDefaultRelationalModel) : path);
}

struct RelateOptions {
  std::string a, b, model, maps;
  bool json = false;
};

void write_maps(const std::string& dir, const cv::Mat& a, const cv::Mat& b, const Relation& r) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw_input_error(dir, "cannot create the maps folder: " + ec.message());
  std::vector<cv::Mat> tiles = {a, b};
  std::vector<std::string> labels = {"A", "B (reference)"};
  for (int k = 0; k < kRelationalAxes; ++k) {
    const std::string& name = relational_axis_names()[std::size_t(k)];
    const cv::Mat heatmap = axis_heatmap(a, r.maps[k], name, relational_axis_positive_meanings()[std::size_t(k)],
                                         relational_axis_negative_meanings()[std::size_t(k)]);
    write_image((std::filesystem::path(dir) / (name + ".png")).string(), heatmap);
    tiles.push_back(heatmap);
    std::ostringstream label;
    label << name << "  mean " << std::showpos << std::fixed << std::setprecision(3) << r.axes[std::size_t(k)].mean;
    labels.push_back(label.str());
  }
  // A and B get the legend's height too, so that the sheet's tiles line up.
  for (int i = 0; i < 2; ++i) {
    cv::Mat padded(tiles[2].rows, tiles[2].cols, CV_32FC3, cv::Scalar(1, 1, 1));
    tiles[std::size_t(i)].copyTo(padded(cv::Rect(0, 0, a.cols, a.rows)));
    tiles[std::size_t(i)] = padded;
  }
  write_image((std::filesystem::path(dir) / "overview.png").string(), overview_sheet(tiles, labels, 5, 320));
}

int run_relate(const RelateOptions& o) {
  RelationalModelFile model = load_model(o.model);
  const cv::Mat a = read_image_rgbf(o.a), b = read_image_rgbf(o.b);
  if (a.size() != b.size()) {
    throw_input_error(o.a, "is " + std::to_string(a.cols) + "x" + std::to_string(a.rows) + " but " + o.b + " is " +
                               std::to_string(b.cols) + "x" + std::to_string(b.rows) +
                               "; relate compares aligned images of one scene");
  }
  const Relation r = relate(model, a, b);
  if (!o.maps.empty()) write_maps(o.maps, a, b, r);
  if (o.json) {
    nlohmann::ordered_json axes = nlohmann::ordered_json::array();
    for (const AxisSummary& s : r.axes) axes.push_back({{"name", s.name}, {"mean", s.mean}, {"area", s.area}});
    std::cout << nlohmann::ordered_json{{"model", model.name}, {"a", o.a}, {"b", o.b}, {"score", r.score},
                                        {"area_threshold", model.area_threshold}, {"axes", axes}}
                     .dump(2)
              << '\n';
  } else {
    std::cout << "A: " << o.a << "\nB: " << o.b << "\nmodel: " << model.name << "\n\n";
    std::cout << std::left << std::setw(15) << "axis" << std::right << std::setw(9) << "mean" << std::setw(8) << "area"
              << "   direction\n";
    for (std::size_t k = 0; k < r.axes.size(); ++k) {
      const AxisSummary& s = r.axes[k];
      const std::string direction = std::abs(s.mean) < 0.01 ? "-"
                                    : s.mean > 0            ? relational_axis_positive_meanings()[k]
                                                            : relational_axis_negative_meanings()[k];
      std::cout << std::left << std::setw(15) << s.name << std::right << std::fixed << std::setprecision(3)
                << std::showpos << std::setw(9) << s.mean << std::noshowpos << std::setw(8) << s.area << "   "
                << direction << '\n';
    }
    std::cout << "\nscore s(A, B) = " << std::showpos << std::setprecision(4) << r.score << std::noshowpos
              << (r.score > 0 ? "  (A better)" : r.score < 0 ? "  (B better)" : "") << '\n';
  }
  return kExitSuccess;
}

struct RankOptions {
  std::string reference, model, format = "csv";
  std::vector<std::string> candidates;
};

int run_rank(const RankOptions& o, const GlobalOptions& globals) {
  const OutputFormat format = parse_output_format(o.format);
  RelationalModelFile model = load_model(o.model);
  const cv::Mat reference = read_image_rgbf(o.reference);
  ReferenceQuality quality(model, reference);
  struct Row {
    std::string path, error;
    double q = 0;
  };
  std::vector<Row> rows;
  std::size_t failures = 0;
  ProgressReporter progress("rank", static_cast<std::int64_t>(o.candidates.size()), globals.show_progress());
  for (const std::string& path : o.candidates) {
    Row row{path, "", 0.0};
    try {
      const cv::Mat x = read_image_rgbf(path);
      if (x.size() != reference.size()) {
        throw_input_error(path, "is " + std::to_string(x.cols) + "x" + std::to_string(x.rows) + ", the reference " +
                                    std::to_string(reference.cols) + "x" + std::to_string(reference.rows));
      }
      row.q = quality(x);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::kInput) throw;
      ++failures;
      report_error(e.what());
      row.error = e.what();
    }
    rows.push_back(row);
    progress.advance();
  }
  progress.finish();
  // Best first; failures last, in input order (stable).
  std::stable_sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) {
    if (x.error.empty() != y.error.empty()) return x.error.empty();
    return x.error.empty() && x.q > y.q;
  });
  if (format == OutputFormat::kCsv) {
    std::cout << csv_row({"rank", "path", "q", "score", "error"});
    int rank = 0;
    for (const Row& r : rows) {
      std::ostringstream q, score;
      if (r.error.empty()) {
        q << std::setprecision(6) << r.q;
        score << std::fixed << std::setprecision(2) << relational_score_100(r.q);
      }
      std::cout << csv_row({r.error.empty() ? std::to_string(++rank) : "", r.path, q.str(), score.str(), r.error});
    }
  } else {
    nlohmann::ordered_json results = nlohmann::ordered_json::array();
    int rank = 0;
    for (const Row& r : rows) {
      if (r.error.empty()) {
        results.push_back({{"rank", ++rank}, {"path", r.path}, {"q", r.q}, {"score", relational_score_100(r.q)}});
      } else {
        results.push_back({{"path", r.path}, {"error", r.error}});
      }
    }
    std::cout << nlohmann::ordered_json{{"model", model.name}, {"reference", o.reference}, {"results", results}}.dump(2)
              << '\n';
  }
  return batch_exit_code(o.candidates.size(), failures);
}

struct RelateEvalOptions {
  std::vector<std::string> images;
  std::string model;
  RelationalEvaluationOptions evaluation;
  bool json = false;
};

int run_relate_eval(const RelateEvalOptions& o) {
  RelationalModelFile model = load_model(o.model);
  const std::vector<std::string> images = expand_image_paths(o.images, /*recursive=*/true);
  if (images.empty()) throw_input_error(o.images.front(), "no image files found");
  std::string folders;
  for (const std::string& f : o.images) folders += (folders.empty() ? "" : " ") + f;
  const RelationalEvaluation e = evaluate_relational(model, images, o.evaluation);
  if (o.json) {
    nlohmann::ordered_json j = {{"model", model.name}, {"images", o.images}, {"n_images", images.size()},
                                {"seed", o.evaluation.seed}, {"crop", o.evaluation.crop},
                                {"threshold", o.evaluation.threshold}};
    const nlohmann::ordered_json report = e.to_json();  // named: items() must not outlive it
    for (const auto& item : report.items()) j[item.key()] = item.value();
    std::cout << j.dump(2) << '\n';
    return kExitSuccess;
  }
  std::cout << "model " << model.name << "  images " << folders << " (" << images.size() << ")  pairs " << e.pairs
            << "  sets " << e.sets << "\n\n";
  std::cout << std::left << std::setw(15) << "axis" << std::right << std::setw(9) << "pearson" << std::setw(7) << "sign"
            << std::setw(7) << "IoU" << std::setw(14) << "best IoU (t)" << std::setw(9) << "leakage" << '\n';
  for (const AxisEvaluation& a : e.axes) {
    std::cout << std::left << std::setw(15) << a.name << std::right << std::fixed << std::setprecision(3) << std::setw(9)
              << a.pearson << std::setw(7) << a.sign_accuracy << std::setw(7) << a.iou << std::setw(7) << a.best_iou
              << " (" << std::setprecision(2) << a.best_iou_threshold << ")" << std::setprecision(3) << std::setw(9)
              << a.leakage
              << '\n';
  }
  std::cout << "\ntype accuracy " << e.type_accuracy << "  anti-symmetry error " << std::scientific
            << e.antisymmetry_error << "  identity error " << e.identity_error << std::fixed << "\ncycle error "
            << e.cycle_error << " (targets alone " << e.target_cycle_error << ")\nKendall tau " << e.kendall_tau
            << " (monotone " << e.kendall_tau_monotone << ", nested " << e.kendall_tau_nested
            << ")  pairwise accuracy " << e.pairwise_accuracy << "\ncross-program sets " << e.cross_sets
            << " (ordered by the proxy severity): Kendall tau " << e.kendall_tau_cross << "  pairwise accuracy "
            << e.pairwise_accuracy_cross << "\npair mode, no reference (s(X_i, X_j) over the distorted images of each set): "
            << "within-program " << e.pair_mode_accuracy << "  cross-program " << e.pair_mode_accuracy_cross << '\n';
  return kExitSuccess;
}

}  // namespace

void register_relate_commands(Registration r) {
  auto relate_options = std::make_shared<RelateOptions>();
  CLI::App* relate = r.parent.add_subcommand(
      "relate", "Signed maps of how A differs from B per attribute axis, and the relational score s(A, B)");
  relate->add_option("A", relate_options->a, "Image A")->required();
  relate->add_option("B", relate_options->b, "Image B, the reference (same size, same scene)")->required();
  relate->add_option("--model", relate_options->model, "Relational model file (default: models/" +
                                                           std::string(kDefaultRelationalModel) + ")");
  relate->add_option("--maps", relate_options->maps, "Write one heatmap PNG per axis and overview.png to this folder");
  relate->add_flag("--json", relate_options->json, "JSON output: model, score, axes [{name, mean, area}]");
  Action& action = r.action;
  relate->callback([relate_options, &action] { action = [relate_options] { return run_relate(*relate_options); }; });

  auto rank_options = std::make_shared<RankOptions>();
  CLI::App* rank = r.parent.add_subcommand("rank", "Order candidate images by their quality relative to REF, q(X | REF)");
  rank->add_option("REF", rank_options->reference, "The reference image")->required();
  rank->add_option("IMG", rank_options->candidates, "Candidates (same size as REF)")->required();
  rank->add_option("--model", rank_options->model, "Relational model file (default: models/" +
                                                       std::string(kDefaultRelationalModel) + ")");
  rank->add_option("--format", rank_options->format, "csv (rank,path,q,score,error) or json");
  const GlobalOptions& globals = r.globals;

  auto eval_options = std::make_shared<RelateEvalOptions>();
  CLI::App* eval = r.parent.add_subcommand(
      "relate-eval", "Measure a relational model on synthetic pairs and ranked sets made from held-out images");
  eval->add_option("--images", eval_options->images, "Folders or files of pristine images the model never saw")
      ->required();
  eval->add_option("--model", eval_options->model, "Relational model file (default: models/" +
                                                       std::string(kDefaultRelationalModel) + ")");
  eval->add_option("--triplets", eval_options->evaluation.triplets, "Triplets of pairs (3 pairs each)")
      ->check(CLI::PositiveNumber)->capture_default_str();
  eval->add_option("--sets", eval_options->evaluation.sets, "Ranked sets")->check(CLI::PositiveNumber)->capture_default_str();
  eval->add_option("--cross-sets", eval_options->evaluation.cross_sets,
                   "Cross-program ranked sets, ordered by the proxy severity (0: none)")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  eval->add_option("--crop", eval_options->evaluation.crop, "Patch size")->check(CLI::Range(16, 1024))->capture_default_str();
  eval->add_option("--seed", eval_options->evaluation.seed, "Seed of the synthetic data")->capture_default_str();
  eval->add_flag("--json", eval_options->json, "JSON output");
  eval->callback([eval_options, &action] { action = [eval_options] { return run_relate_eval(*eval_options); }; });

  rank->callback([rank_options, &globals, &action] {
    action = [rank_options, &globals] { return run_rank(*rank_options, globals); };
  });
}

}  // namespace shamisa::cli
