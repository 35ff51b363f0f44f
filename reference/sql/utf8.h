// UTF-8 helpers for character (code point) semantics, as PostgreSQL counts characters.
#pragma once

#include <cstddef>

namespace shapesim::sql {

// Bytes in the UTF-8 sequence starting with `lead` (1 for an invalid lead byte).
inline size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

}  // namespace shapesim::sql
