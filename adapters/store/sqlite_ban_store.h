// sftp::BanStore on state.db: the SFTP defender's bans, so that they survive a restart.
//
// Table sftp_bans (address PRIMARY KEY, banned_until unix seconds, ban_count, reason), and
// sftp_ban_lifts (seq, address, lifted_at, lifted_by: what operators lifted, for the running
// daemon to follow), created when missing. The table stands apart from the job tables and their
// PRAGMA user_version: it is created with IF NOT EXISTS and never migrated, so the job store's
// schema version does not move for it. One connection behind a mutex, like SqliteJobStore; bans are
// rare and small.
#ifndef POPGATE_ADAPTERS_STORE_SQLITE_BAN_STORE_H_
#define POPGATE_ADAPTERS_STORE_SQLITE_BAN_STORE_H_

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "adapters/sftp/ban_store.h"
#include "adapters/store/sqlite.h"

namespace popgate::store {

class SqliteBanStore : public sftp::BanStore {
 public:
  // Opens (creating if needed) the database at `path`, in WAL mode with a busy timeout, and
  // creates the sftp_bans table if it is missing. Throws SqliteError.
  explicit SqliteBanStore(const std::string& path);

  std::vector<sftp::Ban> load() override;
  void save(const sftp::Ban& ban) override;
  bool remove(const std::string& address) override;
  int delete_expired(std::int64_t before) override;
  bool lift(const std::string& address, std::int64_t at, const std::string& by) override;
  std::vector<sftp::BanLift> lifts_after(std::int64_t seq) override;
  std::int64_t last_lift() override;

 private:
  std::mutex mutex_;
  Database db_;
};

}  // namespace popgate::store

#endif  // POPGATE_ADAPTERS_STORE_SQLITE_BAN_STORE_H_
