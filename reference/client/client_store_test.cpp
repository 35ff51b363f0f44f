// ClientStore: the outbox, rows with their stream position in one transaction, settings, purge,
// and resuming a stream where the file says.
#include "reference/client/client_store.h"

#include <filesystem>

#include <unistd.h>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "reference/client/collection.h"
#include "reference/common/testing/temp_file.h"

namespace shapesim {
namespace {

StreamUpdate insert(const std::string& key, const std::string& title) {
  StreamUpdate u;
  ChangeMessage c;
  c.key = key;
  c.op = Operation::kInsert;
  c.value = {{"id", key}, {"title", title}};
  u.changes.push_back(c);
  u.accepted = true;
  return u;
}

TEST(ClientStoreTest, RowsAndPositionSurviveAReopenTogether) {
  testing_support::TempFile file("client_store_rows.db");
  const std::string& path = file.path();
  ShapeStreamPosition at{"h-1", *LogOffset::parse("1005_2"), "7", true};
  {
    auto store = ClientStore::open(path);
    ASSERT_TRUE(store.ok());
    Collection rows;
    StreamUpdate u = insert("k1", "one");
    rows.apply(u);
    ASSERT_TRUE((*store)->save_update("tasks", u, rows.rows(), at).ok());
    StreamUpdate two = insert("k2", "two");
    rows.apply(two);
    ASSERT_TRUE((*store)->save_update("tasks", two, rows.rows(), at).ok());
    ASSERT_TRUE((*store)->put("data_version", "abc").ok());
  }
  auto store = ClientStore::open(path);
  ASSERT_TRUE(store.ok());
  auto saved = (*store)->load_shape("tasks");
  ASSERT_TRUE(saved.ok());
  EXPECT_EQ(saved->rows.size(), 2u);
  EXPECT_EQ(saved->rows.at("k2").at("title"), "two");
  ASSERT_TRUE(saved->position.has_value());
  EXPECT_EQ(*saved->position, at);
  EXPECT_EQ(*(*store)->get("data_version"), std::optional<std::string>("abc"));
  EXPECT_FALSE((*store)->load_shape("other")->position.has_value());
  // A stream built from the saved position resumes there: no offset=-1 request.
  ShapeStream stream({.shape = {.table = "tasks"}, .resume = saved->position}, Random(1));
  auto req = stream.poll(Timestamp{0});
  ASSERT_TRUE(req.has_value());
  EXPECT_EQ(req->query.at("offset"), "1005_2");
  EXPECT_EQ(req->query.at("handle"), "h-1");
  EXPECT_EQ(req->query.at("live"), "true");
}

// A file from before the text-keyed tables were WITHOUT ROWID keeps its layout and works:
// rows, positions and settings saved into it read back.
TEST(ClientStoreTest, AFileWithRowidTablesStillWorks) {
  testing_support::TempFile file("client_store_rowid.db");
  const std::string& path = file.path();
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "CREATE TABLE shape_rows (shape TEXT NOT NULL, key TEXT NOT NULL, row TEXT NOT NULL, PRIMARY KEY (shape, key));"
                           "CREATE TABLE shape_positions (shape TEXT PRIMARY KEY, handle TEXT NOT NULL, log_offset TEXT NOT NULL,"
                           "  cursor TEXT, live INTEGER NOT NULL);"
                           "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  ShapeStreamPosition at{"h-1", *LogOffset::parse("7_0"), std::nullopt, false};
  {
    auto store = ClientStore::open(path);
    ASSERT_TRUE(store.ok()) << store.status().message();
    Collection rows;
    StreamUpdate u = insert("k1", "one");
    rows.apply(u);
    ASSERT_TRUE((*store)->save_update("tasks", u, rows.rows(), at).ok());
    StreamUpdate again = insert("k1", "uno");  // replaces the row in place
    rows.apply(again);
    ASSERT_TRUE((*store)->save_update("tasks", again, rows.rows(), at).ok());
    ASSERT_TRUE((*store)->put("data_version", "v1").ok());
  }
  auto store = ClientStore::open(path);
  ASSERT_TRUE(store.ok());
  auto saved = (*store)->load_shape("tasks");
  ASSERT_TRUE(saved.ok());
  ASSERT_EQ(saved->rows.size(), 1u);
  EXPECT_EQ(saved->rows.at("k1").at("title"), "uno");
  EXPECT_EQ(saved->position, std::optional<ShapeStreamPosition>(at));
  EXPECT_EQ(*(*store)->get("data_version"), std::optional<std::string>("v1"));
  // The old layout was kept, not rebuilt.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_schema WHERE name = 'shape_rows'", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))).find("WITHOUT ROWID"), std::string::npos);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST(ClientStoreTest, ARefetchClearsTheShapeAndAPurgeClearsEverythingButTheOutbox) {
  testing_support::TempFile file("client_store_purge.db");
  auto store = ClientStore::open(file.path());
  ASSERT_TRUE(store.ok());
  Collection rows;
  StreamUpdate u = insert("k1", "one");
  rows.apply(u);
  ASSERT_TRUE((*store)->save_update("tasks", u, rows.rows(), ShapeStreamPosition{"h", *LogOffset::parse("0_0")}).ok());
  StreamUpdate refetch;
  refetch.must_refetch = true;
  rows.apply(refetch);
  ASSERT_TRUE((*store)->save_update("tasks", refetch, rows.rows(), std::nullopt).ok());
  EXPECT_TRUE((*store)->load_shape("tasks")->rows.empty());
  EXPECT_FALSE((*store)->load_shape("tasks")->position.has_value());  // never resume from an old offset
  ASSERT_TRUE((*store)->append({1, "b1", "{}", "alice"}).ok());
  ASSERT_TRUE((*store)->save_update("tasks", u, rows.rows(), ShapeStreamPosition{"h", *LogOffset::parse("0_0")}).ok());
  ASSERT_TRUE((*store)->put("token", "t").ok());
  ASSERT_TRUE((*store)->purge().ok());
  EXPECT_TRUE((*store)->load_shape("tasks")->rows.empty());
  EXPECT_FALSE((*store)->load_shape("tasks")->position.has_value());
  EXPECT_FALSE((*store)->get("token")->has_value());
  EXPECT_EQ((*store)->load()->size(), 1u);
}

TEST(ClientStoreTest, TheOutboxPersistsThroughTheStore) {
  testing_support::TempFile file("client_store_outbox.db");
  const std::string& path = file.path();
  {
    auto store = ClientStore::open(path);
    Outbox outbox(store->get(), Random(1));
    ASSERT_TRUE(outbox.enqueue("b1", "{\"id\":\"b1\"}", "u").ok());
    ASSERT_TRUE(outbox.enqueue("b2", "{\"id\":\"b2\"}", "u").ok());
    ASSERT_TRUE(outbox.poll(Timestamp{0}, "u"));
    HttpResponse ok;
    ok.body = "{\"txid\":5}";
    EXPECT_EQ(outbox.on_response("b1", ok, Timestamp{0}).verdict, Outbox::Verdict::kAcknowledged);
  }
  auto store = ClientStore::open(path);
  Outbox outbox(store->get(), Random(2));
  ASSERT_TRUE(outbox.restore().ok());
  ASSERT_EQ(outbox.size(), 1u);
  EXPECT_EQ(outbox.poll(Timestamp{0}, "u")->batch_id, "b2");
}

TEST(ClientStoreTest, AnUnopenableFileIsAClearError) {
  auto store = ClientStore::open("/nonexistent-dir/x/y.db");
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("cannot open the client store"), std::string::npos);
}

// The file belongs to one engine: a second store on it fails to open, with an error that says
// why, until the first closes; no write of either is lost.
TEST(ClientStoreTest, ASecondStoreOnAnOpenFileIsRefusedUntilTheFirstCloses) {
  testing_support::TempFile file("client_store_owned.db");
  const std::string& path = file.path();
  {
    auto first = ClientStore::open(path);
    ASSERT_TRUE(first.ok());
    ASSERT_TRUE((*first)->put("owner", "first").ok());
    auto second = ClientStore::open(path);
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.status().message(), "the client store " + path + " is in use by another engine or process");
    ASSERT_TRUE((*first)->put("after", "still writable").ok());
  }
  auto reopened = ClientStore::open(path);
  ASSERT_TRUE(reopened.ok()) << reopened.status().message();
  EXPECT_EQ(*(*reopened)->get("owner"), std::optional<std::string>("first"));
  EXPECT_EQ(*(*reopened)->get("after"), std::optional<std::string>("still writable"));
}

}  // namespace
}  // namespace shapesim
