// The token attack catalogue: each crafted token and the verdict it must get.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "reference/auth/base64url.h"
#include "reference/auth/jwt.h"
#include "reference/common/bounded_json.h"
#include "reference/common/random.h"

namespace shapesim::auth {
namespace {

using nlohmann::json;

const std::string kSecret1 = "first-secret-of-at-least-32-bytes!!";
const std::string kSecret2 = "second-secret-of-at-least-32-bytes!";
const JwtExpectations kExpect{"iss-a", "aud-a"};
const Timestamp kNow{Duration::seconds(1'800'000'000)};

JwtKeys keys() { return std::move(*JwtKeys::create({{"k1", kSecret1}, {"k2", kSecret2}}, "k1")); }

std::string hs256(const std::string& secret, const std::string& input) {
  unsigned char out[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(input.data()),
       input.size(), out, &len);
  return base64url_encode(std::string(reinterpret_cast<char*>(out), len));
}

// A token from raw header and payload text, signed with `secret` (independently of JwtKeys).
std::string craft(const std::string& header, const std::string& payload, const std::string& secret = kSecret1) {
  std::string input = base64url_encode(header) + "." + base64url_encode(payload);
  return input + "." + hs256(secret, input);
}

json good_claims() { return {{"sub", "u1"}, {"iss", "iss-a"}, {"aud", "aud-a"}, {"iat", 1'800'000'000 - 10}, {"exp", 1'800'000'000 + 60}}; }
const std::string kHeader = R"({"alg":"HS256","kid":"k1","typ":"JWT"})";

struct Case {
  const char* name;
  std::string token;
  TokenError expected;
};

TEST(JwtTest, AttackCatalogue) {
  json c = good_claims();
  auto with = [&](const char* k, json v) {
    json x = good_claims();
    x[k] = std::move(v);
    return x.dump();
  };
  auto without = [&](const char* k) {
    json x = good_claims();
    x.erase(k);
    return x.dump();
  };
  std::string good = craft(kHeader, c.dump());
  std::string tampered = good;
  size_t dot = tampered.find('.');
  std::string other_payload = base64url_encode(with("sub", "admin"));
  tampered = tampered.substr(0, dot + 1) + other_payload + tampered.substr(tampered.rfind('.'));
  std::vector<Case> cases = {
      {"valid", good, TokenError::kNone},
      {"signed with the second key", craft(R"({"alg":"HS256","kid":"k2"})", c.dump(), kSecret2), TokenError::kNone},
      {"alg none", base64url_encode(R"({"alg":"none","kid":"k1"})") + "." + base64url_encode(c.dump()) + ".", TokenError::kBadAlgorithm},
      {"alg None", craft(R"({"alg":"None","kid":"k1"})", c.dump()), TokenError::kBadAlgorithm},
      {"RS256 signed with the HMAC secret (confusion)", craft(R"({"alg":"RS256","kid":"k1"})", c.dump()), TokenError::kBadAlgorithm},
      {"HS512", craft(R"({"alg":"HS512","kid":"k1"})", c.dump()), TokenError::kBadAlgorithm},
      {"alg missing", craft(R"({"kid":"k1"})", c.dump()), TokenError::kBadAlgorithm},
      {"alg not a string", craft(R"({"alg":256,"kid":"k1"})", c.dump()), TokenError::kBadAlgorithm},
      {"crit header", craft(R"({"alg":"HS256","kid":"k1","crit":["exp"]})", c.dump()), TokenError::kBadAlgorithm},
      {"unknown kid", craft(R"({"alg":"HS256","kid":"k9"})", c.dump()), TokenError::kUnknownKey},
      {"kid not a string", craft(R"({"alg":"HS256","kid":1})", c.dump()), TokenError::kUnknownKey},
      {"kid missing with two keys", craft(R"({"alg":"HS256"})", c.dump()), TokenError::kUnknownKey},
      {"0 dots", "abc", TokenError::kMalformed},
      {"1 dot", "abc.def", TokenError::kMalformed},
      {"5 dots", good + ".a.b.c", TokenError::kMalformed},
      {"empty header", "." + base64url_encode(c.dump()) + ".sig", TokenError::kMalformed},
      {"header not JSON", craft("not json", c.dump()), TokenError::kMalformed},
      {"header a JSON array", craft(R"(["HS256"])", c.dump()), TokenError::kMalformed},
      {"bad base64url in header", "ey!!." + base64url_encode(c.dump()) + ".sig", TokenError::kMalformed},
      {"padding in header", base64url_encode(kHeader) + "=." + base64url_encode(c.dump()) + ".x", TokenError::kMalformed},
      {"bad base64url signature", good.substr(0, good.rfind('.')) + ".@@@", TokenError::kMalformed},
      {"truncated signature", good.substr(0, good.size() - 3), TokenError::kBadSignature},
      {"truncated signature, odd bits", good.substr(0, good.size() - 4), TokenError::kMalformed},
      {"signature of another key", craft(kHeader, c.dump(), kSecret2), TokenError::kBadSignature},
      {"empty signature", good.substr(0, good.rfind('.') + 1), TokenError::kBadSignature},
      {"tampered payload", tampered, TokenError::kBadSignature},
      {"duplicate alg member", craft(R"({"alg":"none","alg":"HS256","kid":"k1"})", c.dump()), TokenError::kMalformed},
      {"duplicate sub member", craft(kHeader, R"({"sub":"u1","sub":"admin","iss":"iss-a","aud":"aud-a","exp":1800000060})"), TokenError::kMalformed},
      {"payload not JSON", craft(kHeader, "{"), TokenError::kMalformed},
      {"payload with a byte-order mark", craft(kHeader, "\xEF\xBB\xBF" + c.dump()), TokenError::kMalformed},
      {"header with a byte-order mark", craft("\xEF\xBB\xBF" + std::string(kHeader), c.dump()), TokenError::kMalformed},
      {"payload a string", craft(kHeader, "\"x\""), TokenError::kMalformed},
      {"exp missing", craft(kHeader, without("exp")), TokenError::kBadClaims},
      {"exp a string", craft(kHeader, with("exp", "1800000060")), TokenError::kBadClaims},
      {"exp exactly now", craft(kHeader, with("exp", 1'800'000'000)), TokenError::kExpired},
      {"exp in the past", craft(kHeader, with("exp", 1'700'000'000)), TokenError::kExpired},
      {"nbf in the future", craft(kHeader, with("nbf", 1'800'000'001)), TokenError::kNotYetValid},
      {"nbf now", craft(kHeader, with("nbf", 1'800'000'000)), TokenError::kNone},
      {"iat in the future", craft(kHeader, with("iat", 1'800'000'001)), TokenError::kIssuedInFuture},
      {"nbf a string", craft(kHeader, with("nbf", "soon")), TokenError::kBadClaims},
      {"wrong issuer", craft(kHeader, with("iss", "iss-b")), TokenError::kWrongIssuer},
      {"issuer missing", craft(kHeader, without("iss")), TokenError::kWrongIssuer},
      {"wrong audience", craft(kHeader, with("aud", "aud-b")), TokenError::kWrongAudience},
      {"audience list with ours", craft(kHeader, with("aud", json::array({"x", "aud-a"}))), TokenError::kNone},
      {"audience list without ours", craft(kHeader, with("aud", json::array({"x"}))), TokenError::kWrongAudience},
      {"audience missing", craft(kHeader, without("aud")), TokenError::kWrongAudience},
      {"oversized token", craft(kHeader, with("pad", std::string(kMaxTokenBytes, 'x'))), TokenError::kTooLarge},
      {"deeply nested payload", craft(kHeader, std::string(200, '[') + std::string(200, ']')), TokenError::kMalformed},
  };
  JwtKeys k = keys();
  for (const auto& tc : cases) {
    Verified v = k.verify(tc.token, kNow, kExpect);
    EXPECT_EQ(v.error, tc.expected) << tc.name << ": got " << token_error_name(v.error) << " (" << v.detail << ")";
    if (tc.expected == TokenError::kNone) {
      EXPECT_EQ(v.claims()["sub"], "u1") << tc.name;
    }
  }
}

TEST(JwtTest, SignedTokensVerifyAndCarryTheKid) {
  JwtKeys k = keys();
  std::string token = k.sign(good_claims());
  Verified v = k.verify(token, kNow, kExpect);
  ASSERT_TRUE(v.ok()) << v.detail;
  EXPECT_EQ(v.claims(), good_claims());
  auto header = json::parse(*base64url_decode(token.substr(0, token.find('.'))));
  EXPECT_EQ(header, json({{"alg", "HS256"}, {"kid", "k1"}, {"typ", "JWT"}}));
  // Rotation: the old signing key keeps verifying after k2 takes over signing.
  auto rotated = JwtKeys::create({{"k1", kSecret1}, {"k2", kSecret2}}, "k2");
  ASSERT_TRUE(rotated.ok());
  EXPECT_TRUE(rotated->verify(token, kNow, kExpect).ok());
  // A single key verifies tokens without a kid.
  auto single = JwtKeys::create({{"k1", kSecret1}}, "k1");
  EXPECT_TRUE(single->verify(craft(R"({"alg":"HS256"})", good_claims().dump()), kNow, kExpect).ok());
}

TEST(JwtTest, KeySetsAreValidated) {
  EXPECT_FALSE(JwtKeys::create({}, "k1").ok());
  EXPECT_FALSE(JwtKeys::create({{"k1", "short"}}, "k1").ok());
  EXPECT_FALSE(JwtKeys::create({{"k1", kSecret1}, {"k1", kSecret2}}, "k1").ok());
  EXPECT_FALSE(JwtKeys::create({{"k1", kSecret1}}, "k2").ok());
  EXPECT_FALSE(JwtKeys::create({{"", kSecret1}}, "").ok());
}

TEST(Base64UrlTest, RoundTripsAndIsStrict) {
  for (std::string s : {std::string(), std::string("f"), std::string("fo"), std::string("foo"), std::string("foob"),
                        std::string("fooba"), std::string("foobar"), std::string("\xff\xfe\x00", 3)}) {
    EXPECT_EQ(base64url_decode(base64url_encode(s)), s);
  }
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_FALSE(base64url_decode("Zg==").has_value());  // padding
  EXPECT_FALSE(base64url_decode("Zh").has_value());    // non-zero trailing bits
  EXPECT_FALSE(base64url_decode("Z").has_value());     // impossible length
  EXPECT_FALSE(base64url_decode("a+b/").has_value());  // standard alphabet
  EXPECT_FALSE(base64url_decode("ab c").has_value());
}

// The reference decoder: six bits at a time into an accumulator (what base64url_decode did
// before it decoded four characters at once).
std::optional<std::string> decode_bit_by_bit(std::string_view text) {
  static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    size_t v = kAlphabet.find(c);
    if (v == std::string::npos || c == '\0') return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

TEST(Base64UrlTest, AgreesWithTheBitByBitDecoderOnRandomText) {
  Random rng(7);
  const std::string kChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=. !";
  int decoded = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    size_t length = rng.uniform(0, 13);
    bool alphabet_only = rng.uniform(0, 1) == 0;
    for (size_t j = 0; j < length; ++j) text += kChars[rng.uniform(0, alphabet_only ? 63 : kChars.size() - 1)];
    auto expected = decode_bit_by_bit(text);
    ASSERT_EQ(base64url_decode(text), expected) << text;
    decoded += expected.has_value();
    std::string bytes;
    for (size_t j = 0; j < length; ++j) bytes += static_cast<char>(rng.uniform(0, 255));
    ASSERT_EQ(base64url_decode(base64url_encode(bytes)), bytes);
  }
  EXPECT_GT(decoded, 2000);  // both verdicts are exercised
}

TEST(JwtTest, StrictJsonRefusesDuplicatesAtAnyLevelAndDeepNesting) {
  EXPECT_TRUE(json_without_duplicate_members(R"({"a":1,"b":{"a":2,"c":[{"a":3},{"a":4}]}})"));
  EXPECT_FALSE(json_without_duplicate_members(R"({"a":1,"a":1})"));
  EXPECT_FALSE(json_without_duplicate_members(R"({"a":{"x":1,"y":[{"z":1,"z":2}]}})"));
  EXPECT_FALSE(json_without_duplicate_members(R"({"a":1)"));
  std::string deepest = std::string(kMaxJsonDepth - 1, '[') + "{}" + std::string(kMaxJsonDepth - 1, ']');
  EXPECT_TRUE(json_without_duplicate_members(deepest));
  std::string deeper = "[" + deepest + "]";
  EXPECT_FALSE(json_without_duplicate_members(deeper));
  std::string very_deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_FALSE(json_without_duplicate_members(very_deep));
}

}  // namespace
}  // namespace shapesim::auth
