// Differential test against PyJWT (Debian's python3-jwt) as an oracle: tokens PyJWT signs
// verify here with the same claims, tokens signed here decode in PyJWT, and both refuse the
// same tampered and wrong-algorithm tokens.
#include <cstdio>
#include <memory>

#include <unistd.h>

#include <gtest/gtest.h>

#include "reference/auth/jwt.h"

namespace shapesim::auth {
namespace {

using nlohmann::json;

const std::string kSecret = "shared-secret-of-at-least-32-bytes-long";
const Timestamp kNow{Duration::seconds(1'800'000'000)};

// Runs a Python program under /usr/bin/python3 and returns its stdout (nullopt if it failed).
std::optional<std::string> python(const std::string& program) {
  std::string path = ::testing::TempDir() + "/pyjwt_oracle_" + std::to_string(::getpid()) + ".py";
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return std::nullopt;
  std::fputs(program.c_str(), f);
  std::fclose(f);
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(("/usr/bin/python3 " + path + " 2>&1").c_str(), "r"), pclose);
  if (!pipe) return std::nullopt;
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe.get())) > 0) out.append(buf, n);
  pipe.reset();
  std::remove(path.c_str());  // no program left behind in the temporary directory
  return out;
}

bool have_pyjwt() {
  auto out = python("import jwt\nprint('ok')\n");
  return out && out->rfind("ok", 0) == 0;
}

TEST(JwtPyJwtTest, AgreesWithPyJwt) {
  if (!have_pyjwt()) GTEST_SKIP() << "python3-jwt is not installed (ci/install-deps.sh installs it)";
  auto keys = JwtKeys::create({{"k1", kSecret}}, "k1");
  ASSERT_TRUE(keys.ok());
  json claims = {{"sub", "user-ü"}, {"iss", "iss"}, {"aud", "aud"}, {"iat", 1'799'999'990}, {"exp", 1'800'000'100},
                 {"shape", {{"table", "tasks"}, {"params", {"1", "a\"b"}}}}};
  std::string ours = keys->sign(claims);
  std::string program =
      "import jwt, json\n"
      "key = '" + kSecret + "'\n"
      "claims = json.loads(r'''" + claims.dump() + "''')\n"
      "ours = '" + ours + "'\n"
      "opts = dict(algorithms=['HS256'], audience='aud', issuer='iss', options={'verify_exp': False, 'verify_iat': False})\n"
      "print(json.dumps(jwt.decode(ours, key, **opts), sort_keys=True))\n"
      "print(jwt.encode(claims, key, algorithm='HS256', headers={'kid': 'k1'}))\n"
      "print(jwt.encode(claims, key, algorithm='HS384', headers={'kid': 'k1'}))\n"
      "t = ours[:-2] + ('AA' if ours[-2:] != 'AA' else 'BB')\n"
      "try:\n  jwt.decode(t, key, **opts); print('accepted')\nexcept Exception as e: print('refused')\n"
      "n = jwt.encode(claims, None, algorithm='none')\n"
      "try:\n  jwt.decode(n, key, **opts); print('accepted')\nexcept Exception as e: print('refused')\n"
      "print(n)\n"
      "print(t)\n";
  auto out = python(program);
  ASSERT_TRUE(out.has_value());
  std::vector<std::string> lines;
  for (size_t start = 0, end; (end = out->find('\n', start)) != std::string::npos; start = end + 1) lines.push_back(out->substr(start, end - start));
  ASSERT_EQ(lines.size(), 7u) << *out;
  // PyJWT decodes our token to the same claims.
  EXPECT_EQ(json::parse(lines[0]), claims);
  // We verify PyJWT's HS256 token with the same claims, and refuse its HS384 one.
  Verified theirs = keys->verify(lines[1], kNow, {"iss", "aud"});
  ASSERT_TRUE(theirs.ok()) << theirs.detail;
  EXPECT_EQ(theirs.claims(), claims);
  EXPECT_EQ(keys->verify(lines[2], kNow, {"iss", "aud"}).error, TokenError::kBadAlgorithm);
  // Both refuse a tampered signature and alg none.
  EXPECT_EQ(lines[3], "refused");
  EXPECT_EQ(lines[4], "refused");
  EXPECT_FALSE(keys->verify(lines[5], kNow, {"iss", "aud"}).ok());
  EXPECT_FALSE(keys->verify(lines[6], kNow, {"iss", "aud"}).ok());
}

}  // namespace
}  // namespace shapesim::auth
