// ResNet encoder, projector and prototype head (see include/shamisa/encoder.h).
#include "shamisa/encoder.h"

#include <cmath>
#include <set>
#include <sstream>
#include <vector>

#include <ATen/CPUGeneratorImpl.h>

#include "shamisa/error.h"

namespace shamisa {
namespace {

namespace nn = torch::nn;

nn::Conv2d conv(int in, int out, int kernel, int stride, int padding) {
  return nn::Conv2d(
      nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).bias(false));
}

// torchvision BasicBlock (expansion 1).
class BasicBlockImpl : public nn::Module {
 public:
  BasicBlockImpl(int inplanes, int planes, int stride, bool with_downsample) {
    conv1 = register_module("conv1", conv(inplanes, planes, 3, stride, 1));
    bn1 = register_module("bn1", nn::BatchNorm2d(planes));
    conv2 = register_module("conv2", conv(planes, planes, 3, 1, 1));
    bn2 = register_module("bn2", nn::BatchNorm2d(planes));
    if (with_downsample) {
      downsample = register_module(
          "downsample", nn::Sequential(conv(inplanes, planes, 1, stride, 0), nn::BatchNorm2d(planes)));
    }
  }
  torch::Tensor forward(torch::Tensor x) {
    torch::Tensor identity = downsample ? downsample->forward(x) : x;
    torch::Tensor out = torch::relu(bn1->forward(conv1->forward(x)));
    out = bn2->forward(conv2->forward(out));
    return torch::relu(out + identity);
  }

 private:
  nn::Conv2d conv1{nullptr}, conv2{nullptr};
  nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
  nn::Sequential downsample{nullptr};
};
TORCH_MODULE(BasicBlock);

// torchvision Bottleneck (expansion 4, stride on the 3x3 convolution: ResNet v1.5).
class BottleneckImpl : public nn::Module {
 public:
  BottleneckImpl(int inplanes, int planes, int stride, bool with_downsample) {
    conv1 = register_module("conv1", conv(inplanes, planes, 1, 1, 0));
    bn1 = register_module("bn1", nn::BatchNorm2d(planes));
    conv2 = register_module("conv2", conv(planes, planes, 3, stride, 1));
    bn2 = register_module("bn2", nn::BatchNorm2d(planes));
    conv3 = register_module("conv3", conv(planes, planes * 4, 1, 1, 0));
    bn3 = register_module("bn3", nn::BatchNorm2d(planes * 4));
    if (with_downsample) {
      downsample = register_module(
          "downsample",
          nn::Sequential(conv(inplanes, planes * 4, 1, stride, 0), nn::BatchNorm2d(planes * 4)));
    }
  }
  torch::Tensor forward(torch::Tensor x) {
    torch::Tensor identity = downsample ? downsample->forward(x) : x;
    torch::Tensor out = torch::relu(bn1->forward(conv1->forward(x)));
    out = torch::relu(bn2->forward(conv2->forward(out)));
    out = bn3->forward(conv3->forward(out));
    return torch::relu(out + identity);
  }

 private:
  nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
  nn::Sequential downsample{nullptr};
};
TORCH_MODULE(Bottleneck);

std::vector<int> blocks_per_stage(int depth) {
  switch (depth) {
    case 18: return {2, 2, 2, 2};
    case 34: return {3, 4, 6, 3};
    case 50: return {3, 4, 6, 3};
    default: return {};
  }
}

int scaled_width(int base, double width) {
  return static_cast<int>(std::lround(base * width));
}

at::Generator make_generator(std::uint64_t seed) { return at::detail::createCPUGenerator(seed); }

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string shape_string(at::IntArrayRef sizes) {
  std::ostringstream os;
  os << sizes;
  return os.str();
}

}  // namespace

void validate_encoder_config(const EncoderConfig& config) {
  if (blocks_per_stage(config.depth).empty()) {
    throw_usage_error("encoder depth " + std::to_string(config.depth),
                      "must be 18, 34 or 50");
  }
  const double w64 = 64.0 * config.width;
  if (!(config.width > 0) || !std::isfinite(config.width) || std::lround(w64) < 1 ||
      std::fabs(w64 - std::round(w64)) > 1e-9) {
    std::ostringstream os;
    os << "encoder width " << config.width;
    throw_usage_error(os.str(), "must be positive and make 64·width an integer");
  }
}

int encoder_feature_dim(const EncoderConfig& config) {
  validate_encoder_config(config);
  return scaled_width(512, config.width) * (config.depth == 50 ? 4 : 1);
}

double encoder_forward_macs(const EncoderConfig& config, int height, int width) {
  validate_encoder_config(config);
  // Output size of a convolution or pooling with the given kernel, stride and padding.
  auto out = [](int size, int kernel, int stride, int padding) { return (size + 2 * padding - kernel) / stride + 1; };
  double macs = 0.0;
  auto conv_macs = [&](int in, int out_channels, int kernel, int h, int w) {
    macs += static_cast<double>(in) * out_channels * kernel * kernel * h * w;
  };
  int h = out(height, 7, 2, 3), w = out(width, 7, 2, 3);
  int inplanes = scaled_width(64, config.width);
  conv_macs(3, inplanes, 7, h, w);
  h = out(h, 3, 2, 1);
  w = out(w, 3, 2, 1);
  const bool bottleneck = config.depth == 50;
  const int expansion = bottleneck ? 4 : 1;
  const std::vector<int> blocks = blocks_per_stage(config.depth);
  const int bases[4] = {64, 128, 256, 512};
  for (int s = 0; s < 4; ++s) {
    const int planes = scaled_width(bases[s], config.width);
    for (int b = 0; b < blocks[s]; ++b) {
      const int stride = b == 0 && s > 0 ? 2 : 1;
      const int oh = out(h, 3, stride, 1), ow = out(w, 3, stride, 1);
      if (bottleneck) {
        conv_macs(inplanes, planes, 1, h, w);
        conv_macs(planes, planes, 3, oh, ow);
        conv_macs(planes, planes * expansion, 1, oh, ow);
      } else {
        conv_macs(inplanes, planes, 3, oh, ow);
        conv_macs(planes, planes, 3, oh, ow);
      }
      if (b == 0 && (stride != 1 || inplanes != planes * expansion)) conv_macs(inplanes, planes * expansion, 1, oh, ow);
      inplanes = planes * expansion;
      h = oh;
      w = ow;
    }
  }
  return macs;
}

ResNetEncoderImpl::ResNetEncoderImpl(const EncoderConfig& config, std::uint64_t seed)
    : config_(config) {
  feature_dim_ = encoder_feature_dim(config);
  const bool bottleneck = config.depth == 50;
  const int expansion = bottleneck ? 4 : 1;
  const std::vector<int> blocks = blocks_per_stage(config.depth);
  int inplanes = scaled_width(64, config.width);

  conv1 = register_module("conv1", conv(3, inplanes, 7, 2, 3));
  bn1 = register_module("bn1", nn::BatchNorm2d(inplanes));
  nn::Sequential* stages[4] = {&layer1, &layer2, &layer3, &layer4};
  const int bases[4] = {64, 128, 256, 512};
  for (int s = 0; s < 4; ++s) {
    const int planes = scaled_width(bases[s], config.width);
    const int stride = s == 0 ? 1 : 2;
    nn::Sequential stage;
    for (int b = 0; b < blocks[s]; ++b) {
      const int block_stride = b == 0 ? stride : 1;
      const bool down = b == 0 && (block_stride != 1 || inplanes != planes * expansion);
      if (bottleneck) {
        stage->push_back(Bottleneck(inplanes, planes, block_stride, down));
      } else {
        stage->push_back(BasicBlock(inplanes, planes, block_stride, down));
      }
      inplanes = planes * expansion;
    }
    *stages[s] = register_module("layer" + std::to_string(s + 1), stage);
  }

  // torchvision init from a private generator.
  torch::NoGradGuard no_grad;
  at::Generator gen = make_generator(seed);
  for (auto& item : named_modules("", /*include_self=*/false)) {
    nn::Module& m = *item.value();
    if (auto* c = m.as<nn::Conv2d>()) {
      const auto& w = c->weight;
      const double fan_out = static_cast<double>(w.size(0) * w.size(2) * w.size(3));
      w.normal_(0.0, std::sqrt(2.0) / std::sqrt(fan_out), gen);
    } else if (auto* bn = m.as<nn::BatchNorm2d>()) {
      bn->weight.fill_(1.0);
      bn->bias.fill_(0.0);
    }
  }
}

torch::Tensor ResNetEncoderImpl::forward(torch::Tensor x) {
  x = torch::relu(bn1->forward(conv1->forward(x)));
  x = torch::max_pool2d(x, /*kernel_size=*/3, /*stride=*/2, /*padding=*/1);
  x = layer1->forward(x);
  x = layer2->forward(x);
  x = layer3->forward(x);
  x = layer4->forward(x);
  return torch::adaptive_avg_pool2d(x, {1, 1}).flatten(1);
}

torch::Tensor ResNetEncoderImpl::forward_normalized(torch::Tensor x) {
  return torch::nn::functional::normalize(
      forward(x), torch::nn::functional::NormalizeFuncOptions().p(2).dim(1).eps(1e-12));
}

void load_torchvision_weights(ResNetEncoder& encoder, const TensorArchive& archive,
                              const std::string& source) {
  std::vector<std::pair<std::string, torch::Tensor>> targets;
  for (const auto& p : encoder->named_parameters(true)) targets.emplace_back(p.key(), p.value());
  for (const auto& b : encoder->named_buffers(true)) targets.emplace_back(b.key(), b.value());

  std::set<std::string> expected;
  std::vector<std::string> missing, mismatched, unexpected;
  for (const auto& [name, target] : targets) {
    expected.insert(name);
    auto it = archive.tensors.find(name);
    if (it == archive.tensors.end() || !it->second.defined()) {
      missing.push_back(name);
    } else if (it->second.sizes() != target.sizes()) {
      mismatched.push_back(name + " (file " + shape_string(it->second.sizes()) + ", model " +
                           shape_string(target.sizes()) + ")");
    }
  }
  for (const auto& [name, tensor] : archive.tensors) {
    if (name.rfind("fc.", 0) == 0) continue;
    if (expected.count(name) == 0) unexpected.push_back(name);
  }
  if (!missing.empty() || !mismatched.empty() || !unexpected.empty()) {
    std::string problem = "does not match the ResNet-" + std::to_string(encoder->config().depth) +
                          " encoder:";
    if (!missing.empty()) problem += " missing [" + join(missing) + "]";
    if (!unexpected.empty()) problem += " unexpected [" + join(unexpected) + "]";
    if (!mismatched.empty()) problem += " shape mismatch [" + join(mismatched) + "]";
    throw_model_error(source, problem);
  }
  torch::NoGradGuard no_grad;
  for (auto& [name, target] : targets) {
    const torch::Tensor& src = archive.tensors.at(name);
    if (src.is_floating_point() != target.is_floating_point()) {
      throw_model_error(source, "tensor '" + name + "' has dtype " +
                                    std::string(c10::toString(src.scalar_type())) +
                                    ", expected " +
                                    std::string(c10::toString(target.scalar_type())));
    }
    target.copy_(src.to(target.device(), target.scalar_type()));
  }
}

void load_torchvision_weights_file(ResNetEncoder& encoder, const std::string& path) {
  load_torchvision_weights(encoder, read_tensor_archive(path), path);
}

TensorArchive export_torchvision_weights(const ResNetEncoder& encoder) {
  TensorArchive archive;
  for (const auto& p : encoder->named_parameters(true)) {
    archive.tensors[p.key()] = p.value().detach().to(torch::kCPU).clone();
  }
  for (const auto& b : encoder->named_buffers(true)) {
    archive.tensors[b.key()] = b.value().detach().to(torch::kCPU).clone();
  }
  archive.metadata["format"] = "pt";
  archive.metadata["shamisa.encoder"] = "resnet" + std::to_string(encoder->config().depth);
  std::ostringstream w;
  w << encoder->config().width;
  archive.metadata["shamisa.width"] = w.str();
  return archive;
}

ProjectorImpl::ProjectorImpl(int in_dim, int hidden_dim, int out_dim, std::uint64_t seed,
                             double first_layer_gain, bool batch_norm, bool output_batch_norm) {
  if (in_dim < 1 || hidden_dim < 1 || out_dim < 1) {
    throw_usage_error("projector sizes", "must be positive");
  }
  if (!(first_layer_gain > 0.0) || !std::isfinite(first_layer_gain)) {
    throw_usage_error("projector init gain", "must be a positive finite number");
  }
  nn::Linear l1(in_dim, hidden_dim), l2(hidden_dim, out_dim);
  torch::NoGradGuard no_grad;
  at::Generator gen = make_generator(seed);
  for (nn::Linear* l : {&l1, &l2}) {
    const double bound = 1.0 / std::sqrt(static_cast<double>((*l)->weight.size(1)));
    (*l)->weight.uniform_(-bound, bound, gen);
    (*l)->bias.uniform_(-bound, bound, gen);
  }
  if (first_layer_gain != 1.0) {
    l1->weight.mul_(first_layer_gain);
    l1->bias.mul_(first_layer_gain);
  }
  int index = 0;
  auto next = [&index] { return std::to_string(index++); };
  fc1 = register_module(next(), l1);
  if (batch_norm) bn = register_module(next(), nn::BatchNorm1d(hidden_dim));
  register_module(next(), nn::ReLU());
  fc2 = register_module(next(), l2);
  if (output_batch_norm) {
    out_bn = register_module(next(), nn::BatchNorm1d(nn::BatchNorm1dOptions(out_dim).affine(false)));
  }
}

torch::Tensor ProjectorImpl::forward(torch::Tensor h) {
  torch::Tensor x = fc1->forward(h);
  if (bn) x = bn->forward(x);
  torch::Tensor z = fc2->forward(torch::relu(x));
  return out_bn ? out_bn->forward(z) : z;
}

PrototypeHeadImpl::PrototypeHeadImpl(int in_dim, int prototypes, std::uint64_t seed) {
  if (in_dim < 1 || prototypes < 1) throw_usage_error("prototype head sizes", "must be positive");
  torch::NoGradGuard no_grad;
  at::Generator gen = make_generator(seed);
  const double bound = 1.0 / std::sqrt(static_cast<double>(in_dim));
  torch::Tensor v = torch::empty({prototypes, in_dim}).uniform_(-bound, bound, gen);
  torch::Tensor g = v.norm(2, /*dim=*/1, /*keepdim=*/true);
  weight_g = register_parameter("weight_g", g);
  weight_v = register_parameter("weight_v", v);
}

torch::Tensor PrototypeHeadImpl::weight() const {
  return weight_g * weight_v / weight_v.norm(2, /*dim=*/1, /*keepdim=*/true);
}

torch::Tensor PrototypeHeadImpl::forward(torch::Tensor x) {
  return torch::matmul(x, weight().t());
}

}  // namespace shamisa
