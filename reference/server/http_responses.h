// Responses every route of the shape server shares, in Electric's forms: CORS headers, JSON
// errors ({"message"} and the 400 validation form {"message","errors":{param:[...]}}), the
// 409 must-refetch, and the electric-schema header.
#pragma once

#include <optional>
#include <string>

#include "reference/server/shape.h"
#include "reference/wire/http.h"
#include "reference/wire/shape_request.h"

namespace shapesim {

// Adds the CORS headers every response carries.
void add_cors_headers(HttpResponse& response, const std::optional<std::string>& origin);
// {"message": message}, no-store.
HttpResponse json_error(int status, const std::string& message);
// 400 {"message":"Invalid request","errors":{...}}, no-store.
HttpResponse bad_request(const ValidationErrors& errors);
HttpResponse bad_request(const std::string& param, const std::string& reason);
// 409 with the body [must-refetch]; `new_handle` (if any) is where the client should go.
HttpResponse must_refetch_response(const std::optional<std::string>& new_handle);
// The electric-schema header: each of the shape's columns with its PostgreSQL type name,
// dims, pk_index and not_null.
std::string schema_header(const Shape& shape);
// The etag of a shape answer: which shape, what the client asked for, where the answer ends.
std::string shape_etag(const std::string& handle, const std::string& request_offset, const std::string& next);

}  // namespace shapesim
