#include "reference/common/time.h"

#include <cstdio>

namespace shapesim {

std::string format_timestamp(Timestamp t) {
  char buf[48];
  const char* sign = t.micros < 0 ? "-" : "";
  uint64_t us = t.micros < 0 ? static_cast<uint64_t>(-t.micros) : static_cast<uint64_t>(t.micros);
  std::snprintf(buf, sizeof buf, "%s%llu.%06llus", sign, static_cast<unsigned long long>(us / 1000000),
                static_cast<unsigned long long>(us % 1000000));
  return buf;
}

}  // namespace shapesim
