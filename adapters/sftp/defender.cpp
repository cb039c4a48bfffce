#include "adapters/sftp/defender.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <stdexcept>
#include <tuple>
#include <utility>

#include "base/time_text.h"

namespace popgate::sftp {

std::string_view to_string(DefenderEvent event) {
  switch (event) {
    case DefenderEvent::invalid_user:
      return "invalid_user";
    case DefenderEvent::invalid_auth:
      return "invalid_auth";
    case DefenderEvent::protocol_error:
      return "protocol_error";
  }
  return "unknown";
}

namespace {

DefenderOptions checked(DefenderOptions options) {
  if (options.threshold < 1) throw std::invalid_argument("defender: threshold must be at least 1");
  if (options.observation_time.count() < 1 || options.ban_time.count() < 1)
    throw std::invalid_argument("defender: observation and ban times must be at least 1 second");
  if (options.ban_time_increment_percent < 0)
    throw std::invalid_argument("defender: ban_time_increment_percent must not be negative");
  if (options.entries_hard_limit == 0 || options.entries_soft_limit > options.entries_hard_limit)
    throw std::invalid_argument(
        "defender: entries_soft_limit must not exceed entries_hard_limit, which must be > 0");
  return options;
}

}  // namespace

Defender::Defender(DefenderOptions options, std::shared_ptr<BanStore> store, Clock clock)
    : options_(checked(std::move(options))),
      store_(std::move(store)),
      clock_(std::move(clock)),
      safelist_(options_.safelist) {
  if (!safelist_.errors().empty())
    throw std::invalid_argument("defender safelist: " + safelist_.errors().front());
  if (!store_) return;
  const std::int64_t t = now();
  const std::int64_t forget_before = t - options_.ban_memory.count();
  try {
    for (Ban& ban : store_->load()) {
      if (ban.banned_until < forget_before) continue;
      ban.address = base::canonical_address(ban.address);
      bans_[ban.address] = std::move(ban);
    }
    limit_bans(t);
    store_->delete_expired(forget_before);
    last_lift_ = store_->last_lift();  // earlier lifts are in what was just loaded
    lifts_known_ = true;
  } catch (const std::exception& e) {
    log(std::string("defender: cannot load the stored bans: ") + e.what());
  }
}

std::int64_t Defender::now() const {
  const auto t = clock_ ? clock_() : std::chrono::system_clock::now();
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

void Defender::expire(Host& host, std::int64_t t) const {
  const std::int64_t cutoff = t - options_.observation_time.count();
  while (!host.events.empty() && host.events.front().first <= cutoff) {
    host.total -= host.events.front().second;
    host.events.pop_front();
  }
}

std::int64_t Defender::ban_seconds(int ban_count) const {
  const double factor =
      std::pow(1.0 + options_.ban_time_increment_percent / 100.0, std::max(0, ban_count - 1));
  const double seconds = static_cast<double>(options_.ban_time.count()) * factor;
  const auto cap = static_cast<double>(options_.max_ban_time.count());
  return static_cast<std::int64_t>(std::llround(std::min(seconds, cap)));
}

bool Defender::is_banned(std::string_view address) const {
  return ban_of(address).has_value();
}

std::optional<Ban> Defender::ban_of(std::string_view address) const {
  if (!options_.enabled) return std::nullopt;
  const std::string key = base::canonical_address(address);
  const std::int64_t t = now();
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = bans_.find(key);
  if (it == bans_.end() || it->second.banned_until <= t) return std::nullopt;
  return it->second;
}

std::optional<Ban> Defender::add_event(std::string_view address, DefenderEvent event) {
  if (!options_.enabled) return std::nullopt;
  const std::optional<base::IpAddress> ip = base::parse_ip_address(address);
  if (!ip || safelist_.contains(*ip)) return std::nullopt;
  int points = 0;
  switch (event) {
    case DefenderEvent::invalid_user:
      points = options_.score_invalid_user;
      break;
    case DefenderEvent::invalid_auth:
      points = options_.score_invalid_auth;
      break;
    case DefenderEvent::protocol_error:
      points = options_.score_protocol_error;
      break;
  }
  if (points <= 0) return std::nullopt;
  const std::string key = ip->to_string();
  const std::int64_t t = now();
  Ban ban;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const auto previous = bans_.find(key);
    if (previous != bans_.end() && previous->second.banned_until > t) return std::nullopt;
    Host& host = hosts_[key];
    expire(host, t);
    host.events.emplace_back(t, points);
    host.total += points;
    host.last_seen = t;
    if (host.total < options_.threshold) {
      limit_hosts();
      return std::nullopt;
    }
    const int total = host.total;
    hosts_.erase(key);  // the score starts again after the ban
    int count = 1;
    if (previous != bans_.end() && previous->second.banned_until + options_.ban_memory.count() >= t)
      count = previous->second.ban_count + 1;
    ban.address = key;
    ban.banned_until = t + ban_seconds(count);
    ban.ban_count = count;
    ban.reason = "score " + std::to_string(total) + " >= " + std::to_string(options_.threshold) +
                 ", last event " + std::string(to_string(event));
    bans_[key] = ban;
    ++bans_made_;
    limit_bans(t);
  }
  if (store_) {
    // Outside mu_: a busy state.db must not hold up the accept thread's is_banned().
    std::lock_guard<std::mutex> lock(store_mu_);
    try {
      store_->save(ban);
      store_->delete_expired(t - options_.ban_memory.count());
    } catch (const std::exception& e) {
      log("defender: cannot store the ban of " + key + ": " + e.what());
    }
  }
  return ban;
}

int Defender::score(std::string_view address) const {
  const std::string key = base::canonical_address(address);
  const std::int64_t cutoff = now() - options_.observation_time.count();
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = hosts_.find(key);
  if (it == hosts_.end()) return 0;
  int total = 0;
  for (const auto& [when, points] : it->second.events)
    if (when > cutoff) total += points;
  return total;
}

std::vector<Ban> Defender::bans() const {
  const std::int64_t t = now();
  std::vector<Ban> result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [address, ban] : bans_)
      if (ban.banned_until > t) result.push_back(ban);
  }
  std::sort(result.begin(), result.end(), [](const Ban& a, const Ban& b) {
    return std::tie(a.banned_until, a.address) < std::tie(b.banned_until, b.address);
  });
  return result;
}

bool Defender::unban(std::string_view address) {
  const std::string key = base::canonical_address(address);
  const std::int64_t t = now();
  bool was_banned = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const auto it = bans_.find(key);
    if (it != bans_.end()) {
      was_banned = it->second.banned_until > t;
      bans_.erase(it);
    }
    hosts_.erase(key);
  }
  if (store_) {
    std::lock_guard<std::mutex> lock(store_mu_);
    try {
      store_->remove(key);
    } catch (const std::exception& e) {
      log("defender: cannot remove the ban of " + key + ": " + e.what());
    }
  }
  return was_banned;
}

std::vector<std::string> Defender::apply_lifts() {
  std::vector<std::string> lifted;
  if (!store_) return lifted;
  std::vector<BanLift> lifts;
  {
    std::lock_guard<std::mutex> lock(store_mu_);
    try {
      if (!lifts_known_) {
        // The bans could not be loaded at start: only lifts from now on are news (an old lift
        // must not pardon a newer ban of the same address).
        last_lift_ = store_->last_lift();
        lifts_known_ = true;
        return lifted;
      }
      lifts = store_->lifts_after(last_lift_);
    } catch (const std::exception& e) {
      log(std::string("defender: cannot read the lifted bans: ") + e.what());
      return lifted;
    }
    if (!lifts.empty()) last_lift_ = lifts.back().seq;
  }
  for (const BanLift& lift : lifts) {
    const std::string key = base::canonical_address(lift.address);
    {
      std::lock_guard<std::mutex> lock(mu_);
      bans_.erase(key);
      hosts_.erase(key);
    }
    log("defender: " + key + " unbanned by an operator");
    lifted.push_back(key);
  }
  return lifted;
}

std::size_t Defender::tracked_hosts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hosts_.size();
}

void Defender::limit_hosts() {
  if (hosts_.size() <= options_.entries_hard_limit) return;
  // The least recently seen go first, down to the soft limit.
  std::vector<std::pair<std::int64_t, std::string>> by_age;
  by_age.reserve(hosts_.size());
  for (const auto& [address, host] : hosts_)
    by_age.emplace_back(host.last_seen, address);
  const std::size_t drop = hosts_.size() - options_.entries_soft_limit;
  std::nth_element(by_age.begin(), by_age.begin() + static_cast<std::ptrdiff_t>(drop - 1),
                   by_age.end());
  for (std::size_t i = 0; i < drop; ++i)
    hosts_.erase(by_age[i].second);
}

void Defender::limit_bans(std::int64_t t) {
  const std::int64_t forget_before = t - options_.ban_memory.count();
  std::erase_if(bans_,
                [&](const auto& entry) { return entry.second.banned_until < forget_before; });
  if (bans_.size() <= options_.entries_hard_limit) return;
  // Ended bans first, then the ones ending soonest.
  std::vector<std::pair<std::int64_t, std::string>> by_end;
  by_end.reserve(bans_.size());
  for (const auto& [address, ban] : bans_)
    by_end.emplace_back(ban.banned_until, address);
  const std::size_t drop = bans_.size() - options_.entries_soft_limit;
  std::nth_element(by_end.begin(), by_end.begin() + static_cast<std::ptrdiff_t>(drop - 1),
                   by_end.end());
  for (std::size_t i = 0; i < drop; ++i)
    bans_.erase(by_end[i].second);
}

void score_and_log_ban(Defender* defender, std::string_view address, DefenderEvent event,
                       const std::function<void(const std::string& line)>& log) {
  if (defender == nullptr) return;
  const std::optional<Ban> ban = defender->add_event(address, event);
  if (!ban || !log) return;
  log("ban: " + ban->address + " until " +
      base::iso_utc(std::chrono::system_clock::from_time_t(ban->banned_until)) + " (ban " +
      std::to_string(ban->ban_count) + ", " + ban->reason + ")");
}

}  // namespace popgate::sftp
