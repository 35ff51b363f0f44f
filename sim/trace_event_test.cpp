#include "sim/trace_event.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace shapesim::sim {
namespace {

TEST(TraceEvent, WritesTypedFieldsAsOneJsonLineInCallOrder) {
  Trace trace;
  std::vector<std::string> lines;
  trace.set_sink([&](std::string_view l) { lines.emplace_back(l); });
  TraceEvent(trace, Timestamp{42}, "c\"1", TraceKind::kApply)
      .field("id", uint64_t{7})
      .field("changes", size_t{0})
      .field("refetch", true)
      .field("state", "live")
      .field("delta", int64_t{-3});
  TraceEvent(trace, Timestamp{43}, "world", TraceKind::kHeal);
  TraceEvent(trace, Timestamp{44}, "scenario", TraceKind::kStep).detail(R"({"step":"wait","ms":5})");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], R"({"t":42,"node":"c\"1","ev":"apply","d":{"id":7,"changes":0,"refetch":true,"state":"live","delta":-3}})");
  EXPECT_EQ(lines[1], R"({"t":43,"node":"world","ev":"heal","d":{}})");
  for (const auto& l : lines) EXPECT_FALSE(nlohmann::json::parse(l, nullptr, false).is_discarded()) << l;
  EXPECT_EQ(trace.events(), 3u);
}

TEST(TraceEvent, EveryKindHasItsOwnName) {
  for (int k = 0; k <= static_cast<int>(TraceKind::kPurge); ++k) {
    EXPECT_STRNE(trace_kind_name(static_cast<TraceKind>(k)), "?") << k;
  }
}

}  // namespace
}  // namespace shapesim::sim
