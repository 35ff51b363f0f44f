#include "reference/common/random.h"

#include <cmath>

namespace shapesim {

namespace {
inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

Random::Random(uint64_t seed) : seed_(seed) {
  uint64_t st = seed;
  for (auto& s : s_) s = splitmix64(st);
}

Random Random::driven_by(const uint8_t* data, size_t size) {
  uint64_t h = 0x6a09e667f3bcc909ull ^ size;  // FNV-1a-style fold of the bytes: the tail's seed
  for (size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 0x100000001b3ull;
  Random r(h);
  r.bytes_ = data;
  r.bytes_left_ = size;
  return r;
}

uint64_t Random::next_u64() {
  if (bytes_left_ > 0) [[unlikely]] {
    uint64_t top = static_cast<uint64_t>(bytes_[0]) << 8;
    size_t used = 1;
    if (bytes_left_ > 1) {
      top |= bytes_[1];
      used = 2;
    }
    size_t left = bytes_left_ - used;
    bytes_ += used;
    bytes_left_ = 0;  // the low bits come from the generator itself
    uint64_t low = next_u64() & 0x0000ffffffffffffull;
    bytes_left_ = left;
    return (top << 48) | low;
  }
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

uint64_t Random::uniform(uint64_t lo, uint64_t hi) {
  if (hi <= lo) return lo;
  uint64_t range = hi - lo;
  if (range == UINT64_MAX) return next_u64();
  uint64_t n = range + 1;
  // Lemire: map a 64-bit draw into [0, n) with a 128-bit product, rejecting the biased tail.
  unsigned __int128 m = static_cast<unsigned __int128>(next_u64()) * n;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < n) {
    uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<unsigned __int128>(next_u64()) * n;
      low = static_cast<uint64_t>(m);
    }
  }
  return lo + static_cast<uint64_t>(m >> 64);
}

double Random::uniform_unit() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

bool Random::bernoulli(double p) {
  if (p <= 0) return false;
  if (p >= 1) return true;
  return uniform_unit() < p;
}

double Random::exponential(double mean) {
  if (mean <= 0) return 0;
  return -std::log(1.0 - uniform_unit()) * mean;
}

Random Random::stream(uint64_t stream_id) const {
  uint64_t st = seed_ ^ (stream_id * 0xd1b54a32d192ed03ull + 0x8bb84b93962eacc9ull);
  return Random(splitmix64(st));
}

}  // namespace shapesim
