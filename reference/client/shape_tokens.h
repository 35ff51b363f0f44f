// ShapeTokens: the client side of the gatekeeper (docs/auth.md), sans-I/O. It keeps one shape
// token per shape definition and gets new ones from POST /api/gatekeeper/:table.
//
//   ShapeTokens tokens({.refresh_before = Duration::seconds(60)}, rng);
//   tokens.set_user_token(login_token);
//   tokens.want(shape);                            // a stream needs a token for this shape
//   if (auto req = tokens.poll(now)) send(*req);   // at most one request per shape in flight
//   tokens.on_response(req->shape_key, response, now);
//   tokens.token(shape, now);                       // the bearer token to send, if valid
//
// Contract: a token is refreshed proactively `refresh_before` its expiry (at most half its
// lifetime before), and at once after
// invalidate() (a 401 on the shape); N streams of one shape cause one gatekeeper request
// (single flight), also when their 401s arrive after the refresh. Nothing is requested while offline (set_online(false)). A failed request is
// retried with backoff up to `max_attempts`, then the shape is `failed()` with the error; a
// 401/403 from the gatekeeper is a permission change: `denied()` (the engine purges).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "reference/common/random.h"
#include "reference/common/time.h"
#include "reference/wire/http.h"
#include "reference/wire/shape_request.h"

namespace shapesim {

struct ShapeTokensOptions {
  Duration refresh_before = Duration::seconds(60);
  uint32_t max_attempts = 5;
  Duration initial_backoff = Duration::millis(200);
};

class ShapeTokens {
 public:
  struct Request {
    std::string shape_key;  // the definition's canonical form
    HttpRequest request;
  };

  ShapeTokens(ShapeTokensOptions options, Random rng) : options_(options), rng_(rng) {}

  void set_user_token(std::string token) { user_token_ = std::move(token); }
  void set_online(bool online) { online_ = online; }
  // The gatekeeper's table and narrowing for this shape (the server adds the scope), in
  // `organization` when the user belongs to several.
  void want(const ShapeDefinition& shape, std::optional<std::string> organization = std::nullopt);
  // Drops what is known about the shape (its token, a denial, a failure): want() starts over.
  void forget(const ShapeDefinition& shape) { entries_.erase(shape.canonical()); }
  // A 401 on the shape for a request made with `rejected`: if that is still the current token
  // it is stale; get another one now. A 401 for a token already replaced (several streams of
  // one shape parked on the old token answer 401 one after the other) asks for nothing: one
  // refresh serves them all.
  void invalidate(const ShapeDefinition& shape, const std::string& rejected);
  std::optional<Request> poll(Timestamp now);
  void on_response(const std::string& shape_key, const HttpResponse& response, Timestamp now);
  void on_network_error(const std::string& shape_key, Timestamp now);

  // A token valid at `now`, if there is one.
  std::optional<std::string> token(const ShapeDefinition& shape, Timestamp now) const;
  // The definition the gatekeeper bound into the token (the stream must request exactly it).
  std::optional<ShapeDefinition> granted(const ShapeDefinition& shape) const;
  bool denied(const ShapeDefinition& shape) const;
  // The user's data version the gatekeeper answered with the current token ("" if none).
  std::string data_version(const ShapeDefinition& shape) const;
  std::optional<std::string> failed(const ShapeDefinition& shape) const;
  std::optional<Timestamp> wake_at() const;
  uint64_t requests_sent() const { return requests_; }

 private:
  struct Entry {
    ShapeDefinition shape;
    std::optional<std::string> organization;
    std::optional<std::string> token;
    std::optional<ShapeDefinition> granted;
    std::string data_version;
    Timestamp expires_at{0};
    Duration lifetime{0};
    bool in_flight = false;
    bool stale = false;
    uint32_t attempts = 0;
    std::optional<Timestamp> retry_at;
    bool denied = false;
    std::optional<std::string> failure;
  };
  // When this entry should be fetched (nullopt: not now, not scheduled).
  std::optional<Timestamp> due(const Entry& e) const;

  ShapeTokensOptions options_;
  Random rng_;
  std::string user_token_;
  bool online_ = true;
  std::map<std::string, Entry> entries_;  // by canonical definition
  uint64_t requests_ = 0;
};

}  // namespace shapesim
