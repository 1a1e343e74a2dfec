// Relation graphs of SHAMISA; see include/shamisa/relation_graphs.h and METHOD-SHAMISA.md §7.
#include "shamisa/relation_graphs.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "shamisa/error.h"

namespace shamisa {

namespace {

const char kSubject[] = "relation graphs";

torch::Tensor zeros_square(int n) { return torch::zeros({n, n}, torch::kFloat32); }

void check_severity(const BatchLayout& layout, const std::vector<double>& severity) {
  layout.validate();
  const std::size_t expected = static_cast<std::size_t>(layout.items) * layout.compositions *
                               static_cast<std::size_t>(layout.levels);
  if (severity.size() != expected) {
    throw_internal_error(kSubject, "variable_severity has " + std::to_string(severity.size()) +
                                       " values, expected B*F*L = " + std::to_string(expected));
  }
}

double severity_at(const BatchLayout& layout, const std::vector<double>& severity, int b, int f,
                   int l) {
  return severity[(static_cast<std::size_t>(b) * layout.compositions + f) * layout.levels + l];
}

}  // namespace

int BatchLayout::nodes() const { return items * views * (1 + compositions * levels); }

int BatchLayout::ref_nodes() const { return items * views; }

int BatchLayout::ref_node(int b, int v) const { return b * views + v; }

int BatchLayout::dist_node(int b, int v, int f, int l) const {
  return items * views + ((b * views + v) * compositions + f) * levels + l;
}

void BatchLayout::validate() const {
  if (items <= 0 || views <= 0 || compositions <= 0 || levels <= 0 || views % 2 != 0) {
    throw_internal_error(kSubject, "invalid batch layout B=" + std::to_string(items) +
                                       " V=" + std::to_string(views) +
                                       " F=" + std::to_string(compositions) +
                                       " L=" + std::to_string(levels) +
                                       " (all must be positive, V even)");
  }
}

double severity_strength(double delta, bool original_curve) {
  return original_curve ? 1.0 / (1.0 + delta / 4.0) : std::exp(-3.0 * delta / 4.0);
}

torch::Tensor ref_ref_graph(const BatchLayout& layout) {
  layout.validate();
  torch::Tensor g = zeros_square(layout.nodes());
  const int r = layout.ref_nodes();
  g.slice(0, 0, r).slice(1, 0, r).fill_(1.0f);
  for (int i = 0; i < r; ++i) g[i][i] = 0.0f;
  return g;
}

torch::Tensor ref_dist_graph(const BatchLayout& layout, const std::vector<double>& severity,
                             bool original_curve, bool binary) {
  check_severity(layout, severity);
  torch::Tensor g = zeros_square(layout.nodes());
  auto a = g.accessor<float, 2>();
  for (int b = 0; b < layout.items; ++b)
    for (int v = 0; v < layout.views; ++v)
      for (int f = 0; f < layout.compositions; ++f)
        for (int l = 0; l < layout.levels; ++l) {
          const double value =
              binary ? 1.0 : severity_strength(severity_at(layout, severity, b, f, l), original_curve);
          a[layout.ref_node(b, v)][layout.dist_node(b, v, f, l)] = static_cast<float>(value);
        }
  return g;
}

torch::Tensor dist_dist_graph(const BatchLayout& layout, const std::vector<double>& severity,
                              std::int64_t top_k, bool original_curve, bool binary,
                              std::int64_t* candidates) {
  check_severity(layout, severity);
  if (top_k < 0) throw_internal_error(kSubject, "dist_dist top_k must not be negative");
  struct Candidate {
    double value;
    int row;
    int col;
  };
  std::vector<Candidate> all;
  for (int b = 0; b < layout.items; ++b)
    for (int f = 0; f < layout.compositions; ++f)
      for (int v1 = 0; v1 < layout.views; ++v1)
        for (int l1 = 0; l1 < layout.levels; ++l1)
          for (int v2 = 0; v2 < layout.views; ++v2)
            for (int l2 = 0; l2 < layout.levels; ++l2) {
              if (v1 == v2 && l1 == l2) continue;
              const double delta = std::fabs(severity_at(layout, severity, b, f, l1) -
                                             severity_at(layout, severity, b, f, l2));
              all.push_back({severity_strength(delta, original_curve),
                             layout.dist_node(b, v1, f, l1), layout.dist_node(b, v2, f, l2)});
            }
  if (candidates != nullptr) *candidates = static_cast<std::int64_t>(all.size());
  // Stable, documented tie-break (quirk Q11): value descending, then row ascending, then column
  // ascending. (row, col) is unique, so this is a strict total order and the result is unique.
  std::sort(all.begin(), all.end(), [](const Candidate& x, const Candidate& y) {
    if (x.value != y.value) return x.value > y.value;
    if (x.row != y.row) return x.row < y.row;
    return x.col < y.col;
  });
  const std::size_t keep = std::min<std::size_t>(all.size(), static_cast<std::size_t>(top_k));
  torch::Tensor g = zeros_square(layout.nodes());
  auto a = g.accessor<float, 2>();
  for (std::size_t i = 0; i < keep; ++i) {
    a[all[i].row][all[i].col] = binary ? 1.0f : static_cast<float>(all[i].value);
  }
  return g;
}

torch::Tensor structural_graph(const BatchLayout& layout, StructuralRule rule) {
  layout.validate();
  const int n_refs = layout.views / 2;
  torch::Tensor g = zeros_square(layout.nodes());
  auto a = g.accessor<float, 2>();
  for (int b = 0; b < layout.items; ++b)
    for (int f = 0; f < layout.compositions; ++f)
      for (int l = 0; l < layout.levels; ++l)
        for (int v1 = 0; v1 < layout.views; ++v1)
          for (int v2 = 0; v2 < layout.views; ++v2) {
            if (v1 == v2) continue;
            const bool linked = rule == StructuralRule::kReferenceParity
                                    ? (v1 % 2 == v2 % 2)
                                    : (v1 / n_refs == v2 / n_refs);
            if (linked) a[layout.dist_node(b, v1, f, l)][layout.dist_node(b, v2, f, l)] = 1.0f;
          }
  return g;
}

MetadataGraphs build_metadata_graphs(const BatchLayout& layout,
                                     const std::vector<double>& variable_severity,
                                     const MetadataGraphOptions& options) {
  MetadataGraphs out;
  out.ref_ref = ref_ref_graph(layout);  // values are 1: binary_ref_ref changes nothing
  out.ref_dist = ref_dist_graph(layout, variable_severity, options.original_curve,
                                options.binary_ref_dist);
  out.dist_dist = dist_dist_graph(layout, variable_severity, options.dist_dist_top_k,
                                  options.original_curve, options.binary_dist_dist,
                                  &out.dist_dist_candidates);
  out.structural = structural_graph(layout, options.structural_rule);  // values are 1
  return out;
}

torch::Tensor knn_kept_affinities(const torch::Tensor& h, std::int64_t k) {
  if (!h.defined() || h.dim() != 2 || h.size(0) < 1) {
    throw_internal_error(kSubject, "knn_graph expects h of shape [N, d] with N >= 1");
  }
  if (k < 0) throw_internal_error(kSubject, "knn_graph k must not be negative");
  const std::int64_t n = h.size(0);
  const torch::Tensor hf = h.to(torch::kFloat32);
  // compute_mode 2: never use the matmul formulation, so the diagonal is exactly 0 and the
  // backward at zero distance is 0 rather than NaN.
  const torch::Tensor dist = torch::cdist(hf, hf, 2.0, /*compute_mode=*/2);
  const torch::Tensor off_diag = 1.0 - torch::eye(n, hf.options());
  const torch::Tensor affinity = off_diag / (1.0 + dist);
  const std::int64_t kk = std::min<std::int64_t>(k, n - 1);
  torch::Tensor mask = torch::zeros({n, n}, hf.options());
  if (kk > 0) {
    const torch::Tensor idx = std::get<1>(torch::topk(affinity.detach(), kk, /*dim=*/1));
    mask.scatter_(1, idx, 1.0);
  }
  return affinity * mask;
}

torch::Tensor knn_graph(const torch::Tensor& h, std::int64_t k) {
  const torch::Tensor kept = knn_kept_affinities(h, k);
  return kept + kept.t();
}

TransportResult transport_branch(const torch::Tensor& h, const torch::Tensor& prototypes,
                                 const torch::Tensor& structural, const TransportOptions& options) {
  if (!h.defined() || h.dim() != 2 || !prototypes.defined() || prototypes.dim() != 2 ||
      prototypes.size(1) != h.size(1)) {
    throw_internal_error(kSubject, "transport_branch expects h [N, d] and prototypes [K, d]");
  }
  const std::int64_t n = h.size(0);
  const std::int64_t k = prototypes.size(0);
  if (!structural.defined() || structural.dim() != 2 || structural.size(0) != n ||
      structural.size(1) != n) {
    throw_internal_error(kSubject, "transport_branch: structural graph must be N x N");
  }
  const torch::Tensor hn = torch::nn::functional::normalize(
      h.to(torch::kFloat32), torch::nn::functional::NormalizeFuncOptions().dim(1));
  const torch::Tensor logits = hn.matmul(prototypes.to(torch::kFloat32).t());  // [N, K]

  TransportResult out;
  {
    torch::NoGradGuard no_grad;
    const torch::Tensor scaled = logits.detach() / options.sinkhorn_epsilon;
    torch::Tensor q = torch::exp(scaled - scaled.max());
    q = q / q.sum();
    for (int it = 0; it < options.sinkhorn_iterations; ++it) {
      q = q / q.sum(0, /*keepdim=*/true) / static_cast<double>(k);
      q = q / q.sum(1, /*keepdim=*/true) / static_cast<double>(n);
    }
    out.codes = q / q.sum(1, /*keepdim=*/true);
  }
  out.log_p = torch::log_softmax(logits / options.temperature, 1);
  const torch::Tensor p = torch::exp(out.log_p);
  const torch::Tensor score = out.log_p.matmul(p.t()) / static_cast<double>(k);  // S_ij
  const torch::Tensor normalised = (score - score.min()) / (score.max() - score.min());
  const std::int64_t keep =
      std::min<std::int64_t>(n * n, static_cast<std::int64_t>(options.top_fraction * n));
  torch::Tensor mask = torch::zeros({n * n}, torch::kFloat32);
  if (keep > 0) {
    const torch::Tensor idx = std::get<1>(torch::topk(normalised.detach().flatten(), keep));
    mask.index_fill_(0, idx, 1.0);
  }
  out.graph = normalised * mask.reshape({n, n});

  const torch::Tensor self_term = (out.codes * out.log_p).mean();
  const torch::Tensor pairs = torch::nonzero(structural != 0);  // [E, 2]
  torch::Tensor pair_term = torch::zeros({}, torch::kFloat32);
  if (pairs.size(0) > 0) {
    const torch::Tensor qi = out.codes.index_select(0, pairs.select(1, 0));
    const torch::Tensor lpj = out.log_p.index_select(0, pairs.select(1, 1));
    pair_term = (qi * lpj).mean();
  }
  out.l_ot = -0.5 * options.ot_coefficient * (self_term + pair_term);
  return out;
}

const std::vector<double>& branch_coefficients() {
  static const std::vector<double> coefficients = {0.5766, 0.8039, 0.1790,
                                                   0.6011, 0.2087, 0.3670};
  return coefficients;
}

torch::Tensor aggregate_relations(const RelationBranches& branches, const torch::Tensor& weights) {
  if (!weights.defined() || weights.numel() != kBranchCount) {
    throw_internal_error(kSubject, "aggregate_relations expects 6 branch weights");
  }
  if (!branches.knn.defined()) throw_internal_error(kSubject, "aggregate_relations: kNN branch missing");
  const std::int64_t n = branches.knn.size(0);
  const torch::Tensor w = weights.reshape({kBranchCount}).to(torch::kFloat32);
  const std::vector<double>& c = branch_coefficients();
  auto check = [&](const torch::Tensor& g, const char* name) {
    if (g.dim() != 2 || g.size(0) != n || g.size(1) != n) {
      throw_internal_error(kSubject, std::string("aggregate_relations: branch ") + name +
                                         " is not N x N with N = " + std::to_string(n));
    }
  };
  check(branches.knn, "knn");
  torch::Tensor sum = torch::zeros({n, n}, torch::kFloat32);
  const std::pair<const torch::Tensor*, int> others[] = {
      {&branches.ref_ref, kBranchRefRef},       {&branches.ref_dist, kBranchRefDist},
      {&branches.dist_dist, kBranchDistDist},   {&branches.structural, kBranchStructural},
      {&branches.transport, kBranchTransport}};
  const char* names[] = {"ref_ref", "ref_dist", "dist_dist", "structural", "transport"};
  int name_index = 0;
  for (const auto& [g, index] : others) {
    const char* name = names[name_index++];
    if (!g->defined()) continue;
    check(*g, name);
    sum = sum + (c[index] * w[index]) * g->to(torch::kFloat32);
  }
  sum = sum + (c[kBranchKnn] * w[kBranchKnn]) * branches.knn.to(torch::kFloat32);
  return torch::triu(sum, /*diagonal=*/1);
}

}  // namespace shamisa
