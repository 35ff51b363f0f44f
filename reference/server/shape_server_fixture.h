// Shared fixture for ShapeServer tests: a server over an in-memory store with `tasks`, and
// helpers to send requests and writes at a controllable `now_`.
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "reference/server/shape_server.h"
#include "reference/server/test_tables.h"

namespace shapesim::testing {

class ShapeServerTest : public ::testing::Test {
 protected:
  void SetUp() override { reset({}); }

  void reset(ServerConfig config) {
    auto store = EmbeddedStore::open(":memory:");
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->create_table(tasks_table()).ok());
    server_ = std::make_unique<ShapeServer>(config, std::move(*store));
  }

  HttpResponse get(const std::string& target, Headers headers = {}) {
    auto out = send("GET", target, "", headers);
    EXPECT_EQ(out.responses.size(), 1u) << target;
    return out.responses.empty() ? HttpResponse{} : out.responses[0].second;
  }

  ServerOutput send(const std::string& method, const std::string& target, std::string body = "", Headers headers = {}) {
    auto req = HttpRequest::from_target(method, target);
    EXPECT_TRUE(req.ok());
    req->body = std::move(body);
    req->headers = std::move(headers);
    auto out = server_->handle(RequestId{next_id_++}, *req, now_);
    out.expand_shared();  // one entry per request, as most tests read them
    return out;
  }

  // Posts a batch; returns everything the server emitted (the write's answer is first).
  ServerOutput write_output(const std::string& id, const nlohmann::json& mutations) {
    auto out = send("POST", "/api/mutations", nlohmann::json({{"id", id}, {"mutations", mutations}}).dump());
    EXPECT_GE(out.responses.size(), 1u);
    if (!out.responses.empty()) {
      EXPECT_EQ(out.responses.front().second.status, 200) << out.responses.front().second.body;
    }
    return out;
  }

  uint64_t write(const std::string& id, const nlohmann::json& mutations) {
    auto out = write_output(id, mutations);
    if (out.responses.empty()) return 0;
    return nlohmann::json::parse(out.responses.front().second.body)["txid"].get<uint64_t>();
  }

  static nlohmann::json insert(int64_t id, const std::string& title, bool done = false) {
    return {{"op", "insert"}, {"table", "tasks"}, {"value", {{"id", id}, {"title", title}, {"done", done}}}};
  }

  std::unique_ptr<ShapeServer> server_;
  Timestamp now_{Duration::seconds(1000)};
  uint64_t next_id_ = 1;
};

}  // namespace shapesim::testing
