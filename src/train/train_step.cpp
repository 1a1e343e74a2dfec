// One optimisation step; see include/shamisa/train_step.h.
#include "shamisa/train_step.h"

#include <algorithm>
#include <cmath>

#include "shamisa/distort.h"
#include "shamisa/error.h"
#include "shamisa/objectives.h"
#include "shamisa/relation_graphs.h"

namespace shamisa {
namespace {

constexpr double kPi = 3.14159265358979323846;

StepStatistics terms_statistics(const ShamisaLossTerms& t) {
  StepStatistics s;
  s.terms = {{"loss", t.total.item<double>()},   {"var", t.var.item<double>()},
             {"cov", t.cov.item<double>()},      {"inv", t.inv.item<double>()},
             {"ot", t.ot.item<double>()},        {"graph_reg", t.graph_reg.item<double>()},
             {"inv_total", t.inv_total.item<double>()}};
  return s;
}

// Mean over columns of the standard deviation over rows: the usual collapse monitor of
// self-supervised training (0 = every row the same).
double column_std(const torch::Tensor& x) {
  return x.detach().to(torch::kFloat64).std(0, /*unbiased=*/true).mean().item<double>();
}

// Each column of x minus its batch mean, over its batch standard deviation (an affine-free
// BatchNorm in training mode). The unit-norm h of a young encoder are nearly parallel (ReLU
// outputs pooled: all positive, with a large common component), so a head reading h itself sees
// differences of a few hundredths and, with Adam moving its weights by ~lr a step, can hardly
// separate anything; standardised, the differences between nodes are what it sees.
torch::Tensor batch_standardised(const torch::Tensor& x) {
  return (x - x.mean(0, true)) / (x.std(0, /*unbiased=*/false, true) + 1e-5);
}

// A kept edge becomes 1 (ablation A1); the result is a constant.
torch::Tensor binarised(const torch::Tensor& graph) { return graph.detach().gt(0).to(torch::kFloat32); }

ObjectiveOutput shamisa_objective(TrainingModel& model, const TrainConfig& config, const torch::Tensor& h,
                                  const torch::Tensor& z,
                                  const std::vector<double>& variable_severity) {
  const RelationConfig& r = config.relations;
  const BatchLayout layout = train_batch_layout(config);
  const std::int64_t n = layout.nodes();

  MetadataGraphOptions meta_options;
  meta_options.dist_dist_top_k = dist_dist_top_k(config);
  meta_options.original_curve = r.original_curve;
  meta_options.structural_rule = r.structural_rule;
  meta_options.binary_ref_dist = meta_options.binary_dist_dist = r.binary;
  const MetadataGraphs meta = build_metadata_graphs(layout, variable_severity, meta_options);

  RelationBranches branches;
  if (r.ref_ref) branches.ref_ref = meta.ref_ref;
  if (r.ref_dist) branches.ref_dist = meta.ref_dist;
  if (r.dist_dist) branches.dist_dist = meta.dist_dist;
  if (r.structural) branches.structural = meta.structural;
  // The kNN branch is K + Kᵀ of the kept affinities K: the coalesce of the edge list [E ; reversed E].
  torch::Tensor knn_kept = r.knn ? knn_kept_affinities(h, r.knn_k) : torch::zeros({n, n}, torch::kFloat32);
  if (r.binary) knn_kept = binarised(knn_kept);  // a mutual pair still sums to 2 (§7.4)
  branches.knn = knn_kept + knn_kept.t();
  TransportResult transport;
  const bool need_transport = r.transport || r.transport_options.ot_coefficient != 0.0;
  if (need_transport) {
    transport = transport_branch(h, model.prototypes->weight(), meta.structural, r.transport_options);
    if (r.transport) branches.transport = transport.graph;
  }
  if (r.binary && branches.transport.defined()) branches.transport = binarised(branches.transport);

  // Φ counts the kNN edges as the reference's edge list has them before coalescing: 2 per kept entry.
  const torch::Tensor statistics =
      branch_statistics(branches, 2.0 * knn_kept.detach().ne(0).sum().item<double>());
  const std::array<bool, kBranchCount> active = {r.ref_ref, r.ref_dist, r.dist_dist,
                                                 r.structural, r.knn, r.transport};
  const torch::Tensor weights = branch_weights(model.branch_mlp, statistics, active, r.branch_weights);
  const torch::Tensor w = aggregate_relations(branches, weights);

  const ShamisaLossTerms terms =
      shamisa_loss(z, w, layout.ref_nodes(), need_transport ? transport.l_ot : torch::Tensor(), config.loss);

  ObjectiveOutput out{terms.total, terms_statistics(terms)};
  const torch::Tensor weights_cpu = weights.detach().to(torch::kFloat64);
  for (int b = 0; b < kBranchCount; ++b) {
    out.statistics.branch_weights[b] = weights_cpu[b].item<double>();
    out.statistics.branch_edges[b] = statistics[2 * b].item<double>();
  }
  out.statistics.aggregated_edges = w.detach().ne(0).sum().item<double>();
  return out;
}

}  // namespace

torch::Tensor batch_images(const TrainingBatch& batch) {
  if (batch.items.empty()) throw_internal_error("training batch", "has no items");
  std::vector<torch::Tensor> refs, dists;
  for (const TrainingItem& item : batch.items) {
    refs.push_back(item.refs);
    const auto& s = item.dists.sizes();  // [V, F, L, 3, c, c]
    dists.push_back(item.dists.reshape({s[0] * s[1] * s[2], s[3], s[4], s[5]}));
  }
  refs.insert(refs.end(), dists.begin(), dists.end());
  return torch::cat(refs, 0);
}

std::vector<double> batch_variable_severity(const TrainingBatch& batch) {
  std::vector<double> out;
  for (const TrainingItem& item : batch.items) {
    out.insert(out.end(), item.variable_severity.begin(), item.variable_severity.end());
  }
  return out;
}

namespace {

// The graded group targets of every node in node order, [N, 7] (BatchTargets::groups).
void fill_group_targets(const TrainingBatch& batch, BatchTargets& out) {
  const std::vector<std::string>& groups = distortion_groups();
  const std::int64_t g = static_cast<std::int64_t>(groups.size());
  std::int64_t refs = 0, dists = 0;
  for (const TrainingItem& item : batch.items) {
    if (item.compositions.size() != static_cast<std::size_t>(item.dists.size(1))) return;
    refs += item.refs.size(0);
    dists += item.dists.size(0) * item.dists.size(1) * item.dists.size(2);
  }
  torch::Tensor graded = torch::zeros({refs + dists, g}, torch::kFloat32);
  auto q = graded.accessor<float, 2>();
  std::int64_t node = refs;  // references are all zero
  for (const TrainingItem& item : batch.items) {
    const std::int64_t views = item.dists.size(0), levels = item.dists.size(2);
    for (std::int64_t v = 0; v < views; ++v) {
      for (const Composition& composition : item.compositions) {
        for (std::int64_t l = 0; l < levels; ++l, ++node) {
          for (const DistortionStep& step : composition.chain(static_cast<int>(l))) {
            const auto at = std::find(groups.begin(), groups.end(), step.type->group);
            if (at == groups.end()) throw_internal_error("group targets", "unknown group " + step.type->group);
            const std::int64_t k = at - groups.begin();
            q[node][k] = static_cast<float>((step.severity.index + 1.0) / 5.0);
          }
        }
      }
    }
  }
  out.groups = graded;
}

}  // namespace

BatchTargets batch_targets(const TrainingBatch& batch) {
  BatchTargets out;
  out.variable_severity = batch_variable_severity(batch);
  fill_group_targets(batch, out);
  for (const TrainingItem& item : batch.items) {
    if (item.dist_ssim.empty()) return out;
  }
  std::vector<float> quality;
  for (const TrainingItem& item : batch.items) quality.insert(quality.end(), item.refs.size(0), 1.0f);
  for (const TrainingItem& item : batch.items) quality.insert(quality.end(), item.dist_ssim.begin(), item.dist_ssim.end());
  out.quality = torch::tensor(quality, torch::kFloat32);
  return out;
}

ObjectiveOutput evaluate_objective(TrainingModel& model, const TrainConfig& config, const torch::Tensor& h,
                                   const BatchTargets& targets) {
  const std::vector<double>& variable_severity = targets.variable_severity;
  const BatchLayout layout = train_batch_layout(config);
  if (!h.defined() || h.dim() != 2 || h.size(0) != layout.nodes()) {
    throw_internal_error("objective", "expects h with one row per node (" + std::to_string(layout.nodes()) + ")");
  }
  const torch::Tensor z = model.projector->forward(h);
  ObjectiveOutput out;
  switch (config.objective) {
    case Objective::kShamisa:
      out = shamisa_objective(model, config, h, z, variable_severity);
      break;
    case Objective::kVicreg: {
      const ShamisaLossTerms terms = vicreg_loss(z, layout, config.loss);
      out = {terms.total, terms_statistics(terms)};
      break;
    }
    case Objective::kSimclr: {
      const torch::Tensor loss = nt_xent_loss(z, simclr_positive_mask(layout), config.simclr_temperature);
      out = {loss, {}};
      out.statistics.terms = {{"loss", loss.item<double>()}, {"nt_xent", loss.item<double>()}};
      break;
    }
  }
  if (config.quality_target > 0.0) {
    if (!model.quality_head || !targets.quality.defined() || targets.quality.numel() != layout.nodes()) {
      throw_internal_error("objective", "the quality target needs the head and one target per node");
    }
    const torch::Tensor predicted = model.quality_head->forward(h).squeeze(1);
    const torch::Tensor error = torch::mse_loss(predicted, targets.quality);
    out.loss = out.loss + config.quality_target * error;
    out.statistics.terms["quality"] = error.item<double>();
    out.statistics.terms["loss"] = out.loss.item<double>();
  }
  if (config.group_target > 0.0) {
    if (!model.group_head || !targets.groups.defined() || targets.groups.size(0) != layout.nodes()) {
      throw_internal_error("objective", "the group target needs the head and one row of targets per node");
    }
    const torch::Tensor wanted =
        config.group_target_graded ? targets.groups : targets.groups.gt(0).to(torch::kFloat32);
    const torch::Tensor error =
        torch::binary_cross_entropy_with_logits(model.group_head->forward(batch_standardised(h)), wanted);
    out.loss = out.loss + config.group_target * error;
    out.statistics.terms["groups"] = error.item<double>();
    out.statistics.terms["loss"] = out.loss.item<double>();
  }
  out.statistics.h_std = column_std(h);
  out.statistics.z_std = column_std(z);
  return out;
}

StepStatistics compute_step_gradients(TrainingModel& model, const TrainConfig& config, const torch::Tensor& images,
                                      const BatchTargets& targets, bool gradient_cache) {
  for (auto& named : model.trainable_parameters(config)) named.second.mutable_grad() = torch::Tensor();
  model.train(true);
  const std::int64_t n = images.size(0);
  const std::int64_t micro = config.micro_batch == 0 ? n : std::min<std::int64_t>(config.micro_batch, n);
  const std::vector<torch::Tensor> chunks = images.split(micro, 0);

  if (!gradient_cache) {
    std::vector<torch::Tensor> hs;
    for (const torch::Tensor& chunk : chunks) hs.push_back(model.encoder->forward_normalized(chunk));
    ObjectiveOutput out = evaluate_objective(model, config, torch::cat(hs, 0), targets);
    out.loss.backward();
    return out.statistics;
  }

  // Pass 1 without autograd. BatchNorm in training mode updates its running statistics; they are
  // put back afterwards so that pass 3 updates them exactly once, as the plain step does.
  std::vector<torch::Tensor> buffers = model.encoder->buffers();
  std::vector<torch::Tensor> saved;
  torch::Tensor h;
  {
    torch::NoGradGuard no_grad;
    for (const torch::Tensor& b : buffers) saved.push_back(b.clone());
    std::vector<torch::Tensor> hs;
    for (const torch::Tensor& chunk : chunks) hs.push_back(model.encoder->forward_normalized(chunk));
    h = torch::cat(hs, 0);
    for (std::size_t i = 0; i < buffers.size(); ++i) buffers[i].copy_(saved[i]);
  }
  // Pass 2: the loss and its gradient with respect to h (the heads get their gradients here).
  const torch::Tensor h_leaf = h.detach().requires_grad_(true);
  ObjectiveOutput out = evaluate_objective(model, config, h_leaf, targets);
  out.loss.backward();
  const torch::Tensor grad_h = h_leaf.grad();
  // Pass 3: each micro-batch again with autograd, back-propagating its slice of dL/dh.
  std::int64_t offset = 0;
  for (const torch::Tensor& chunk : chunks) {
    const std::int64_t rows = chunk.size(0);
    model.encoder->forward_normalized(chunk).backward(grad_h.slice(0, offset, offset + rows));
    offset += rows;
  }
  return out.statistics;
}

double cosine_learning_rate(const OptimizerConfig& o, std::int64_t step, std::int64_t total) {
  const double t = total > 0 ? static_cast<double>(step) / static_cast<double>(total) : 0.0;
  const double cosine = o.min_lr + 0.5 * (o.lr - o.min_lr) * (1.0 + std::cos(kPi * t));
  if (step >= o.warmup_steps) return cosine;
  return cosine * static_cast<double>(step + 1) / static_cast<double>(o.warmup_steps);
}

double clip_gradient_norm(const NamedTensors& parameters, double max_norm) {
  torch::NoGradGuard no_grad;
  torch::Tensor sum = torch::zeros({}, torch::kFloat64);
  for (const auto& [name, p] : parameters) {
    if (p.grad().defined()) sum += p.grad().to(torch::kFloat64).pow(2).sum();
  }
  const double norm = std::sqrt(sum.item<double>());  // one read-back per step
  if (max_norm > 0.0 && std::isfinite(norm) && norm > max_norm) {
    const double scale = max_norm / (norm + 1e-6);
    for (const auto& [name, p] : parameters) {
      if (p.grad().defined()) p.mutable_grad().mul_(scale);
    }
  }
  return norm;
}

void sgd_update(const NamedTensors& parameters, std::map<std::string, torch::Tensor>& momentum,
                const OptimizerConfig& o, double lr) {
  torch::NoGradGuard no_grad;
  for (const auto& [name, p] : parameters) {
    const torch::Tensor& g = p.grad();
    if (!g.defined()) continue;
    torch::Tensor d = o.weight_decay != 0.0 ? g.add(p, o.weight_decay) : g;
    if (o.momentum != 0.0) {
      auto it = momentum.find(name);
      if (it == momentum.end()) {
        it = momentum.emplace(name, d.clone()).first;
      } else {
        it->second.mul_(o.momentum).add_(d);
      }
      d = it->second;
    }
    // p is a leaf that requires grad; writing through a non-tracking alias under NoGradGuard.
    torch::Tensor data = p;
    data.add_(d, -lr);
  }
}

void adam_update(const NamedTensors& parameters, std::map<std::string, torch::Tensor>& moments,
                 const AdamOptions& o, double lr, std::int64_t step) {
  if (step < 1) throw_usage_error("adam_update", "steps count from 1");
  torch::NoGradGuard no_grad;
  const double correction1 = 1.0 - std::pow(o.beta1, static_cast<double>(step));
  const double correction2 = 1.0 - std::pow(o.beta2, static_cast<double>(step));
  for (const auto& [name, p] : parameters) {
    const torch::Tensor& g = p.grad();
    if (!g.defined()) continue;
    const torch::Tensor d = o.weight_decay != 0.0 ? g.add(p, o.weight_decay) : g;
    torch::Tensor& m = moments[name + ".m"];
    torch::Tensor& v = moments[name + ".v"];
    if (!m.defined()) m = torch::zeros_like(p);
    if (!v.defined()) v = torch::zeros_like(p);
    m.mul_(o.beta1).add_(d, 1.0 - o.beta1);
    v.mul_(o.beta2).addcmul_(d, d, 1.0 - o.beta2);
    const torch::Tensor denominator = (v.sqrt() / std::sqrt(correction2)).add_(o.eps);
    torch::Tensor data = p;  // as in sgd_update
    data.addcdiv_(m, denominator, -lr / correction1);
  }
}

NamedTensors moment_slots(const NamedTensors& parameters) {
  NamedTensors slots;
  for (const auto& [name, p] : parameters) {
    slots.emplace_back(name + ".m", p);
    slots.emplace_back(name + ".v", p);
  }
  return slots;
}

void optimizer_update(const NamedTensors& parameters, std::map<std::string, torch::Tensor>& buffers,
                      const OptimizerConfig& optimizer, double lr, std::int64_t step) {
  if (optimizer.kind == OptimizerKind::kSgd) {
    sgd_update(parameters, buffers, optimizer, lr);
    return;
  }
  AdamOptions adam;
  adam.weight_decay = optimizer.weight_decay;
  adam_update(parameters, buffers, adam, lr, step);
}

NamedTensors optimizer_slots(const OptimizerConfig& optimizer, const NamedTensors& parameters) {
  return optimizer.kind == OptimizerKind::kAdam ? moment_slots(parameters) : parameters;
}

}  // namespace shamisa
