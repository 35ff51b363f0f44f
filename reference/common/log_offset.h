// LogOffset: a position in a shape log, written "<tx>_<op>" on the wire.
//
// Ordering is by (tx, op). Snapshot chunks use tx = 0: chunk i ends at "0_i" and the
// last snapshot chunk ends at "0_inf" (kSnapshotEnd), where the transaction log begins.
// Transaction-log entries use tx = commit LSN, op = the change's op_position.
//
//   auto o = LogOffset::parse("1234_4");   // Result<LogOffset>
//   o->to_string() == "1234_4";
#pragma once

#include <compare>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "reference/common/status.h"

namespace shapesim {

struct LogOffset {
  static constexpr uint64_t kInf = std::numeric_limits<uint64_t>::max();

  uint64_t tx = 0;
  uint64_t op = 0;

  static constexpr LogOffset snapshot_chunk(uint64_t i) { return {0, i}; }
  static constexpr LogOffset snapshot_end() { return {0, kInf}; }
  bool is_snapshot() const { return tx == 0; }

  // Parses "<tx>_<op>" with decimal fields; op may be "inf". Rejects signs, spaces, overflow.
  static Result<LogOffset> parse(std::string_view text);
  std::string to_string() const;

  friend constexpr auto operator<=>(const LogOffset&, const LogOffset&) = default;
};

// Parses a non-empty string of decimal digits into a uint64 without overflow.
bool parse_uint64(std::string_view text, uint64_t& out);

}  // namespace shapesim
