// Training configuration; see include/shamisa/train_config.h.
#include "shamisa/train_config.h"

#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <type_traits>
#include <utility>
#include <vector>

#include "shamisa/config_reader.h"
#include "shamisa/error.h"

namespace shamisa {
namespace {

using nlohmann::json;

const Choices<Objective> kObjectives = {
    {"shamisa", Objective::kShamisa}, {"vicreg", Objective::kVicreg}, {"simclr", Objective::kSimclr}};
const Choices<SeverityDistribution> kSeverities = {{"half_normal", SeverityDistribution::kHalfNormal},
                                                   {"uniform", SeverityDistribution::kUniform},
                                                   {"discrete", SeverityDistribution::kDiscrete}};
const Choices<bool> kCurves = {{"exponential", false}, {"original", true}};  // RelationConfig::original_curve
const Choices<StructuralRule> kStructuralRules = {{"same_scale", StructuralRule::kSameScale},
                                                  {"reference_parity", StructuralRule::kReferenceParity}};
const Choices<BranchWeightMode> kBranchWeightModes = {{"frozen", BranchWeightMode::kFrozen},
                                                      {"uniform", BranchWeightMode::kUniform},
                                                      {"trained", BranchWeightMode::kTrained}};
const Choices<OptimizerKind> kOptimizers = {{"sgd", OptimizerKind::kSgd}, {"adam", OptimizerKind::kAdam}};

}  // namespace

TrainConfig train_config_from_json(const json& root, const std::string& source) {
  TrainConfig c;
  SectionReader top(root, "", source);
  top.read("name", c.name);
  read_choice(top, "objective", c.objective, kObjectives);
  top.read("seed", c.seed);
  top.read("steps", c.steps);
  top.read("prototypes", c.prototypes);
  top.read("micro_batch", c.micro_batch);
  top.read("checkpoint_every", c.checkpoint_every);

  SectionReader encoder = top.section("encoder");
  encoder.read("depth", c.encoder.depth);
  encoder.read("width", c.encoder.width);
  encoder.reject_unknown();

  SectionReader projector = top.section("projector");
  projector.read("hidden", c.projector_hidden);
  projector.read("out", c.projector_out);
  projector.read("init_gain", c.projector_init_gain);
  projector.read("batch_norm", c.projector_batch_norm);
  projector.read("output_batch_norm", c.projector_output_batch_norm);
  projector.reject_unknown();

  SectionReader data = top.section("data");
  data.read("items_per_step", c.items_per_step);
  data.read("refs", c.item.n_refs);
  data.read("crop", c.item.crop);
  data.read("compositions", c.item.compositions);
  data.read("levels", c.item.composition.levels);
  data.read("max_distortions", c.item.composition.max_distortions);
  read_choice(data, "severity", c.item.composition.distribution, kSeverities);
  data.read("fixed_order", c.item.composition.fixed_order);
  data.read("prefetch", c.prefetch_depth);
  data.reject_unknown();

  SectionReader rel = top.section("relations");
  RelationConfig& r = c.relations;
  rel.read("ref_ref", r.ref_ref);
  rel.read("ref_dist", r.ref_dist);
  rel.read("dist_dist", r.dist_dist);
  rel.read("structural", r.structural);
  rel.read("knn", r.knn);
  rel.read("transport", r.transport);
  rel.read("binary", r.binary);
  read_choice(rel, "curve", r.original_curve, kCurves);
  read_choice(rel, "structural_rule", r.structural_rule, kStructuralRules);
  rel.read("knn_k", r.knn_k);
  rel.read("dist_dist_fraction", r.dist_dist_fraction);
  rel.read("sinkhorn_epsilon", r.transport_options.sinkhorn_epsilon);
  rel.read("sinkhorn_iterations", r.transport_options.sinkhorn_iterations);
  rel.read("transport_temperature", r.transport_options.temperature);
  rel.read("transport_top_fraction", r.transport_options.top_fraction);
  read_choice(rel, "branch_weights", r.branch_weights, kBranchWeightModes);
  rel.read("branch_weight_seed", r.branch_weight_seed);
  rel.reject_unknown();

  SectionReader loss = top.section("loss");
  loss.read("variance", c.loss.variance);
  loss.read("invariance", c.loss.invariance);
  loss.read("covariance", c.loss.covariance);
  loss.read("graph_regulariser", c.loss.graph_regulariser);
  loss.read("transport_alignment", r.transport_options.ot_coefficient);
  loss.read("simclr_temperature", c.simclr_temperature);
  loss.read("quality_target", c.quality_target);
  loss.read("group_target", c.group_target);
  loss.read("group_target_graded", c.group_target_graded);
  loss.reject_unknown();

  SectionReader opt = top.section("optimizer");
  read_choice(opt, "kind", c.optimizer.kind, kOptimizers);
  opt.read("lr", c.optimizer.lr);
  opt.read("min_lr", c.optimizer.min_lr);
  opt.read("momentum", c.optimizer.momentum);
  opt.read("weight_decay", c.optimizer.weight_decay);
  opt.read("warmup_steps", c.optimizer.warmup_steps);
  opt.read("clip_grad_norm", c.optimizer.clip_grad_norm);
  opt.reject_unknown();

  top.reject_unknown();
  validate_train_config(c, source);
  return c;
}

TrainConfig read_train_config(const std::string& path) {
  return train_config_from_json(read_json_file(path), path);
}

json train_config_to_json(const TrainConfig& c) {
  const RelationConfig& r = c.relations;
  return json{
      {"name", c.name},
      {"objective", choice_name(kObjectives, c.objective)},
      {"seed", c.seed},
      {"steps", c.steps},
      {"encoder", {{"depth", c.encoder.depth}, {"width", c.encoder.width}}},
      {"projector",
       {{"hidden", c.projector_hidden},
        {"out", c.projector_out},
        {"init_gain", c.projector_init_gain},
        {"batch_norm", c.projector_batch_norm},
        {"output_batch_norm", c.projector_output_batch_norm}}},
      {"prototypes", c.prototypes},
      {"data",
       {{"items_per_step", c.items_per_step},
        {"refs", c.item.n_refs},
        {"crop", c.item.crop},
        {"compositions", c.item.compositions},
        {"levels", c.item.composition.levels},
        {"max_distortions", c.item.composition.max_distortions},
        {"severity", choice_name(kSeverities, c.item.composition.distribution)},
        {"fixed_order", c.item.composition.fixed_order},
        {"prefetch", c.prefetch_depth}}},
      {"relations",
       {{"ref_ref", r.ref_ref},
        {"ref_dist", r.ref_dist},
        {"dist_dist", r.dist_dist},
        {"structural", r.structural},
        {"knn", r.knn},
        {"transport", r.transport},
        {"binary", r.binary},
        {"curve", choice_name(kCurves, r.original_curve)},
        {"structural_rule", choice_name(kStructuralRules, r.structural_rule)},
        {"knn_k", r.knn_k},
        {"dist_dist_fraction", r.dist_dist_fraction},
        {"sinkhorn_epsilon", r.transport_options.sinkhorn_epsilon},
        {"sinkhorn_iterations", r.transport_options.sinkhorn_iterations},
        {"transport_temperature", r.transport_options.temperature},
        {"transport_top_fraction", r.transport_options.top_fraction},
        {"branch_weights", choice_name(kBranchWeightModes, r.branch_weights)},
        {"branch_weight_seed", r.branch_weight_seed}}},
      {"loss",
       {{"variance", c.loss.variance},
        {"invariance", c.loss.invariance},
        {"covariance", c.loss.covariance},
        {"graph_regulariser", c.loss.graph_regulariser},
        {"transport_alignment", r.transport_options.ot_coefficient},
        {"simclr_temperature", c.simclr_temperature},
        {"quality_target", c.quality_target},
        {"group_target", c.group_target},
        {"group_target_graded", c.group_target_graded}}},
      {"optimizer",
       {{"kind", choice_name(kOptimizers, c.optimizer.kind)},
        {"lr", c.optimizer.lr},
        {"min_lr", c.optimizer.min_lr},
        {"momentum", c.optimizer.momentum},
        {"weight_decay", c.optimizer.weight_decay},
        {"warmup_steps", c.optimizer.warmup_steps},
        {"clip_grad_norm", c.optimizer.clip_grad_norm}}},
      {"micro_batch", c.micro_batch},
      {"checkpoint_every", c.checkpoint_every},
  };
}

void validate_train_config(const TrainConfig& c, const std::string& source) {
  auto require = [&](bool ok, const std::string& key, const std::string& problem) {
    if (!ok) throw_usage_error(source, "'" + key + "' " + problem);
  };
  try {
    validate_encoder_config(c.encoder);
  } catch (const Error& e) {
    throw_usage_error(source, std::string("'encoder' is invalid: ") + e.what());
  }
  require(c.steps >= 1 && c.steps <= 1000000000, "steps", "must be in [1, 1e9]");
  require(c.projector_hidden >= 1 && c.projector_out >= 1 && c.projector_hidden <= 65536 && c.projector_out <= 65536,
          "projector", "sizes must be in [1, 65536]");
  require(c.projector_init_gain > 0.0 && c.projector_init_gain <= 1e4, "projector.init_gain",
          "must be in (0, 10000]");
  require(c.prototypes >= 1 && c.prototypes <= 65536, "prototypes", "must be in [1, 65536]");
  require(c.items_per_step >= 1 && c.items_per_step <= 64, "data.items_per_step", "must be in [1, 64]");
  require(c.item.n_refs >= 2 && c.item.n_refs <= 16, "data.refs",
          "must be in [2, 16] (the relation graphs and SimCLR need two contents)");
  require(c.item.crop >= 32 && c.item.crop <= 1024, "data.crop", "must be in [32, 1024]");
  require(c.item.compositions >= 1 && c.item.compositions <= 64, "data.compositions", "must be in [1, 64]");
  require(c.item.composition.levels >= 2 && c.item.composition.levels <= 64, "data.levels", "must be in [2, 64]");
  require(c.item.composition.max_distortions >= 1 && c.item.composition.max_distortions <= 7,
          "data.max_distortions", "must be in [1, 7]");
  require(c.prefetch_depth >= 1 && c.prefetch_depth <= 64, "data.prefetch", "must be in [1, 64]");
  require(c.relations.knn_k >= 1, "relations.knn_k", "must be at least 1");
  require(c.relations.dist_dist_fraction >= 0 && c.relations.dist_dist_fraction <= 1,
          "relations.dist_dist_fraction", "must be in [0, 1]");
  require(c.relations.transport_options.sinkhorn_epsilon > 0 && c.relations.transport_options.temperature > 0,
          "relations", "sinkhorn_epsilon and transport_temperature must be positive");
  require(c.relations.transport_options.sinkhorn_iterations >= 1, "relations.sinkhorn_iterations", "must be at least 1");
  require(c.relations.transport_options.top_fraction > 0, "relations.transport_top_fraction", "must be positive");
  require(c.relations.ref_ref || c.relations.ref_dist || c.relations.dist_dist || c.relations.structural ||
              c.relations.knn || c.relations.transport,
          "relations", "switches off every branch (use objective vicreg for no relations)");
  require(c.simclr_temperature > 0, "loss.simclr_temperature", "must be positive");
  require(c.quality_target >= 0 && std::isfinite(c.quality_target), "loss.quality_target",
          "must be a non-negative number (0 = off)");
  require(c.group_target >= 0 && std::isfinite(c.group_target), "loss.group_target",
          "must be a non-negative number (0 = off)");
  require(c.optimizer.lr > 0 && c.optimizer.min_lr >= 0 && c.optimizer.min_lr <= c.optimizer.lr,
          "optimizer", "needs lr > 0 and 0 <= min_lr <= lr");
  require(c.optimizer.momentum >= 0 && c.optimizer.momentum < 1, "optimizer.momentum", "must be in [0, 1)");
  require(c.optimizer.weight_decay >= 0, "optimizer.weight_decay", "must be non-negative");
  require(c.optimizer.warmup_steps >= 0 && c.optimizer.warmup_steps <= c.steps, "optimizer.warmup_steps",
          "must be in [0, steps]");
  require(c.optimizer.clip_grad_norm >= 0, "optimizer.clip_grad_norm", "must be non-negative (0 = no clipping)");
  require(c.micro_batch >= 0, "micro_batch", "must be 0 (whole step) or positive");
  require(c.checkpoint_every >= 1, "checkpoint_every", "must be at least 1");
}

BatchLayout train_batch_layout(const TrainConfig& c) {
  BatchLayout layout;
  layout.items = c.items_per_step;
  layout.views = 2 * c.item.n_refs;
  layout.compositions = c.item.compositions;
  layout.levels = c.item.composition.levels;
  return layout;
}

TrainingItemOptions training_item_options(const TrainConfig& c) {
  TrainingItemOptions options = c.item;
  options.ssim_targets = c.quality_target > 0.0;
  return options;
}

std::int64_t dist_dist_top_k(const TrainConfig& c) {
  const BatchLayout layout = train_batch_layout(c);
  const std::int64_t per_group = static_cast<std::int64_t>(layout.views) * layout.levels;
  const std::int64_t candidates =
      static_cast<std::int64_t>(layout.items) * layout.compositions * per_group * (per_group - 1);
  return std::llround(c.relations.dist_dist_fraction * static_cast<double>(candidates));
}

}  // namespace shamisa
