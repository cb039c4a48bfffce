#include "adapters/store/sqlite.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "tests/unit/test_support/register_samples.h"

namespace popgate::store {
namespace {

using testing::TempDir;

TEST(Sqlite, OpenErrorNamesThePath) {
  TempDir dir;
  const std::string missing = dir.file("missing.db");
  try {
    Database db(missing, OpenMode::read_write);
    FAIL() << "opened a missing file";
  } catch (const SqliteError& e) {
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
    EXPECT_EQ(e.primary_code(), SQLITE_CANTOPEN);
  }
}

TEST(Sqlite, ErrorsSayWhatWasBeingDoneAndWhy) {
  TempDir dir;
  Database db(dir.file("t.db"), OpenMode::create);
  try {
    db.exec("SELEC 1", "creating table t");
    FAIL();
  } catch (const registry::StoreError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("creating table t"), std::string::npos) << message;
    EXPECT_NE(message.find("syntax error"), std::string::npos) << message;
  }
}

TEST(Sqlite, BindsAndReadsEveryType) {
  TempDir dir;
  Database db(dir.file("t.db"), OpenMode::create);
  db.exec("CREATE TABLE t (i INTEGER, s TEXT, n TEXT, o INTEGER)", "creating");
  Statement insert = db.prepare("INSERT INTO t VALUES (?1, ?2, ?3, ?4)", "inserting");
  const std::string text = "ä\"b";
  insert.bind_int(1, -(std::int64_t{1} << 40));
  insert.bind_text_unowned(2, text);
  insert.bind_null(3);
  insert.bind_optional_int(4, std::nullopt);
  insert.run();
  insert.bind_int(1, 7);
  insert.bind_text(2, std::string("copied"));
  insert.bind_optional_text(3, std::string_view("x"));
  insert.bind_optional_int(4, 9);
  insert.run();

  Statement select = db.prepare("SELECT i, s, n, o FROM t ORDER BY rowid", "reading");
  ASSERT_TRUE(select.step());
  EXPECT_EQ(select.column_int(0), -(std::int64_t{1} << 40));
  EXPECT_EQ(select.column_text(1), text);
  EXPECT_TRUE(select.column_is_null(2));
  EXPECT_EQ(select.column_optional_text(2), std::nullopt);
  EXPECT_EQ(select.column_optional_int(3), std::nullopt);
  ASSERT_TRUE(select.step());
  EXPECT_EQ(select.column_string(1), "copied");
  EXPECT_EQ(select.column_optional_text(2), std::optional<std::string_view>("x"));
  EXPECT_EQ(select.column_optional_int(3), 9);
  EXPECT_FALSE(select.step());
}

TEST(Sqlite, ConstraintErrorsCarryTheExtendedCode) {
  TempDir dir;
  Database db(dir.file("t.db"), OpenMode::create);
  db.exec("CREATE TABLE t (k TEXT PRIMARY KEY)", "creating");
  db.exec("INSERT INTO t VALUES ('a')", "inserting");
  try {
    db.exec("INSERT INTO t VALUES ('a')", "inserting again");
    FAIL();
  } catch (const SqliteError& e) {
    EXPECT_EQ(e.code(), SQLITE_CONSTRAINT_PRIMARYKEY);
    EXPECT_EQ(e.primary_code(), SQLITE_CONSTRAINT);
  }
}

TEST(Sqlite, TransactionRollsBackUnlessCommitted) {
  TempDir dir;
  Database db(dir.file("t.db"), OpenMode::create);
  db.exec("CREATE TABLE t (x INTEGER)", "creating");
  {
    Transaction transaction(db);
    db.exec("INSERT INTO t VALUES (1)", "inserting");
    EXPECT_FALSE(db.autocommit());
  }
  EXPECT_TRUE(db.autocommit());
  EXPECT_EQ(db.query_int("SELECT count(*) FROM t", "counting"), 0);
  {
    Transaction transaction(db);
    db.exec("INSERT INTO t VALUES (2)", "inserting");
    transaction.commit();
    EXPECT_THROW(transaction.commit(), registry::StoreError);
  }
  EXPECT_EQ(db.query_int("SELECT count(*) FROM t", "counting"), 1);
}

TEST(Sqlite, ResetOnExitLeavesTheStatementReusable) {
  TempDir dir;
  Database db(dir.file("t.db"), OpenMode::create);
  db.exec("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2)", "creating");
  Statement select = db.prepare("SELECT x FROM t WHERE x >= ?1 ORDER BY x", "reading", true);
  for (int round = 0; round < 2; ++round) {
    ResetOnExit reset(select);
    select.bind_int(1, 1);
    ASSERT_TRUE(select.step());
    EXPECT_EQ(select.column_int(0), 1);
    // Left active on purpose: the guard resets it.
  }
  // A write transaction can commit: no statement holds a read snapshot.
  Transaction transaction(db);
  db.exec("INSERT INTO t VALUES (3)", "inserting");
  transaction.commit();
}

}  // namespace
}  // namespace popgate::store
