// The SHAMISA networks (METHOD-SHAMISA.md section 6): a torchvision-compatible ResNet encoder
// without its fc layer, the VICReg projector and the weight-normalised prototype head.
//
// Parameter and buffer names equal torchvision's state_dict names ("conv1.weight",
// "layer1.0.downsample.1.running_var", "bn1.num_batches_tracked", ...), so that a state_dict
// exported from Python to a safetensors file (docs/encoder.md) loads with
// load_torchvision_weights().
#ifndef SHAMISA_ENCODER_H_
#define SHAMISA_ENCODER_H_

#include <cstdint>
#include <string>

#include <torch/torch.h>

#include "shamisa/tensor_archive.h"

namespace shamisa {

struct EncoderConfig {
  int depth = 50;       // 18 or 34 (BasicBlock) or 50 (Bottleneck, expansion 4)
  double width = 1.0;   // stage widths 64w, 128w, 256w, 512w (w in {0.25, 0.5, 1, ...})
};

// Throws a usage error unless depth is 18, 34 or 50 and every scaled width is a positive integer.
void validate_encoder_config(const EncoderConfig& config);

// Dimension of the pooled feature h: 512·w for ResNet-18/34, 2048·w for ResNet-50.
int encoder_feature_dim(const EncoderConfig& config);

// Multiply-accumulates of one forward pass over an H×W image: the convolutions only (including
// the downsample ones; BatchNorm, ReLU, pooling and additions are a few percent more), counted
// from the architecture. ResNet-50 at 224×224 gives 4.09 G and ResNet-18 1.81 G, the figures
// torchvision publishes. Training costs about 3× this per image (forward, and backward for
// inputs and weights); FLOPs = 2 × MACs.
double encoder_forward_macs(const EncoderConfig& config, int height, int width);

// ResNet v1.5 (stride on the 3x3 convolution of the Bottleneck, as torchvision) ending in global
// average pooling. Construction is deterministic: weights come from a private generator seeded
// with `seed` (torchvision's init: kaiming_normal fan_out/relu for convolutions, BatchNorm
// weight 1 and bias 0); the result does not depend on the global torch RNG.
class ResNetEncoderImpl : public torch::nn::Module {
 public:
  explicit ResNetEncoderImpl(const EncoderConfig& config = EncoderConfig(),
                             std::uint64_t seed = 0);

  // x: N×3×H×W → pooled features h: N×feature_dim().
  torch::Tensor forward(torch::Tensor x);
  // L2-normalised h (each row has unit Euclidean norm).
  torch::Tensor forward_normalized(torch::Tensor x);

  int feature_dim() const { return feature_dim_; }
  const EncoderConfig& config() const { return config_; }

 private:
  EncoderConfig config_;
  int feature_dim_ = 0;
  torch::nn::Conv2d conv1{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr};
  torch::nn::Sequential layer1{nullptr}, layer2{nullptr}, layer3{nullptr}, layer4{nullptr};
};
TORCH_MODULE(ResNetEncoder);

// Loads a torchvision ResNet state_dict (fc.* entries are ignored). Any missing, unexpected or
// shape-mismatched tensor gives one model error listing them all; `source` names the archive.
// Values are converted to the module's dtype.
void load_torchvision_weights(ResNetEncoder& encoder, const TensorArchive& archive,
                              const std::string& source = "encoder weights");
// Reads a safetensors file and loads it as above.
void load_torchvision_weights_file(ResNetEncoder& encoder, const std::string& path);

// The encoder's parameters and buffers under their torchvision names (copies, on the CPU).
TensorArchive export_torchvision_weights(const ResNetEncoder& encoder);

// Projector g: Linear(in→hidden) → ReLU → Linear(hidden→out) (paper: 2048→3072→768), no
// BatchNorm. Parameters "0.weight", "0.bias", "2.weight", "2.bias" (nn.Sequential names).
// With batch_norm (VICReg's own projector; not the paper's): Linear → BatchNorm1d → ReLU → Linear,
// named "0", "1", "3". It standardises the hidden layer over the step's nodes, so z spreads even
// when a randomly initialised encoder gives nearly parallel h. With output_batch_norm, z itself
// goes through a BatchNorm1d without affine parameters (the next index): every column of z then
// has unit spread over the step, so the loss cannot be lowered by shrinking z as a whole.
// Init as PyTorch's nn.Linear: weight and bias U(±1/√fan_in), from a generator seeded with seed.
// first_layer_gain multiplies the first layer's initial weights and bias (1 = PyTorch). Its input
// h is L2-normalised, so its entries are about 1/√in_dim and the default init gives z a standard
// deviation near 0.02; a gain of about √in_dim starts z near the variance term's target scale.
class ProjectorImpl : public torch::nn::Module {
 public:
  ProjectorImpl(int in_dim, int hidden_dim = 3072, int out_dim = 768, std::uint64_t seed = 0,
                double first_layer_gain = 1.0, bool batch_norm = false, bool output_batch_norm = false);
  torch::Tensor forward(torch::Tensor h);

 private:
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  torch::nn::BatchNorm1d bn{nullptr};      // only with batch_norm
  torch::nn::BatchNorm1d out_bn{nullptr};  // only with output_batch_norm
};
TORCH_MODULE(Projector);

// Prototype head: bias-free Linear(in→prototypes) with weight normalisation along dim 0, i.e.
// w[k] = g[k] · v[k] / ‖v[k]‖ per output row. Parameters "weight_g" (prototypes×1) and
// "weight_v" (prototypes×in), as torch.nn.utils.weight_norm names them. v is initialised
// U(±1/√in) and g = ‖v[k]‖, so the initial effective weight equals v.
class PrototypeHeadImpl : public torch::nn::Module {
 public:
  PrototypeHeadImpl(int in_dim, int prototypes = 32, std::uint64_t seed = 0);
  torch::Tensor forward(torch::Tensor x);
  // The effective weight g · v/‖v‖ (prototypes×in).
  torch::Tensor weight() const;

 private:
  torch::Tensor weight_g, weight_v;
};
TORCH_MODULE(PrototypeHead);

}  // namespace shamisa

#endif  // SHAMISA_ENCODER_H_
