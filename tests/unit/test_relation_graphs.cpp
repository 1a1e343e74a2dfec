// Tests of the relation graphs (METHOD-SHAMISA.md §5.5, §7.1, §7.2, §7.4).
#include "shamisa/relation_graphs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "shamisa/error.h"

namespace shamisa {
namespace {

// The paper configuration: B = 2, n_refs = 3 (V = 6), F = 4, L = 5.
BatchLayout paper_layout() { return BatchLayout{2, 6, 4, 5}; }

// s_{b,f,l} = l (the severity index of the variable slot equals the level).
std::vector<double> level_severity(const BatchLayout& layout) {
  std::vector<double> s;
  for (int b = 0; b < layout.items; ++b)
    for (int f = 0; f < layout.compositions; ++f)
      for (int l = 0; l < layout.levels; ++l) s.push_back(l);
  return s;
}

std::int64_t count_edges(const torch::Tensor& g) { return (g != 0).sum().item<std::int64_t>(); }

using EdgeSet = std::set<std::pair<int, int>>;

EdgeSet edges_of(const torch::Tensor& g) {
  EdgeSet out;
  auto a = g.accessor<float, 2>();
  for (int i = 0; i < g.size(0); ++i)
    for (int j = 0; j < g.size(1); ++j)
      if (a[i][j] != 0.0f) out.insert({i, j});
  return out;
}

TEST(GraphsLayout, PaperNodeIndices) {
  const BatchLayout layout = paper_layout();
  EXPECT_EQ(layout.nodes(), 252);
  EXPECT_EQ(layout.ref_nodes(), 12);
  EXPECT_EQ(layout.ref_node(0, 0), 0);
  EXPECT_EQ(layout.ref_node(1, 0), 6);
  EXPECT_EQ(layout.ref_node(1, 5), 11);
  EXPECT_EQ(layout.dist_node(0, 0, 0, 0), 12);
  EXPECT_EQ(layout.dist_node(0, 0, 0, 4), 16);
  EXPECT_EQ(layout.dist_node(0, 0, 1, 0), 17);
  EXPECT_EQ(layout.dist_node(0, 1, 0, 0), 32);
  EXPECT_EQ(layout.dist_node(1, 0, 0, 0), 132);
  EXPECT_EQ(layout.dist_node(1, 5, 3, 4), 251);
  // Every node index is used exactly once.
  std::set<int> seen;
  for (int b = 0; b < 2; ++b)
    for (int v = 0; v < 6; ++v) {
      seen.insert(layout.ref_node(b, v));
      for (int f = 0; f < 4; ++f)
        for (int l = 0; l < 5; ++l) seen.insert(layout.dist_node(b, v, f, l));
    }
  EXPECT_EQ(seen.size(), 252u);
  EXPECT_EQ(*seen.begin(), 0);
  EXPECT_EQ(*seen.rbegin(), 251);
}

TEST(GraphsLayout, InvalidLayoutThrows) {
  EXPECT_THROW(BatchLayout({1, 3, 1, 1}).validate(), Error);
  EXPECT_THROW(BatchLayout({0, 2, 1, 1}).validate(), Error);
  EXPECT_THROW(ref_dist_graph(BatchLayout{1, 2, 1, 2}, {0.0}), Error);  // needs B*F*L = 2 values
}

TEST(GraphsCurve, Values) {
  EXPECT_DOUBLE_EQ(severity_strength(0.0), 1.0);
  EXPECT_NEAR(severity_strength(1.0), 0.4723665527410147, 1e-15);  // exp(-0.75)
  EXPECT_NEAR(severity_strength(4.0), std::exp(-3.0), 1e-15);
  EXPECT_DOUBLE_EQ(severity_strength(0.0, true), 1.0);
  EXPECT_DOUBLE_EQ(severity_strength(1.0, true), 0.8);  // 1/(1 + 1/4)
  EXPECT_DOUBLE_EQ(severity_strength(4.0, true), 0.5);
}

TEST(GraphsPaper, EdgeCounts) {
  const BatchLayout layout = paper_layout();
  const MetadataGraphs g = build_metadata_graphs(layout, level_severity(layout));
  EXPECT_EQ(count_edges(g.ref_ref), 132);
  EXPECT_EQ(count_edges(g.ref_dist), 240);
  EXPECT_EQ(g.dist_dist_candidates, 6960);
  EXPECT_EQ(count_edges(g.dist_dist), 4096);
  EXPECT_EQ(count_edges(g.structural), 480);
  for (const torch::Tensor& t : {g.ref_ref, g.ref_dist, g.dist_dist, g.structural}) {
    EXPECT_EQ(t.sizes().vec(), (std::vector<std::int64_t>{252, 252}));
    EXPECT_FALSE(t.requires_grad());
    EXPECT_EQ(t.diagonal().abs().sum().item<float>(), 0.0f);
  }
  // Every ref_dist edge goes from a reference (lower index) to a distorted node: survives i < j.
  EXPECT_EQ(torch::tril(g.ref_dist).abs().sum().item<float>(), 0.0f);
}

TEST(GraphsPaper, DistDistTieBreak) {
  const BatchLayout layout = paper_layout();
  const torch::Tensor g = dist_dist_graph(layout, level_severity(layout), 4096);
  // With s = level: per (b, f) group of 30 nodes, Δ = 0 gives 5·6·5 = 150 ordered pairs and Δ = 1
  // gives 4·2·36 = 288, so 8·438 = 3504 pairs of value ≥ φ(1) are all kept and 592 of the 1728
  // Δ = 2 pairs are kept: the ones with the smallest (row, column).
  const float v0 = 1.0f;
  const float v1 = static_cast<float>(std::exp(-0.75));
  const float v2 = static_cast<float>(std::exp(-1.5));
  EXPECT_EQ((g == v0).sum().item<std::int64_t>(), 1200);
  EXPECT_EQ((g == v1).sum().item<std::int64_t>(), 2304);
  EXPECT_EQ((g == v2).sum().item<std::int64_t>(), 592);
  // Recompute the expected Δ = 2 survivors: all Δ = 2 candidates in row-major order, first 592.
  std::vector<std::pair<int, int>> delta2;
  for (int i = 0; i < 252; ++i)
    for (int j = 0; j < 252; ++j) {
      if (i < 12 || j < 12 || i == j) continue;
      const int ri = i - 12, rj = j - 12;
      const int bi = ri / 120, bj = rj / 120;
      const int fi = (ri / 5) % 4, fj = (rj / 5) % 4;
      if (bi != bj || fi != fj) continue;
      if (std::abs(ri % 5 - rj % 5) == 2) delta2.push_back({i, j});
    }
  ASSERT_EQ(delta2.size(), 1728u);
  auto a = g.accessor<float, 2>();
  for (std::size_t k = 0; k < delta2.size(); ++k) {
    EXPECT_EQ(a[delta2[k].first][delta2[k].second], k < 592 ? v2 : 0.0f) << k;
  }
  // Binary ablation keeps the same entries with value 1.
  const torch::Tensor binary = dist_dist_graph(layout, level_severity(layout), 4096, false, true);
  EXPECT_TRUE(torch::equal(binary, (g != 0).to(torch::kFloat32)));
}

TEST(GraphsPaper, StructuralRulesQuirkQ3) {
  const BatchLayout layout = paper_layout();
  const torch::Tensor intended = structural_graph(layout, StructuralRule::kSameScale);
  const torch::Tensor parity = structural_graph(layout, StructuralRule::kReferenceParity);
  EXPECT_EQ(count_edges(intended), 480);
  EXPECT_EQ(count_edges(parity), 480);
  // Decode dist node → (b, v, f, l) and check what each rule links.
  auto decode = [](int node) {
    const int r = node - 12;
    return std::vector<int>{r / 120, (r / 20) % 6, (r / 5) % 4, r % 5};
  };
  bool parity_same_scale = false, parity_cross_scale = false;
  for (const auto& [i, j] : edges_of(parity)) {
    const auto x = decode(i), y = decode(j);
    EXPECT_EQ(x[0], y[0]);
    EXPECT_EQ(x[2], y[2]);
    EXPECT_EQ(x[3], y[3]);
    EXPECT_NE(x[1] % 3, y[1] % 3);  // always different content (Q3)
    (x[1] / 3 == y[1] / 3 ? parity_same_scale : parity_cross_scale) = true;
  }
  EXPECT_TRUE(parity_same_scale);  // mixed pattern of scales (Q3)
  EXPECT_TRUE(parity_cross_scale);
  for (const auto& [i, j] : edges_of(intended)) {
    const auto x = decode(i), y = decode(j);
    EXPECT_EQ(x[0], y[0]);
    EXPECT_EQ(x[2], y[2]);
    EXPECT_EQ(x[3], y[3]);
    EXPECT_EQ(x[1] / 3, y[1] / 3);  // same scale
    EXPECT_NE(x[1] % 3, y[1] % 3);  // different content
  }
}

// B = 1, V = 2, F = 1, L = 2: N = 6. Refs 0 (full), 1 (half); dist(v, l) = 2 + 2v + l:
// (v0,l0) = 2, (v0,l1) = 3, (v1,l0) = 4, (v1,l1) = 5. Severities s = {0, 2}.
TEST(GraphsSmall, EveryEdgeByHand) {
  const BatchLayout layout{1, 2, 1, 2};
  ASSERT_EQ(layout.nodes(), 6);
  const std::vector<double> s = {0.0, 2.0};
  const float e15 = static_cast<float>(std::exp(-1.5));  // φ(2)

  const MetadataGraphs g = build_metadata_graphs(layout, s);
  EXPECT_EQ(edges_of(g.ref_ref), (EdgeSet{{0, 1}, {1, 0}}));
  EXPECT_EQ(g.ref_ref[0][1].item<float>(), 1.0f);

  EXPECT_EQ(edges_of(g.ref_dist), (EdgeSet{{0, 2}, {0, 3}, {1, 4}, {1, 5}}));
  EXPECT_EQ(g.ref_dist[0][2].item<float>(), 1.0f);  // φ(0)
  EXPECT_EQ(g.ref_dist[0][3].item<float>(), e15);   // φ(2)
  EXPECT_EQ(g.ref_dist[1][4].item<float>(), 1.0f);
  EXPECT_EQ(g.ref_dist[1][5].item<float>(), e15);

  // All 12 ordered pairs of {2,3,4,5}; same level (Δ = 0) → 1, otherwise φ(2).
  EXPECT_EQ(g.dist_dist_candidates, 12);
  EXPECT_EQ(count_edges(g.dist_dist), 12);
  auto dd = g.dist_dist.accessor<float, 2>();
  for (int i = 2; i < 6; ++i)
    for (int j = 2; j < 6; ++j) {
      if (i == j) continue;
      EXPECT_EQ(dd[i][j], (i % 2 == j % 2) ? 1.0f : e15) << i << "," << j;
    }

  // n_refs = 1: neither rule links anything (the only other view is the other scale and the
  // other parity).
  EXPECT_EQ(count_edges(g.structural), 0);
  EXPECT_EQ(count_edges(structural_graph(layout, StructuralRule::kReferenceParity)), 0);

  // Top 6: the four value-1 pairs (2,4), (3,5), (4,2), (5,3), then the φ(2) pairs with the
  // smallest (row, column): (2,3), (2,5).
  const torch::Tensor top6 = dist_dist_graph(layout, s, 6);
  EXPECT_EQ(edges_of(top6), (EdgeSet{{2, 4}, {3, 5}, {4, 2}, {5, 3}, {2, 3}, {2, 5}}));

  // Binary ref_dist (A1) and the original curve (F1).
  MetadataGraphOptions options;
  options.binary_ref_dist = true;
  EXPECT_EQ(build_metadata_graphs(layout, s, options).ref_dist[0][3].item<float>(), 1.0f);
  EXPECT_FLOAT_EQ(ref_dist_graph(layout, s, true)[0][3].item<float>(), 2.0f / 3.0f);  // 1/(1 + 2/4)
}

// B = 1, V = 4 (n_refs 2), F = 1, L = 1: dist nodes 4..7 are views 0..3
// (full r0, full r1, half r0, half r1).
TEST(GraphsSmall, StructuralByHand) {
  const BatchLayout layout{1, 4, 1, 1};
  EXPECT_EQ(edges_of(structural_graph(layout, StructuralRule::kSameScale)),
            (EdgeSet{{4, 5}, {5, 4}, {6, 7}, {7, 6}}));
  EXPECT_EQ(edges_of(structural_graph(layout, StructuralRule::kReferenceParity)),
            (EdgeSet{{4, 6}, {6, 4}, {5, 7}, {7, 5}}));
}

TEST(GraphsRefDist, FollowsCurve) {
  const BatchLayout layout{1, 2, 2, 3};
  const std::vector<double> s = {0.0, 1.5, 4.0, 0.25, 2.0, 3.0};  // [f][l]
  for (bool original : {false, true}) {
    const torch::Tensor g = ref_dist_graph(layout, s, original);
    for (int v = 0; v < 2; ++v)
      for (int f = 0; f < 2; ++f)
        for (int l = 0; l < 3; ++l) {
          const float expected = static_cast<float>(severity_strength(s[f * 3 + l], original));
          EXPECT_EQ(g[layout.ref_node(0, v)][layout.dist_node(0, v, f, l)].item<float>(), expected);
        }
    EXPECT_EQ(count_edges(g), 12);
  }
}

// Points 0, 1, 3 on a line, k = 1. a01 = 1/2, a02 = 1/4, a12 = 1/3.
// Top-1: row 0 → 1 (1/2), row 1 → 0 (1/2), row 2 → 1 (1/3).
// K + Kᵀ: (0,1) = (1,0) = 2·1/2 = 1 (mutual), (1,2) = (2,1) = 1/3 (one-sided), rest 0.
TEST(GraphsKnn, HandExampleAndSymmetrisation) {
  const torch::Tensor h = torch::tensor({0.0f, 1.0f, 3.0f}).reshape({3, 1});
  const torch::Tensor kept = knn_kept_affinities(h, 1);
  EXPECT_EQ(edges_of(kept), (EdgeSet{{0, 1}, {1, 0}, {2, 1}}));
  const torch::Tensor g = knn_graph(h, 1);
  const torch::Tensor expected = torch::tensor({0.0f, 1.0f, 0.0f, 1.0f, 0.0f, 1.0f / 3.0f, 0.0f,
                                                1.0f / 3.0f, 0.0f})
                                     .reshape({3, 3});
  EXPECT_TRUE(torch::allclose(g, expected, 1e-6, 1e-7)) << g;
}

TEST(GraphsKnn, PaperSizeThirtyOnePerRowAndGradient) {
  torch::manual_seed(7);
  torch::Tensor h = torch::nn::functional::normalize(torch::randn({252, 32}),
                                                     torch::nn::functional::NormalizeFuncOptions().dim(1));
  h.set_requires_grad(true);
  const torch::Tensor kept = knn_kept_affinities(h, 31);
  EXPECT_TRUE(torch::equal((kept != 0).sum(1), torch::full({252}, 31, torch::kLong)));
  EXPECT_EQ(kept.diagonal().abs().sum().item<float>(), 0.0f);
  const torch::Tensor g = knn_graph(h, 31);
  EXPECT_TRUE(torch::allclose(g, kept + kept.t()));
  EXPECT_TRUE(torch::allclose(g, g.t()));

  // Gradients reach h through the kNN branch and not through the metadata branches.
  const BatchLayout layout = paper_layout();
  const MetadataGraphs meta = build_metadata_graphs(layout, level_severity(layout));
  RelationBranches branches{meta.ref_ref, meta.ref_dist, meta.dist_dist, meta.structural, g, {}};
  const torch::Tensor w = aggregate_relations(branches, torch::full({6}, 1.0f / 6.0f));
  EXPECT_TRUE(w.requires_grad());
  w.sum().backward();
  ASSERT_TRUE(h.grad().defined());
  EXPECT_GT(h.grad().abs().sum().item<float>(), 0.0f);
  EXPECT_FALSE(torch::isnan(h.grad()).any().item<bool>());
  for (const torch::Tensor& t : {meta.ref_ref, meta.ref_dist, meta.dist_dist, meta.structural}) {
    EXPECT_FALSE(t.requires_grad());
    EXPECT_FALSE(t.grad_fn());
  }
  // Metadata-only aggregation has no autograd history.
  RelationBranches no_knn = branches;
  no_knn.knn = torch::zeros({252, 252});
  EXPECT_FALSE(aggregate_relations(no_knn, torch::ones({6})).requires_grad());
}

TEST(GraphsKnn, IdenticalRowsGiveFiniteGradient) {
  torch::Tensor h = torch::ones({4, 3});
  h.set_requires_grad(true);
  knn_graph(h, 2).sum().backward();
  EXPECT_FALSE(torch::isnan(h.grad()).any().item<bool>());
}

// N = 3 with weights w = [1, 2, 1, 0.5, 3, 1] (BranchIndex order):
//   ref_ref (0,1) = (1,0) = 1; ref_dist (0,2) = 0.5; dist_dist (2,0) = 1 (lower: dropped);
//   structural (0,1) = 1; knn (0,1) = (1,0) = 1; transport (1,2) = 0.4, (2,1) = 0.9 (dropped).
// W01 = 0.5766·1·1 + 0.6011·0.5·1 + 0.2087·3·1 = 0.5766 + 0.30055 + 0.6261 = 1.50325
// W02 = 0.8039·2·0.5 = 0.8039;  W12 = 0.3670·1·0.4 = 0.1468;  all i ≥ j entries are 0.
TEST(GraphsAggregate, HandExampleDuplicatesAndUpperTriangle) {
  auto at = [](std::initializer_list<std::tuple<int, int, float>> entries) {
    torch::Tensor t = torch::zeros({3, 3});
    for (const auto& [i, j, v] : entries) t[i][j] = v;
    return t;
  };
  RelationBranches b;
  b.ref_ref = at({{0, 1, 1.0f}, {1, 0, 1.0f}});
  b.ref_dist = at({{0, 2, 0.5f}});
  b.dist_dist = at({{2, 0, 1.0f}});
  b.structural = at({{0, 1, 1.0f}});
  b.knn = at({{0, 1, 1.0f}, {1, 0, 1.0f}});
  b.transport = at({{1, 2, 0.4f}, {2, 1, 0.9f}});
  const torch::Tensor w = aggregate_relations(b, torch::tensor({1.0f, 2.0f, 1.0f, 0.5f, 3.0f, 1.0f}));
  const torch::Tensor expected = at({{0, 1, 1.50325f}, {0, 2, 0.8039f}, {1, 2, 0.1468f}});
  EXPECT_TRUE(torch::allclose(w, expected, 1e-6, 1e-6)) << w;
  // Transport off (undefined) drops W12.
  b.transport = torch::Tensor();
  const torch::Tensor w_off = aggregate_relations(b, torch::tensor({1.0f, 2.0f, 1.0f, 0.5f, 3.0f, 1.0f}));
  EXPECT_EQ(w_off[1][2].item<float>(), 0.0f);
  EXPECT_THROW(aggregate_relations(b, torch::ones({5})), Error);
  b.ref_ref = torch::zeros({2, 2});
  EXPECT_THROW(aggregate_relations(b, torch::ones({6})), Error);
}

// Transport branch (§7.3) against an explicit double-precision loop on a tiny case
// (N = 4 ≤ 8N² so every entry is kept and G^o = minmax(S)).
TEST(GraphsTransport, MatchesLoopOnTinyCase) {
  torch::manual_seed(3);
  const torch::Tensor h = torch::randn({4, 3});
  const torch::Tensor protos = torch::randn({2, 3});
  torch::Tensor structural = torch::zeros({4, 4});
  structural[0][1] = 1.0f;
  structural[1][0] = 1.0f;
  structural[2][3] = 1.0f;
  const TransportResult r = transport_branch(h, protos, structural);

  const torch::Tensor hd = h.to(torch::kFloat64);
  const torch::Tensor hn = hd / hd.norm(2, 1, true);
  const torch::Tensor logits = hn.matmul(protos.to(torch::kFloat64).t());
  auto lg = logits.accessor<double, 2>();
  double logp[4][2];
  for (int i = 0; i < 4; ++i) {
    const double m = std::max(lg[i][0], lg[i][1]) / 0.1;
    const double lse = m + std::log(std::exp(lg[i][0] / 0.1 - m) + std::exp(lg[i][1] / 0.1 - m));
    for (int k = 0; k < 2; ++k) logp[i][k] = lg[i][k] / 0.1 - lse;
  }
  double s[4][4];
  double lo = 1e300, hi = -1e300;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) {
      s[i][j] = 0.5 * (std::exp(logp[j][0]) * logp[i][0] + std::exp(logp[j][1]) * logp[i][1]);
      lo = std::min(lo, s[i][j]);
      hi = std::max(hi, s[i][j]);
    }
  auto g = r.graph.accessor<float, 2>();
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) EXPECT_NEAR(g[i][j], (s[i][j] - lo) / (hi - lo), 1e-5);

  EXPECT_FALSE(r.codes.requires_grad());
  EXPECT_TRUE(torch::allclose(r.codes.sum(1), torch::ones({4}), 1e-5, 1e-6));
  auto q = r.codes.accessor<float, 2>();
  double self_sum = 0.0, pair_sum = 0.0;
  for (int i = 0; i < 4; ++i)
    for (int k = 0; k < 2; ++k) self_sum += q[i][k] * logp[i][k];
  const int pairs[3][2] = {{0, 1}, {1, 0}, {2, 3}};
  for (const auto& e : pairs)
    for (int k = 0; k < 2; ++k) pair_sum += q[e[0]][k] * logp[e[1]][k];
  const double expected = -0.5 * 0.4906 * (self_sum / 8.0 + pair_sum / 6.0);
  EXPECT_NEAR(r.l_ot.item<float>(), expected, 1e-5);
}

TEST(GraphsTransport, TopEightNAndGradient) {
  torch::manual_seed(5);
  torch::Tensor h = torch::randn({20, 4});
  h.set_requires_grad(true);
  torch::Tensor protos = torch::randn({3, 4});
  protos.set_requires_grad(true);
  // B = 1, V = 4, F = 1, L = 4: N = 4·(1 + 4) = 20.
  const torch::Tensor structural = structural_graph(BatchLayout{1, 4, 1, 4}, StructuralRule::kSameScale);
  const TransportResult r = transport_branch(h, protos, structural);
  EXPECT_EQ(count_edges(r.graph), 160);  // 8·N
  const torch::Tensor kept = r.graph.masked_select(r.graph != 0);
  EXPECT_LE(kept.max().item<float>(), 1.0f);
  (r.graph.sum() + r.l_ot).backward();
  ASSERT_TRUE(h.grad().defined());
  ASSERT_TRUE(protos.grad().defined());
  EXPECT_GT(h.grad().abs().sum().item<float>(), 0.0f);
  EXPECT_GT(protos.grad().abs().sum().item<float>(), 0.0f);
}

}  // namespace
}  // namespace shamisa
