#include "reference/sql/decimal.h"

#include <gtest/gtest.h>

#include "reference/sql/datetime.h"

namespace shapesim::sql {
namespace {

Decimal d(const char* s) { return *Decimal::parse(s); }

TEST(Decimal, ParsesAndPrintsWithScale) {
  EXPECT_EQ(d("1.50").to_string(), "1.50");
  EXPECT_EQ(d("-0.001").to_string(), "-0.001");
  EXPECT_EQ(d("1e3").to_string(), "1000");
  EXPECT_EQ(d("1.5e-3").to_string(), "0.0015");
  EXPECT_EQ(d("  007 ").to_string(), "7");
  EXPECT_FALSE(Decimal::parse("1.2.3").ok());
  EXPECT_FALSE(Decimal::parse("abc").ok());
  EXPECT_FALSE(Decimal::parse("123456789012345678901234567890123456789").ok());  // 39 digits
}

TEST(Decimal, ArithmeticIsExactAndDivisionFollowsPostgresScale) {
  EXPECT_EQ(Decimal::add(d("1.5"), d("2.25"))->to_string(), "3.75");
  EXPECT_EQ(Decimal::mul(d("1.5"), d("2.25"))->to_string(), "3.375");
  // Expected values printed by PostgreSQL 15.
  EXPECT_EQ(Decimal::div(d("1"), d("3"))->to_string(), "0.33333333333333333333");
  EXPECT_EQ(Decimal::div(d("10"), d("3"))->to_string(), "3.3333333333333333");
  EXPECT_EQ(Decimal::div(d("123456"), d("7"))->to_string(), "17636.571428571429");
  EXPECT_EQ(Decimal::div(d("1"), d("7"))->to_string(), "0.14285714285714285714");
  EXPECT_FALSE(Decimal::div(d("1"), d("0")).ok());
  EXPECT_EQ(Decimal::compare(d("1.50"), d("1.5")), 0);
  EXPECT_LT(Decimal::compare(d("-2"), d("1")), 0);
  EXPECT_EQ(d("2.5").round_to_scale(0).to_string(), "3");
  EXPECT_EQ(d("-2.5").round_to_scale(0).to_string(), "-3");
  EXPECT_EQ(d("1234.5").round_to_scale(-2).to_string(), "1200");
  EXPECT_EQ(*d("2.5").to_int64(), 3);
}

TEST(DateTime, ParsesAndFormatsIsoForms) {
  EXPECT_EQ(format_date(*parse_date("2024-02-29")), "2024-02-29");
  EXPECT_FALSE(parse_date("2023-02-29").ok());
  EXPECT_EQ(*parse_date("1970-01-01"), 0);
  EXPECT_EQ(format_timestamp(*parse_timestamp("2024-01-02 03:04:05.5", false), false), "2024-01-02 03:04:05.5");
  EXPECT_EQ(format_timestamp(*parse_timestamp("2024-01-02T03:04:05+02:00", true), true), "2024-01-02 01:04:05+00");
  EXPECT_EQ(format_timestamp(*parse_timestamp("1969-12-31 23:59:59", false), false), "1969-12-31 23:59:59");
  EXPECT_EQ(format_time(*parse_time("13:45")), "13:45:00");
  EXPECT_FALSE(parse_time("25:00").ok());
  EXPECT_FALSE(parse_timestamp("2024-01-02 03:04:05 junk", false).ok());
}

}  // namespace
}  // namespace shapesim::sql
