#include "adapters/store/sqlite_ban_store.h"

#include <chrono>

namespace popgate::store {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS sftp_bans (
  address TEXT PRIMARY KEY,
  banned_until INTEGER NOT NULL,
  ban_count INTEGER NOT NULL,
  reason TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS sftp_ban_lifts (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  address TEXT NOT NULL,
  lifted_at INTEGER NOT NULL,
  lifted_by TEXT NOT NULL
) STRICT;
)sql";

}  // namespace

SqliteBanStore::SqliteBanStore(const std::string& path) : db_(path, OpenMode::create) {
  // serve's job store and `popgate bans` may hold the write lock for a moment.
  db_.set_busy_timeout(std::chrono::seconds(5));
  db_.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL", "configuring state.db");
  db_.exec(kSchema, "creating the sftp_bans table");
}

std::vector<sftp::Ban> SqliteBanStore::load() {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement select =
      db_.prepare("SELECT address, banned_until, ban_count, reason FROM sftp_bans ORDER BY address",
                  "reading the SFTP bans");
  std::vector<sftp::Ban> bans;
  while (select.step()) {
    sftp::Ban ban;
    ban.address = select.column_string(0);
    ban.banned_until = select.column_int(1);
    ban.ban_count = static_cast<int>(select.column_int(2));
    ban.reason = select.column_string(3);
    bans.push_back(std::move(ban));
  }
  return bans;
}

void SqliteBanStore::save(const sftp::Ban& ban) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement upsert = db_.prepare(
      "INSERT INTO sftp_bans (address, banned_until, ban_count, reason) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT (address) DO UPDATE SET banned_until = excluded.banned_until, "
      "ban_count = excluded.ban_count, reason = excluded.reason",
      "saving an SFTP ban");
  upsert.bind_text(1, ban.address);
  upsert.bind_int(2, ban.banned_until);
  upsert.bind_int(3, ban.ban_count);
  upsert.bind_text(4, ban.reason);
  upsert.run();
}

bool SqliteBanStore::remove(const std::string& address) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement del = db_.prepare("DELETE FROM sftp_bans WHERE address = ?1", "removing an SFTP ban");
  del.bind_text(1, address);
  del.run();
  return db_.query_int("SELECT changes()", "counting removed SFTP bans").value_or(0) > 0;
}

int SqliteBanStore::delete_expired(std::int64_t before) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement del =
      db_.prepare("DELETE FROM sftp_bans WHERE banned_until < ?1", "deleting expired SFTP bans");
  del.bind_int(1, before);
  del.run();
  return static_cast<int>(
      db_.query_int("SELECT changes()", "counting expired SFTP bans").value_or(0));
}

bool SqliteBanStore::lift(const std::string& address, std::int64_t at, const std::string& by) {
  std::lock_guard<std::mutex> lock(mutex_);
  Transaction tx(db_);
  Statement del = db_.prepare("DELETE FROM sftp_bans WHERE address = ?1", "lifting an SFTP ban");
  del.bind_text(1, address);
  del.run();
  if (db_.query_int("SELECT changes()", "lifting an SFTP ban").value_or(0) == 0) return false;
  Statement record =
      db_.prepare("INSERT INTO sftp_ban_lifts (address, lifted_at, lifted_by) VALUES (?1, ?2, ?3)",
                  "recording a lifted SFTP ban");
  record.bind_text(1, address);
  record.bind_int(2, at);
  record.bind_text(3, by);
  record.run();
  tx.commit();
  return true;
}

std::vector<sftp::BanLift> SqliteBanStore::lifts_after(std::int64_t seq) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement select =
      db_.prepare("SELECT seq, address FROM sftp_ban_lifts WHERE seq > ?1 ORDER BY seq",
                  "reading the lifted SFTP bans");
  select.bind_int(1, seq);
  std::vector<sftp::BanLift> lifts;
  while (select.step())
    lifts.push_back({select.column_int(0), select.column_string(1)});
  return lifts;
}

std::int64_t SqliteBanStore::last_lift() {
  std::lock_guard<std::mutex> lock(mutex_);
  return db_
      .query_int("SELECT coalesce(max(seq), 0) FROM sftp_ban_lifts",
                 "reading the last lifted SFTP ban")
      .value_or(0);
}

}  // namespace popgate::store
