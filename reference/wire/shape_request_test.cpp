#include "reference/wire/shape_request.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace shapesim {
namespace {

ParsedShapeRequest parse(QueryParams q) { return parse_shape_request(q); }

TEST(ShapeRequest, ParsesInitialRequest) {
  auto p = parse({{"table", "tasks"}, {"offset", "-1"}, {"handle", "ignored"}, {"cache-buster", "1"}});
  ASSERT_TRUE(p.ok()) << p.errors.to_json();
  EXPECT_EQ(p.request->shape.schema, "public");
  EXPECT_EQ(p.request->shape.table, "tasks");
  EXPECT_EQ(p.request->offset_kind, OffsetKind::kBeforeAll);
  EXPECT_FALSE(p.request->handle.has_value());
}

TEST(ShapeRequest, ParsesLiveCatchUpWithParams) {
  auto p = parse({{"table", "\"My Schema\".\"Tasks\""}, {"offset", "100_4"}, {"handle", "h-1"}, {"live", "true"},
                  {"where", "id = $1"}, {"params[1]", "7"}, {"columns", "id, \"Title\""}, {"replica", "full"}});
  ASSERT_TRUE(p.ok()) << p.errors.to_json();
  const auto& r = *p.request;
  EXPECT_EQ(r.shape.schema, "My Schema");
  EXPECT_EQ(r.shape.table, "Tasks");
  EXPECT_EQ(r.offset, (LogOffset{100, 4}));
  EXPECT_EQ(r.handle, "h-1");
  EXPECT_TRUE(r.live);
  EXPECT_EQ(r.shape.params, std::vector<std::string>{"7"});
  EXPECT_EQ(r.shape.columns, (std::vector<std::string>{"id", "Title"}));
  EXPECT_EQ(r.shape.replica, Replica::kFull);
  // to_query round-trips through the parser
  auto again = parse(r.to_query());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.request->shape, r.shape);
}

TEST(ShapeRequest, UnquotedNamesFoldToLowerCase) {
  auto p = parse({{"table", "Public.Tasks"}, {"offset", "-1"}});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.request->shape.schema, "public");
  EXPECT_EQ(p.request->shape.table, "tasks");
}

TEST(ShapeRequest, ReportsEveryBadParameterInElectricFormat) {
  auto p = parse({{"offset", "x_1"}, {"live", "maybe"}, {"params[2]", "a"}, {"replica", "half"}});
  ASSERT_FALSE(p.ok());
  auto j = nlohmann::json::parse(p.errors.to_json());
  EXPECT_EQ(j["message"], "Invalid request");
  EXPECT_EQ(j["errors"]["table"][0], "can't be blank");
  EXPECT_EQ(j["errors"]["offset"][0], "has invalid format");
  EXPECT_EQ(j["errors"]["live"][0], "must be true or false");
  EXPECT_EQ(j["errors"]["params"][0], "parameters must be numbered sequentially, starting from 1");
  EXPECT_EQ(j["errors"]["replica"][0], "is invalid");
}

TEST(ShapeRequest, HandleRequiredAfterInitialAndLiveNotWithMinusOne) {
  auto no_handle = parse({{"table", "t"}, {"offset", "5_0"}});
  ASSERT_FALSE(no_handle.ok());
  EXPECT_TRUE(no_handle.errors.errors.count("handle"));
  auto live_initial = parse({{"table", "t"}, {"offset", "-1"}, {"live", "true"}});
  ASSERT_FALSE(live_initial.ok());
  EXPECT_EQ(live_initial.errors.errors.at("live")[0], "can't be true when offset is -1");
  auto missing_offset = parse({{"table", "t"}});
  ASSERT_FALSE(missing_offset.ok());
  EXPECT_EQ(missing_offset.errors.errors.at("offset")[0], "can't be blank");
}

TEST(ShapeRequest, BadTableAndColumnNames) {
  EXPECT_FALSE(parse({{"table", "1abc"}, {"offset", "-1"}}).ok());
  EXPECT_FALSE(parse({{"table", "a.b.c"}, {"offset", "-1"}}).ok());
  EXPECT_FALSE(parse({{"table", "\"unterminated"}, {"offset", "-1"}}).ok());
  EXPECT_FALSE(parse({{"table", "t"}, {"offset", "-1"}, {"columns", "a,,b"}}).ok());
  EXPECT_FALSE(parse({{"table", "t"}, {"offset", "-1"}, {"columns", "a,a"}}).ok());
}

TEST(ShapeDefinition, CanonicalDistinguishesDefinitions) {
  ShapeDefinition a{.table = "t", .where = "x = 1"};
  ShapeDefinition b = a;
  EXPECT_EQ(a.canonical(), b.canonical());
  b.params = {"1"};
  EXPECT_NE(a.canonical(), b.canonical());
  ShapeDefinition c = a;
  c.replica = Replica::kFull;
  EXPECT_NE(a.canonical(), c.canonical());
}

}  // namespace
}  // namespace shapesim
