// JSON Web Tokens, HS256 only (RFC 7519/7515), for user and shape tokens.
//
//   auto keys = JwtKeys::create({{"k1", secret1}, {"k2", secret2}}, "k1");  // k1 signs, both verify
//   std::string token = keys->sign({{"sub","u1"},{"iss",...},{"aud",...},{"iat",...},{"exp",...}});
//   auto v = keys->verify(token, now, {.issuer = ..., .audience = ...});
//   if (!v.ok()) -> 401 (v.error says why, for logs and tests)
//
// Verification is strict and deterministic (the clock is the caller's `now`): size capped
// before parsing; three base64url parts, strict decoding; header and payload JSON objects with
// no duplicate members and bounded nesting; "alg" must be exactly "HS256" (so "none" and
// RS/HS confusion fail), "crit" is refused, a "kid" must name a configured key (required when
// more than one key is configured); the HMAC is compared in constant time (OpenSSL's
// CRYPTO_memcmp); "exp" is required and a token is expired from the second it names; "nbf"
// and "iat" in the future fail; "iss" and "aud" must match. No leeway.
//
// Cost: a token whose signature was checked is remembered (bounded, oldest forgotten first,
// keyed by its exact bytes, which the signature binds), so a client's repeated requests pay a
// lookup and the time and audience checks, never the HMAC and JSON again.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "reference/common/status.h"
#include "reference/common/time.h"

namespace shapesim::auth {

inline constexpr size_t kMaxTokenBytes = 8192;
// How many verified tokens JwtKeys remembers (the oldest is forgotten first).
inline constexpr size_t kVerifiedTokenCacheSize = 8192;

struct JwtKey {
  std::string kid;
  std::string secret;  // at least 32 bytes (HS256 wants a key as long as its output)
};

struct JwtExpectations {
  std::string issuer;
  std::string audience;
};

enum class TokenError {
  kNone,
  kTooLarge,          // longer than kMaxTokenBytes
  kMalformed,         // not three base64url parts of JSON objects, duplicate members, too deep
  kBadAlgorithm,      // alg missing, not a string, not HS256 (none, RS256, ...); crit present
  kUnknownKey,        // kid unknown, not a string, or missing with several keys
  kBadSignature,
  kBadClaims,         // exp missing or not a number; nbf/iat/iss/aud of the wrong type
  kExpired,
  kNotYetValid,       // nbf in the future
  kIssuedInFuture,    // iat in the future
  kWrongIssuer,
  kWrongAudience,
};
const char* token_error_name(TokenError e);

struct Verified {
  TokenError error = TokenError::kNone;
  std::string detail;                             // what was wrong, for logs (never echoes the token)
  std::shared_ptr<const nlohmann::json> payload;  // the claims, when ok()
  bool ok() const { return error == TokenError::kNone; }
  const nlohmann::json& claims() const { return *payload; }
};

class JwtKeys {
 public:
  // `signing_kid` names the key that signs; every key verifies (rotation: two keys active).
  static Result<JwtKeys> create(std::vector<JwtKey> keys, const std::string& signing_kid);
  JwtKeys(JwtKeys&&) noexcept;
  JwtKeys& operator=(JwtKeys&&) noexcept;
  ~JwtKeys();

  // A compact token: header {"alg":"HS256","kid":...,"typ":"JWT"}, the claims as given.
  std::string sign(const nlohmann::json& claims) const;
  Verified verify(std::string_view token, Timestamp now, const JwtExpectations& expect) const;

 private:
  struct Impl;
  explicit JwtKeys(std::unique_ptr<Impl> impl);
  // A token not in the cache: checked whole, and remembered when well formed and signed.
  Verified verify_first_sight(std::string_view token, Timestamp now, const JwtExpectations& expect) const;
  std::unique_ptr<Impl> impl_;
};

// Whether `text` is a JSON object with no member repeated at any level (RFC 8259 leaves
// duplicates to the parser; a token that says "alg" twice is refused, not guessed).
bool json_without_duplicate_members(std::string_view text);
// JSON text parsed strictly: no member repeated at any level, bounded nesting, no byte-order
// mark; nullopt if it is not that.
std::optional<nlohmann::json> parse_strict_json(std::string_view text);

}  // namespace shapesim::auth
