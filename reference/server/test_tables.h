// Shared fixtures for server tests: a `tasks` table and helpers to build rows and batches.
#pragma once

#include "reference/server/embedded_store.h"

namespace shapesim::testing {

inline TableSchema tasks_table() {
  return TableSchema{"public", "tasks",
                     {{"id", ColumnType::kInt8, true}, {"title", ColumnType::kText}, {"done", ColumnType::kBool},
                      {"owner", ColumnType::kInt4}},
                     {"id"}};
}

inline Row task(int64_t id, std::string title, bool done = false, int owner = 1) {
  return Row{{"id", Value(id)}, {"title", Value(std::move(title))}, {"done", Value(done)},
             {"owner", Value(int64_t{owner})}};
}

inline Mutation insert_task(Row row) { return Mutation{ChangeKind::kInsert, "public", "tasks", {}, std::move(row)}; }
inline Mutation update_task(int64_t id, Row changes) {
  return Mutation{ChangeKind::kUpdate, "public", "tasks", Row{{"id", Value(id)}}, std::move(changes)};
}
inline Mutation delete_task(int64_t id) {
  return Mutation{ChangeKind::kDelete, "public", "tasks", Row{{"id", Value(id)}}, {}};
}

}  // namespace shapesim::testing
