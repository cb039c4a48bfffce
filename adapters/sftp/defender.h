// The SFTP server's defender against brute force and abuse, after SFTPGo's defender
// (docs/defender.md there): every failed login or abuse event adds a score to the source
// address; scores older than the observation window expire; an address whose score within
// the window reaches the threshold is banned. Each further ban of the same address lasts
// longer (ban_time * (1 + increment)^(n - 1)), bans survive restarts through a BanStore, and
// a safelist of networks is never scored or banned.
//
// Standard library only and thread-safe: every session thread and the accept thread call it.
// Memory is bounded: past entries_hard_limit tracked addresses (or bans), the ones seen least
// recently (or ending soonest) are dropped down to entries_soft_limit.
#ifndef POPGATE_ADAPTERS_SFTP_DEFENDER_H_
#define POPGATE_ADAPTERS_SFTP_DEFENDER_H_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "adapters/sftp/ban_store.h"
#include "base/ip_network.h"

namespace popgate::sftp {

enum class DefenderEvent {
  invalid_user,    // a login as a user that does not exist (or is disabled)
  invalid_auth,    // wrong key, bad signature, address not allowed, auth never completed
  protocol_error,  // an authenticated session sent what is not SFTP (a framing error)
};

std::string_view to_string(DefenderEvent event);

struct DefenderOptions {
  bool enabled = true;
  int threshold = 15;
  int score_invalid_user = 2;
  int score_invalid_auth = 1;
  int score_protocol_error = 3;
  std::chrono::seconds observation_time{30 * 60};
  std::chrono::seconds ban_time{30 * 60};
  int ban_time_increment_percent = 50;
  // No ban lasts longer than this, however often the address was banned.
  std::chrono::seconds max_ban_time{365 * 24 * 3600};
  // How long an ended ban is remembered for escalation: a new ban within this after the end
  // of the last one counts as the next one; later, it is the first again.
  std::chrono::seconds ban_memory{24 * 3600};
  std::size_t entries_soft_limit = 5000;
  std::size_t entries_hard_limit = 10000;
  // Networks (address_match.h syntax) never scored nor banned: the operator's monitoring,
  // a partner's NAT. Invalid entries make the Defender constructor throw.
  std::vector<std::string> safelist;
  // Problems worth an operator's attention (a BanStore that failed); may be empty.
  std::function<void(const std::string& line)> log;
};

class Defender {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // Loads the stored bans (when `store` is set) and drops those past ban_memory. Throws
  // std::invalid_argument for an invalid safelist entry or limits (soft > hard, hard == 0).
  explicit Defender(DefenderOptions options, std::shared_ptr<BanStore> store = nullptr,
                    Clock clock = {});
  Defender(const Defender&) = delete;
  Defender& operator=(const Defender&) = delete;

  // True while `address` is banned. Cheap: the accept thread calls it for every connection.
  bool is_banned(std::string_view address) const;
  // The current ban of `address`, or nullopt.
  std::optional<Ban> ban_of(std::string_view address) const;
  // Scores `event` for `address`; returns the ban when this event caused one. Events for an
  // address already banned, on the safelist, or not an IP address are ignored.
  std::optional<Ban> add_event(std::string_view address, DefenderEvent event);
  // The address's score within the observation window (0 when untracked).
  int score(std::string_view address) const;

  // Current bans, ending soonest first. For `popgate bans`.
  std::vector<Ban> bans() const;
  // Lifts the ban of `address` (and forgets its history); false when it was not banned.
  bool unban(std::string_view address);
  // Follows the bans an operator lifted in the store since the last call (popgate bans
  // unban, another process): lifts them here too and returns their addresses. The daemon
  // calls it every second.
  std::vector<std::string> apply_lifts();
  // How many addresses have a score (for tests and metrics).
  std::size_t tracked_hosts() const;
  // Bans made since this Defender was made (for metrics).
  std::uint64_t bans_made() const { return bans_made_.load(); }

  const DefenderOptions& options() const { return options_; }

 private:
  struct Host {
    std::deque<std::pair<std::int64_t, int>> events;  // (unix seconds, score), oldest first
    int total = 0;
    std::int64_t last_seen = 0;
  };

  std::int64_t now() const;
  void expire(Host& host, std::int64_t now) const;
  void limit_hosts();
  void limit_bans(std::int64_t now);
  std::int64_t ban_seconds(int ban_count) const;
  void log(const std::string& line) const {
    if (options_.log) options_.log(line);
  }

  const DefenderOptions options_;
  const std::shared_ptr<BanStore> store_;
  const Clock clock_;
  const base::NetworkList safelist_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Host> hosts_;  // by canonical address
  std::unordered_map<std::string, Ban> bans_;    // current and remembered ones
  std::mutex store_mu_;         // orders writes to store_ without holding mu_ during I/O
  std::int64_t last_lift_ = 0;  // the store's lifts up to this one are followed (store_mu_)
  bool lifts_known_ = false;    // last_lift_ has been read from the store (store_mu_)
  std::atomic<std::uint64_t> bans_made_{0};
};

// Scores `event` for `address` with `defender` (null: does nothing) and logs the ban this
// caused, if any: "ban: 192.0.2.1 until 2026-11-22T18:24:09Z (ban 1, score 15 >= 15, last
// event invalid_auth)". `log` may be empty.
void score_and_log_ban(Defender* defender, std::string_view address, DefenderEvent event,
                       const std::function<void(const std::string& line)>& log);

}  // namespace popgate::sftp

#endif  // POPGATE_ADAPTERS_SFTP_DEFENDER_H_
