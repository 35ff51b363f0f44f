// libFuzzer target: arbitrary bytes as an HTTP request to the shape server core.
// Input layout: first line = "<METHOD> <target>", the rest = the body. Each input runs
// against a fresh server with one table and a few rows; after the request the store must
// still be consistent (every shape log readable, every response a valid status).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "reference/server/shape_server.h"

namespace {

shapesim::TableSchema items() {
  using shapesim::ColumnType;
  return {"public", "items", {{"id", ColumnType::kInt8, true}, {"name", ColumnType::kText}, {"n", ColumnType::kInt4},
                              {"ok", ColumnType::kBool}}, {"id"}};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shapesim;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto newline = input.find('\n');
  std::string_view first = input.substr(0, newline);
  std::string_view body = newline == std::string_view::npos ? std::string_view{} : input.substr(newline + 1);
  auto space = first.find(' ');
  if (space == std::string_view::npos) return 0;
  auto request = HttpRequest::from_target(std::string(first.substr(0, space)), first.substr(space + 1));
  if (!request.ok()) return 0;
  request->body = std::string(body);

  auto store = EmbeddedStore::open(":memory:");
  if (!store.ok() || !(*store)->create_table(items()).ok()) __builtin_trap();
  WriteBatch seed{"seed", {}};
  for (int64_t i = 0; i < 3; ++i) {
    seed.mutations.push_back({ChangeKind::kInsert, "public", "items", {}, Row{{"id", Value(i)}, {"name", Value("x")}}});
  }
  if (!(*store)->apply(seed).ok()) __builtin_trap();
  ShapeServer server({.chunk_bytes = 64, .allow_delete = true}, std::move(*store));
  // Prime one shape so handles and offsets in the input can hit a real shape.
  (void)server.handle(RequestId{1}, *HttpRequest::from_target("GET", "/v1/shape?table=items&offset=-1"), Timestamp{0});
  auto out = server.handle(RequestId{2}, *request, Timestamp{1000});
  for_each_response(out, [](RequestId, const HttpResponse& response) {
    if (response.status < 200 || response.status >= 600 || response.status == 500) __builtin_trap();
  });
  (void)server.tick(Timestamp{60'000'000});
  // The primed shape's log must still read cleanly from its start.
  if (const Shape* s = server.registry().find_by_definition({.table = "items"})) {
    if (!s->log().read_after(LogOffset::snapshot_end()).ok()) __builtin_trap();
  }
  return 0;
}
