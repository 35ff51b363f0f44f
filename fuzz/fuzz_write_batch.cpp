// libFuzzer target: the write API's body parser. Properties: nothing crashes; the streaming
// parser (parse_write_batch) and the reference DOM parser agree on every input — the same
// batch, or the same error message.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "reference/server/embedded_store.h"
#include "reference/server/write_batch_json.h"

namespace {

// tasks (int8 id, text title, bool done, int4 owner) and docs (json body, int4[] tags, float8 score).
shapesim::EmbeddedStore& store() {
  using namespace shapesim;
  static std::unique_ptr<EmbeddedStore> s = [] {
    auto opened = EmbeddedStore::open(":memory:");
    if (!opened.ok()) __builtin_trap();
    TableSchema tasks{"public", "tasks",
                      {{"id", ColumnType::kInt8, true}, {"title", ColumnType::kText}, {"done", ColumnType::kBool}, {"owner", ColumnType::kInt4}},
                      {"id"}};
    TableSchema docs{"public", "docs",
                     {{"id", ColumnType::kInt8, true}, {"body", ColumnType::kJson}, {"tags", ColumnType::kInt4, false, 1},
                      {"score", ColumnType::kFloat8}},
                     {"id"}};
    if (!(*opened)->create_table(tasks).ok() || !(*opened)->create_table(docs).ok()) __builtin_trap();
    return std::move(*opened);
  }();
  return *s;
}

bool same(const shapesim::WriteBatch& a, const shapesim::WriteBatch& b) {
  if (a.id != b.id || a.mutations.size() != b.mutations.size()) return false;
  for (size_t i = 0; i < a.mutations.size(); ++i) {
    const auto &x = a.mutations[i], &y = b.mutations[i];
    if (x.kind != y.kind || x.schema != y.schema || x.table != y.table || x.key != y.key || x.value != y.value) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto streamed = shapesim::parse_write_batch(body, store());
  auto reference = shapesim::parse_write_batch_reference(body, store());
  if (streamed.ok() != reference.ok()) __builtin_trap();
  if (!streamed.ok()) {
    if (streamed.status().message() != reference.status().message()) __builtin_trap();
    return 0;
  }
  if (!same(*streamed, *reference)) __builtin_trap();
  return 0;
}
