#include "reference/sql/equality_filter.h"

#include <gtest/gtest.h>

namespace shapesim {
namespace {

TableSchema tasks() {
  return TableSchema{"public", "tasks",
                     {{"id", ColumnType::kInt8, true}, {"title", ColumnType::kText}, {"done", ColumnType::kBool},
                      {"Owner", ColumnType::kInt4}},
                     {"id"}};
}

Row row(int64_t id, const char* title, bool done, std::optional<int> owner) {
  Row r{{"id", Value(id)}, {"title", Value(title)}, {"done", Value(done)}};
  r["Owner"] = owner ? Value(int64_t{*owner}) : Value();
  return r;
}

TEST(EqualityFilter, EmptyWhereMatchesAll) {
  auto f = EqualityFilter::compile("", tasks(), {});
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->matches(row(1, "a", false, 1)));
}

TEST(EqualityFilter, ConjunctionOfTypedEqualities) {
  auto f = EqualityFilter::compile("done = false AND title = 'it''s' and \"Owner\" = $1", tasks(), {"7"});
  ASSERT_TRUE(f.ok()) << f.status().to_string();
  EXPECT_EQ(f->terms().size(), 3u);
  EXPECT_TRUE(f->matches(row(1, "it's", false, 7)));
  EXPECT_FALSE(f->matches(row(1, "it's", true, 7)));
  EXPECT_FALSE(f->matches(row(1, "its", false, 7)));
  EXPECT_FALSE(f->matches(row(1, "it's", false, 8)));
  EXPECT_FALSE(f->matches(row(1, "it's", false, std::nullopt)));  // NULL = 7 is not true
}

TEST(EqualityFilter, IntegerLiteralAgainstIntColumn) {
  auto f = EqualityFilter::compile("id = -5", tasks(), {});
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->matches(row(-5, "x", false, 1)));
  EXPECT_FALSE(f->matches(row(5, "x", false, 1)));
}

TEST(EqualityFilter, ErrorsNamePositions) {
  auto unknown = EqualityFilter::compile("nope = 1", tasks(), {});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(), "column \"nope\" does not exist (position 0)");
  auto syntax = EqualityFilter::compile("id = 1 OR id = 2", tasks(), {});
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.status().message(), "syntax error at or near \"or\" (position 7)");
  auto dangling = EqualityFilter::compile("id =", tasks(), {});
  ASSERT_FALSE(dangling.ok());
  EXPECT_EQ(dangling.status().message(), "syntax error at or near \"end of input\" (position 4)");
  EXPECT_FALSE(EqualityFilter::compile("id = 'abc'", tasks(), {}).ok());       // bad int8
  EXPECT_FALSE(EqualityFilter::compile("id = $2", tasks(), {"1"}).ok());       // no $2
  EXPECT_FALSE(EqualityFilter::compile("id = 1", tasks(), {"1"}).ok());        // unused param
  EXPECT_FALSE(EqualityFilter::compile("title = true", tasks(), {}).ok());     // type mismatch
  EXPECT_FALSE(EqualityFilter::compile("title = 'open", tasks(), {}).ok());    // unterminated
}

}  // namespace
}  // namespace shapesim
