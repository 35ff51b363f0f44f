#include "reference/wire/shape_message.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "reference/common/random.h"
#include "reference/common/testing/json_mutation.h"
#include "reference/wire/shape_message_reference_decoder.h"

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

// decode_messages() gives what the reference decoder gives: the same messages or the same
// error. Returns whether the body decoded.
bool expect_same_as_reference(const std::string& body) {
  auto decoded = decode_messages(body);
  auto reference = decode_messages_reference(body);
  EXPECT_EQ(decoded.ok(), reference.ok()) << body;
  if (decoded.ok() != reference.ok()) return false;
  if (decoded.ok()) {
    EXPECT_EQ(*decoded, *reference) << body;
  } else {
    EXPECT_EQ(decoded.status().message(), reference.status().message()) << body;
  }
  return decoded.ok();
}

// The streaming decoder against the reference DOM decoder: the same messages or the same
// error, over valid bodies and bodies with one token replaced, duplicated keys, wrong types
// and truncations.
TEST(ShapeMessage, StreamingDecoderAgreesWithTheReferenceDecoder) {
  const std::vector<std::string> bases = {
      R"([{"key":"\"public\".\"t\"/\"1\"","value":{"id":"1","title":null},"headers":{"operation":"insert","relation":["public","t"],"txids":[7,8],"lsn":"1234","op_position":0,"last":true}}])",
      R"([{"headers":{"control":"snapshot-end","xmin":"5","xmax":"9","xip_list":["6","7"]}},{"headers":{"control":"up-to-date","global_last_seen_lsn":"42"}}])",
      R"([{"key":"k","value":{"a":"1"},"old_value":{"a":"0"},"headers":{"operation":"update","relation":["s","t"],"snapshot_mark":3}},{"headers":{"control":"must-refetch"}}])",
      R"([{"key":"k","value":{"a":1,"a":"x"},"headers":{"operation":"delete","extra":{"x":[1,{"y":null}]}},"headers":{"operation":"insert"}}])",
  };
  // Also numbers and strings at the edges where simdjson and nlohmann could classify
  // differently (signed zero, 64-bit limits, overflow, escapes, surrogates).
  const std::vector<std::string> tokens = {"1", "-1", "1.5", "true", "false", "null", "\"x\"", "\"12\"", "[]", "{}", "[1]",
                                           "[\"a\"]", "{\"a\":1}", "\"insert\"", "\"up-to-date\"", "\"snapshot-end\"",
                                           "-0", "0", "1e2", "18446744073709551615", "18446744073709551616",
                                           "9223372036854775808", "-9223372036854775809", "1e400",
                                           "\"\\u00e9\"", "\"\\ud800\"", "\"\\ud83d\\ude00\""};
  Random rng(20261129);
  size_t compared = 0, agreed_ok = 0;
  auto check = [&](const std::string& body) {
    if (expect_same_as_reference(body)) ++agreed_ok;
    ++compared;
  };
  for (const auto& b : bases) check(b);
  for (int i = 0; i < 4000; ++i) {
    // One value after a ':', '[' or ',' replaced with a token, or the body cut short.
    auto body = testing::mutate_json(bases[rng.uniform(0, bases.size() - 1)], tokens, rng, 4);
    if (!body) continue;
    check(*body);
  }
  EXPECT_GT(agreed_ok, 100u);  // the mutations leave many bodies valid, not only errors
  EXPECT_GT(compared - agreed_ok, 1000u);  // and many errors, compared message for message
}

// Bodies simdjson may refuse or read differently from nlohmann, each compared with the
// reference: the decoder must give the same messages or the same error.
TEST(ShapeMessage, BodiesAtTheEdgeOfTheFastParserMatchTheReference) {
  const std::string msg = R"({"key":"k","value":{"a":"1"},"headers":{"operation":"insert","op_position":OP,"txids":[TX]}})";
  auto with = [&](const std::string& op, const std::string& tx) {
    std::string m = msg;
    m.replace(m.find("OP"), 2, op);
    m.replace(m.find("TX"), 2, tx);
    return "[" + m + "]";
  };
  const std::vector<std::string> bodies = {
      with("0", "1"), with("-0", "1"), with("0.0", "1"), with("18446744073709551615", "18446744073709551615"),
      with("18446744073709551616", "1"), with("1", "18446744073709551616"), with("1", "-0"), with("1e400", "1"),
      with("9223372036854775808", "9223372036854775807"),
      "\xEF\xBB\xBF" + with("1", "1"),  // a byte-order mark
      with("1", "1") + " ",                  // trailing whitespace
      with("1", "1") + " []",                // trailing content
      "[{\"key\":\"\\ud800\",\"value\":{},\"headers\":{\"operation\":\"insert\"}}]",      // a lone surrogate
      "[{\"key\":\"\\ud83d\\ude00\",\"value\":{},\"headers\":{\"operation\":\"insert\"}}]",  // a surrogate pair
      "[{\"key\":\"\xC3\x28\",\"value\":{},\"headers\":{\"operation\":\"insert\"}}]",      // invalid UTF-8
      "[{\"key\":\"a\tb\",\"value\":{},\"headers\":{\"operation\":\"insert\"}}]",           // a raw control character
      "[{\"key\":\"a, -0\",\"value\":{\"b\":\"[-0\"},\"headers\":{\"operation\":\"insert\"}}]",  // "-0" inside strings
      "  [ ]  ", "[]", "[", "]", "nul", "null", "\"x\"",
  };
  for (const auto& body : bodies) expect_same_as_reference(body);
}

// A body past the size whose parser buffers are reused (a snapshot chunk) decodes the same,
// and a small one after it still does.
TEST(ShapeMessage, ALargeBodyThenASmallOneDecodeLikeTheReference) {
  std::string large = "[";
  for (int i = 0; i < 15000; ++i) {
    ChangeMessage c{.key = "k" + std::to_string(i),
                    .value = {{"id", std::to_string(i)}, {"title", std::string(60, static_cast<char>('a' + i % 26))}},
                    .op = Operation::kInsert};
    large += (i ? "," : "") + encode_message(c);
  }
  large += "]";
  ASSERT_GT(large.size(), size_t{1} << 20);
  auto decoded = decode_messages(large);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  ASSERT_EQ(decoded->size(), 15000u);
  EXPECT_EQ(*decoded, *decode_messages_reference(large));
  const std::string small = R"([{"headers":{"control":"up-to-date","global_last_seen_lsn":"42"}}])";
  EXPECT_EQ(*decode_messages(small), *decode_messages_reference(small));
}

TEST(RowKey, QuotesAndEscapes) {
  EXPECT_EQ(format_row_key("public", "tasks", {"1", "a/b"}), "\"public\".\"tasks\"/\"1\"/\"a//b\"");
  EXPECT_EQ(format_row_key("s", "we\"ird", {std::nullopt}), "\"s\".\"we\"\"ird\"/_");
}

}  // namespace
}  // namespace shapesim
