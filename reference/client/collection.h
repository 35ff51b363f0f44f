// Collection: the synced rows of one shape, materialized from stream updates.
//
//   Collection tasks;
//   tasks.apply(stream.on_response(r, now));
//   tasks.rows();                 // key -> row (PostgreSQL text values)
//   tasks.has_seen_txid(1042);    // a write's txid has been synced
//
// Invariants it checks as it goes (reported, never thrown): a log change (lsn, op_position)
// is applied at most once per handle generation; inserts hit absent keys; updates and
// deletes hit present keys.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "reference/client/shape_stream.h"
#include "reference/wire/shape_message.h"

namespace shapesim {

class Collection {
 public:
  void apply(const StreamUpdate& update);
  // Rows saved by an earlier run (ClientStore), to resume from their stream position.
  void restore(std::map<std::string, WireRow> rows) { rows_ = std::move(rows); }

  const std::map<std::string, WireRow>& rows() const { return rows_; }
  bool has_seen_txid(uint64_t txid) const { return txids_.count(txid) > 0; }
  uint64_t duplicate_changes() const { return duplicates_; }
  const std::vector<std::string>& anomalies() const { return anomalies_; }
  uint64_t changes_applied() const { return applied_; }

 private:
  std::map<std::string, WireRow> rows_;
  std::set<std::pair<uint64_t, uint64_t>> applied_positions_;
  std::set<uint64_t> txids_;
  uint64_t duplicates_ = 0;
  uint64_t applied_ = 0;
  std::vector<std::string> anomalies_;
};

}  // namespace shapesim
