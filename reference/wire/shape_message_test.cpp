#include "reference/wire/shape_message.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace shapesim {
namespace {

TEST(ShapeMessage, EncodesChangeAsProtocolDescribes) {
  ChangeMessage c;
  c.key = format_row_key("public", "tasks", {"1"});
  c.value = {{"id", "1"}, {"title", std::nullopt}};
  c.op = Operation::kUpdate;
  c.relation = {"public", "tasks"};
  c.txids = {750};
  c.lsn = 1234;
  c.op_position = 2;
  c.last = true;
  auto j = nlohmann::json::parse(encode_message(c));
  EXPECT_EQ(j["key"], "\"public\".\"tasks\"/\"1\"");
  EXPECT_EQ(j["value"]["id"], "1");
  EXPECT_TRUE(j["value"]["title"].is_null());
  EXPECT_EQ(j["headers"]["operation"], "update");
  EXPECT_EQ(j["headers"]["relation"], nlohmann::json::array({"public", "tasks"}));
  EXPECT_EQ(j["headers"]["txids"], nlohmann::json::array({750}));
  EXPECT_EQ(j["headers"]["lsn"], "1234");
  EXPECT_EQ(j["headers"]["op_position"], 2);
  EXPECT_EQ(j["headers"]["last"], true);
}

TEST(ShapeMessage, SnapshotRowsCarryOnlyOperationAndRelation) {
  ChangeMessage c{.key = "k", .value = {{"id", "1"}}, .op = Operation::kInsert, .relation = {"public", "t"}};
  auto j = nlohmann::json::parse(encode_message(c));
  EXPECT_EQ(j["headers"].size(), 2u);
}

TEST(ShapeMessage, ControlMessagesRoundTrip) {
  std::vector<ShapeMessage> msgs = {
      ControlMessage{.kind = ControlKind::kSnapshotEnd, .xmin = 5, .xmax = 9, .xip_list = {6, 7}},
      ControlMessage{.kind = ControlKind::kUpToDate, .global_last_seen_lsn = 77},
      ControlMessage{.kind = ControlKind::kMustRefetch},
  };
  std::string body = "[";
  for (size_t i = 0; i < msgs.size(); ++i) body += (i ? "," : "") + encode_message(msgs[i]);
  body += "]";
  auto j = nlohmann::json::parse(body);
  EXPECT_EQ(j[0]["headers"]["xip_list"], nlohmann::json::array({"6", "7"}));
  EXPECT_EQ(j[1]["headers"]["global_last_seen_lsn"], "77");
  auto back = decode_messages(body);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(*back, msgs);
}

TEST(ShapeMessage, ChangeRoundTrips) {
  ChangeMessage c{.key = "k", .value = {{"a", "x\"y"}, {"b", std::nullopt}}, .old_value = WireRow{{"a", "old"}},
                  .op = Operation::kDelete, .relation = {"public", "t"}, .txids = {1, 2}, .lsn = 9,
                  .op_position = 0, .last = false};
  auto back = decode_messages("[" + encode_message(c) + "]");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(std::get<ChangeMessage>((*back)[0]), c);
  ChangeMessage subset_row{.key = "k", .value = {{"a", "1"}}, .relation = {"public", "t"}, .snapshot_mark = 7};
  auto marked = nlohmann::json::parse(encode_message(subset_row));
  EXPECT_EQ(marked["headers"]["snapshot_mark"], 7);
  auto decoded = decode_messages("[" + encode_message(subset_row) + "]");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(std::get<ChangeMessage>((*decoded)[0]), subset_row);
}

TEST(ShapeMessage, RejectsMalformedBodies) {
  for (const char* bad : {"", "{}", "[1]", "[{}]", "[{\"headers\":{\"control\":\"nope\"}}]",
                          "[{\"headers\":{\"operation\":\"insert\"}}]",
                          "[{\"key\":\"k\",\"value\":{\"a\":1},\"headers\":{\"operation\":\"insert\"}}]",
                          "[{\"key\":\"k\",\"headers\":{\"operation\":\"upsert\"}}]",
                          "[{\"headers\":{\"control\":\"up-to-date\",\"global_last_seen_lsn\":\"-1\"}}]"}) {
    EXPECT_FALSE(decode_messages(bad).ok()) << bad;
  }
}

TEST(RowKey, QuotesAndEscapes) {
  EXPECT_EQ(format_row_key("public", "tasks", {"1", "a/b"}), "\"public\".\"tasks\"/\"1\"/\"a//b\"");
  EXPECT_EQ(format_row_key("s", "we\"ird", {std::nullopt}), "\"s\".\"we\"\"ird\"/_");
}

}  // namespace
}  // namespace shapesim
