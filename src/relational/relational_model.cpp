// The relational map network and its loss; see include/shamisa/relational_model.h.
#include "shamisa/relational_model.h"

#include <cmath>
#include <string>

#include "shamisa/error.h"
#include "relational/network_init.h"

namespace shamisa {
namespace nn = torch::nn;
namespace {

// Appends conv3x3 (optionally strided) -> GroupNorm -> SiLU. GroupNorm normalises each sample on
// its own, so the two orders of a pair never influence each other inside the batch.
void add_conv_block(nn::Sequential& s, int in, int out, int stride, bool group_norm) {
  s->push_back(nn::Conv2d(nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(!group_norm)));
  if (group_norm) s->push_back(nn::GroupNorm(nn::GroupNormOptions(std::min(8, out), out)));
  s->push_back(nn::SiLU());
}

// BT.601 luma of [N, 3, H, W] RGB: [N, 1, H, W].
torch::Tensor luma(const torch::Tensor& rgb) {
  const torch::Tensor w = torch::tensor({0.299f, 0.587f, 0.114f}, rgb.options()).view({1, 3, 1, 1});
  return (rgb * w).sum(1, true);
}

// Mean over 24 x 24 windows, output the size of the input (windows overhang by 12 before and 11
// after; replicated edges). 24 = 3 block widths, so each phase has the same share of any window.
torch::Tensor window_mean_24(const torch::Tensor& x) {
  namespace F = torch::nn::functional;
  return F::avg_pool2d(F::pad(x, F::PadFuncOptions({12, 11, 12, 11}).mode(torch::kReplicate)),
                       F::AvgPool2dFuncOptions(24).stride(1));
}

// Grid excess along the last dimension of the step magnitudes `steps` [N, 1, H, W].
torch::Tensor grid_excess(const torch::Tensor& steps) {
  const std::int64_t width = steps.size(3);
  const torch::Tensor phase = torch::arange(width, steps.options()).remainder(8).view({1, 1, 1, width});
  std::vector<torch::Tensor> phases;
  for (int p = 0; p < 8; ++p) {
    phases.push_back(8.0 * window_mean_24(steps * (phase == p).to(steps.dtype())));
  }
  const torch::Tensor all = torch::cat(phases, 1);  // [N, 8, H, W]
  return std::get<0>(all.max(1, true)) - all.mean(1, true);
}

}  // namespace

void init_convolutions(torch::nn::Module& module, std::uint64_t seed) {
  torch::NoGradGuard no_grad;
  at::Generator gen = at::detail::createCPUGenerator(seed);
  for (auto& p : module.named_parameters()) {
    torch::Tensor w = p.value();
    const std::string& name = p.key();
    if (w.dim() == 4) {
      const double fan_in = static_cast<double>(w.size(1) * w.size(2) * w.size(3));
      w.normal_(0.0, std::sqrt(2.0 / fan_in), gen);
    } else if (name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0) {
      w.zero_();
    }
  }
}

torch::Tensor local_energy(const torch::Tensor& rgb) {
  // Luma, its 4-neighbour Laplacian (replicated edges), squared and averaged over 9 x 9, then the
  // square root: a local RMS of fine detail, ~0.01-0.3 on photographs.
  const torch::Tensor y = luma(rgb);
  const torch::Tensor k = torch::tensor({0.f, 1.f, 0.f, 1.f, -4.f, 1.f, 0.f, 1.f, 0.f}, rgb.options()).view({1, 1, 3, 3});
  namespace F = torch::nn::functional;
  const torch::Tensor lap = torch::conv2d(F::pad(y, F::PadFuncOptions({1, 1, 1, 1}).mode(torch::kReplicate)), k);
  const torch::Tensor mean_sq = F::avg_pool2d(F::pad(lap.pow(2), F::PadFuncOptions({4, 4, 4, 4}).mode(torch::kReplicate)),
                                              F::AvgPool2dFuncOptions(9).stride(1));
  return torch::sqrt(mean_sq + 1e-8);
}

torch::Tensor block_energy(const torch::Tensor& rgb) {
  namespace F = torch::nn::functional;
  const torch::Tensor y = luma(rgb);
  // |y(x + 1) - y(x)| at column x (the last column repeats its neighbour), and likewise by rows.
  const torch::Tensor dx = F::pad((y.slice(3, 1) - y.slice(3, 0, -1)).abs(),
                                  F::PadFuncOptions({0, 1, 0, 0}).mode(torch::kReplicate));
  const torch::Tensor dy = F::pad((y.slice(2, 1) - y.slice(2, 0, -1)).abs(),
                                  F::PadFuncOptions({0, 0, 0, 1}).mode(torch::kReplicate));
  return grid_excess(dx) + grid_excess(dy.transpose(2, 3)).transpose(2, 3);
}

void validate(const MapNetworkConfig& c) {
  if (c.axes < 1 || c.axes > 64) throw_usage_error("relational axes", "must be in [1, 64]");
  if (c.channels.size() < 2 || c.channels.size() > 6) throw_usage_error("relational channels", "needs 2 to 6 stages");
  for (int ch : c.channels) {
    if (ch < 8 || ch > 1024 || ch % 8 != 0) throw_usage_error("relational channels", "each must be a multiple of 8 in [8, 1024]");
  }
}

MapNetworkImpl::MapNetworkImpl(const MapNetworkConfig& config, std::uint64_t seed) : config_(config) {
  validate(config);
  const std::vector<int>& ch = config.channels;
  const int stages = static_cast<int>(ch.size());
  // Encoder: stage 0 at full size from the pair (3 channels per image, plus the energy and block
  // channels when on), each later stage strided by 2.
  for (int s = 0; s < stages; ++s) {
    nn::Sequential stage;
    const int inputs = 2 * (3 + (config.energy_channel ? 1 : 0) + (config.block_channel ? 1 : 0));
    add_conv_block(stage, s == 0 ? inputs : ch[std::size_t(s - 1)], ch[std::size_t(s)], s == 0 ? 1 : 2, config.group_norm);
    add_conv_block(stage, ch[std::size_t(s)], ch[std::size_t(s)], 1, config.group_norm);
    down_.push_back(register_module("down" + std::to_string(s), stage));
  }
  // Decoder: upsample, concatenate the skip, one block per stage back to full size.
  for (int s = stages - 2; s >= 0; --s) {
    nn::Sequential block;
    add_conv_block(block, ch[std::size_t(s + 1)] + ch[std::size_t(s)], ch[std::size_t(s)], 1, config.group_norm);
    up_.push_back(register_module("up" + std::to_string(s), block));
  }
  // K channels for h (made odd below) and K + 1 for t (made even).
  head_ = register_module("head", nn::Conv2d(nn::Conv2dOptions(ch[0], 2 * config.axes + 1, 1)));

  init_convolutions(*this, seed);
}

torch::Tensor MapNetworkImpl::trunk(const torch::Tensor& x) {
  std::vector<torch::Tensor> skips;
  torch::Tensor y = x;
  for (auto& stage : down_) {
    y = stage->forward(y);
    skips.push_back(y);
  }
  for (std::size_t i = 0; i < up_.size(); ++i) {
    const torch::Tensor& skip = skips[skips.size() - 2 - i];
    y = torch::nn::functional::interpolate(
        y, torch::nn::functional::InterpolateFuncOptions()
               .size(std::vector<int64_t>{skip.size(2), skip.size(3)})
               .mode(torch::kBilinear)
               .align_corners(false));
    y = up_[i]->forward(torch::cat({y, skip}, 1));
  }
  return head_->forward(y);
}

MapOutput MapNetworkImpl::forward(const torch::Tensor& a, const torch::Tensor& b) {
  if (a.dim() != 4 || a.size(1) != 3 || !a.sizes().equals(b.sizes())) {
    throw_usage_error("relational pair", "needs two [N, 3, H, W] tensors of one shape");
  }
  const int64_t min_side = int64_t(1) << (config_.channels.size() - 1);
  if (a.size(2) < min_side || a.size(3) < min_side) {
    throw_usage_error("relational pair", "images must be at least " + std::to_string(min_side) + " pixels on each side");
  }
  const int64_t n = a.size(0);
  const int k = config_.axes;
  // Centred inputs; both orders in one batch of 2N.
  // Each image with its optional input channels (energy, block); then both orders of the pair.
  auto with_input_channels = [&](const torch::Tensor& x) {
    std::vector<torch::Tensor> channels = {x - 0.5};
    if (config_.energy_channel) channels.push_back(local_energy(x));
    if (config_.block_channel) channels.push_back(block_energy(x));
    return torch::cat(channels, 1);
  };
  const torch::Tensor xa = with_input_channels(a), xb = with_input_channels(b);
  const torch::Tensor ab = torch::cat({xa, xb}, 1);
  const torch::Tensor ba = torch::cat({xb, xa}, 1);
  const torch::Tensor out = trunk(torch::cat({ab, ba}, 0));
  const torch::Tensor h_ab = out.slice(0, 0, n), h_ba = out.slice(0, n, 2 * n);
  MapOutput result;
  // tanh is odd, so it keeps the difference anti-symmetric; the identity pair gives exactly 0.
  result.maps = torch::tanh(0.5 * (h_ab.slice(1, 0, k) - h_ba.slice(1, 0, k)));
  result.type_logits = 0.5 * (h_ab.slice(1, k, 2 * k + 1) + h_ba.slice(1, k, 2 * k + 1));
  return result;
}

torch::Tensor type_classes(const torch::Tensor& targets, double none_threshold) {
  const auto [max_abs, axis] = targets.abs().max(1);
  return torch::where(max_abs < none_threshold, torch::zeros_like(axis), axis + 1);
}

MapLossTerms map_loss(const MapOutput& out, const torch::Tensor& targets, const MapLossWeights& w) {
  if (!out.maps.sizes().equals(targets.sizes())) throw_usage_error("map loss", "maps and targets differ in shape");
  const int64_t k = targets.size(1);
  if (!w.axis.empty() && static_cast<int64_t>(w.axis.size()) != k) {
    throw_usage_error("map loss", "axis weights must have one entry per axis");
  }
  // Per-axis mean SmoothL1 (beta 1), weighted and summed over axes.
  torch::Tensor per_axis = torch::smooth_l1_loss(out.maps, targets, torch::Reduction::None).mean({0, 2, 3});
  if (!w.axis.empty()) per_axis = per_axis * torch::tensor(w.axis, per_axis.options());
  const torch::Tensor regression = per_axis.sum();
  const torch::Tensor leak = (out.maps.abs() * (targets == 0).to(out.maps.dtype())).mean();
  const torch::Tensor type = torch::nn::functional::cross_entropy(out.type_logits, type_classes(targets, w.none_threshold));
  MapLossTerms terms;
  terms.total = regression + w.leak * leak + w.type * type;
  terms.regression = regression.item<double>();
  terms.leak = leak.item<double>();
  terms.type = type.item<double>();
  return terms;
}

torch::Tensor cycle_loss(const torch::Tensor& g_ac, const torch::Tensor& g_ab, const torch::Tensor& g_bc) {
  return (g_ac - (g_ab + g_bc)).abs().mean();
}

}  // namespace shamisa
