#include "reference/common/value.h"

#include <limits>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace shapesim {
namespace {

TEST(Value, PgTextOfNativeValues) {
  EXPECT_EQ(Value().to_pg_text(), std::nullopt);
  EXPECT_EQ(Value(true).to_pg_text(), "t");
  EXPECT_EQ(Value(false).to_pg_text(), "f");
  EXPECT_EQ(Value(int64_t{-42}).to_pg_text(), "-42");
  EXPECT_EQ(Value("héllo").to_pg_text(), "héllo");
}

TEST(Value, Float8MatchesPostgresOutput) {
  // Expected strings are what PostgreSQL 15 prints for these float8 values.
  EXPECT_EQ(format_pg_float8(1.5), "1.5");
  EXPECT_EQ(format_pg_float8(0.1), "0.1");
  EXPECT_EQ(format_pg_float8(100), "100");
  EXPECT_EQ(format_pg_float8(1e15), "1e+15");
  EXPECT_EQ(format_pg_float8(123456789012345.0), "123456789012345");
  EXPECT_EQ(format_pg_float8(1234567890123456.0), "1.234567890123456e+15");
  EXPECT_EQ(format_pg_float8(0.0001), "0.0001");
  EXPECT_EQ(format_pg_float8(0.00001), "1e-05");
  EXPECT_EQ(format_pg_float8(-2.5e-7), "-2.5e-07");
  EXPECT_EQ(format_pg_float8(1e300), "1e+300");
  EXPECT_EQ(format_pg_float8(std::numeric_limits<double>::infinity()), "Infinity");
  EXPECT_EQ(format_pg_float8(-std::numeric_limits<double>::infinity()), "-Infinity");
  EXPECT_EQ(format_pg_float8(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(format_pg_float8(0.0), "0");
  EXPECT_EQ(format_pg_float8(-0.0), "-0");
}

TEST(Value, ParsesPgTextWithRangeChecks) {
  EXPECT_EQ(*Value::from_pg_text(ColumnType::kInt2, "32767"), Value(int64_t{32767}));
  auto overflow = Value::from_pg_text(ColumnType::kInt2, "32768");
  ASSERT_FALSE(overflow.ok());
  EXPECT_EQ(overflow.status().message(), "value \"32768\" is out of range for type int2");
  EXPECT_FALSE(Value::from_pg_text(ColumnType::kInt4, "2147483648").ok());
  EXPECT_TRUE(Value::from_pg_text(ColumnType::kInt8, "9223372036854775807").ok());
  EXPECT_FALSE(Value::from_pg_text(ColumnType::kInt8, "9223372036854775808").ok());
  auto bad = Value::from_pg_text(ColumnType::kInt8, "12x");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "invalid input syntax for type int8: \"12x\"");
  EXPECT_EQ(*Value::from_pg_text(ColumnType::kBool, "TRUE"), Value(true));
  EXPECT_EQ(*Value::from_pg_text(ColumnType::kBool, "off"), Value(false));
  EXPECT_FALSE(Value::from_pg_text(ColumnType::kBool, "maybe").ok());
  EXPECT_EQ(*Value::from_pg_text(ColumnType::kFloat8, "2.5"), Value(2.5));
  EXPECT_FALSE(Value::from_pg_text(ColumnType::kFloat8, "2.5.1").ok());
  EXPECT_EQ(*Value::from_pg_text(ColumnType::kUuid, "abc"), Value("abc"));
}

TEST(Value, FromJsonChecksTypes) {
  using nlohmann::json;
  EXPECT_EQ(*Value::from_json(ColumnType::kInt8, json(7)), Value(int64_t{7}));
  EXPECT_EQ(*Value::from_json(ColumnType::kInt8, json("7")), Value(int64_t{7}));
  EXPECT_TRUE(Value::from_json(ColumnType::kText, json(nullptr))->is_null());
  EXPECT_EQ(*Value::from_json(ColumnType::kBool, json(true)), Value(true));
  EXPECT_FALSE(Value::from_json(ColumnType::kInt8, json(true)).ok());
  EXPECT_FALSE(Value::from_json(ColumnType::kInt2, json(100000)).ok());
  EXPECT_FALSE(Value::from_json(ColumnType::kInt8, json(1.5)).ok());
  EXPECT_EQ(*Value::from_json(ColumnType::kJsonb, json::parse(R"({"a":1})")), Value(R"({"a":1})"));
}

TEST(ColumnType, NamesAndAliases) {
  EXPECT_EQ(*parse_column_type("bigint"), ColumnType::kInt8);
  EXPECT_EQ(*parse_column_type("INT8"), ColumnType::kInt8);
  EXPECT_STREQ(column_type_name(ColumnType::kTimestamptz), "timestamptz");
  EXPECT_FALSE(parse_column_type("money").ok());
}

}  // namespace
}  // namespace shapesim
