// libFuzzer target: tokens and requests through the auth gate.
// Input: "<METHOD> <TARGET>\n<AUTHORIZATION>\n<BODY>". An AUTHORIZATION of "@alice" or "@bob"
// is replaced by a valid user token for that user, "@shape" by a shape token for bob's tasks,
// so the fuzzer gets past the signature into the gatekeeper, proxy, routes and writes.
// Invariants: no crash, no 5xx, every request answered unless parked, tokens verify without
// crashing whatever their bytes, and a shape the gatekeeper grants alice or bob holds only
// their own rows (evaluated from scratch over seeded rows of another organization and user).
#include <cstdint>
#include <string>
#include <string_view>

#include "reference/auth/auth_gate.h"
#include "reference/common/table_schema_json.h"

using namespace shapesim;

namespace {

constexpr const char* kPolicy = R"({
  "keys": [{"kid": "k1", "secret": "fuzz-secret-fuzz-secret-fuzz-secret!!"}],
  "login_secret": "s",
  "tables": {
    "tasks": {"scope": {"organization": "org"}, "read": ["owner", "member", "viewer"], "insert": ["owner", "member"],
              "update": ["owner", "member"], "delete": ["owner"], "columns": {"viewer": ["id", "org"]}},
    "memberships": {"scope": {"organization": "organization_id"}, "read": ["owner"], "insert": ["owner"],
                    "update": ["owner"], "delete": ["owner"]},
    "notes": {"scope": {"owner": "owner_id"}}
  },
  "routes": [{"path": "/o/{org_id}/tasks", "table": "tasks"}, {"path": "/me/notes", "table": "notes"}]
})";

constexpr const char* kTables = R"([
  {"name": "users", "columns": [{"name": "id", "type": "text"}], "primary_key": ["id"]},
  {"name": "memberships", "columns": [{"name": "user_id", "type": "text"}, {"name": "organization_id", "type": "text"},
   {"name": "role", "type": "text"}], "primary_key": ["user_id", "organization_id"]},
  {"name": "tasks", "columns": [{"name": "id", "type": "int8"}, {"name": "org", "type": "text"}, {"name": "title", "type": "text"}],
   "primary_key": ["id"]},
  {"name": "notes", "columns": [{"name": "id", "type": "int8"}, {"name": "owner_id", "type": "text"}], "primary_key": ["id"]}
])";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t line1 = input.find('\n');
  if (line1 == std::string_view::npos) return 0;
  size_t line2 = input.find('\n', line1 + 1);
  if (line2 == std::string_view::npos) return 0;
  std::string_view first = input.substr(0, line1);
  size_t space = first.find(' ');
  if (space == std::string_view::npos) return 0;
  auto request = HttpRequest::from_target(std::string(first.substr(0, space)), first.substr(space + 1));
  if (!request.ok()) return 0;

  auto store = EmbeddedStore::open(":memory:");
  if (!store.ok()) __builtin_trap();
  for (const auto& t : nlohmann::json::parse(kTables)) {
    if (!(*store)->create_table(*table_schema_from_json(t)).ok()) __builtin_trap();
  }
  WriteBatch seed{"seed", {}};
  auto row = [](std::initializer_list<std::pair<const char*, Value>> cols) {
    Row r;
    for (const auto& [k, v] : cols) r[k] = v;
    return r;
  };
  seed.mutations = {
      {ChangeKind::kInsert, "public", "users", {}, row({{"id", Value(std::string("alice"))}})},
      {ChangeKind::kInsert, "public", "users", {}, row({{"id", Value(std::string("bob"))}})},
      {ChangeKind::kInsert, "public", "memberships", {}, row({{"user_id", Value(std::string("alice"))}, {"organization_id", Value(std::string("o1"))}, {"role", Value(std::string("owner"))}})},
      {ChangeKind::kInsert, "public", "memberships", {}, row({{"user_id", Value(std::string("bob"))}, {"organization_id", Value(std::string("o1"))}, {"role", Value(std::string("member"))}})},
      {ChangeKind::kInsert, "public", "tasks", {}, row({{"id", Value(int64_t{1})}, {"org", Value(std::string("o1"))}})},
      {ChangeKind::kInsert, "public", "tasks", {}, row({{"id", Value(int64_t{2})}, {"org", Value(std::string("o2"))}})},
      {ChangeKind::kInsert, "public", "memberships", {}, row({{"user_id", Value(std::string("carol"))}, {"organization_id", Value(std::string("o2"))}, {"role", Value(std::string("owner"))}})},
      {ChangeKind::kInsert, "public", "notes", {}, row({{"id", Value(int64_t{1})}, {"owner_id", Value(std::string("bob"))}})},
      {ChangeKind::kInsert, "public", "notes", {}, row({{"id", Value(int64_t{2})}, {"owner_id", Value(std::string("alice"))}})},
  };
  if (!(*store)->apply(seed).ok()) __builtin_trap();
  ShapeServer server(ServerConfig{}, std::move(*store));
  auto policy = auth::parse_policy(kPolicy, "fuzz");
  if (!policy.ok()) __builtin_trap();
  auto gate = auth::AuthGate::create(std::move(*policy), server);
  if (!gate.ok()) __builtin_trap();
  Timestamp now{Duration::seconds(1'800'000'000)};

  std::string auth(input.substr(line1 + 1, line2 - line1 - 1));
  const std::string auth_name = auth;
  if (auth == "@alice" || auth == "@bob") {
    auth = "Bearer " + (*gate)->user_token(auth.substr(1), now);
  } else if (auth == "@shape") {
    auto login = HttpRequest::from_target("POST", "/api/gatekeeper/tasks");
    login->headers["authorization"] = "Bearer " + (*gate)->user_token("bob", now);
    auto out = (*gate)->handle(RequestId{1}, *login, now);
    auth = "Bearer " + nlohmann::json::parse(out.responses.at(0).second.body)["token"].get<std::string>();
  }
  if (!auth.empty()) request->headers["authorization"] = auth;
  request->body = std::string(input.substr(line2 + 1));
  auto out = (*gate)->handle(RequestId{2}, *request, now);
  size_t answers = 0;
  for_each_response(out, [&](RequestId id, const HttpResponse& r) {
    if (r.status < 200 || r.status >= 500) __builtin_trap();
    if (id == RequestId{2}) ++answers;
  });
  if (answers > 1) __builtin_trap();
  // A shape the gatekeeper grants holds only the caller's rows: bob and alice belong to o1
  // only (another organization's task and another user's note are seeded), and a viewer-less
  // policy column list never widens.
  if (request->path.rfind("/api/gatekeeper/", 0) == 0 && (auth_name == "@alice" || auth_name == "@bob")) {
    for_each_response(out, [&](RequestId id, const HttpResponse& r) {
      if (id != RequestId{2} || r.status != 200) return;
      auto granted = nlohmann::json::parse(r.body, nullptr, false);
      if (!granted.is_object() || !granted.contains("shape")) __builtin_trap();
      const auto& shape = granted["shape"];
      ShapeDefinition d;
      d.table = shape["table"];
      d.where = shape["where"];
      for (const auto& p : shape["params"]) d.params.push_back(p);
      for (const auto& c : shape["columns"]) d.columns.push_back(c);
      auto rows = server.evaluate_from_scratch(d);
      if (!rows.ok()) return;  // evaluation errors leave rows out; nothing is exposed
      const char* scope = d.table == "notes" ? "owner_id" : d.table == "tasks" ? "org" : "organization_id";
      const std::string expected = d.table == "notes" ? auth_name.substr(1) : "o1";
      for (const auto& [key, row] : *rows) {
        auto it = row.find(scope);
        if (it == row.end() || !it->second || *it->second != expected) __builtin_trap();
      }
    });
  }
  if (answers == 0 && (*gate)->tracked_count() == 0 && server.parked_count() == 0 && server.stream_count() == 0) __builtin_trap();
  (void)(*gate)->tick(now + Duration::seconds(60));
  return 0;
}
