#include "reference/common/sqlite_process.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

namespace shapesim {
namespace {

// This binary starts SQLite nowhere else, so the settings take effect: memory statistics stay
// at zero while a database allocates, and SQLite works as usual.
TEST(SqliteProcess, MemoryStatisticsAreOffAndSqliteWorks) {
  ASSERT_TRUE(prepare_sqlite());
  EXPECT_TRUE(prepare_sqlite());  // idempotent
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t (x TEXT); INSERT INTO t VALUES (hex(randomblob(100000)));", nullptr, nullptr, nullptr),
            SQLITE_OK);
  EXPECT_EQ(sqlite3_memory_used(), 0);
  sqlite3_close(db);
}

}  // namespace
}  // namespace shapesim
