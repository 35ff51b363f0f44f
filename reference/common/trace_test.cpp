#include "reference/common/trace.h"

#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

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

}  // namespace
}  // namespace shapesim
