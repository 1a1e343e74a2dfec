// Relation graphs of SHAMISA (METHOD-SHAMISA.md §5.5, §7.1, §7.2, §7.4).
//
// Every graph is a dense N×N float32 tensor over the nodes of one training step, in the node order
// of §5.5 ([all references ; all distorted images]). Entry (i, j) holds the value of the ordered
// pair i → j; 0 means "no edge". The aggregator (§7.4) sums the branches (which reproduces the
// duplicate summing of a sparse coalesce) and keeps only the strict upper triangle i < j.
//
// The four metadata branches are constants (no autograd history). The kNN branch is built from
// the encoder features h and keeps its autograd graph, so gradients reach the encoder.
#ifndef SHAMISA_RELATION_GRAPHS_H_
#define SHAMISA_RELATION_GRAPHS_H_

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace shamisa {

// Node layout of one step (§5.5). views = 2·n_refs, laid out view = scale·n_refs + ref_idx.
struct BatchLayout {
  int items = 0;         // B
  int views = 0;         // V = 2·n_refs
  int compositions = 0;  // F
  int levels = 0;        // L

  // N = B·V·(1 + F·L).
  int nodes() const;
  // Number of reference nodes, B·V; they come first.
  int ref_nodes() const;
  // ref_node(b, v) = b·V + v.
  int ref_node(int b, int v) const;
  // dist_node(b, v, f, l) = B·V + ((b·V + v)·F + f)·L + l.
  int dist_node(int b, int v, int f, int l) const;
  // Throws shamisa::Error (internal) unless all four counts are positive and views is even.
  void validate() const;
};

// Severity-to-strength curve φ (§7.1): exp(−3Δ/4), or 1/(1 + Δ/4) with original_curve (ablation F1).
double severity_strength(double delta, bool original_curve = false);

// Which views the structural branch links (quirk Q3).
enum class StructuralRule {
  // Intended rule, the project default (Q3 decision): same scale (v / n_refs equal), different
  // content (v1 ≠ v2).
  kSameScale,
  // Reference-code predicate: v1 ≠ v2 and v1 ≡ v2 (mod 2). With the view order of §5.1 this links
  // different contents with a mixed pattern of scales.
  kReferenceParity,
};

struct MetadataGraphOptions {
  // Global number of G^dd entries kept (4096 in the paper, §7.2). Clamped to the candidate count.
  std::int64_t dist_dist_top_k = 4096;
  bool original_curve = false;  // φ = 1/(1 + Δ/4) instead of exp(−3Δ/4) (ablation F1)
  StructuralRule structural_rule = StructuralRule::kSameScale;
  // Ablation A1: any kept edge gets value 1 instead of its curve value. For G^dd the top-k is still
  // chosen by the curve value; only the kept values become 1.
  bool binary_ref_ref = false;     // no effect: the values are already 1
  bool binary_ref_dist = false;
  bool binary_dist_dist = false;
  bool binary_structural = false;  // no effect: the values are already 1
};

// The four metadata branches (§7.2), dense N×N float32, no gradient.
struct MetadataGraphs {
  torch::Tensor ref_ref;
  torch::Tensor ref_dist;
  torch::Tensor dist_dist;
  torch::Tensor structural;
  std::int64_t dist_dist_candidates = 0;  // ordered candidate pairs before the top-k
};

// variable_severity[(b·F + f)·L + l] is the severity index of the variable slot of composition f
// of item b at level l (size B·F·L).
//
// G^rr: all ordered pairs of distinct reference nodes of the whole batch, value 1.
// G^rd: ref(b, v) → dist(b, v, f, l) only (one direction), value φ(s_{b,f,l}).
// G^dd: ordered pairs of distinct distorted nodes with the same b and f (any view, any level),
//       value φ(|s_{b,f,l1} − s_{b,f,l2}|); only the global top-k is kept. Tie-break (stable,
//       documented, quirk Q11): value descending (compared as double, before the float32
//       conversion), then row node index ascending, then column node index ascending.
// Structural: same b, f, l, views linked by options.structural_rule, value 1.
MetadataGraphs build_metadata_graphs(const BatchLayout& layout,
                                     const std::vector<double>& variable_severity,
                                     const MetadataGraphOptions& options = {});

// Individual branches (what build_metadata_graphs calls).
torch::Tensor ref_ref_graph(const BatchLayout& layout);
torch::Tensor ref_dist_graph(const BatchLayout& layout, const std::vector<double>& variable_severity,
                             bool original_curve = false, bool binary = false);
torch::Tensor dist_dist_graph(const BatchLayout& layout,
                              const std::vector<double>& variable_severity, std::int64_t top_k,
                              bool original_curve = false, bool binary = false,
                              std::int64_t* candidates = nullptr);
torch::Tensor structural_graph(const BatchLayout& layout, StructuralRule rule);

// kNN branch G^k (§7.2), differentiable in h [N, d]:
//   a_ij = 1/(1 + ‖h_i − h_j‖₂), a_ii = 0; keep the top k per row (k clamped to N − 1; ties are
//   broken by torch::topk); K = a ⊙ mask; result = K + Kᵀ.
// The symmetrisation adds the reverse edges as a coalesce of the edge list [E ; reversed E] would,
// so a mutual pair (j in the top-k of i and i in the top-k of j) gets 2·a_ij at (i, j) and (j, i),
// and a one-sided pair gets a_ij at both. Distances use the exact (non-matmul) cdist, whose
// backward is 0 at zero distance, so identical rows do not produce NaN gradients.
torch::Tensor knn_graph(const torch::Tensor& h, std::int64_t k = 31);
// The kept matrix K before symmetrisation (exactly min(k, N − 1) entries per row); knn_graph
// returns K + Kᵀ.
torch::Tensor knn_kept_affinities(const torch::Tensor& h, std::int64_t k = 31);

// Transport / prototype branch G^o and L_ot (§7.3).
struct TransportOptions {
  double sinkhorn_epsilon = 0.05;  // codes q = Sinkhorn(exp(ℓ/ε))
  int sinkhorn_iterations = 6;
  double temperature = 0.1;        // p = softmax(ℓ/τ)
  double top_fraction = 8.0;       // keep the global top (top_fraction·N) entries, clamped to N²
  double ot_coefficient = 0.4906;  // c in L_ot
};

struct TransportResult {
  torch::Tensor graph;   // G^o [N, N]: min–max-normalised S, top 8N kept, others 0 (differentiable)
  torch::Tensor codes;   // q [N, K], no gradient, rows sum to 1
  torch::Tensor log_p;   // log p [N, K] = log_softmax(ℓ/τ)
  torch::Tensor l_ot;    // L_ot (0-dim)
};

// h [N, d] (normalised here: ℓ = normalize(h)·prototypesᵀ), prototypes [K, d] = the effective
// (weight-normalised) prototype weights. structural: the structural graph (its non-zero ordered
// pairs are E_s); an empty E_s contributes 0 to the second mean.
//
// Sinkhorn (SwAV-style, no gradient; the step order is [U] in the spec): Q = exp(ℓ/ε) (the global
// max is subtracted first, a constant factor that cancels), Q /= ΣQ; then per iteration
// Q /= column sums (per prototype), Q /= K; Q /= row sums (per node), Q /= N. Finally each row is
// rescaled to sum to 1.
// S_ij = (1/K)·Σ_k p_j[k]·log p_i[k]; G^o = minmax(S) on the global top-(8N) entries of minmax(S)
// (ties broken by torch::topk; the diagonal is not excluded, §7.4 drops it).
// L_ot = −½·c·[ mean_{i,k} q_ik log p_ik + mean_{(i,j)∈E_s, k} q_ik log p_jk ].
TransportResult transport_branch(const torch::Tensor& h, const torch::Tensor& prototypes,
                                 const torch::Tensor& structural,
                                 const TransportOptions& options = {});

// Branch order of the coefficient and weight vectors.
enum BranchIndex : int {
  kBranchRefRef = 0,
  kBranchRefDist = 1,
  kBranchDistDist = 2,
  kBranchStructural = 3,
  kBranchKnn = 4,
  kBranchTransport = 5,
  kBranchCount = 6,
};

// Coefficients of §7.2 in BranchIndex order: 0.5766, 0.8039, 0.1790, 0.6011, 0.2087, 0.3670.
const std::vector<double>& branch_coefficients();

struct RelationBranches {
  torch::Tensor ref_ref, ref_dist, dist_dist, structural;  // metadata (constants)
  torch::Tensor knn;                                       // differentiable
  torch::Tensor transport;  // optional; an undefined tensor means the branch is off
};

// Aggregator (§7.4): W = triu_1( Σ_{b non-kNN} c_b·w_b·G_b + c_knn·w_knn·G_knn ).
// weights: 6 values in BranchIndex order (w_b = softmax(Φ(stats)) or fixed; detaching them is the
// caller's choice, see quirk Q4). Undefined branches other than knn are skipped; all defined
// branches must be N×N. Summing dense matrices is the duplicate summing of the coalesce; only the
// strict upper triangle (i < j) is kept.
torch::Tensor aggregate_relations(const RelationBranches& branches, const torch::Tensor& weights);

}  // namespace shamisa

#endif  // SHAMISA_RELATION_GRAPHS_H_
