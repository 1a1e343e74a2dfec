// A small, portable, deterministic random-number generator.
//
// The standard library's distributions are implementation-defined (libstdc++ and libc++ give
// different normals from the same engine), so shamisa draws everything through this class:
// xoshiro256** seeded by splitmix64, with its own uniform, integer and normal draws. The same seed
// gives the same numbers on every platform and with any thread count, as long as each thread
// works on its own Rng (see stream()).
#ifndef SHAMISA_RNG_H_
#define SHAMISA_RNG_H_

#include <array>
#include <cstdint>
#include <initializer_list>

namespace shamisa {

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0);

  // An independent generator for sub-stream `ids` of `seed`, e.g. Rng::stream(seed, {image, slot}):
  // how parallel work stays deterministic whatever the scheduling.
  static Rng stream(std::uint64_t seed, std::initializer_list<std::uint64_t> ids);

  std::uint64_t next_u64();
  double uniform();                        // [0, 1), 53-bit resolution
  double uniform(double lo, double hi);    // [lo, hi)
  int uniform_int(int lo, int hi);         // inclusive of both ends; unbiased
  double normal();                         // standard normal (Marsaglia's polar method)
  double normal(double mean, double stddev);

 private:
  std::array<std::uint64_t, 4> state_{};
  bool has_spare_normal_ = false;
  double spare_normal_ = 0.0;
};

}  // namespace shamisa

#endif  // SHAMISA_RNG_H_
