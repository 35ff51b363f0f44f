#include "reference/common/status.h"

#include <gtest/gtest.h>

namespace shapesim {
namespace {

Result<int> half(int x) {
  if (x % 2) return invalid_argument("odd");
  return x / 2;
}

Result<int> quarter(int x) {
  SHAPESIM_ASSIGN_OR_RETURN(int h, half(x));
  return half(h);
}

Status check_even(int x) {
  SHAPESIM_RETURN_IF_ERROR(half(x).status());
  return Status::Ok();
}

TEST(Status, OkAndErrors) {
  EXPECT_TRUE(Status::Ok().ok());
  Status s = not_found("no such shape");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kNotFound);
  EXPECT_EQ(s.to_string(), "not found: no such shape");
}

TEST(Result, PropagatesThroughMacros) {
  EXPECT_EQ(*quarter(8), 2);
  EXPECT_FALSE(quarter(6).ok());  // 6 -> 3 -> odd
  EXPECT_EQ(quarter(6).status().message(), "odd");
  EXPECT_TRUE(check_even(4).ok());
  EXPECT_EQ(check_even(5).code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace shapesim
