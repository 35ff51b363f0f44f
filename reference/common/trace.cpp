#include "reference/common/trace.h"

#include <cstdio>

#include "reference/common/hash.h"

namespace shapesim {

void Trace::record(Timestamp at, std::string_view node, std::string_view kind, std::string_view detail_json) {
  // The hash is FNV-1a over the event's JSON line and a newline. FNV-1a consumes bytes in
  // order, so hashing the line's pieces one after another gives the hash of the whole line:
  // without a sink the line is never built.
  const std::string t = std::to_string(at.micros);
  const std::string quoted_node = json_quote(node), quoted_kind = json_quote(kind);
  const std::string_view pieces[] = {"{\"t\":", t, ",\"node\":", quoted_node, ",\"ev\":", quoted_kind, ",\"d\":", detail_json, "}"};
  for (std::string_view piece : pieces) hash_ = fnv1a64(piece, hash_);
  hash_ = fnv1a64("\n", hash_);
  ++events_;
  if (keep_hashes_) event_hashes_.push_back(hash_);
  if (sink_) {
    std::string line;
    for (std::string_view piece : pieces) line += piece;
    sink_(line);
  }
}

std::string Trace::hash_hex() const {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash_));
  return buf;
}

}  // namespace shapesim
