#include "reference/auth/jwt.h"

#include <algorithm>
#include <deque>
#include <unordered_map>

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

// SAX handler: builds the value (nlohmann's DOM parser) and refuses a member name repeated
// within one object, in one pass.
class StrictDomParser {
 public:
  using number_integer_t = json::number_integer_t;
  using number_unsigned_t = json::number_unsigned_t;
  using number_float_t = json::number_float_t;
  using string_t = json::string_t;
  using binary_t = json::binary_t;

  explicit StrictDomParser(json& result) : dom_(result, false) {}
  bool duplicate = false;
  bool null() { return dom_.null(); }
  bool boolean(bool v) { return dom_.boolean(v); }
  bool number_integer(number_integer_t v) { return dom_.number_integer(v); }
  bool number_unsigned(number_unsigned_t v) { return dom_.number_unsigned(v); }
  bool number_float(number_float_t v, const string_t& s) { return dom_.number_float(v, s); }
  bool string(string_t& v) { return dom_.string(v); }
  bool binary(binary_t& v) { return dom_.binary(v); }
  bool start_object(std::size_t n) {
    keys_.emplace_back();
    return dom_.start_object(n);
  }
  bool key(string_t& k) {
    auto& seen = keys_.back();
    if (std::find(seen.begin(), seen.end(), k) != seen.end()) {
      duplicate = true;
      return false;
    }
    seen.push_back(k);
    return dom_.key(k);
  }
  bool end_object() {
    keys_.pop_back();
    return dom_.end_object();
  }
  bool start_array(std::size_t n) { return dom_.start_array(n); }
  bool end_array() { return dom_.end_array(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }

 private:
  nlohmann::detail::json_sax_dom_parser<json> dom_;
  std::vector<std::vector<std::string>> keys_;  // member names per open object (objects are small)
};

// Parses JSON text refusing duplicate members and deep nesting; nullopt if not valid.
std::optional<json> parse_strict(std::string_view text) {
  if (json_nesting_depth(text) > kMaxJsonDepth) return std::nullopt;
  json result;
  StrictDomParser parser(result);
  if (!json::sax_parse(text, &parser) || parser.duplicate) return std::nullopt;
  return result;
}

// A JSON object from one token part; nullopt when it is not one (or repeats a member).
std::optional<json> decode_object(std::string_view part) {
  auto text = base64url_decode(part);
  if (!text) return std::nullopt;
  auto parsed = parse_strict(*text);
  if (!parsed || !parsed->is_object()) return std::nullopt;
  return parsed;
}

Verified fail(TokenError e, std::string detail) { return Verified{e, std::move(detail), nullptr}; }

constexpr size_t kVerifiedCacheSize = 8192;
constexpr size_t kHeaderCacheSize = 64;

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

bool json_without_duplicate_members(std::string_view text) { return parse_strict(text).has_value(); }

struct JwtKeys::Impl {
  std::vector<std::pair<std::string, std::unique_ptr<HmacKey>>> keys;  // kid -> key
  size_t signing = 0;
  // Header part -> the key it names (headers repeat: one per kid and library).
  std::unordered_map<std::string, const HmacKey*> headers;
  // Tokens whose signature and JSON were checked -> their claims; `order` evicts oldest first.
  struct Checked {
    std::shared_ptr<const json> payload;
    std::optional<int64_t> exp, nbf, iat;
  };
  std::unordered_map<std::string, Checked> verified;
  std::deque<std::string> order;
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
  std::string input = base64url_encode(header.dump()) + "." +
                      base64url_encode(claims.dump(-1, ' ', false, json::error_handler_t::replace));
  return input + "." + base64url_encode(key->mac(input));
}

namespace {

// The time, issuer and audience checks, on claims whose signature is known good.
Verified check_claims(std::shared_ptr<const json> claims, const std::optional<int64_t>& exp, const std::optional<int64_t>& nbf,
                      const std::optional<int64_t>& iat, Timestamp now, const JwtExpectations& expect) {
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
  return Verified{TokenError::kNone, "", std::move(claims)};
}

}  // namespace

Verified JwtKeys::verify(std::string_view token, Timestamp now, const JwtExpectations& expect) const {
  if (token.size() > kMaxTokenBytes) return fail(TokenError::kTooLarge, "token longer than " + std::to_string(kMaxTokenBytes) + " bytes");
  auto hit = impl_->verified.find(std::string(token));
  if (hit != impl_->verified.end()) {
    const auto& c = hit->second;
    return check_claims(c.payload, c.exp, c.nbf, c.iat, now, expect);
  }
  return verify_uncached(token, now, expect);
}

Verified JwtKeys::verify_uncached(std::string_view token, Timestamp now, const JwtExpectations& expect) const {
  if (token.size() > kMaxTokenBytes) return fail(TokenError::kTooLarge, "token longer than " + std::to_string(kMaxTokenBytes) + " bytes");
  size_t dot1 = token.find('.');
  size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return fail(TokenError::kMalformed, "a token has three dot-separated parts");
  }
  std::string header_part(token.substr(0, dot1));
  const HmacKey* key = nullptr;
  if (auto known = impl_->headers.find(header_part); known != impl_->headers.end()) {
    key = known->second;
  } else {
    auto header = decode_object(header_part);
    if (!header) return fail(TokenError::kMalformed, "the header is not a base64url JSON object");
    auto alg = header->find("alg");
    if (alg == header->end() || !alg->is_string() || *alg != "HS256") return fail(TokenError::kBadAlgorithm, "alg must be HS256");
    if (header->contains("crit")) return fail(TokenError::kBadAlgorithm, "critical header extensions are not supported");
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
    if (impl_->headers.size() >= kHeaderCacheSize) impl_->headers.clear();
    impl_->headers.emplace(std::move(header_part), key);
  }
  auto signature = base64url_decode(token.substr(dot2 + 1));
  if (!signature) return fail(TokenError::kMalformed, "the signature is not base64url");
  std::string expected = key->mac(token.substr(0, dot2));
  if (signature->size() != expected.size() || CRYPTO_memcmp(signature->data(), expected.data(), expected.size()) != 0) {
    return fail(TokenError::kBadSignature, "signature does not match");
  }
  auto claims = decode_object(token.substr(dot1 + 1, dot2 - dot1 - 1));
  if (!claims) return fail(TokenError::kMalformed, "the payload is not a base64url JSON object");
  Impl::Checked checked;
  if (!numeric_date(*claims, "exp", checked.exp) || !numeric_date(*claims, "nbf", checked.nbf) ||
      !numeric_date(*claims, "iat", checked.iat)) {
    return fail(TokenError::kBadClaims, "exp, nbf and iat must be numbers");
  }
  checked.payload = std::make_shared<const json>(std::move(*claims));
  Verified result = check_claims(checked.payload, checked.exp, checked.nbf, checked.iat, now, expect);
  // Remember well-formed, correctly signed tokens (even expired ones: the answer stays cheap).
  if (checked.exp) {
    if (impl_->verified.size() >= kVerifiedCacheSize) {
      impl_->verified.erase(impl_->order.front());
      impl_->order.pop_front();
    }
    if (impl_->verified.emplace(std::string(token), checked).second) impl_->order.emplace_back(token);
  }
  return result;
}

}  // namespace shapesim::auth
