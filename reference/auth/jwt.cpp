#include "reference/auth/jwt.h"

#include <algorithm>
#include <array>
#include <deque>
#include <unordered_map>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "reference/auth/base64url.h"
#include "reference/common/assert.h"
#include "reference/common/bounded_json.h"
#include "reference/common/simdjson_sax.h"

namespace shapesim::auth {

namespace {

using nlohmann::json;

// One HMAC-SHA256 key, prepared once. `keyed_` is re-initialized for each use: OpenSSL's HMAC
// keeps the key's inner and outer pads, and EVP_MAC_init with no key restarts from them.
// (Not for concurrent use: like the rest of JwtKeys, one thread at a time.)
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

  using Digest = std::array<unsigned char, 32>;
  Digest mac(std::string_view data) const {
    Digest digest;
    size_t len = 0;
    bool ok = EVP_MAC_init(keyed_, nullptr, 0, nullptr) == 1 &&
              EVP_MAC_update(keyed_, reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1 &&
              EVP_MAC_final(keyed_, digest.data(), &len, digest.size()) == 1;
    SHAPESIM_ASSERT(ok && len == digest.size());
    return digest;
  }

 private:
  explicit HmacKey(EVP_MAC_CTX* keyed) : keyed_(keyed) {}
  EVP_MAC_CTX* keyed_;
};

// SAX handler: builds the value in one pass, refusing a member name repeated within one object
// (looked up in the object being built) and nesting deeper than kMaxJsonDepth (counted here;
// the events come from simdjson_sax_parse, whose walk recursion is itself bounded, or from
// nlohmann's SAX parser, which keeps its own stack).
class StrictDomBuilder {
 public:
  using number_integer_t = json::number_integer_t;
  using number_unsigned_t = json::number_unsigned_t;
  using number_float_t = json::number_float_t;
  using string_t = json::string_t;
  using binary_t = json::binary_t;

  explicit StrictDomBuilder(json& result) : root_(result) {}
  bool refused = false;  // a duplicate member or too deep (the parse stopped there)

  bool null() { return put(nullptr) != nullptr; }
  bool boolean(bool v) { return put(v) != nullptr; }
  bool number_integer(number_integer_t v) { return put(v) != nullptr; }
  bool number_unsigned(number_unsigned_t v) { return put(v) != nullptr; }
  bool number_float(number_float_t v, const string_t&) { return put(v) != nullptr; }
  bool string(string_t& v) { return put(std::move(v)) != nullptr; }
  bool binary(binary_t& v) { return put(json::binary(std::move(v))) != nullptr; }
  bool start_object(std::size_t) { return open(json::value_t::object); }
  bool start_array(std::size_t) { return open(json::value_t::array); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(string_t& k) {
    auto& members = open_.back()->get_ref<json::object_t&>();
    auto [it, inserted] = members.emplace(std::move(k), nullptr);
    if (!inserted) return refuse();
    member_ = &it->second;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }

 private:
  // Places a value where the parse is: the root, the member whose key came last, or the end of
  // the open array.
  template <class V>
  json* put(V&& v) {
    if (open_.empty()) {
      root_ = json(std::forward<V>(v));
      return &root_;
    }
    json& parent = *open_.back();
    if (parent.is_array()) {
      auto& items = parent.get_ref<json::array_t&>();
      items.emplace_back(std::forward<V>(v));
      return &items.back();
    }
    SHAPESIM_ASSERT(member_ != nullptr);
    *member_ = json(std::forward<V>(v));
    json* placed = member_;
    member_ = nullptr;
    return placed;
  }
  bool open(json::value_t kind) {
    if (open_.size() >= kMaxJsonDepth) return refuse();
    open_.push_back(put(kind));
    return true;
  }
  bool close() {
    SHAPESIM_ASSERT(!open_.empty());
    open_.pop_back();
    return true;
  }
  bool refuse() {
    refused = true;
    return false;
  }

  json& root_;
  std::vector<json*> open_;  // the arrays and objects being filled, outermost first
  json* member_ = nullptr;   // the slot of the member whose key was just read
};

// Parses JSON text refusing duplicate members and deep nesting; nullopt if not valid.
std::optional<json> parse_strict(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") return std::nullopt;  // a byte-order mark is not JSON (RFC 8259 8.1)
  json result;
  StrictDomBuilder builder(result);
  if (!simdjson_sax_parse(text, builder) || builder.refused) return std::nullopt;
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

std::optional<nlohmann::json> parse_strict_json(std::string_view text) { return parse_strict(text); }

struct JwtKeys::Impl {
  std::vector<std::pair<std::string, std::unique_ptr<HmacKey>>> keys;  // kid -> key
  size_t signing = 0;
  // Looked up by string_view, without building a string (C++20 heterogeneous lookup).
  struct TextHash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  // A token is hashed by its last 32 characters, its signature's: an HMAC output, so entries
  // (all correctly signed) spread evenly, and a forged token sharing an entry's tail only
  // meets that one entry. Equality still compares whole tokens.
  struct TokenHash {
    using is_transparent = void;
    size_t operator()(std::string_view token) const {
      return std::hash<std::string_view>{}(token.substr(token.size() > 32 ? token.size() - 32 : 0));
    }
  };
  template <class V, class Hash = TextHash>
  using TextMap = std::unordered_map<std::string, V, Hash, std::equal_to<>>;
  // Header part -> the key it names (headers repeat: one per kid and library).
  TextMap<const HmacKey*> headers;
  // Tokens whose signature and JSON were checked -> their claims; `order` evicts oldest first.
  struct Checked {
    std::shared_ptr<const json> payload;
    std::optional<int64_t> exp, nbf, iat;
  };
  TextMap<Checked, TokenHash> verified;
  std::deque<std::string_view> order;  // the keys of `verified` (a node's key never moves)
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
  const auto digest = key->mac(input);
  return input + "." + base64url_encode(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
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
  auto hit = impl_->verified.find(token);
  if (hit != impl_->verified.end()) {
    const auto& c = hit->second;
    return check_claims(c.payload, c.exp, c.nbf, c.iat, now, expect);
  }
  return verify_first_sight(token, now, expect);
}

Verified JwtKeys::verify_first_sight(std::string_view token, Timestamp now, const JwtExpectations& expect) const {
  if (token.size() > kMaxTokenBytes) return fail(TokenError::kTooLarge, "token longer than " + std::to_string(kMaxTokenBytes) + " bytes");
  size_t dot1 = token.find('.');
  size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return fail(TokenError::kMalformed, "a token has three dot-separated parts");
  }
  const std::string_view header_part = token.substr(0, dot1);
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
    impl_->headers.emplace(std::string(header_part), key);
  }
  auto signature = base64url_decode(token.substr(dot2 + 1));
  if (!signature) return fail(TokenError::kMalformed, "the signature is not base64url");
  const auto expected = key->mac(token.substr(0, dot2));
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
    if (impl_->verified.size() >= kVerifiedTokenCacheSize) {
      auto oldest = impl_->verified.find(impl_->order.front());
      SHAPESIM_ASSERT(oldest != impl_->verified.end());
      impl_->order.pop_front();
      impl_->verified.erase(oldest);
    }
    auto [entry, inserted] = impl_->verified.try_emplace(std::string(token), checked);
    if (inserted) impl_->order.emplace_back(entry->first);
    SHAPESIM_ASSERT(impl_->order.size() == impl_->verified.size());
  }
  return result;
}

}  // namespace shapesim::auth
