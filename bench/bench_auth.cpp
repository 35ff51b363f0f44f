// Auth costs: HS256 verifications and signatures per second, and what the gate adds to one
// shape request (the same catch-up GET straight to the ShapeServer and through the AuthGate;
// the difference is the added cost). Run with --benchmark_format=json for machine output.
#include <benchmark/benchmark.h>

#include "reference/auth/auth_gate.h"
#include "reference/server/schema_file.h"

using namespace shapesim;

namespace {

const Timestamp kNow{Duration::seconds(1'800'000'000)};

nlohmann::json shape_claims() {
  return {{"iss", "shapesim"}, {"aud", "shapesim"}, {"sub", "bob"}, {"kind", "shape"}, {"iat", 1'799'999'000},
          {"exp", 1'800'003'600}, {"dv", "4c92d253e8ffca01"},
          {"shape", {{"table", "tasks"}, {"where", "(done = $1) AND \"organization_id\" = $2"}, {"params", {"false", "acme"}},
                     {"columns", nlohmann::json::array()}, {"replica", "default"}}}};
}

// `n` distinct shape tokens (as many users' tokens for one shape).
std::vector<std::string> distinct_tokens(const auth::JwtKeys& keys, size_t n) {
  std::vector<std::string> tokens;
  for (size_t i = 0; i < n; ++i) {
    auto claims = shape_claims();
    claims["sub"] = "user-" + std::to_string(i);
    tokens.push_back(keys.sign(claims));
  }
  return tokens;
}

// A first sight of each token: HMAC, base64url, strict JSON, and remembering it. Twice as many
// tokens as the verified-token cache holds, in turn: each is forgotten before it comes back.
void BM_VerifyHs256(benchmark::State& state) {
  auto keys = auth::JwtKeys::create({{"k1", "bench-secret-of-at-least-32-bytes!!"}}, "k1");
  const auto tokens = distinct_tokens(*keys, 2 * auth::kVerifiedTokenCacheSize);
  size_t next = 0;
  for (auto _ : state) {
    auto v = keys->verify(tokens[next], kNow, {"shapesim", "shapesim"});
    if (!v.ok()) return state.SkipWithError(v.detail.c_str());
    benchmark::DoNotOptimize(v);
    next = next + 1 == tokens.size() ? 0 : next + 1;
  }
  state.counters["verifications/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_VerifyHs256);

// Tokens seen before (1,000 clients' next requests): the cache hit plus time and audience checks.
void BM_VerifyHs256Repeated(benchmark::State& state) {
  auto keys = auth::JwtKeys::create({{"k1", "bench-secret-of-at-least-32-bytes!!"}}, "k1");
  const auto tokens = distinct_tokens(*keys, 1000);
  for (const auto& t : tokens) keys->verify(t, kNow, {"shapesim", "shapesim"});
  size_t next = 0;
  for (auto _ : state) {
    auto v = keys->verify(tokens[next], kNow, {"shapesim", "shapesim"});
    if (!v.ok()) return state.SkipWithError(v.detail.c_str());
    benchmark::DoNotOptimize(v);
    next = next + 1 == tokens.size() ? 0 : next + 1;
  }
  state.counters["verifications/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_VerifyHs256Repeated);

void BM_SignHs256(benchmark::State& state) {
  auto keys = auth::JwtKeys::create({{"k1", "bench-secret-of-at-least-32-bytes!!"}}, "k1");
  nlohmann::json claims = shape_claims();
  for (auto _ : state) benchmark::DoNotOptimize(keys->sign(claims));
  state.counters["signatures/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SignHs256);

// The example deployment with one synced shape of bob's; `through_gate` picks the path.
void shape_request(benchmark::State& state, bool through_gate) {
  auto store = EmbeddedStore::open(":memory:");
  size_t created = 0;
  if (!load_schema_file(std::string(SHAPESIM_SOURCE_DIR) + "/docs/examples/auth/schema.json", **store, created).ok()) {
    return state.SkipWithError("cannot load the example schema");
  }
  ShapeServer server(ServerConfig{}, std::move(*store));
  auto policy = auth::load_policy_file(std::string(SHAPESIM_SOURCE_DIR) + "/docs/examples/auth/policy.json");
  auto gate = auth::AuthGate::create(std::move(*policy), server);
  if (!gate.ok()) return state.SkipWithError(gate.status().message().c_str());
  auto gk = HttpRequest::from_target("POST", "/api/gatekeeper/tasks");
  gk->headers["authorization"] = "Bearer " + (*gate)->user_token("bob", kNow);
  auto granted = nlohmann::json::parse((*gate)->handle(RequestId{1}, *gk, kNow).responses.at(0).second.body);
  ShapeDefinition d;
  d.table = granted["shape"]["table"];
  d.where = granted["shape"]["where"];
  for (const auto& p : granted["shape"]["params"]) d.params.push_back(p);
  HttpRequest get;
  get.path = "/v1/shape";
  d.to_query(get.query);
  get.query["offset"] = "-1";
  get.headers["authorization"] = "Bearer " + granted["token"].get<std::string>();
  auto first = (*gate)->handle(RequestId{2}, get, kNow);
  get.query["offset"] = *first.responses.at(0).second.header("electric-offset");
  get.query["handle"] = *first.responses.at(0).second.header("electric-handle");
  uint64_t id = 10;
  HttpService& service = through_gate ? static_cast<HttpService&>(**gate) : server;
  for (auto _ : state) {
    auto out = service.handle(RequestId{++id}, get, kNow);
    if (out.responses.size() != 1 || out.responses[0].second.status != 200) return state.SkipWithError("not answered 200");
    benchmark::DoNotOptimize(out);
  }
  state.counters["requests/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_ShapeRequestDirect(benchmark::State& state) { shape_request(state, false); }
void BM_ShapeRequestThroughGate(benchmark::State& state) { shape_request(state, true); }
BENCHMARK(BM_ShapeRequestDirect);
BENCHMARK(BM_ShapeRequestThroughGate);

}  // namespace

BENCHMARK_MAIN();
