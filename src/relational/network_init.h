// Initialisation shared by the relational networks (map network and scorer).
#ifndef SHAMISA_RELATIONAL_NETWORK_INIT_H_
#define SHAMISA_RELATIONAL_NETWORK_INIT_H_

#include <cstdint>

#include <torch/torch.h>

namespace shamisa {

// Draws every 4-D (convolution) weight He-normal on its fan-in from a generator seeded with
// `seed`, in parameter order, and zeroes every bias; other parameters (GroupNorm weights) keep
// their value. The result does not depend on the global torch generator.
void init_convolutions(torch::nn::Module& module, std::uint64_t seed);

}  // namespace shamisa

#endif  // SHAMISA_RELATIONAL_NETWORK_INIT_H_
