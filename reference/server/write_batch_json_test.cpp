#include "reference/server/write_batch_json.h"

#include <gtest/gtest.h>

#include "reference/common/random.h"
#include "reference/common/testing/json_mutation.h"
#include "reference/server/embedded_store.h"
#include "reference/server/test_tables.h"

namespace shapesim {
namespace {

// tasks (int8 id, text title, bool done, int4 owner) and docs (json body, int4[] tags).
std::unique_ptr<EmbeddedStore> store_with_tables() {
  auto store = EmbeddedStore::open(":memory:");
  EXPECT_TRUE(store.ok());
  EXPECT_TRUE((*store)->create_table(testing::tasks_table()).ok());
  TableSchema docs{"public", "docs", {{"id", ColumnType::kInt8, true}, {"body", ColumnType::kJson}, {"tags", ColumnType::kInt4, false, 1}}, {"id"}};
  EXPECT_TRUE((*store)->create_table(docs).ok());
  return std::move(*store);
}

bool same_batch(const WriteBatch& a, const WriteBatch& b) {
  if (a.id != b.id || a.mutations.size() != b.mutations.size()) return false;
  for (size_t i = 0; i < a.mutations.size(); ++i) {
    const Mutation &x = a.mutations[i], &y = b.mutations[i];
    if (x.kind != y.kind || x.schema != y.schema || x.table != y.table || x.key != y.key || x.value != y.value) return false;
  }
  return true;
}

TEST(WriteBatchJson, StreamingParserBuildsTheBatch) {
  auto store = store_with_tables();
  auto batch = stream_write_batch(
      R"({"id":"b1","extra":{"skipped":[1,{"deep":[]}]},"mutations":[)"
      R"({"value":{"id":1,"title":"a","done":false,"owner":-3},"table":"tasks","op":"insert"},)"
      R"({"op":"update","table":"public.tasks","value":{"id":1,"title":null},"note":"ignored"},)"
      R"({"op":"delete","table":"tasks","key":{"id":"1"}}]})",
      *store);
  ASSERT_TRUE(batch.has_value());  // taken by the stream, not handed to the reference
  EXPECT_EQ(batch->id, "b1");
  ASSERT_EQ(batch->mutations.size(), 3u);
  EXPECT_EQ(batch->mutations[0].kind, ChangeKind::kInsert);
  EXPECT_EQ(batch->mutations[0].value, testing::task(1, "a", false, -3));
  EXPECT_EQ(batch->mutations[1].kind, ChangeKind::kUpdate);
  EXPECT_EQ(batch->mutations[1].key, (Row{{"id", Value(int64_t{1})}}));  // taken from the value
  EXPECT_EQ(batch->mutations[1].value, (Row{{"id", Value(int64_t{1})}, {"title", Value()}}));
  EXPECT_EQ(batch->mutations[2].kind, ChangeKind::kDelete);
  EXPECT_EQ(batch->mutations[2].key, (Row{{"id", Value(int64_t{1})}}));
}

TEST(WriteBatchJson, BodiesTheStreamDoesNotTakeAreAnsweredByTheReference) {
  auto store = store_with_tables();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", "body is not valid JSON"},
      {"[]", "body must be a JSON object"},
      {R"({"id":"a","id":"b","mutations":[{"op":"insert","table":"tasks","value":{"id":1}}]})", ""},  // last id wins
      {R"({"id":"","mutations":[]})", "\"id\" must be a non-empty string"},
      {R"({"id":"a","mutations":[]})", "\"mutations\" must not be empty (an empty batch would commit nothing)"},
      {R"({"id":"a","mutations":{}})", "\"mutations\" must be an array"},
      {R"({"id":"a","mutations":[{"op":"insert","table":"nope","value":{"id":1}}]})", "relation \"public.nope\" does not exist"},
      {R"({"id":"a","mutations":[{"op":"upsert","table":"tasks","value":{"id":1}}]})",
       "unknown op \"upsert\" (insert, update, delete or truncate)"},
      {R"({"id":"a","mutations":[{"op":"insert","table":"tasks","value":{"id":1,"id":2}}]})", ""},  // last column value wins
      {R"({"id":"a","mutations":[{"op":"insert","table":"tasks","value":{"zz":1,"done":"maybe"}}]})",
       "column \"done\": invalid input syntax for type boolean: \"maybe\""},  // the first error in column order
      {R"({"id":"a","mutations":[{"op":"insert","table":"docs","value":{"id":1,"body":{"a":[1,2]},"tags":[1,null,3]}}]})", ""},
      {"{\"id\":\"a\",\"x\":" + std::string(200, '[') + std::string(200, ']') + ",\"mutations\":[]}",
       "body nests arrays and objects deeper than 128 levels"},
  };
  for (const auto& [body, error] : cases) {
    EXPECT_FALSE(stream_write_batch(body, *store).has_value()) << body;
    auto streamed = parse_write_batch(body, *store);
    auto reference = parse_write_batch_reference(body, *store);
    ASSERT_EQ(streamed.ok(), reference.ok()) << body;
    if (streamed.ok()) {
      EXPECT_TRUE(same_batch(*streamed, *reference)) << body;
      EXPECT_TRUE(error.empty()) << body;
    } else {
      EXPECT_EQ(streamed.status().message(), reference.status().message()) << body;
      EXPECT_EQ(streamed.status().message(), error) << body;
    }
  }
  auto last_wins = parse_write_batch(cases[8].first, *store);
  ASSERT_TRUE(last_wins.ok());
  EXPECT_EQ(last_wins->mutations[0].value.at("id"), Value(int64_t{2}));
  auto nested = parse_write_batch(cases[10].first, *store);
  ASSERT_TRUE(nested.ok());
  EXPECT_EQ(nested->mutations[0].value.at("tags"), Value(std::string("{\"1\",NULL,\"3\"}")));
}

// The two parsers over valid bodies with one value replaced by another token, or cut short:
// the same batch or the same error, every time.
TEST(WriteBatchJson, StreamingParserAgreesWithTheReference) {
  auto store = store_with_tables();
  const std::vector<std::string> bases = {
      R"({"id":"w1","mutations":[{"op":"insert","table":"tasks","value":{"id":1,"title":"t","done":true,"owner":2}}]})",
      R"({"mutations":[{"table":"tasks","op":"update","key":{"id":3},"value":{"title":"x","owner":7}},{"op":"delete","table":"\"public\".\"tasks\"","value":{"id":4}}],"id":"w2"})",
      R"({"id":"w3","meta":{"a":[1,2]},"mutations":[{"op":"insert","table":"docs","value":{"id":9,"body":{"k":"v"},"tags":"{1,2}"}},{"op":"truncate","table":"tasks"}]})",
  };
  const std::vector<std::string> tokens = {"1", "-1", "1.5", "1e3", "99999999999", "18446744073709551615", "true", "false",
                                           "null", "\"x\"", "\"12\"", "\"\"", "[]", "{}", "[1]", "{\"id\":1}",
                                           "\"insert\"", "\"update\"", "\"tasks\"", "\"docs\"", "{\"a\":{\"b\":[]}}"};
  Random rng(20261129);
  size_t agreed_ok = 0, agreed_error = 0;
  auto check = [&](const std::string& body) {
    auto streamed = parse_write_batch(body, *store);
    auto reference = parse_write_batch_reference(body, *store);
    ASSERT_EQ(streamed.ok(), reference.ok()) << body;
    if (streamed.ok()) {
      EXPECT_TRUE(same_batch(*streamed, *reference)) << body;
      ++agreed_ok;
    } else {
      EXPECT_EQ(streamed.status().message(), reference.status().message()) << body;
      ++agreed_error;
    }
  };
  for (const auto& b : bases) check(b);
  for (int i = 0; i < 5000; ++i) {
    auto body = testing::mutate_json(bases[rng.uniform(0, bases.size() - 1)], tokens, rng, 5);
    if (!body) continue;
    check(*body);
  }
  // Both outcomes were reached often (not a comparison of errors only).
  EXPECT_GT(agreed_ok, 500u);
  EXPECT_GT(agreed_error, 500u);
}

}  // namespace
}  // namespace shapesim
