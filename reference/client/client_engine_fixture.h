// The in-process rig for ClientEngine tests: the real server core (no network), a local file
// per test case and process, and exchange() that runs requests and answers until quiet.
#pragma once

#include <filesystem>
#include <map>

#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "reference/client/client_engine.h"
#include "reference/server/shape_server.h"
#include "reference/common/testing/temp_file.h"

namespace shapesim::testing_rig {

using Op = LocalMutation::Op;
using nlohmann::json;

inline TableSchema tasks() {
  return TableSchema{"public", "tasks", {{"id", ColumnType::kInt8, true}, {"title", ColumnType::kText}}, {"id"}};
}

inline std::string key_of(int id) { return "\"public\".\"tasks\"/\"" + std::to_string(id) + "\""; }

// A second table, for engines that sync several collections.
inline TableSchema projects() {
  return TableSchema{"public", "projects", {{"id", ColumnType::kInt8, true}, {"name", ColumnType::kText}}, {"id"}};
}

inline std::string project_key(int id) { return "\"public\".\"projects\"/\"" + std::to_string(id) + "\""; }

class ClientEngineTest : public ::testing::Test {
 public:
  // Engine options for open_engine() (a test may change them first).
  ClientEngineOptions options{.collection = "tasks", .shape = {.table = "tasks"}};

 protected:
  void SetUp() override {
    auto store = EmbeddedStore::open(":memory:");
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->create_table(tasks()).ok());
    ASSERT_TRUE((*store)->create_table(projects()).ok());
    ASSERT_TRUE((*store)->apply({"seed", {{ChangeKind::kInsert, "public", "tasks", {}, Row{{"id", Value(int64_t{1})}, {"title", Value(std::string("one"))}}}}}).ok());
    server = std::make_unique<ShapeServer>(ServerConfig{}, std::move(*store));
    // One file per test: CTest runs the cases of this fixture in parallel.
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    file = std::make_unique<testing_support::TempFile>(std::string("client_engine_") + info->name() + ".db");
    path = file->path();
    open_engine();
  }

  void open_engine() {
    engine.reset();
    local.reset();
    auto store = ClientStore::open(path);
    ASSERT_TRUE(store.ok());
    local = std::move(*store);
    auto e = ClientEngine::open(options, local.get(), Random(3));
    ASSERT_TRUE(e.ok()) << e.status().message();
    engine = std::move(*e);
  }

  // Sends what the engine wants to send and delivers what the server answers, until quiet.
  void exchange() {
    for (int round = 0; round < 50; ++round) {
      bool moved = false;
      while (auto out = engine->poll(now)) {
        if (out->kind == ClientEngine::Kind::kStream) stream_offsets.push_back(out->request.query.at("offset"));
        RequestId id{next_id++};
        in_flight[id] = {out->kind, out->batch_id};
        deliver(server->handle(id, out->request, now));
        moved = true;
      }
      if (!moved) return;
    }
  }

  void deliver(ServerOutput out) {
    out.expand_shared();
    for (auto& [id, response] : out.responses) {
      auto it = in_flight.find(id);
      ASSERT_NE(it, in_flight.end());
      auto [kind, batch] = it->second;
      in_flight.erase(it);
      engine->on_response(kind, batch, response, now);
    }
  }

  // Another writer commits straight at the server; what it releases reaches the engine.
  void commit_elsewhere(const std::string& batch_id, const json& mutations) {
    HttpRequest req;
    req.method = "POST";
    req.path = "/api/mutations";
    req.body = json({{"id", batch_id}, {"mutations", mutations}}).dump();
    RequestId id{next_id++};
    ServerOutput out = server->handle(id, req, now);
    out.expand_shared();
    std::erase_if(out.responses, [&](const auto& r) { return r.first == id; });  // its own answer
    deliver(std::move(out));
  }

  uint64_t transact(const std::string& id, std::vector<LocalMutation> ms, const json& server_mutations) {
    auto seq = engine->transact(id, ms, json({{"id", id}, {"mutations", server_mutations}}).dump());
    EXPECT_TRUE(seq.ok()) << seq.status().message();
    return seq.ok() ? *seq : 0;
  }

  std::unique_ptr<ShapeServer> server;
  std::unique_ptr<testing_support::TempFile> file;  // outlives the store and engine below
  std::string path;
  std::unique_ptr<ClientStore> local;
  std::unique_ptr<ClientEngine> engine;
  std::map<RequestId, std::pair<ClientEngine::Kind, std::string>> in_flight;
  std::vector<std::string> stream_offsets;  // of every stream request sent
  uint64_t next_id = 1;
  Timestamp now{Duration::seconds(1000)};
};

}  // namespace shapesim::testing_rig
