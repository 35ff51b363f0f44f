// FNV-1a hashes: stable across platforms and runs (unlike std::hash), used for trace
// hashes, handles and fingerprints.
#pragma once

#include <cstdint>
#include <string_view>

namespace shapesim {

constexpr uint64_t kFnv64Offset = 0xcbf29ce484222325ull;
constexpr uint32_t kFnv32Offset = 0x811c9dc5u;

constexpr uint64_t fnv1a64(std::string_view bytes, uint64_t h = kFnv64Offset) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

constexpr uint32_t fnv1a32(std::string_view bytes, uint32_t h = kFnv32Offset) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x01000193u;
  }
  return h;
}

}  // namespace shapesim
