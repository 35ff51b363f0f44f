// The auth layer's JSON answers: {"error": "..."} bodies, never cached.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "reference/wire/http.h"

namespace shapesim::auth {

inline HttpResponse json_answer(int status, const nlohmann::json& body) {
  HttpResponse r;
  r.status = status;
  r.headers["content-type"] = "application/json";
  r.headers["cache-control"] = "no-store";
  // Client text may be echoed (a table name from the path): invalid UTF-8 is replaced, never thrown.
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

inline HttpResponse auth_error(int status, const std::string& message) { return json_answer(status, {{"error", message}}); }

}  // namespace shapesim::auth
