// Test fixture: the example deployment (docs/examples/auth: schema with seed rows, policy)
// in an in-memory store, a ShapeServer, and an AuthGate in front of it.
#pragma once

#include <gtest/gtest.h>

#include "reference/auth/auth_gate.h"
#include "reference/server/schema_file.h"
#include "reference/wire/shape_request.h"

namespace shapesim::auth::testing {

// A file of the source tree (docs/examples/...).
inline std::string source_path(const std::string& relative) { return std::string(SHAPESIM_SOURCE_DIR) + "/" + relative; }

class AuthGateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = EmbeddedStore::open(":memory:");
    ASSERT_TRUE(store.ok());
    size_t created = 0;
    ASSERT_TRUE(load_schema_file(source_path("docs/examples/auth/schema.json"), **store, created).ok());
    server_ = std::make_unique<ShapeServer>(ServerConfig{}, std::move(*store));
    auto policy = load_policy_file(source_path("docs/examples/auth/policy.json"));
    ASSERT_TRUE(policy.ok()) << policy.status().message();
    auto gate = AuthGate::create(std::move(*policy), *server_);
    ASSERT_TRUE(gate.ok()) << gate.status().message();
    gate_ = std::move(*gate);
  }

  ServerOutput send(const std::string& method, const std::string& target, const std::string& token = "",
                    const std::string& body = "") {
    auto req = HttpRequest::from_target(method, target);
    EXPECT_TRUE(req.ok()) << target;
    if (!token.empty()) req->headers["authorization"] = "Bearer " + token;
    req->body = body;
    auto out = gate_->handle(RequestId{next_id_++}, *req, now_);
    out.expand_shared();
    return out;
  }

  // The one answer to a request that is not parked.
  HttpResponse call(const std::string& method, const std::string& target, const std::string& token = "",
                    const std::string& body = "") {
    auto out = send(method, target, token, body);
    EXPECT_GE(out.responses.size(), 1u) << target;
    return out.responses.empty() ? HttpResponse{} : out.responses.front().second;
  }

  std::string login(const std::string& user) {
    auto r = call("POST", "/api/auth/login", "", nlohmann::json({{"user_id", user}, {"secret", "dev-login-secret"}}).dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return nlohmann::json::parse(r.body).value("token", "");
  }

  // POST /api/gatekeeper/<table>; the parsed answer.
  nlohmann::json gatekeeper(const std::string& user_token, const std::string& table, const nlohmann::json& body, int expect = 200) {
    auto r = call("POST", "/api/gatekeeper/" + table, user_token, body.is_null() ? "" : body.dump());
    EXPECT_EQ(r.status, expect) << r.body;
    return nlohmann::json::parse(r.body);
  }

  // The /v1/shape target a gatekeeper answer describes, plus protocol parameters.
  static std::string shape_target(const nlohmann::json& shape, const std::string& protocol = "offset=-1") {
    ShapeDefinition d;
    d.table = shape["table"];
    d.where = shape["where"];
    for (const auto& p : shape["params"]) d.params.push_back(p);
    for (const auto& c : shape["columns"]) d.columns.push_back(c);
    d.replica = shape["replica"] == "full" ? Replica::kFull : Replica::kDefault;
    QueryParams q;
    d.to_query(q);
    HttpRequest r;
    r.path = "/v1/shape";
    r.query = q;
    return r.target() + "&" + protocol;
  }

  uint64_t write(const std::string& token, const std::string& id, const nlohmann::json& mutations, int expect = 200) {
    auto r = call("POST", "/api/mutations", token, nlohmann::json({{"id", id}, {"mutations", mutations}}).dump());
    EXPECT_EQ(r.status, expect) << r.body;
    return r.status == 200 ? nlohmann::json::parse(r.body)["txid"].get<uint64_t>() : 0;
  }

  std::unique_ptr<ShapeServer> server_;
  std::unique_ptr<AuthGate> gate_;
  Timestamp now_{Duration::seconds(1'800'000'000)};
  uint64_t next_id_ = 1;
};

}  // namespace shapesim::auth::testing
