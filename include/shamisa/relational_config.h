// The relational method's training config (configs/relational-*.json), read by `shamisa train`.
// A run has two stages on one step counter: steps 0 .. maps.steps - 1 train the map network on
// triplets (map loss + cycle term, Adam, cosine schedule), then scorer.steps train the scorer on
// ranked sets with the map network frozen (ListMLE + Rank-N-Contrast + fidelity). See
// docs/relational.md for every key.
#ifndef SHAMISA_RELATIONAL_CONFIG_H_
#define SHAMISA_RELATIONAL_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "shamisa/relational_data.h"
#include "shamisa/relational_model.h"
#include "shamisa/relational_scorer.h"
#include "shamisa/train_config.h"

namespace shamisa {

// One stage's optimiser: Adam (adam_update, weight decay as torch's Adam) with the cosine schedule
// of cosine_learning_rate over the stage's own steps. OptimizerConfig's momentum is not used; its
// kind is Adam however the stage is made (it is not a config key).
struct RelationalStage {
  std::int64_t steps = 0;
  OptimizerConfig optimizer = [] {
    OptimizerConfig adam;
    adam.kind = OptimizerKind::kAdam;
    return adam;
  }();
};

struct RelationalConfig {
  std::string name = "relational";
  std::uint64_t seed = 7;
  int crop = 96;             // square patches of both stages
  ProgramOptions programs;   // how edits are drawn (p_reference, max_axes, min_strength, axes)
  MapNetworkConfig network;  // axes is always kRelationalAxes
  // Stage 1.
  RelationalStage maps;
  int triplets = 4;          // per step: 3 pairs each
  MapLossWeights map_loss;
  double cycle = 0.1;        // weight of cycle_loss
  // Stage 2.
  RelationalStage scorer;
  ScorerConfig scorer_network;
  int sets = 4, set_size = 5;
  double listmle_temperature = 0.5;
  double rnc = 0.1, rnc_temperature = 2.0;
  double fidelity = 1.0;
  // Every third set is a kCrossProgram set, ordered by the proxy severity (a design assumption,
  // METHOD-RELATIONAL.md §3.6 point 5), so that the scorer learns trade-offs across axes, which
  // sets of one program cannot teach it.
  bool cross_program_sets = false;
  // Weight of the fidelity loss on the no-reference pair score s(X_i, X_j) (METHOD-RELATIONAL.md
  // §3.7) over the distorted images of each ranked set (i < j, both ≥ 1: the reference unseen).
  double pair_mode = 0.0;
  std::int64_t checkpoint_every = 100;

  std::int64_t total_steps() const { return maps.steps + scorer.steps; }
};

// True when a parsed config file is a relational one ("method": "relational").
bool is_relational_config(const nlohmann::json& json);
// Parses and validates; `source` names the file in usage errors.
RelationalConfig relational_config_from_json(const nlohmann::json& json, const std::string& source);
nlohmann::json relational_config_to_json(const RelationalConfig& config);
void validate_relational_config(const RelationalConfig& config, const std::string& source);
// The kinds of ranked set that stage 2 cycles through, in order.
std::vector<RankedSetKind> ranked_set_kinds(const RelationalConfig& config);

}  // namespace shamisa

#endif  // SHAMISA_RELATIONAL_CONFIG_H_
