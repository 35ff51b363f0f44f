// What a write batch means for a collection on the client: the optimistic side of a write.
//
//   // body = {"id": "tx-1", "mutations": [{"op": "insert", "table": "tasks", "value": {...}}]}
//   auto local = local_mutations_for(body["mutations"], tasks_schema, "tasks");
//   engine.transact("tx-1", *local, body.dump());
//
// Contract: every mutation of the batch on `table` becomes a LocalMutation of `collection`
// keyed as the shape stream keys that row (format_row_key over the primary key), its values in
// PostgreSQL text form as the stream delivers them (an insert is the whole row: columns it
// leaves out are NULL). An update takes its key from "key" or, failing that, from the
// primary-key columns of "value". (The engine's ShapeFilter then keeps what its shape holds.)
// Mutations on other tables are not this collection's (the server still applies them).
// Errors: a mutation that names no key, or values the table's types reject.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reference/client/local_transaction.h"
#include "reference/common/table_schema.h"

namespace shapesim {

Result<std::vector<LocalMutation>> local_mutations_for(const nlohmann::json& mutations, const TableSchema& table,
                                                       const std::string& collection);

// LocalMutations <-> JSON text, so a queued transaction can be shown again after a restart.
std::string local_mutations_to_json(const std::vector<LocalMutation>& mutations);
Result<std::vector<LocalMutation>> local_mutations_from_json(const std::string& text);

}  // namespace shapesim
