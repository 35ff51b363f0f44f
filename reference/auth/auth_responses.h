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
  r.body = body.dump();
  return r;
}

inline HttpResponse auth_error(int status, const std::string& message) { return json_answer(status, {{"error", message}}); }

}  // namespace shapesim::auth
