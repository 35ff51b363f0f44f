#include "sim/world.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "reference/common/planted_bugs.h"
#include "sim/checkers.h"

namespace shapesim::sim {
namespace {
using nlohmann::json;

TableSchema tasks() {
  return TableSchema{"public", "tasks", {{"id", ColumnType::kInt8, true}, {"title", ColumnType::kText}, {"owner", ColumnType::kInt4}}, {"id"}};
}

std::unique_ptr<World> make_world(uint64_t seed, double loss = 0.0) {
  auto store = EmbeddedStore::open(":memory:");
  EXPECT_TRUE(store.ok());
  EXPECT_TRUE((*store)->create_table(tasks()).ok());
  WorldConfig config{.seed = seed, .network = {.loss = loss}};
  auto world = std::make_unique<World>(config, std::move(*store));
  add_default_checkers(*world);
  return world;
}

// Every violation found so far, after the at-quiescence checks ran.
std::vector<Violation> check_invariants(World& world) {
  world.check_at_quiescence();
  return world.violations();
}

std::string insert(const std::string& id, int key, int owner) {
  return json({{"id", id},
               {"mutations", {{{"op", "insert"}, {"table", "tasks"}, {"value", {{"id", key}, {"title", "t"}, {"owner", owner}}}}}}})
      .dump();
}

TEST(World, TwoClientsSeeEachOthersWritesAndConverge) {
  auto world = make_world(1);
  auto& alice = world->add_client("alice", {.shape = ShapeDefinition{.table = "tasks"}});
  auto& bob = world->add_client("bob", {.shape = ShapeDefinition{.table = "tasks", .where = "owner = 2"}});
  world->start();
  ASSERT_TRUE(world->run_until_quiescent(Duration::seconds(10)));
  alice.write("a1", insert("a1", 1, 2));
  bob.write("b1", insert("b1", 2, 1));
  ASSERT_TRUE(world->run_until_quiescent(Duration::seconds(10)));
  EXPECT_EQ(alice.collection().rows().size(), 2u);
  EXPECT_EQ(bob.collection().rows().size(), 1u);  // only owner = 2
  EXPECT_EQ(alice.acked_writes().size(), 1u);
  EXPECT_TRUE(check_invariants(*world).empty());
  EXPECT_TRUE(bob.collection().has_seen_txid(alice.acked_writes().at("a1")));
}

TEST(World, PartitionedClientCatchesUpAfterHealWithoutRefetch) {
  auto world = make_world(2);
  auto& alice = world->add_client("alice", {.shape = ShapeDefinition{.table = "tasks"}});
  auto& bob = world->add_client("bob", {.shape = ShapeDefinition{.table = "tasks"}});
  world->start();
  ASSERT_TRUE(world->run_until_quiescent(Duration::seconds(10)));
  world->isolate(bob.id());
  for (int i = 0; i < 5; ++i) alice.write("a" + std::to_string(i), insert("a" + std::to_string(i), i, 1));
  world->run_until(world->now() + Duration::seconds(60));
  EXPECT_EQ(alice.collection().rows().size(), 5u);
  EXPECT_EQ(bob.collection().rows().size(), 0u);
  EXPECT_GT(bob.stream()->retries(), 0u);
  world->heal();
  ASSERT_TRUE(world->run_until_quiescent(Duration::seconds(60)));
  EXPECT_EQ(bob.collection().rows().size(), 5u);
  EXPECT_EQ(bob.stream()->refetches(), 0u);
  EXPECT_TRUE(check_invariants(*world).empty());
}

TEST(World, LossyNetworkStillConvergesAndWritesAreAppliedOnce) {
  auto world = make_world(3, 0.2);
  auto& alice = world->add_client("alice", {.shape = ShapeDefinition{.table = "tasks"}});
  world->start();
  for (int i = 0; i < 20; ++i) alice.write("w" + std::to_string(i), insert("w" + std::to_string(i), i, 1));
  ASSERT_TRUE(world->run_until_quiescent(Duration::seconds(600)));
  EXPECT_EQ(alice.collection().rows().size(), 20u);
  EXPECT_EQ(alice.acked_writes().size(), 20u);
  auto violations = check_invariants(*world);
  for (auto& v : violations) ADD_FAILURE() << format_violation(v);
}

TEST(World, SameSeedSameTraceDifferentSeedDifferentTrace) {
  auto run = [](uint64_t seed) {
    auto world = make_world(seed, 0.1);
    auto& alice = world->add_client("alice", {.shape = ShapeDefinition{.table = "tasks"}});
    world->add_client("bob", {.shape = ShapeDefinition{.table = "tasks"}});
    world->start();
    for (int i = 0; i < 5; ++i) alice.write("w" + std::to_string(i), insert("w" + std::to_string(i), i, 1));
    world->run_until(Timestamp{Duration::seconds(120)});
    return world->trace().hash_hex();
  };
  EXPECT_EQ(run(11), run(11));
  EXPECT_NE(run(11), run(12));
}

TEST(World, ConvergenceCheckerCatchesAChangeTheClientNeverSaw) {
  auto world = make_world(4);
  auto& alice = world->add_client("alice", {.shape = ShapeDefinition{.table = "tasks"}});
  world->start();
  ASSERT_TRUE(world->run_until_quiescent(Duration::seconds(10)));
  // Write behind the server's back: the store changes but no shape log does.
  Mutation m{ChangeKind::kInsert, "public", "tasks", {}, Row{{"id", Value(int64_t{9})}, {"owner", Value(int64_t{1})}}};
  ASSERT_TRUE(world->server().core().store().apply({"sneaky", {m}}).ok());
  auto violations = check_invariants(*world);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].invariant, "convergence");
  EXPECT_EQ(violations[0].node, "alice");
  EXPECT_NE(violations[0].detail.find("missing row"), std::string::npos);
  (void)alice;
}

TEST(World, EventCapStopsARunawayRun) {
  auto store = EmbeddedStore::open(":memory:");
  ASSERT_TRUE((*store)->create_table(tasks()).ok());
  World world({.seed = 1, .max_events = 50}, std::move(*store));
  world.add_client("alice", {.shape = ShapeDefinition{.table = "tasks"}});
  world.start();
  world.run_until(Timestamp{Duration::seconds(3600)});
  EXPECT_TRUE(world.event_cap_hit());
  EXPECT_EQ(world.events_processed(), 50u);
}

std::unique_ptr<World> make_world_on_disk(uint64_t seed) {
  WorldConfig config{.seed = seed};
  auto world = std::make_unique<World>(config, [](EmbeddedStore& s) { return s.create_table(tasks()); });
  add_default_checkers(*world);
  return world;
}

TEST(World, ServerRestartsFromItsDiskAndClientsResumeWithoutRefetch) {
  auto world = make_world_on_disk(5);
  auto& alice = world->add_client("alice", {.shape = ShapeDefinition{.table = "tasks"}});
  world->start();
  alice.write("a1", insert("a1", 1, 1));
  ASSERT_TRUE(world->run_until_quiescent(Duration::seconds(10)));
  std::string handle = *alice.stream()->handle();
  world->crash_server();
  EXPECT_FALSE(world->server().up());
  alice.write("a2", insert("a2", 2, 1));  // retried until the server is back
  world->run_until(world->now() + Duration::seconds(5));
  EXPECT_EQ(alice.pending_writes(), 1u);
  ASSERT_TRUE(world->restart_server().ok());
  ASSERT_TRUE(world->run_until_quiescent(Duration::seconds(120)));
  EXPECT_EQ(alice.collection().rows().size(), 2u);
  EXPECT_EQ(*alice.stream()->handle(), handle);  // the shape survived the restart
  EXPECT_EQ(alice.stream()->refetches(), 0u);
  EXPECT_TRUE(check_invariants(*world).empty());
}

TEST(World, ACrashInTheMiddleOfACommitLosesNoAcknowledgedWrite) {
  for (uint64_t ops = 1; ops <= 10; ++ops) {
    auto world = make_world_on_disk(ops);
    auto& alice = world->add_client("alice", {.shape = ShapeDefinition{.table = "tasks"}});
    world->start();
    ASSERT_TRUE(world->run_until_quiescent(Duration::seconds(10)));
    world->crash_server_during_io(ops);
    alice.write("a1", insert("a1", 1, 1));
    world->run_until(world->now() + Duration::seconds(2));
    world->end_faults();
    ASSERT_TRUE(world->run_until_quiescent(Duration::seconds(300))) << "ops=" << ops;
    EXPECT_EQ(alice.acked_writes().size(), 1u);
    EXPECT_EQ(alice.collection().rows().size(), 1u) << "ops=" << ops;
    auto violations = check_invariants(*world);
    for (auto& v : violations) ADD_FAILURE() << "ops=" << ops << ": " << format_violation(v);
  }
}

TEST(World, ACrashedClientResendsItsOutboxAndSyncsAgain) {
  auto world = make_world_on_disk(6);
  auto& alice = world->add_client("alice", {.shape = ShapeDefinition{.table = "tasks"}});
  world->start();
  ASSERT_TRUE(world->run_until_quiescent(Duration::seconds(10)));
  world->isolate(alice.id());
  alice.write("a1", insert("a1", 1, 1));
  world->crash_client(alice);
  EXPECT_FALSE(alice.up());
  EXPECT_EQ(alice.collection().rows().size(), 0u);
  world->heal();
  world->restart_client(alice);
  ASSERT_TRUE(world->run_until_quiescent(Duration::seconds(120)));
  EXPECT_EQ(alice.acked_writes().size(), 1u);
  EXPECT_EQ(alice.collection().rows().size(), 1u);
  EXPECT_TRUE(check_invariants(*world).empty());
}

TEST(World, ASkewedDriftingClientClockStillConverges) {
  auto world = make_world_on_disk(8);
  auto& alice = world->add_client("alice", {.shape = ShapeDefinition{.table = "tasks"},
                                             .clock = {.skew_micros = -30'000'000, .drift_ppm = 500}});
  world->start();
  for (int i = 0; i < 3; ++i) alice.write("w" + std::to_string(i), insert("w" + std::to_string(i), i, 1));
  ASSERT_TRUE(world->run_until_quiescent(Duration::seconds(60)));
  EXPECT_EQ(alice.collection().rows().size(), 3u);
  EXPECT_LT(alice.local_now(), world->now());
}

TEST(World, ASafetyViolationHaltsTheRun) {
  ScopedPlantedBug bug(PlantedBug::kLongPollAnsweredTwice);
  auto world = make_world_on_disk(9);
  auto& alice = world->add_client("alice", {.shape = ShapeDefinition{.table = "tasks"}});
  world->start();
  ASSERT_TRUE(world->run_until_quiescent(Duration::seconds(10)));
  alice.write("a1", insert("a1", 1, 1));  // releases the parked long-poll, which stays parked
  world->run_until(world->now() + Duration::seconds(5));
  alice.write("a2", insert("a2", 2, 1));  // ...and is answered a second time
  world->run_until(world->now() + Duration::seconds(60));
  ASSERT_FALSE(world->violations().empty());
  EXPECT_EQ(world->violations()[0].invariant, "one-response-per-request");
  EXPECT_LT(world->violations()[0].at, world->now());
}

}  // namespace
}  // namespace shapesim::sim
