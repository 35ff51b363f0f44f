// pgoutput: PostgreSQL's logical replication protocol (protocol version 1), decoded from the
// bytes of one XLogData payload into a message struct. Pure: no libpq, fuzzable.
//
//   auto m = decode_pgoutput(bytes);            // Result<PgMessage>
//   if (auto* ins = std::get_if<PgInsert>(&*m)) ...
//
// Tuple values arrive in text format (the replication session's settings decide how they
// are written; see pg_session.h). A truncated or malformed message is an error naming what
// was wrong and where; nothing is guessed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "reference/common/status.h"

namespace shapesim::pg {

struct PgBegin {
  uint64_t final_lsn = 0;  // the commit record's LSN
  int64_t commit_time = 0;
  uint32_t xid = 0;
};

struct PgCommit {
  uint8_t flags = 0;
  uint64_t commit_lsn = 0;
  uint64_t end_lsn = 0;
  int64_t commit_time = 0;
};

struct PgColumn {
  bool key = false;  // part of the replica identity
  std::string name;
  uint32_t type_oid = 0;
  int32_t type_modifier = -1;
  friend bool operator==(const PgColumn&, const PgColumn&) = default;
};

struct PgRelation {
  uint32_t id = 0;
  std::string schema;
  std::string name;
  char replica_identity = 'd';  // d default, n nothing, f full, i index
  std::vector<PgColumn> columns;
  friend bool operator==(const PgRelation&, const PgRelation&) = default;
};

// One column of a tuple: NULL, an unchanged TOAST value (not sent), or text.
struct PgDatum {
  enum class Kind { kNull, kUnchangedToast, kText } kind = Kind::kNull;
  std::string text;
};
using PgTuple = std::vector<PgDatum>;

struct PgInsert {
  uint32_t relation = 0;
  PgTuple new_tuple;
};

struct PgUpdate {
  uint32_t relation = 0;
  std::optional<PgTuple> old_tuple;  // 'O' (replica identity full) or 'K' (key columns only)
  bool old_is_key_only = false;
  PgTuple new_tuple;
};

struct PgDelete {
  uint32_t relation = 0;
  PgTuple old_tuple;
  bool old_is_key_only = false;
};

struct PgTruncate {
  uint8_t options = 0;  // 1 CASCADE, 2 RESTART IDENTITY
  std::vector<uint32_t> relations;
};

struct PgOrigin {
  uint64_t lsn = 0;
  std::string name;
};

struct PgType {
  uint32_t oid = 0;
  std::string schema;
  std::string name;
};

struct PgLogicalMessage {
  bool transactional = false;
  uint64_t lsn = 0;
  std::string prefix;
  std::string content;
};

using PgMessage = std::variant<PgBegin, PgCommit, PgRelation, PgInsert, PgUpdate, PgDelete, PgTruncate, PgOrigin,
                               PgType, PgLogicalMessage>;

Result<PgMessage> decode_pgoutput(std::string_view bytes);

// The textual form PostgreSQL uses for an LSN: "16/B374D848".
std::string format_lsn(uint64_t lsn);
Result<uint64_t> parse_lsn(std::string_view text);

}  // namespace shapesim::pg
