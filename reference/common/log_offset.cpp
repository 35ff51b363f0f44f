#include "reference/common/log_offset.h"

namespace shapesim {

bool parse_uint64(std::string_view text, uint64_t& out) {
  if (text.empty() || text.size() > 20) return false;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

Result<LogOffset> LogOffset::parse(std::string_view text) {
  auto underscore = text.find('_');
  if (underscore == std::string_view::npos) {
    return invalid_argument("has invalid format");
  }
  LogOffset o;
  if (!parse_uint64(text.substr(0, underscore), o.tx)) return invalid_argument("has invalid format");
  auto op = text.substr(underscore + 1);
  if (op == "inf") {
    o.op = kInf;
  } else if (!parse_uint64(op, o.op) || o.op == kInf) {
    return invalid_argument("has invalid format");
  }
  return o;
}

std::string LogOffset::to_string() const {
  return std::to_string(tx) + "_" + (op == kInf ? std::string("inf") : std::to_string(op));
}

}  // namespace shapesim
