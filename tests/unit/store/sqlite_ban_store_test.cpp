// SqliteBanStore: the SFTP defender's bans in state.db (upsert, load, remove, expiry), next
// to the job tables without touching their schema version.
#include "adapters/store/sqlite_ban_store.h"

#include <gtest/gtest.h>

#include "adapters/store/sqlite_job_store.h"
#include "tests/unit/test_support/register_samples.h"

namespace popgate::store {
namespace {

using sftp::Ban;
using testing::TempDir;

TEST(SqliteBanStore, SavesLoadsAndReplaces) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  {
    SqliteBanStore store(path);
    EXPECT_TRUE(store.load().empty());
    store.save(Ban{"192.0.2.1", 1000, 1, "score 15 >= 15, last event invalid_auth"});
    store.save(Ban{"2001:db8::1", 2000, 1, "x"});
    store.save(Ban{"192.0.2.1", 3000, 2, "second"});  // the same address: replaced
  }
  SqliteBanStore reopened(path);
  const std::vector<Ban> bans = reopened.load();
  ASSERT_EQ(bans.size(), 2u);
  EXPECT_EQ(bans[0], (Ban{"192.0.2.1", 3000, 2, "second"}));
  EXPECT_EQ(bans[1], (Ban{"2001:db8::1", 2000, 1, "x"}));
}

TEST(SqliteBanStore, RemovesAndDeletesExpired) {
  TempDir dir;
  SqliteBanStore store(dir.file("state.db"));
  store.save(Ban{"192.0.2.1", 1000, 1, "a"});
  store.save(Ban{"192.0.2.2", 2000, 1, "b"});
  store.save(Ban{"192.0.2.3", 3000, 1, "c"});
  EXPECT_TRUE(store.remove("192.0.2.2"));
  EXPECT_FALSE(store.remove("192.0.2.2"));
  EXPECT_EQ(store.delete_expired(3000), 1);  // ended before 3000: only 192.0.2.1
  const std::vector<Ban> bans = store.load();
  ASSERT_EQ(bans.size(), 1u);
  EXPECT_EQ(bans[0].address, "192.0.2.3");
  EXPECT_EQ(store.delete_expired(3000), 0);
}

// An operator's lift removes the ban and is recorded, in order, for the running daemon.
TEST(SqliteBanStore, LiftsAreRecordedForTheDaemon) {
  TempDir dir;
  SqliteBanStore store(dir.file("state.db"));
  EXPECT_EQ(store.last_lift(), 0);
  store.save(Ban{"192.0.2.1", 1000, 1, "a"});
  store.save(Ban{"2001:db8::1", 2000, 1, "b"});
  EXPECT_FALSE(store.lift("192.0.2.9", 10, "root")) << "not banned: nothing to lift";
  EXPECT_EQ(store.last_lift(), 0);
  EXPECT_TRUE(store.lift("192.0.2.1", 10, "root"));
  EXPECT_TRUE(store.lift("2001:db8::1", 11, "operator"));
  EXPECT_TRUE(store.load().empty());
  const std::vector<sftp::BanLift> all = store.lifts_after(0);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].address, "192.0.2.1");
  EXPECT_EQ(all[1].address, "2001:db8::1");
  EXPECT_LT(all[0].seq, all[1].seq);
  EXPECT_EQ(store.last_lift(), all[1].seq);
  const std::vector<sftp::BanLift> newer = store.lifts_after(all[0].seq);
  ASSERT_EQ(newer.size(), 1u);
  EXPECT_EQ(newer[0].address, "2001:db8::1");
  EXPECT_TRUE(store.lifts_after(all[1].seq).empty());
}

TEST(SqliteBanStore, SharesStateDbWithTheJobStore) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  SqliteJobStore jobs(path);
  SqliteBanStore bans(path);
  bans.save(Ban{"192.0.2.1", 1000, 1, "a"});
  // The job store's schema version is untouched, and it opens again over the ban table.
  Database db(path, OpenMode::read_only);
  EXPECT_EQ(db.query_int("PRAGMA user_version", "version"), SqliteJobStore::kSchemaVersion);
  SqliteJobStore again(path);
  EXPECT_EQ(SqliteBanStore(path).load().size(), 1u);
  // STRICT: a wrong type is refused rather than stored.
  Database raw(path, OpenMode::read_write);
  EXPECT_THROW(raw.exec("INSERT INTO sftp_bans VALUES ('x', 'soon', 1, 'r')", "inserting"),
               SqliteError);
}

}  // namespace
}  // namespace popgate::store
