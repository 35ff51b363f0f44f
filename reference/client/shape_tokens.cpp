#include "reference/client/shape_tokens.h"

#include <nlohmann/json.hpp>

#include "reference/common/assert.h"

namespace shapesim {

void ShapeTokens::want(const ShapeDefinition& shape, std::optional<std::string> organization) {
  auto [it, added] = entries_.try_emplace(shape.canonical());
  if (added) it->second.shape = shape;
  it->second.organization = std::move(organization);
}

void ShapeTokens::invalidate(const ShapeDefinition& shape, const std::string& rejected) {
  auto it = entries_.find(shape.canonical());
  if (it == entries_.end()) return;
  if (it->second.token && *it->second.token != rejected) return;  // already replaced
  it->second.stale = true;
  it->second.retry_at.reset();
}

std::optional<Timestamp> ShapeTokens::due(const Entry& e) const {
  if (e.in_flight || e.denied || e.failure) return std::nullopt;
  if (e.retry_at) return e.retry_at;
  if (!e.token || e.stale) return Timestamp{0};
  // Before expiry by refresh_before, but never earlier than half the token's life (a token
  // shorter-lived than refresh_before would otherwise be refreshed without end).
  int64_t before = std::min(options_.refresh_before.micros, e.lifetime.micros / 2);
  return Timestamp{e.expires_at.micros - before};
}

std::optional<ShapeTokens::Request> ShapeTokens::poll(Timestamp now) {
  if (!online_ || user_token_.empty()) return std::nullopt;
  for (auto& [key, e] : entries_) {
    auto at = due(e);
    if (!at || now < *at) continue;
    SHAPESIM_ASSERT(!e.in_flight && !e.denied && !e.failure);  // single flight: one request per shape
    e.in_flight = true;
    e.retry_at.reset();
    ++requests_;
    HttpRequest req;
    req.method = "POST";
    req.path = "/api/gatekeeper/" + e.shape.table;
    req.headers["authorization"] = "Bearer " + user_token_;
    req.headers["content-type"] = "application/json";
    // The narrowing the application asked for; the scope is the server's to add.
    nlohmann::json body = nlohmann::json::object();
    if (!e.shape.where.empty()) body["where"] = e.shape.where;
    if (!e.shape.params.empty()) body["params"] = e.shape.params;
    if (!e.shape.columns.empty()) body["columns"] = e.shape.columns;
    if (e.shape.replica == Replica::kFull) body["replica"] = "full";
    if (e.organization) body["organization"] = *e.organization;
    req.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return Request{key, std::move(req)};
  }
  return std::nullopt;
}

void ShapeTokens::on_response(const std::string& shape_key, const HttpResponse& response, Timestamp now) {
  auto it = entries_.find(shape_key);
  if (it == entries_.end() || !it->second.in_flight) return;
  Entry& e = it->second;
  e.in_flight = false;
  if (response.status == 401 || response.status == 403) {
    e.denied = true;  // a permission change: the engine purges and asks the user to log in again
    e.token.reset();
    return;
  }
  auto body = nlohmann::json::parse(response.body, nullptr, false);
  bool ok = response.status == 200 && body.is_object() && body.contains("token") && body["token"].is_string() &&
            body.contains("expires_in") && body["expires_in"].is_number_integer() && body.contains("shape");
  if (!ok) {
    on_network_error(shape_key, now);
    if (e.failure) return;
    if (response.status >= 400 && response.status < 500) {
      e.failure = "gatekeeper answered " + std::to_string(response.status) + ": " + response.body;
      e.retry_at.reset();
    }
    return;
  }
  e.token = body["token"].get<std::string>();
  e.lifetime = Duration::seconds(std::max<int64_t>(0, body["expires_in"].get<int64_t>()));
  e.expires_at = now + e.lifetime;
  e.stale = false;
  e.attempts = 0;
  const auto& s = body["shape"];
  ShapeDefinition granted;
  granted.table = s.value("table", "");
  granted.where = s.value("where", "");
  for (const auto& p : s.value("params", nlohmann::json::array())) granted.params.push_back(p.get<std::string>());
  for (const auto& c : s.value("columns", nlohmann::json::array())) granted.columns.push_back(c.get<std::string>());
  granted.replica = s.value("replica", "default") == "full" ? Replica::kFull : Replica::kDefault;
  e.granted = std::move(granted);
  e.data_version = body.contains("data_version") && body["data_version"].is_string() ? body["data_version"].get<std::string>() : "";
  SHAPESIM_ASSERT(e.token && !e.stale && !e.in_flight && e.attempts == 0);
}

std::string ShapeTokens::data_version(const ShapeDefinition& shape) const {
  auto it = entries_.find(shape.canonical());
  return it == entries_.end() ? std::string() : it->second.data_version;
}

void ShapeTokens::on_network_error(const std::string& shape_key, Timestamp now) {
  auto it = entries_.find(shape_key);
  if (it == entries_.end()) return;
  Entry& e = it->second;
  e.in_flight = false;
  if (++e.attempts >= options_.max_attempts) {
    e.failure = "the gatekeeper did not answer after " + std::to_string(e.attempts) + " attempts";
    return;
  }
  int64_t cap = options_.initial_backoff.micros << std::min<uint32_t>(e.attempts, 16);
  e.retry_at = now + Duration{cap / 2 + static_cast<int64_t>(rng_.uniform(0, static_cast<uint64_t>(cap / 2)))};
}

std::optional<std::string> ShapeTokens::token(const ShapeDefinition& shape, Timestamp now) const {
  auto it = entries_.find(shape.canonical());
  if (it == entries_.end() || !it->second.token || it->second.stale || now >= it->second.expires_at) return std::nullopt;
  return it->second.token;
}

std::optional<ShapeDefinition> ShapeTokens::granted(const ShapeDefinition& shape) const {
  auto it = entries_.find(shape.canonical());
  return it == entries_.end() ? std::nullopt : it->second.granted;
}

bool ShapeTokens::denied(const ShapeDefinition& shape) const {
  auto it = entries_.find(shape.canonical());
  return it != entries_.end() && it->second.denied;
}

std::optional<std::string> ShapeTokens::failed(const ShapeDefinition& shape) const {
  auto it = entries_.find(shape.canonical());
  return it == entries_.end() ? std::nullopt : it->second.failure;
}

std::optional<Timestamp> ShapeTokens::wake_at() const {
  if (!online_ || user_token_.empty()) return std::nullopt;
  std::optional<Timestamp> at;
  for (const auto& [key, e] : entries_) {
    auto d = due(e);
    if (d && (!at || *d < *at)) at = d;
  }
  return at;
}

}  // namespace shapesim
