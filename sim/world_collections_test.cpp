// Simulated clients that sync several collections: settling waits for every collection, the
// checkers look at each one, and a transaction across them shows and confirms as one.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sim/checkers.h"
#include "sim/world.h"

namespace shapesim::sim {
namespace {
using nlohmann::json;

TableSchema tasks() {
  return TableSchema{"public", "tasks", {{"id", ColumnType::kInt8, true}, {"title", ColumnType::kText}}, {"id"}};
}
TableSchema comments() {
  return TableSchema{"public", "comments", {{"id", ColumnType::kInt8, true}, {"task_id", ColumnType::kInt8}, {"body", ColumnType::kText}}, {"id"}};
}

std::unique_ptr<World> make_world(uint64_t seed) {
  auto store = EmbeddedStore::open(":memory:");
  EXPECT_TRUE(store.ok());
  EXPECT_TRUE((*store)->create_table(tasks()).ok());
  EXPECT_TRUE((*store)->create_table(comments()).ok());
  auto world = std::make_unique<World>(WorldConfig{.seed = seed}, std::move(*store));
  add_default_checkers(*world);
  return world;
}

ClientOptions board(const std::string& comments_where = "") {
  return {.shape = ShapeDefinition{.table = "tasks"},
          .more_collections = {{.name = "comments", .shape = ShapeDefinition{.table = "comments", .where = comments_where}}}};
}

json comment(int id, int task, const std::string& body) {
  return {{"op", "insert"}, {"table", "comments"}, {"value", {{"id", id}, {"task_id", task}, {"body", body}}}};
}
json task(int id, const std::string& title) { return {{"op", "insert"}, {"table", "tasks"}, {"value", {{"id", id}, {"title", title}}}}; }

std::string batch(const std::string& id, json mutations) { return json({{"id", id}, {"mutations", std::move(mutations)}}).dump(); }

TEST(WorldCollections, SettlingWaitsForEveryCollection) {
  auto world = make_world(1);
  auto& alice = world->add_client("alice", board());
  auto& writer = world->add_client("writer", {});
  world->start();
  ASSERT_TRUE(world->run_until_quiescent(Duration::seconds(10)));
  EXPECT_EQ(alice.collection_names(), (std::vector<std::string>{"main", "comments"}));
  // A write to the second collection's table only: not settled until that stream has it.
  writer.write("c1", batch("c1", json::array({comment(1, 7, "first")})));
  ASSERT_TRUE(world->run_until_quiescent(Duration::seconds(10)));
  EXPECT_EQ(alice.collection("comments").rows().size(), 1u);
  EXPECT_EQ(alice.collection().rows().size(), 0u);
  EXPECT_TRUE(convergence_differences(*world, alice, nullptr, "comments").empty());
  world->check_at_quiescence();
  EXPECT_TRUE(world->violations().empty());
}

TEST(WorldCollections, ATransactionAcrossCollectionsShowsAtOnceAndConfirmsInBoth) {
  auto world = make_world(2);
  auto& alice = world->add_client("alice", board());
  auto& bob = world->add_client("bob", board("task_id = 1"));
  world->start();
  ASSERT_TRUE(world->run_until_quiescent(Duration::seconds(10)));
  alice.write("t1", batch("t1", json::array({task(1, "plan"), comment(10, 1, "on it"), comment(11, 2, "elsewhere")})));
  // Optimistic in both collections before anything reached the server.
  EXPECT_EQ(alice.visible().size(), 1u);
  EXPECT_EQ(alice.visible("comments").size(), 2u);
  EXPECT_EQ(alice.pending_transactions(), 1u);
  ASSERT_TRUE(world->run_until_quiescent(Duration::seconds(10)));
  EXPECT_EQ(alice.pending_transactions(), 0u);
  EXPECT_EQ(alice.collection("comments").rows().size(), 2u);
  EXPECT_EQ(bob.collection().rows().size(), 1u);
  EXPECT_EQ(bob.collection("comments").rows().size(), 1u);  // only task 1's
  world->check_at_quiescence();
  EXPECT_TRUE(world->violations().empty());
}

TEST(WorldCollections, TheConvergenceCheckerNamesTheCollectionThatDiffers) {
  auto world = make_world(3);
  auto& alice = world->add_client("alice", board());
  auto& writer = world->add_client("writer", {});
  world->start();
  ASSERT_TRUE(world->run_until_quiescent(Duration::seconds(10)));
  // Alice cannot hear of this write: the checker must find her comments behind, not her tasks.
  world->isolate(alice.id());
  writer.write("c1", batch("c1", json::array({comment(1, 1, "unseen")})));
  world->run_until(world->now() + Duration::seconds(5));
  auto differences = convergence_differences(*world, alice, nullptr, "comments");
  ASSERT_EQ(differences.size(), 1u);
  EXPECT_NE(differences[0].find("missing row"), std::string::npos);
  EXPECT_TRUE(convergence_differences(*world, alice, nullptr, "main").empty());
}

}  // namespace
}  // namespace shapesim::sim
