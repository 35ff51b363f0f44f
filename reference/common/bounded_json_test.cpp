#include "reference/common/bounded_json.h"

#include <gtest/gtest.h>

namespace shapesim {
namespace {

std::string nested(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(BoundedJson, MeasuresNestingOutsideStrings) {
  EXPECT_EQ(json_nesting_depth("1"), 0u);
  EXPECT_EQ(json_nesting_depth(R"({"a": [1, {"b": []}]})"), 4u);
  EXPECT_EQ(json_nesting_depth(R"(["[[[[", "\"[[", {"k]": "}}"}])"), 2u);  // brackets in strings do not count
  EXPECT_EQ(json_nesting_depth(nested(kMaxJsonDepth)), kMaxJsonDepth);
  EXPECT_EQ(json_nesting_depth(nested(1000000), 10), 11u);  // stops early
  EXPECT_EQ(json_nesting_depth("]]]]{"), 1u);               // malformed: measured, rejected by the parser
}

TEST(BoundedJson, RefusesDeepDocumentsBeforeParsingThem) {
  auto ok = parse_bounded_json(nested(kMaxJsonDepth));
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_TRUE(ok->is_array());
  auto deep = parse_bounded_json(nested(100000));  // 100,000 levels: no recursion anywhere
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.status().message(), "nests arrays and objects deeper than 128 levels");
  EXPECT_EQ(parse_bounded_json("{\"a\":").status().message(), "is not valid JSON");
}

TEST(BoundedJson, DescriptionsNeverCarryTheWholeValue) {
  EXPECT_EQ(describe_json(nlohmann::json::parse(R"({"a": [1, 2]})")), "a JSON object");
  EXPECT_EQ(describe_json(nlohmann::json::array()), "a JSON array");
  EXPECT_EQ(describe_json(nlohmann::json(true)), "JSON value true");
  std::string shown = describe_json(nlohmann::json(std::string(10000, 'x')));
  EXPECT_LT(shown.size(), 60u);
}

}  // namespace
}  // namespace shapesim
