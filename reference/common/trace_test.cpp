#include "reference/common/trace.h"

#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "reference/common/hash.h"

namespace shapesim {
namespace {

TEST(Trace, SameEventsSameHashDifferentEventsDifferentHash) {
  Trace a, b, c;
  for (Trace* t : {&a, &b}) {
    t->record(Timestamp{10}, "alice", "send", R"({"x":1})");
    t->record(Timestamp{20}, "server", "recv", R"({"x":1})");
  }
  c.record(Timestamp{10}, "alice", "send", R"({"x":1})");
  c.record(Timestamp{21}, "server", "recv", R"({"x":1})");
  EXPECT_EQ(a.hash(), b.hash());
  EXPECT_NE(a.hash(), c.hash());
  EXPECT_EQ(a.events(), 2u);
  EXPECT_EQ(a.hash_hex().size(), 16u);
}

TEST(Trace, SinkReceivesValidJsonLines) {
  Trace t;
  std::vector<std::string> lines;
  t.set_sink([&](std::string_view l) { lines.emplace_back(l); });
  t.record(Timestamp{5}, "we\"ird\n", "ev", json_quote("tab\there"));
  ASSERT_EQ(lines.size(), 1u);
  auto j = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(j["t"], 5);
  EXPECT_EQ(j["node"], "we\"ird\n");
  EXPECT_EQ(j["d"], "tab\there");
}

// The hash is FNV-1a over the JSON lines a sink receives, each followed by a newline, whether
// or not a sink is attached (the trace hashes its pieces without building the line).
TEST(Trace, HashIsTheHashOfTheLinesWithOrWithoutASink) {
  Trace with_sink, without;
  std::string lines;
  with_sink.set_sink([&](std::string_view l) {
    lines += l;
    lines += "\n";
  });
  for (Trace* t : {&with_sink, &without}) {
    t->record(Timestamp{7}, "client-1", "apply", R"({"n":2})");
    t->record(Timestamp{1234567}, "we\"ird", "send", "{}");
  }
  EXPECT_EQ(with_sink.hash(), fnv1a64(lines));
  EXPECT_EQ(without.hash(), with_sink.hash());
}

}  // namespace
}  // namespace shapesim
