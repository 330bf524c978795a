// The seeded random source every protocol part takes instead of reading entropy itself.
//
// xoshiro256** seeded through splitmix64: fast, good statistical quality, and the same
// sequence on every platform, which is what makes a sim run a pure function of its seed.
#pragma once

#include <cmath>
#include <cstdint>

namespace wirelab {

class SeededRandom {
 public:
  explicit SeededRandom(std::uint64_t seed) {
    std::uint64_t x = seed;
    for (auto& word : state_) word = splitmix64(x);
  }

  std::uint64_t next_u64() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 bits of precision.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

  // Uniform integer in [0, bound); bound > 0. Lemire's multiply-shift, bias negligible here.
  std::uint64_t below(std::uint64_t bound) {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next_u64()) * bound) >> 64);
  }

  bool bernoulli(double p) { return uniform() < p; }

  double exponential(double mean) { return -mean * std::log1p(-uniform()); }

  // An independent stream derived from this one (for sub-components that must not perturb
  // each other's sequences when one of them draws more or fewer numbers).
  SeededRandom fork() { return SeededRandom(next_u64()); }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix64(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t state_[4];
};

}  // namespace wirelab
