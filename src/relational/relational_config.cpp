// The relational training config; see include/shamisa/relational_config.h.
#include "shamisa/relational_config.h"

#include "shamisa/config_reader.h"
#include "shamisa/error.h"
#include "shamisa/masks.h"

namespace shamisa {
namespace {

using nlohmann::json;

RelationalStage default_stage(std::int64_t steps) {
  RelationalStage s;
  s.steps = steps;
  s.optimizer.lr = 1e-3;
  s.optimizer.min_lr = 1e-5;
  s.optimizer.momentum = 0.0;
  s.optimizer.weight_decay = 0.0;
  return s;
}

void read_stage_optimizer(SectionReader& section, RelationalStage& stage) {
  section.read("steps", stage.steps);
  section.read("lr", stage.optimizer.lr);
  section.read("min_lr", stage.optimizer.min_lr);
  section.read("weight_decay", stage.optimizer.weight_decay);
  section.read("warmup_steps", stage.optimizer.warmup_steps);
  section.read("clip_grad_norm", stage.optimizer.clip_grad_norm);
}

json stage_to_json(const RelationalStage& stage) {
  const OptimizerConfig& o = stage.optimizer;
  return {{"steps", stage.steps},         {"lr", o.lr},
          {"min_lr", o.min_lr},           {"weight_decay", o.weight_decay},
          {"warmup_steps", o.warmup_steps}, {"clip_grad_norm", o.clip_grad_norm}};
}

}  // namespace

bool is_relational_config(const json& j) {
  return j.is_object() && j.contains("method") && j["method"] == "relational";
}

RelationalConfig relational_config_from_json(const json& root, const std::string& source) {
  RelationalConfig c;
  c.maps = default_stage(3000);
  c.scorer = default_stage(1000);
  SectionReader top(root, "", source);
  std::string method;
  top.read("method", method);
  if (method != "relational") top.fail("method", "must be \"relational\" in a relational config");
  top.read("name", c.name);
  top.read("seed", c.seed);
  top.read("crop", c.crop);
  top.read("checkpoint_every", c.checkpoint_every);
  {
    SectionReader p = top.section("programs");
    p.read("p_reference", c.programs.p_reference);
    p.read("max_axes", c.programs.max_axes);
    p.read("min_strength", c.programs.min_strength);
    p.read_int_list("axes", c.programs.axes, 0, kRelationalAxes - 1);
    p.reject_unknown();
  }
  {
    SectionReader n = top.section("network");
    n.read_int_list("channels", c.network.channels, 8, 1024);
    n.read("group_norm", c.network.group_norm);
    n.read("energy_channel", c.network.energy_channel);
    n.read("block_channel", c.network.block_channel);
    n.reject_unknown();
  }
  {
    SectionReader m = top.section("maps");
    read_stage_optimizer(m, c.maps);
    m.read("triplets", c.triplets);
    m.read("leak", c.map_loss.leak);
    m.read("type", c.map_loss.type);
    m.read("none_threshold", c.map_loss.none_threshold);
    m.read("cycle", c.cycle);
    m.read_number_list("axis_weights", c.map_loss.axis, 0.0, 100.0);
    m.reject_unknown();
  }
  {
    SectionReader s = top.section("scorer");
    read_stage_optimizer(s, c.scorer);
    s.read_int_list("channels", c.scorer_network.channels, 8, 512);
    s.read("sets", c.sets);
    s.read("set_size", c.set_size);
    s.read("listmle_temperature", c.listmle_temperature);
    s.read("rnc", c.rnc);
    s.read("rnc_temperature", c.rnc_temperature);
    s.read("fidelity", c.fidelity);
    s.read("cross_program_sets", c.cross_program_sets);
    s.read("pair_mode", c.pair_mode);
    s.read("difference_channel", c.scorer_network.difference_channel);
    s.reject_unknown();
  }
  top.reject_unknown();
  validate_relational_config(c, source);
  return c;
}

json relational_config_to_json(const RelationalConfig& c) {
  json maps = stage_to_json(c.maps);
  maps["triplets"] = c.triplets;
  maps["leak"] = c.map_loss.leak;
  maps["type"] = c.map_loss.type;
  maps["none_threshold"] = c.map_loss.none_threshold;
  maps["cycle"] = c.cycle;
  // Written only when set, so that configs without it keep their bytes (and run digests).
  if (!c.map_loss.axis.empty()) maps["axis_weights"] = c.map_loss.axis;
  json scorer = stage_to_json(c.scorer);
  scorer["channels"] = c.scorer_network.channels;
  scorer["sets"] = c.sets;
  scorer["set_size"] = c.set_size;
  scorer["listmle_temperature"] = c.listmle_temperature;
  scorer["rnc"] = c.rnc;
  scorer["rnc_temperature"] = c.rnc_temperature;
  scorer["fidelity"] = c.fidelity;
  scorer["cross_program_sets"] = c.cross_program_sets;
  scorer["difference_channel"] = c.scorer_network.difference_channel;
  if (c.pair_mode != 0) scorer["pair_mode"] = c.pair_mode;  // only when set: older configs keep their bytes
  return {{"method", "relational"},
          {"name", c.name},
          {"seed", c.seed},
          {"crop", c.crop},
          {"checkpoint_every", c.checkpoint_every},
          {"programs",
           {{"p_reference", c.programs.p_reference},
            {"max_axes", c.programs.max_axes},
            {"min_strength", c.programs.min_strength},
            {"axes", c.programs.axes}}},
          {"network", {{"channels", c.network.channels}, {"group_norm", c.network.group_norm},
                       {"energy_channel", c.network.energy_channel},
                       {"block_channel", c.network.block_channel}}},
          {"maps", maps},
          {"scorer", scorer}};
}

void validate_relational_config(const RelationalConfig& c, const std::string& source) {
  auto require = [&](bool ok, const std::string& key, const std::string& problem) {
    if (!ok) throw_usage_error(source, "'" + key + "' " + problem);
  };
  auto check = [&](const std::string& key, auto&& validator) {
    try {
      validator();
    } catch (const Error& e) {
      throw_usage_error(source, "'" + key + "' is invalid: " + e.what());
    }
  };
  check("programs", [&] { validate(c.programs); });
  check("network", [&] { validate(c.network); });
  check("scorer.channels", [&] { validate(c.scorer_network); });
  const int min_crop = 1 << (c.network.channels.size() - 1);
  require(c.crop >= std::max(16, min_crop) && c.crop <= 1024, "crop",
          "must be in [" + std::to_string(std::max(16, min_crop)) + ", 1024] (the U-Net halves it per stage)");
  require(c.checkpoint_every >= 1, "checkpoint_every", "must be at least 1");
  for (const auto& [key, stage] : {std::pair<std::string, const RelationalStage*>{"maps", &c.maps}, {"scorer", &c.scorer}}) {
    const OptimizerConfig& o = stage->optimizer;
    require(stage->steps >= 0 && stage->steps <= 1000000000, key + ".steps", "must be in [0, 1e9]");
    require(o.lr > 0 && o.min_lr >= 0 && o.min_lr <= o.lr, key, "needs lr > 0 and 0 <= min_lr <= lr");
    require(o.weight_decay >= 0, key + ".weight_decay", "must be non-negative");
    require(o.warmup_steps >= 0 && o.warmup_steps <= std::max<std::int64_t>(stage->steps, 0), key + ".warmup_steps",
            "must be in [0, steps]");
    require(o.clip_grad_norm >= 0, key + ".clip_grad_norm", "must be non-negative (0 = no clipping)");
  }
  require(c.total_steps() >= 1, "maps.steps", "and scorer.steps must not both be 0");
  require(c.triplets >= 1 && c.triplets <= 256, "maps.triplets", "must be in [1, 256]");
  require(c.map_loss.leak >= 0 && c.map_loss.type >= 0 && c.cycle >= 0, "maps", "loss weights must be non-negative");
  require(c.map_loss.axis.empty() || c.map_loss.axis.size() == std::size_t(kRelationalAxes), "maps.axis_weights",
          "must have one weight per axis (" + std::to_string(kRelationalAxes) + ")");
  require(c.map_loss.none_threshold > 0 && c.map_loss.none_threshold < 1, "maps.none_threshold", "must be in (0, 1)");
  require(c.sets >= 1 && c.sets <= 256, "scorer.sets", "must be in [1, 256]");
  const int nested_limit = 1 + static_cast<int>(c.programs.axes.size());
  require(c.set_size >= 2 && c.set_size <= std::min(8, nested_limit), "scorer.set_size",
          "must be in [2, " + std::to_string(std::min(8, nested_limit)) +
              "] (a nested set adds one new axis per image)");
  require(c.listmle_temperature > 0 && c.rnc_temperature > 0, "scorer", "temperatures must be positive");
  require(c.rnc >= 0 && c.fidelity >= 0 && c.pair_mode >= 0, "scorer", "loss weights must be non-negative");
  require(c.pair_mode == 0 || c.set_size >= 3, "scorer.pair_mode", "needs set_size >= 3 (two distorted images a set)");
}

std::vector<RankedSetKind> ranked_set_kinds(const RelationalConfig& c) {
  std::vector<RankedSetKind> kinds = {RankedSetKind::kMonotoneStrength, RankedSetKind::kNested};
  if (c.cross_program_sets) kinds.push_back(RankedSetKind::kCrossProgram);
  return kinds;
}

}  // namespace shamisa
