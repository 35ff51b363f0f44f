// Random: the one seeded generator (xoshiro256**), with our own distributions so a seed
// gives the same draws with every standard library. The cores and the simulator draw only
// from here: no <random> distributions, no nondeterministic seeding.
//
//   Random rng(42);
//   Random net = rng.stream(7);          // an independent per-node stream
//   uint64_t die = rng.uniform(1, 6);    // inclusive bounds
//   bool lost = rng.bernoulli(0.01);
#pragma once

#include <cstddef>
#include <cstdint>

namespace shapesim {

class Random {
 public:
  explicit Random(uint64_t seed);
  // A generator whose draws are steered by `data` (a fuzzer's input): each draw takes its top
  // 16 bits from the next two bytes, the rest from a generator seeded by the bytes; when the
  // bytes run out it goes on as that generator. The bytes must outlive the draws.
  static Random driven_by(const uint8_t* data, size_t size);

  uint64_t next_u64();
  // Uniform in [lo, hi] (inclusive), unbiased (Lemire's multiply-and-reject).
  uint64_t uniform(uint64_t lo, uint64_t hi);
  // Uniform in [0, 1) with 53 random bits.
  double uniform_unit();
  bool bernoulli(double p);
  // Exponential with the given mean (inverse transform). Uses std::log: deterministic on one
  // platform and libm; documented as such.
  double exponential(double mean);

  // An independent generator derived from this generator's seed and `stream_id`; does not
  // consume draws from this generator, so adding a stream never perturbs the others.
  Random stream(uint64_t stream_id) const;
  uint64_t seed() const { return seed_; }

 private:
  uint64_t seed_;
  uint64_t s_[4];
  const uint8_t* bytes_ = nullptr;  // driven_by: what is left of the steering bytes
  size_t bytes_left_ = 0;
};

// SplitMix64 step: used to expand seeds.
uint64_t splitmix64(uint64_t& state);

}  // namespace shapesim
