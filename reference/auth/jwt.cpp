#include "reference/auth/jwt.h"

#include <set>
#include <stack>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "reference/auth/base64url.h"
#include "reference/common/assert.h"
#include "reference/common/bounded_json.h"

namespace shapesim::auth {

namespace {

using nlohmann::json;

// One HMAC-SHA256 key, prepared once: each use duplicates the keyed context (cheaper than
// re-keying).
class HmacKey {
 public:
  static std::unique_ptr<HmacKey> create(const std::string& secret) {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (!mac) return nullptr;
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac);
    if (!ctx) return nullptr;
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
    if (EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), params) != 1) {
      EVP_MAC_CTX_free(ctx);
      return nullptr;
    }
    return std::unique_ptr<HmacKey>(new HmacKey(ctx));
  }
  ~HmacKey() { EVP_MAC_CTX_free(keyed_); }

  std::string mac(std::string_view data) const {
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(keyed_);
    SHAPESIM_ASSERT(ctx != nullptr);
    unsigned char out[EVP_MAX_MD_SIZE];
    size_t len = 0;
    bool ok = EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1 &&
              EVP_MAC_final(ctx, out, &len, sizeof out) == 1;
    EVP_MAC_CTX_free(ctx);
    SHAPESIM_ASSERT(ok && len == 32);
    return std::string(reinterpret_cast<const char*>(out), len);
  }

 private:
  explicit HmacKey(EVP_MAC_CTX* keyed) : keyed_(keyed) {}
  EVP_MAC_CTX* keyed_;
};

// SAX handler that only looks for a member name repeated within one object.
class DuplicateFinder : public nlohmann::json_sax<json> {
 public:
  bool duplicate = false;
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override {
    keys_.emplace();
    return true;
  }
  bool key(string_t& k) override {
    if (!keys_.top().insert(k).second) duplicate = true;
    return !duplicate;
  }
  bool end_object() override {
    keys_.pop();
    return true;
  }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

 private:
  std::stack<std::set<std::string>> keys_;
};

// A JSON object from one token part; nullopt when it is not one (or repeats a member).
std::optional<json> decode_object(std::string_view part) {
  auto text = base64url_decode(part);
  if (!text || !json_without_duplicate_members(*text)) return std::nullopt;
  auto parsed = parse_bounded_json(*text);
  if (!parsed.ok() || !parsed->is_object()) return std::nullopt;
  return std::move(*parsed);
}

Verified fail(TokenError e, std::string detail) { return Verified{e, std::move(detail), {}}; }

// A NumericDate claim in microseconds; nullopt if absent; error if not a finite number.
bool numeric_date(const json& claims, const char* name, std::optional<int64_t>& out) {
  auto it = claims.find(name);
  if (it == claims.end()) return true;
  if (!it->is_number()) return false;
  double seconds = it->get<double>();
  if (!(seconds > -1e12 && seconds < 1e12)) return false;
  out = static_cast<int64_t>(seconds * 1e6);
  return true;
}

}  // namespace

const char* token_error_name(TokenError e) {
  switch (e) {
    case TokenError::kNone: return "ok";
    case TokenError::kTooLarge: return "token too large";
    case TokenError::kMalformed: return "malformed token";
    case TokenError::kBadAlgorithm: return "algorithm not allowed";
    case TokenError::kUnknownKey: return "unknown key";
    case TokenError::kBadSignature: return "bad signature";
    case TokenError::kBadClaims: return "bad claims";
    case TokenError::kExpired: return "token expired";
    case TokenError::kNotYetValid: return "token not yet valid";
    case TokenError::kIssuedInFuture: return "token issued in the future";
    case TokenError::kWrongIssuer: return "wrong issuer";
    case TokenError::kWrongAudience: return "wrong audience";
  }
  return "unknown";
}

bool json_without_duplicate_members(std::string_view text) {
  if (json_nesting_depth(text) > kMaxJsonDepth) return false;
  DuplicateFinder finder;
  bool parsed = json::sax_parse(text, &finder);
  return parsed && !finder.duplicate;
}

struct JwtKeys::Impl {
  std::vector<std::pair<std::string, std::unique_ptr<HmacKey>>> keys;  // kid -> key
  size_t signing = 0;
  const HmacKey* find(const std::string& kid) const {
    for (const auto& [k, key] : keys) {
      if (k == kid) return key.get();
    }
    return nullptr;
  }
};

JwtKeys::JwtKeys(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JwtKeys::JwtKeys(JwtKeys&&) noexcept = default;
JwtKeys& JwtKeys::operator=(JwtKeys&&) noexcept = default;
JwtKeys::~JwtKeys() = default;

Result<JwtKeys> JwtKeys::create(std::vector<JwtKey> keys, const std::string& signing_kid) {
  if (keys.empty()) return invalid_argument("at least one signing key is needed");
  auto impl = std::make_unique<Impl>();
  bool found = false;
  for (auto& k : keys) {
    if (k.kid.empty()) return invalid_argument("a key needs a non-empty kid");
    if (k.secret.size() < 32) return invalid_argument("key '" + k.kid + "': the secret must be at least 32 bytes");
    if (impl->find(k.kid)) return invalid_argument("key '" + k.kid + "' is listed twice");
    auto hmac = HmacKey::create(k.secret);
    if (!hmac) return internal_error("OpenSSL could not prepare HMAC-SHA256");
    if (k.kid == signing_kid) {
      impl->signing = impl->keys.size();
      found = true;
    }
    impl->keys.emplace_back(k.kid, std::move(hmac));
  }
  if (!found) return invalid_argument("the signing key '" + signing_kid + "' is not among the keys");
  return JwtKeys(std::move(impl));
}

std::string JwtKeys::sign(const json& claims) const {
  const auto& [kid, key] = impl_->keys[impl_->signing];
  json header = {{"alg", "HS256"}, {"kid", kid}, {"typ", "JWT"}};
  std::string input = base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());
  return input + "." + base64url_encode(key->mac(input));
}

Verified JwtKeys::verify(std::string_view token, Timestamp now, const JwtExpectations& expect) const {
  if (token.size() > kMaxTokenBytes) return fail(TokenError::kTooLarge, "token longer than " + std::to_string(kMaxTokenBytes) + " bytes");
  size_t dot1 = token.find('.');
  size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return fail(TokenError::kMalformed, "a token has three dot-separated parts");
  }
  auto header = decode_object(token.substr(0, dot1));
  if (!header) return fail(TokenError::kMalformed, "the header is not a base64url JSON object");
  auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string() || *alg != "HS256") return fail(TokenError::kBadAlgorithm, "alg must be HS256");
  if (header->contains("crit")) return fail(TokenError::kBadAlgorithm, "critical header extensions are not supported");
  const HmacKey* key = nullptr;
  auto kid = header->find("kid");
  if (kid != header->end()) {
    if (!kid->is_string()) return fail(TokenError::kUnknownKey, "kid must be a string");
    key = impl_->find(kid->get<std::string>());
    if (!key) return fail(TokenError::kUnknownKey, "no key with this kid");
  } else if (impl_->keys.size() == 1) {
    key = impl_->keys[0].second.get();
  } else {
    return fail(TokenError::kUnknownKey, "kid required: several keys are active");
  }
  auto signature = base64url_decode(token.substr(dot2 + 1));
  if (!signature) return fail(TokenError::kMalformed, "the signature is not base64url");
  std::string expected = key->mac(token.substr(0, dot2));
  if (signature->size() != expected.size() || CRYPTO_memcmp(signature->data(), expected.data(), expected.size()) != 0) {
    return fail(TokenError::kBadSignature, "signature does not match");
  }
  auto claims = decode_object(token.substr(dot1 + 1, dot2 - dot1 - 1));
  if (!claims) return fail(TokenError::kMalformed, "the payload is not a base64url JSON object");
  std::optional<int64_t> exp, nbf, iat;
  if (!numeric_date(*claims, "exp", exp) || !numeric_date(*claims, "nbf", nbf) || !numeric_date(*claims, "iat", iat)) {
    return fail(TokenError::kBadClaims, "exp, nbf and iat must be numbers");
  }
  if (!exp) return fail(TokenError::kBadClaims, "exp is required");
  if (now.micros >= *exp) return fail(TokenError::kExpired, "expired");
  if (nbf && now.micros < *nbf) return fail(TokenError::kNotYetValid, "not valid yet");
  if (iat && now.micros < *iat) return fail(TokenError::kIssuedInFuture, "issued in the future");
  auto iss = claims->find("iss");
  if (iss == claims->end() || !iss->is_string() || *iss != expect.issuer) return fail(TokenError::kWrongIssuer, "wrong issuer");
  auto aud = claims->find("aud");
  bool audience_ok = false;
  if (aud != claims->end() && aud->is_string()) audience_ok = *aud == expect.audience;
  if (aud != claims->end() && aud->is_array()) {
    for (const auto& a : *aud) audience_ok = audience_ok || (a.is_string() && a == expect.audience);
  }
  if (!audience_ok) return fail(TokenError::kWrongAudience, "wrong audience");
  return Verified{TokenError::kNone, "", std::move(*claims)};
}

}  // namespace shapesim::auth
