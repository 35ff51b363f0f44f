// Bounded JSON: every JSON document shapesim reads from a client (write batches, subset bodies
// and params, json/jsonb values, server answers read by the client) is measured for nesting
// before it is parsed, so no recursion over it afterwards (dump(), comparison, destruction)
// can exhaust the stack. The scan is linear and allocation-free.
//
//   auto j = parse_bounded_json(body);   // Result<nlohmann::json>
//   if (!j.ok()) return json_error(400, "body: " + j.status().message());
#pragma once

#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

#include "reference/common/status.h"

namespace shapesim {

// The deepest nesting of arrays and objects accepted (a flat object is 1).
inline constexpr size_t kMaxJsonDepth = 128;

// The deepest nesting of arrays and objects in `text`, counting only brackets outside strings;
// stops scanning once it exceeds `limit` (then returns limit + 1). Malformed text is measured
// as far as it goes (the parser rejects it afterwards).
size_t json_nesting_depth(std::string_view text, size_t limit = kMaxJsonDepth);

// Parses `text` (no exceptions): invalid_argument "is not valid JSON", or "nests arrays and
// objects deeper than 128 levels".
Result<nlohmann::json> parse_bounded_json(std::string_view text);

// A short description of a JSON value for error messages: its kind, and the value itself
// only when it is a short scalar (an error message never dumps client data whole).
std::string describe_json(const nlohmann::json& j);

}  // namespace shapesim
