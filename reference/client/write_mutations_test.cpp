// The optimistic side of a write batch (local_mutations_for), its JSON form in the outbox, and
// the client-side WHERE (ShapeFilter).
#include "reference/client/write_mutations.h"

#include <gtest/gtest.h>

#include "reference/client/shape_filter.h"

namespace shapesim {
namespace {

using nlohmann::json;

TableSchema items() {
  return TableSchema{"public", "items",
                     {{"id", ColumnType::kInt8, true}, {"owner", ColumnType::kText}, {"n", ColumnType::kInt4}, {"done", ColumnType::kBool}},
                     {"id"}};
}

TEST(LocalMutationsFor, KeysAndTextValuesAsTheStreamDeliversThem) {
  json ms = json::array({{{"op", "insert"}, {"table", "items"}, {"value", {{"id", 7}, {"owner", "a/b"}, {"done", true}}}},
                         {{"op", "update"}, {"table", "items"}, {"key", {{"id", 7}}}, {"value", {{"n", 3}}}},
                         {{"op", "delete"}, {"table", "public.items"}, {"key", {{"id", 8}}}},
                         {{"op", "insert"}, {"table", "other"}, {"value", {{"id", 1}}}}});
  auto local = local_mutations_for(ms, items(), "c");
  ASSERT_TRUE(local.ok()) << local.status().message();
  ASSERT_EQ(local->size(), 3u);  // the other table's mutation is not this collection's
  EXPECT_EQ((*local)[0].key, format_row_key("public", "items", {"7"}));
  EXPECT_EQ((*local)[0].value.at("done"), "t");
  EXPECT_EQ((*local)[0].value.at("n"), std::nullopt);  // an insert is a whole row
  EXPECT_EQ((*local)[1].op, LocalMutation::Op::kUpdate);
  EXPECT_EQ((*local)[1].value.size(), 1u);
  EXPECT_EQ((*local)[2].op, LocalMutation::Op::kDelete);
  EXPECT_EQ((*local)[2].key, format_row_key("public", "items", {"8"}));
}

TEST(LocalMutationsFor, ErrorsNameWhatIsWrong) {
  EXPECT_FALSE(local_mutations_for(json::object(), items(), "c").ok());
  auto no_key = local_mutations_for(json::array({{{"op", "update"}, {"table", "items"}, {"value", {{"n", 1}}}}}), items(), "c");
  ASSERT_FALSE(no_key.ok());
  EXPECT_NE(no_key.status().message().find("key column id"), std::string::npos);
  EXPECT_FALSE(local_mutations_for(json::array({{{"op", "insert"}, {"table", "items"}, {"value", {{"id", "x"}}}}}), items(), "c").ok());
  EXPECT_FALSE(local_mutations_for(json::array({{{"op", "truncate"}, {"table", "items"}}}), items(), "c").ok());
}

TEST(LocalMutationsJson, RoundTripsAndRejectsCorruptFiles) {
  std::vector<LocalMutation> ms = {{LocalMutation::Op::kUpdate, "c", "k1", {{"a", "1"}, {"b", std::nullopt}}},
                                   {LocalMutation::Op::kDelete, "c", "k2", {}}};
  auto back = local_mutations_from_json(local_mutations_to_json(ms));
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0].value, ms[0].value);
  EXPECT_EQ((*back)[1].op, LocalMutation::Op::kDelete);
  EXPECT_FALSE(local_mutations_from_json("{").ok());
  EXPECT_FALSE(local_mutations_from_json("[{\"op\":\"upsert\",\"collection\":\"c\",\"key\":\"k\",\"value\":{}}]").ok());
  EXPECT_FALSE(local_mutations_from_json("[{\"op\":\"insert\",\"collection\":\"c\",\"key\":\"k\",\"value\":{\"a\":1}}]").ok());
}

TEST(ShapeFilter, MatchesWholeRowsAndSaysWhenItCannotTell) {
  auto f = ShapeFilter::create({.table = "items", .where = "n > 2 AND owner = $1", .params = {"ann"}, .columns = {"id", "n", "owner"}}, items());
  ASSERT_TRUE(f.ok()) << f.status().message();
  WireRow in = {{"id", "1"}, {"owner", "ann"}, {"n", "3"}, {"done", "f"}};
  EXPECT_EQ(f->matches(in), true);
  in["n"] = "2";
  EXPECT_EQ(f->matches(in), false);
  in["n"] = std::nullopt;
  EXPECT_EQ(f->matches(in), false);  // NULL > 2 is not true
  WireRow partial = {{"id", "1"}, {"owner", "ann"}, {"n", "3"}};
  EXPECT_EQ(f->matches(partial), std::nullopt);  // "done" is missing
  WireRow bad = {{"id", "1"}, {"owner", "ann"}, {"n", "three"}, {"done", "f"}};
  EXPECT_EQ(f->matches(bad), std::nullopt);
  EXPECT_EQ(f->project(WireRow{{"id", "1"}, {"done", "t"}}).count("done"), 0u);
  EXPECT_FALSE(ShapeFilter::create({.table = "items", .where = "nope = 1"}, items()).ok());
}

}  // namespace
}  // namespace shapesim
