// libFuzzer target: shape-parameter parsing. Input layout: first line = a query string
// (as after '?'), the rest = a POST /v1/shape body (a subset snapshot).
// Properties: nothing crashes; a request that parses survives to_query() -> parse again
// unchanged (definition, offset, handle, live, sse, cursor, subset); the query codec
// round-trips what it parsed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "reference/wire/shape_request.h"

namespace {

bool same_subset(const std::optional<shapesim::SubsetRequest>& a, const std::optional<shapesim::SubsetRequest>& b) {
  if (a.has_value() != b.has_value()) return false;
  if (!a) return true;
  return a->where == b->where && a->params == b->params && a->order_by == b->order_by && a->limit == b->limit &&
         a->offset == b->offset;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shapesim;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto newline = input.find('\n');
  std::string_view query_text = input.substr(0, newline);
  std::string_view body = newline == std::string_view::npos ? std::string_view{} : input.substr(newline + 1);

  ValidationErrors body_errors;
  auto subset = parse_subset_body(body, body_errors);
  if (subset.has_value() == !body_errors.empty()) __builtin_trap();  // exactly one of result or errors

  auto query = parse_query(query_text);
  if (!query.ok()) return 0;
  auto reparsed_query = parse_query(format_query(*query));
  if (!reparsed_query.ok() || *reparsed_query != *query) __builtin_trap();

  auto parsed = parse_shape_request(*query);
  if (parsed.ok() != parsed.errors.empty()) __builtin_trap();
  if (!parsed.ok()) {
    (void)parsed.errors.to_json();
    return 0;
  }
  const ShapeRequest& r = *parsed.request;
  auto again = parse_shape_request(r.to_query());
  if (!again.ok()) __builtin_trap();
  const ShapeRequest& a = *again.request;
  if (!(a.shape == r.shape) || a.offset_kind != r.offset_kind || a.offset != r.offset || a.handle != r.handle ||
      a.live != r.live || a.sse != r.sse || a.cursor != r.cursor || !same_subset(a.subset, r.subset)) {
    __builtin_trap();
  }
  if (a.shape.canonical() != r.shape.canonical()) __builtin_trap();
  return 0;
}
