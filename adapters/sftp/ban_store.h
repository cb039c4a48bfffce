// Where the SFTP defender keeps its bans so that they survive a restart (state.db). Standard
// library only: adapters/store implements it (SqliteBanStore) without seeing libssh or the
// defender, and the defender uses it without seeing SQLite.
#ifndef POPGATE_ADAPTERS_SFTP_BAN_STORE_H_
#define POPGATE_ADAPTERS_SFTP_BAN_STORE_H_

#include <cstdint>
#include <string>
#include <vector>

namespace popgate::sftp {

struct Ban {
  std::string address;            // canonical text: "192.0.2.7", "2001:db8::1"
  std::int64_t banned_until = 0;  // unix seconds (UTC)
  int ban_count = 0;              // 1 for the first ban; the ban time grows with it
  std::string reason;             // "score 15 >= 15, last event invalid_auth"

  friend bool operator==(const Ban&, const Ban&) = default;
};

// A ban an operator lifted (popgate bans unban) from another process than the daemon's, kept
// so that the running daemon follows it (Defender::apply_lifts).
struct BanLift {
  std::int64_t seq = 0;  // increasing
  std::string address;
};

// Every method may throw (the SQLite store throws store::SqliteError); the defender catches
// and logs, and keeps banning from memory.
class BanStore {
 public:
  virtual ~BanStore() = default;
  // Every stored ban, including expired ones that are still remembered for escalation.
  virtual std::vector<Ban> load() = 0;
  // Inserts or replaces the ban of ban.address.
  virtual void save(const Ban& ban) = 0;
  // Forgets the ban of `address`; false when there was none.
  virtual bool remove(const std::string& address) = 0;
  // Deletes bans that ended before `before` (unix seconds); returns how many.
  virtual int delete_expired(std::int64_t before) = 0;
  // Forgets the ban of `address` and records the lift (at unix seconds, by whom) for the
  // running daemon, together; false when there was no ban.
  virtual bool lift(const std::string& address, std::int64_t at, const std::string& by) = 0;
  // The lifts recorded after `seq`, oldest first.
  virtual std::vector<BanLift> lifts_after(std::int64_t seq) = 0;
  // The newest lift's seq (0 without any).
  virtual std::int64_t last_lift() = 0;
};

}  // namespace popgate::sftp

#endif  // POPGATE_ADAPTERS_SFTP_BAN_STORE_H_
