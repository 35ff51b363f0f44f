#include "reference/server/source_of_truth.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "reference/common/hash.h"

namespace shapesim {

bool visible_in_snapshot(uint64_t xid, uint64_t xmin, uint64_t xmax, const std::vector<uint64_t>& xip_list) {
  if (xid <= 0xffffffffu && xmax > 0xffffffffu) {
    // A 32-bit xid: the xid8 within 2^31 of xmax (PostgreSQL's own widening rule).
    int32_t delta = static_cast<int32_t>(static_cast<uint32_t>(xid) - static_cast<uint32_t>(xmax));
    xid = static_cast<uint64_t>(static_cast<int64_t>(xmax) + delta);
  }
  if (xid < xmin) return true;
  return xid < xmax && std::find(xip_list.begin(), xip_list.end(), xid) == xip_list.end();
}

namespace {

// Length-prefixed pieces: no two different batches encode the same. A piece is hashed as
// "<decimal length>:" then its bytes (FNV-1a is sequential, so a piece given in parts hashes
// as the whole); stored digests depend on these exact bytes.
void add_length(uint64_t& h, size_t length) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf - 1, length);
  *end++ = ':';
  h = fnv1a64(std::string_view(buf, static_cast<size_t>(end - buf)), h);
}

void add_piece(uint64_t& h, std::string_view piece) {
  add_length(h, piece.size());
  h = fnv1a64(piece, h);
}

void add_number(uint64_t& h, uint64_t n) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  add_piece(h, std::string_view(buf, static_cast<size_t>(end - buf)));
}

void add_row(uint64_t& h, const Row& row) {
  add_number(h, row.size());
  for (const auto& [column, value] : row) {  // std::map: column order
    add_piece(h, column);
    auto text = value.to_pg_text();
    if (!text) {
      add_piece(h, "null");
      continue;
    }
    add_length(h, text->size() + 1);  // the piece "v" + text
    h = fnv1a64("v", h);
    h = fnv1a64(*text, h);
  }
}

}  // namespace

std::string WriteBatch::digest() const {
  uint64_t h = kFnv64Offset;
  add_number(h, mutations.size());
  for (const Mutation& m : mutations) {
    add_number(h, static_cast<uint64_t>(static_cast<int>(m.kind)));
    add_piece(h, m.schema);
    add_piece(h, m.table);
    add_row(h, m.key);
    add_row(h, m.value);
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

std::string reused_batch_id_message(const std::string& id) {
  return "batch id \"" + id + "\" was already used for different mutations (an id names one batch; retry with the "
         "same mutations, or use a new id)";
}

Result<Snapshot> SourceOfTruth::snapshot(const TableSchema& t) {
  std::vector<Row> rows;
  SHAPESIM_ASSIGN_OR_RETURN(Snapshot snap, scan(t, [&](const std::vector<Value>& values) {
    Row row;
    for (size_t i = 0; i < values.size(); ++i) row[t.columns[i].name] = values[i];
    rows.push_back(std::move(row));
  }));
  snap.rows = std::move(rows);
  return snap;
}

Result<std::optional<Row>> SourceOfTruth::read_row(const TableSchema& t, const Row& key) {
  std::optional<Row> found;
  SHAPESIM_RETURN_IF_ERROR(scan(t, [&](const std::vector<Value>& values) {
    if (found) return;
    for (size_t i = 0; i < values.size(); ++i) {
      auto k = key.find(t.columns[i].name);
      if (k != key.end() && !(k->second == values[i])) return;
    }
    Row row;
    for (size_t i = 0; i < values.size(); ++i) row[t.columns[i].name] = values[i];
    found = std::move(row);
  }).status());
  return found;
}

}  // namespace shapesim
