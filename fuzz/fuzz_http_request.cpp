// libFuzzer target: raw bytes as an HTTP/1.1 request, parsed by the server's own Beast
// parser (parse_http_request), then handed to a fresh shape server core. A crash, a 5xx or a
// shape log that no longer reads is a bug; a parse error is the expected answer to garbage.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "reference/net/http_server.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shapesim;
  auto request = net::parse_http_request(std::string_view(reinterpret_cast<const char*>(data), size), 64 * 1024);
  if (!request.ok()) return 0;
  auto store = EmbeddedStore::open(":memory:");
  TableSchema items{"public", "items", {{"id", ColumnType::kInt8, true}, {"name", ColumnType::kText}}, {"id"}};
  if (!store.ok() || !(*store)->create_table(items).ok()) __builtin_trap();
  ShapeServer server({.chunk_bytes = 64, .allow_delete = true}, std::move(*store));
  (void)server.handle(RequestId{1}, *HttpRequest::from_target("GET", "/v1/shape?table=items&offset=-1"), Timestamp{0});
  auto out = server.handle(RequestId{2}, *request, Timestamp{1000});
  for_each_response(out, [](RequestId, const HttpResponse& response) {
    if (response.status < 200 || response.status >= 500) __builtin_trap();
  });
  (void)server.tick(Timestamp{60'000'000});
  if (const Shape* s = server.registry().find_by_definition({.table = "items"})) {
    if (!s->log().read_after(LogOffset::snapshot_end()).ok()) __builtin_trap();
  }
  return 0;
}
