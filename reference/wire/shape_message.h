// Shape log messages (protocol.md §1 "Messages"): change messages and control messages,
// encoded as compact JSON by the server and decoded by the client.
//
//   ChangeMessage c{.key = "\"public\".\"tasks\"/\"1\"", .value = {{"id", "1"}}, .op = Operation::kInsert};
//   std::string json = encode_message(c);
//   auto batch = decode_messages("[" + json + "]");   // Result<std::vector<ShapeMessage>>
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "reference/common/status.h"

namespace shapesim {

// Column -> PostgreSQL text value, or nullopt for NULL.
using WireRow = std::map<std::string, std::optional<std::string>>;

enum class Operation { kInsert, kUpdate, kDelete };
const char* operation_name(Operation op);
// The operation operation_name() names ("insert", "update", "delete"), if any.
std::optional<Operation> parse_operation(std::string_view name);

struct ChangeMessage {
  std::string key;
  WireRow value;
  std::optional<WireRow> old_value;  // replica=full updates: old values of changed columns
  Operation op = Operation::kInsert;
  std::vector<std::string> relation;  // {schema, table}
  // Log entries only (snapshot rows carry operation and relation alone):
  std::vector<uint64_t> txids;
  std::optional<uint64_t> lsn;
  std::optional<uint64_t> op_position;
  bool last = false;  // the transaction's last change in this shape
  std::optional<uint64_t> snapshot_mark;  // rows of a subset snapshot: the snapshot they belong to

  friend bool operator==(const ChangeMessage&, const ChangeMessage&) = default;
};

enum class ControlKind { kUpToDate, kSnapshotEnd, kMustRefetch };

struct ControlMessage {
  ControlKind kind = ControlKind::kUpToDate;
  std::optional<uint64_t> global_last_seen_lsn;  // up-to-date
  uint64_t xmin = 0, xmax = 0;                   // snapshot-end
  std::vector<uint64_t> xip_list;                // snapshot-end

  friend bool operator==(const ControlMessage&, const ControlMessage&) = default;
};

using ShapeMessage = std::variant<ChangeMessage, ControlMessage>;

// Compact JSON for one message.
std::string encode_message(const ShapeMessage& message);
// Decodes a response body (a JSON array of messages). Rejects anything not of this form.
Result<std::vector<ShapeMessage>> decode_messages(std::string_view body);

// `"schema"."table"/"pk1"/"pk2"`: identifiers quoted SQL-style, PK values in double quotes
// with '/' doubled, NULL as _.
std::string format_row_key(const std::string& schema, const std::string& table,
                           const std::vector<std::optional<std::string>>& pk_values);
// The same key built piecewise: the `"schema"."table"` prefix, then one part per PK value.
std::string row_key_prefix(const std::string& schema, const std::string& table);
void append_row_key_part(std::string& key, const std::optional<std::string_view>& pk_value);

}  // namespace shapesim
