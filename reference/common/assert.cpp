#include "reference/common/assert.h"

#include <cstdio>
#include <cstdlib>

namespace shapesim {

void assertion_failed(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: assertion failed: %s\n", file, line, condition);
  std::fflush(stderr);
  std::abort();
}

}  // namespace shapesim
