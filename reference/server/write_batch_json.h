// The write API's request body: {"id": "<batch id>", "mutations": [{"op", "table", "value",
// "key"}...]} -> a WriteBatch checked against the source's tables. Every error is the
// client's (a 400), with a message that names what is wrong.
//
// Two parsers, one contract: parse_write_batch_reference() builds a DOM and checks it
// (write_batch_json.cpp: the definition of every answer, errors included);
// parse_write_batch() streams the body (write_batch_stream.cpp) and hands every body it does
// not take whole to the reference. They answer the same batch or the same error for every
// input (write_batch_json_test.cpp, fuzz_write_batch).
#pragma once

#include <optional>
#include <string_view>

#include "reference/common/status.h"
#include "reference/server/source_of_truth.h"

namespace shapesim {

// The longest batch id accepted (an idempotency key, stored with every batch).
inline constexpr size_t kMaxBatchIdBytes = 256;

Result<WriteBatch> parse_write_batch(std::string_view body, SourceOfTruth& source);
Result<WriteBatch> parse_write_batch_reference(std::string_view body, SourceOfTruth& source);
// The stream alone: the batch, or nullopt for a body it leaves to the reference.
std::optional<WriteBatch> stream_write_batch(std::string_view body, SourceOfTruth& source);

// --- shared by both parsers ---
// "insert" | "update" | "delete" | "truncate", or the error naming the four.
Result<ChangeKind> parse_change_kind(const std::string& op);
// An update or delete without "key": the primary-key columns present in its value.
Row key_from_value(const TableSchema& table, const Row& value);

}  // namespace shapesim
