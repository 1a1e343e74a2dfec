#include "shamisa/composition.h"

#include <algorithm>
#include <numeric>

#include <nlohmann/json.hpp>

#include "shamisa/error.h"

namespace shamisa {

std::vector<DistortionStep> Composition::chain(int level) const {
  std::vector<DistortionStep> steps = base;
  steps[variable_slot].severity = variable_levels.at(level);
  return steps;
}

Composition sample_composition(Rng& rng, const CompositionOptions& options) {
  const auto& groups = distortion_groups();
  const int group_count = static_cast<int>(groups.size());
  if (options.max_distortions < 1 || options.max_distortions > group_count)
    throw_usage_error("--max-distortions", "must be in 1.." + std::to_string(group_count));
  if (options.levels < 1) throw_usage_error("--levels", "must be at least 1");

  const int n = rng.uniform_int(1, options.max_distortions);
  // random.sample(groups, n): a partial Fisher-Yates shuffle; its order is the application order.
  std::vector<int> order(group_count);
  std::iota(order.begin(), order.end(), 0);
  for (int i = 0; i < n; ++i) std::swap(order[i], order[rng.uniform_int(i, group_count - 1)]);
  order.resize(n);
  if (options.fixed_order) std::sort(order.begin(), order.end());

  Composition composition;
  for (int g : order) {
    std::vector<const DistortionType*> members;
    for (const auto& type : distortion_registry())
      if (type.group == groups[g]) members.push_back(&type);
    const DistortionType* type = members[rng.uniform_int(0, static_cast<int>(members.size()) - 1)];
    composition.base.push_back({type, sample_severity(*type, rng, options.distribution)});
  }
  composition.variable_slot = rng.uniform_int(0, n - 1);
  const DistortionType& variable = *composition.base[composition.variable_slot].type;
  for (int l = 0; l < options.levels; ++l)
    composition.variable_levels.push_back(sample_severity(variable, rng, options.distribution));
  return composition;
}

std::vector<cv::Mat> render_levels(const cv::Mat& rgb, const Composition& composition, Rng& rng) {
  cv::Mat prefix = rgb;
  for (int i = 0; i < composition.variable_slot; ++i) prefix = apply_step(prefix, composition.base[i], rng);
  std::vector<cv::Mat> out;
  for (int l = 0; l < composition.levels(); ++l) {
    const std::vector<DistortionStep> steps = composition.chain(l);
    cv::Mat current = prefix;
    for (int i = composition.variable_slot; i < composition.size(); ++i) current = apply_step(current, steps[i], rng);
    out.push_back(current);
  }
  return out;
}

nlohmann::json composition_to_json(const Composition& composition) {
  const int slots = static_cast<int>(distortion_groups().size());
  nlohmann::json types = nlohmann::json::array(), groups = nlohmann::json::array(), levels = nlohmann::json::array();
  for (const auto& step : composition.base) {
    types.push_back(step.type->name);
    groups.push_back(step.type->group);
  }
  for (int l = 0; l < composition.levels(); ++l) {
    std::vector<double> indices(slots, -1.0), values(slots, -1.0);
    const auto steps = composition.chain(l);
    for (int i = 0; i < composition.size(); ++i) {
      indices[i] = steps[i].severity.index;
      values[i] = steps[i].severity.value;
    }
    levels.push_back({{"severity_indices", indices}, {"values", values}});
  }
  return {{"num_distortions", composition.size()}, {"variable_slot", composition.variable_slot},
          {"types", types}, {"groups", groups}, {"levels", levels}};
}

}  // namespace shamisa
