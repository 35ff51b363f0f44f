#include "reference/common/trace.h"

#include <cstdio>

#include "reference/common/hash.h"

namespace shapesim {

void Trace::record(Timestamp at, std::string_view node, std::string_view kind, std::string_view detail_json) {
  std::string line = "{\"t\":" + std::to_string(at.micros) + ",\"node\":" + json_quote(node) +
                     ",\"ev\":" + json_quote(kind) + ",\"d\":" + std::string(detail_json) + "}";
  hash_ = fnv1a64(line, hash_);
  hash_ = fnv1a64("\n", hash_);
  ++events_;
  if (keep_hashes_) event_hashes_.push_back(hash_);
  if (sink_) sink_(line);
}

std::string Trace::hash_hex() const {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash_));
  return buf;
}

}  // namespace shapesim
