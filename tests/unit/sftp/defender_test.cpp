// The SFTP defender: scores, the observation window, bans and their escalation, the safelist,
// the memory bounds and the BanStore contract (with an in-memory store; the SQLite store's
// roundtrip is in tests/integration/sftp_server_test.cpp, which links popgate_store).
#include "adapters/sftp/defender.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace popgate::sftp {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

class MemoryBanStore : public BanStore {
 public:
  std::vector<Ban> load() override {
    if (fail_load) throw std::runtime_error("state.db is locked");
    std::vector<Ban> out;
    for (const auto& [address, ban] : bans)
      out.push_back(ban);
    return out;
  }
  void save(const Ban& ban) override {
    if (fail) throw std::runtime_error("disk on fire");
    bans[ban.address] = ban;
  }
  bool remove(const std::string& address) override { return bans.erase(address) > 0; }
  bool lift(const std::string& address, std::int64_t, const std::string&) override {
    if (!remove(address)) return false;
    lifts.push_back({static_cast<std::int64_t>(lifts.size()) + 1, address});
    return true;
  }
  std::vector<BanLift> lifts_after(std::int64_t seq) override {
    std::vector<BanLift> out;
    for (const BanLift& lift : lifts)
      if (lift.seq > seq) out.push_back(lift);
    return out;
  }
  std::int64_t last_lift() override { return static_cast<std::int64_t>(lifts.size()); }
  std::vector<BanLift> lifts;
  int delete_expired(std::int64_t before) override {
    return static_cast<int>(
        std::erase_if(bans, [&](const auto& e) { return e.second.banned_until < before; }));
  }
  std::map<std::string, Ban> bans;
  bool fail = false;
  bool fail_load = false;
};

class DefenderTest : public ::testing::Test {
 protected:
  // 2026-01-01T00:00:00Z
  Clock::time_point now_ = Clock::time_point(std::chrono::seconds(1767225600));
  Defender::Clock clock() {
    return [this] { return now_; };
  }
  std::int64_t unix_now() const {
    return std::chrono::duration_cast<std::chrono::seconds>(now_.time_since_epoch()).count();
  }
  static DefenderOptions options() {
    DefenderOptions o;
    o.threshold = 5;
    o.observation_time = 10min;
    o.ban_time = 20min;
    o.ban_time_increment_percent = 50;
    return o;
  }
};

TEST_F(DefenderTest, ScoresAddUpToABan) {
  Defender d(options(), nullptr, clock());
  EXPECT_FALSE(d.add_event("192.0.2.1", DefenderEvent::invalid_user));  // 2
  EXPECT_EQ(d.score("192.0.2.1"), 2);
  EXPECT_FALSE(d.add_event("192.0.2.1", DefenderEvent::invalid_auth));  // 3
  EXPECT_EQ(d.score("192.0.2.1"), 3);
  EXPECT_FALSE(d.is_banned("192.0.2.1"));
  // Another address has its own score.
  EXPECT_FALSE(d.add_event("192.0.2.2", DefenderEvent::invalid_auth));
  EXPECT_EQ(d.score("192.0.2.2"), 1);
  const auto ban = d.add_event("192.0.2.1", DefenderEvent::protocol_error);  // 6 >= 5
  ASSERT_TRUE(ban);
  EXPECT_EQ(ban->address, "192.0.2.1");
  EXPECT_EQ(ban->ban_count, 1);
  EXPECT_EQ(ban->banned_until, unix_now() + 20 * 60);
  EXPECT_EQ(ban->reason, "score 6 >= 5, last event protocol_error");
  EXPECT_TRUE(d.is_banned("192.0.2.1"));
  EXPECT_TRUE(d.is_banned("::ffff:192.0.2.1"));  // the same address, mapped
  EXPECT_FALSE(d.is_banned("192.0.2.2"));
  // The score starts again; events while banned are ignored.
  EXPECT_EQ(d.score("192.0.2.1"), 0);
  EXPECT_FALSE(d.add_event("192.0.2.1", DefenderEvent::invalid_user));
  EXPECT_EQ(d.score("192.0.2.1"), 0);
  // The ban ends.
  now_ += 20min - 1s;
  EXPECT_TRUE(d.is_banned("192.0.2.1"));
  now_ += 1s;
  EXPECT_FALSE(d.is_banned("192.0.2.1"));
  EXPECT_TRUE(d.bans().empty());
}

TEST_F(DefenderTest, ScoreAndLogBanLogsOnlyTheBanItCaused) {
  Defender d(options(), nullptr, clock());
  std::vector<std::string> lines;
  const std::function<void(const std::string&)> log = [&](const std::string& line) {
    lines.push_back(line);
  };
  score_and_log_ban(&d, "192.0.2.1", DefenderEvent::invalid_user, log);  // 2
  score_and_log_ban(&d, "192.0.2.1", DefenderEvent::invalid_user, log);  // 4
  EXPECT_EQ(d.score("192.0.2.1"), 4);
  EXPECT_TRUE(lines.empty());
  score_and_log_ban(&d, "192.0.2.1", DefenderEvent::invalid_auth, log);  // 5 >= 5
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0],
            "ban: 192.0.2.1 until 2026-01-01T00:20:00Z (ban 1, score 5 >= 5, last event "
            "invalid_auth)");
  // No defender, or no log: nothing happens, nothing breaks.
  score_and_log_ban(nullptr, "192.0.2.2", DefenderEvent::invalid_user, log);
  score_and_log_ban(&d, "192.0.2.3", DefenderEvent::protocol_error, {});
  score_and_log_ban(&d, "192.0.2.3", DefenderEvent::protocol_error, {});
  EXPECT_TRUE(d.is_banned("192.0.2.3"));
  EXPECT_EQ(lines.size(), 1u);
}

TEST_F(DefenderTest, ScoresExpireAfterTheObservationWindow) {
  Defender d(options(), nullptr, clock());
  for (int i = 0; i < 4; ++i)
    EXPECT_FALSE(d.add_event("2001:db8::1", DefenderEvent::invalid_auth));
  EXPECT_EQ(d.score("2001:db8::1"), 4);
  now_ += 10min;  // the first four are exactly one window old: expired
  EXPECT_EQ(d.score("2001:db8::1"), 0);
  EXPECT_FALSE(d.add_event("2001:db8::1", DefenderEvent::invalid_auth));
  EXPECT_EQ(d.score("2001:db8::1"), 1);
  // A sliding window: events spread so that no window holds five never ban.
  for (int i = 0; i < 20; ++i) {
    now_ += 3min;  // at most four events within any 10 minutes
    EXPECT_FALSE(d.add_event("2001:db8::2", DefenderEvent::invalid_auth)) << i;
  }
  EXPECT_FALSE(d.is_banned("2001:db8::2"));
  EXPECT_LE(d.score("2001:db8::2"), 4);
}

TEST_F(DefenderTest, EachFurtherBanLastsLonger) {
  Defender d(options(), nullptr, clock());
  const auto ban_now = [&] {
    std::optional<Ban> ban;
    for (int i = 0; i < 5 && !ban; ++i)
      ban = d.add_event("198.51.100.9", DefenderEvent::invalid_auth);
    return ban;
  };
  const std::int64_t expected[] = {20 * 60, 30 * 60, 45 * 60, 4050};  // 20 * 1.5^n minutes
  for (int n = 0; n < 4; ++n) {
    const auto ban = ban_now();
    ASSERT_TRUE(ban) << n;
    EXPECT_EQ(ban->ban_count, n + 1);
    EXPECT_EQ(ban->banned_until - unix_now(), expected[n]) << n;
    now_ = Clock::time_point(std::chrono::seconds(ban->banned_until)) + 1min;
  }
  // Long after the last ban ended (ban_memory, 24 h), the count starts again.
  now_ += 25h;
  const auto fresh = ban_now();
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->ban_count, 1);
  EXPECT_EQ(fresh->banned_until - unix_now(), 20 * 60);
}

TEST_F(DefenderTest, BanTimeIsCapped) {
  DefenderOptions o = options();
  o.threshold = 1;
  o.ban_time_increment_percent = 1000;
  o.max_ban_time = 2h;
  Defender d(o, nullptr, clock());
  std::int64_t last = 0;
  for (int n = 0; n < 40; ++n) {
    const auto ban = d.add_event("203.0.113.5", DefenderEvent::invalid_auth);
    ASSERT_TRUE(ban);
    last = ban->banned_until - unix_now();
    now_ = Clock::time_point(std::chrono::seconds(ban->banned_until)) + 1s;
  }
  EXPECT_EQ(last, 2 * 3600);
}

TEST_F(DefenderTest, SafelistedAndNonAddressesAreNeverBanned) {
  DefenderOptions o = options();
  o.threshold = 1;
  o.safelist = {"10.0.0.0/8", "2001:db8::/32"};
  Defender d(o, nullptr, clock());
  EXPECT_FALSE(d.add_event("10.1.2.3", DefenderEvent::invalid_user));
  EXPECT_FALSE(d.add_event("::ffff:10.1.2.3", DefenderEvent::invalid_user));
  EXPECT_FALSE(d.add_event("2001:db8::7", DefenderEvent::invalid_user));
  EXPECT_FALSE(d.add_event("unknown", DefenderEvent::invalid_user));
  EXPECT_FALSE(d.is_banned("10.1.2.3"));
  EXPECT_EQ(d.tracked_hosts(), 0u);
  EXPECT_TRUE(d.add_event("11.1.2.3", DefenderEvent::invalid_user));

  DefenderOptions bad = options();
  bad.safelist = {"10.0.0.0/33"};
  EXPECT_THROW(Defender(bad, nullptr, clock()), std::invalid_argument);
  DefenderOptions limits = options();
  limits.entries_soft_limit = 10;
  limits.entries_hard_limit = 5;
  EXPECT_THROW(Defender(limits, nullptr, clock()), std::invalid_argument);
}

TEST_F(DefenderTest, DisabledDefenderDoesNothing) {
  DefenderOptions o = options();
  o.enabled = false;
  o.threshold = 1;
  Defender d(o, nullptr, clock());
  EXPECT_FALSE(d.add_event("192.0.2.1", DefenderEvent::invalid_user));
  EXPECT_FALSE(d.is_banned("192.0.2.1"));
}

TEST_F(DefenderTest, TrackedHostsAreBounded) {
  DefenderOptions o = options();
  o.entries_soft_limit = 50;
  o.entries_hard_limit = 100;
  Defender d(o, nullptr, clock());
  for (int i = 0; i < 1000; ++i) {
    now_ += 1s;
    d.add_event("10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".1",
                DefenderEvent::invalid_auth);
    ASSERT_LE(d.tracked_hosts(), 100u);
  }
  // The most recently seen survive the trimming; the oldest are gone.
  EXPECT_EQ(d.score("10.3.231.1"), 1);  // i == 999
  EXPECT_EQ(d.score("10.0.0.1"), 0);    // i == 0
  EXPECT_GE(d.tracked_hosts(), 50u);
}

TEST_F(DefenderTest, BansAreBounded) {
  DefenderOptions o = options();
  o.threshold = 1;
  o.entries_soft_limit = 5;
  o.entries_hard_limit = 10;
  Defender d(o, nullptr, clock());
  for (int i = 0; i < 30; ++i) {
    now_ += 1s;
    ASSERT_TRUE(d.add_event("192.0.2." + std::to_string(i), DefenderEvent::invalid_auth));
    ASSERT_LE(d.bans().size(), 10u);
  }
  EXPECT_TRUE(d.is_banned("192.0.2.29"));  // the latest (ending last) are kept
  EXPECT_FALSE(d.is_banned("192.0.2.0"));
}

TEST_F(DefenderTest, BansListAndUnban) {
  DefenderOptions o = options();
  o.threshold = 1;
  Defender d(o, nullptr, clock());
  ASSERT_TRUE(d.add_event("192.0.2.1", DefenderEvent::invalid_auth));
  now_ += 1min;
  ASSERT_TRUE(d.add_event("2001:db8::1", DefenderEvent::invalid_auth));
  const auto bans = d.bans();
  ASSERT_EQ(bans.size(), 2u);
  EXPECT_EQ(bans[0].address, "192.0.2.1");  // ending soonest first
  EXPECT_EQ(bans[1].address, "2001:db8::1");
  EXPECT_TRUE(d.unban("::ffff:192.0.2.1"));
  EXPECT_FALSE(d.unban("192.0.2.1"));
  EXPECT_FALSE(d.is_banned("192.0.2.1"));
  EXPECT_EQ(d.bans().size(), 1u);
  // After unban the history is gone: the next ban is the first again.
  const auto again = d.add_event("192.0.2.1", DefenderEvent::invalid_auth);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->ban_count, 1);
}

TEST_F(DefenderTest, BansGoToTheStoreAndComeBack) {
  auto store = std::make_shared<MemoryBanStore>();
  DefenderOptions o = options();
  o.threshold = 2;
  {
    Defender d(o, store, clock());
    d.add_event("192.0.2.1", DefenderEvent::invalid_user);
    EXPECT_TRUE(store->bans.count("192.0.2.1"));
    ASSERT_EQ(store->bans.size(), 1u);
    EXPECT_EQ(store->bans["192.0.2.1"].ban_count, 1);
  }
  // An ended ban long forgotten is dropped from the store at load.
  store->bans["198.51.100.1"] = Ban{"198.51.100.1", unix_now() - 48 * 3600, 3, "old"};
  // An ended but remembered one escalates the next ban.
  store->bans["198.51.100.2"] = Ban{"198.51.100.2", unix_now() - 3600, 2, "recent"};
  now_ += 1min;
  Defender d(o, store, clock());
  EXPECT_TRUE(d.is_banned("192.0.2.1"));
  EXPECT_FALSE(d.is_banned("198.51.100.2"));
  EXPECT_FALSE(store->bans.count("198.51.100.1"));
  const auto next = d.add_event("198.51.100.2", DefenderEvent::invalid_user);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->ban_count, 3);
  EXPECT_EQ(next->banned_until - unix_now(), 45 * 60);
  EXPECT_EQ(store->bans["198.51.100.2"].ban_count, 3);
  EXPECT_TRUE(d.unban("192.0.2.1"));
  EXPECT_FALSE(store->bans.count("192.0.2.1"));
}

// A ban lifted in the store by another process (popgate bans unban) is followed by the running
// defender on its next apply_lifts, once; lifts made before it loaded the bans are not news.
TEST_F(DefenderTest, FollowsBansLiftedInTheStore) {
  auto store = std::make_shared<MemoryBanStore>();
  DefenderOptions o = options();
  o.threshold = 2;
  store->bans["198.51.100.9"] = Ban{"198.51.100.9", unix_now() + 3600, 1, "old"};
  ASSERT_TRUE(store->lift("198.51.100.9", unix_now(), "root"));
  Defender d(o, store, clock());
  d.add_event("192.0.2.1", DefenderEvent::invalid_user);
  d.add_event("192.0.2.2", DefenderEvent::invalid_user);
  ASSERT_TRUE(d.is_banned("192.0.2.1"));
  EXPECT_TRUE(d.apply_lifts().empty()) << "nothing lifted since the bans were loaded";

  ASSERT_TRUE(store->lift("192.0.2.1", unix_now(), "root"));
  EXPECT_EQ(d.apply_lifts(), std::vector<std::string>{"192.0.2.1"});
  EXPECT_FALSE(d.is_banned("192.0.2.1"));
  EXPECT_TRUE(d.is_banned("192.0.2.2"));
  EXPECT_EQ(d.score("192.0.2.1"), 0) << "its history is forgotten too";
  EXPECT_TRUE(d.apply_lifts().empty()) << "each lift is followed once";
  EXPECT_FALSE(store->lift("192.0.2.1", unix_now(), "root")) << "not banned any more";
}

// When the bans could not be loaded at start, an old lift in the store must not pardon a
// newer ban of the same address: only lifts made after the defender first reads the store count.
TEST_F(DefenderTest, AnOldLiftDoesNotPardonANewBanAfterAFailedLoad) {
  auto store = std::make_shared<MemoryBanStore>();
  DefenderOptions o = options();
  o.threshold = 2;
  store->bans["192.0.2.1"] = Ban{"192.0.2.1", unix_now() + 3600, 1, "old"};
  ASSERT_TRUE(store->lift("192.0.2.1", unix_now(), "root"));
  store->fail_load = true;
  Defender d(o, store, clock());
  store->fail_load = false;
  d.add_event("192.0.2.1", DefenderEvent::invalid_user);
  ASSERT_TRUE(d.is_banned("192.0.2.1"));
  EXPECT_TRUE(d.apply_lifts().empty());
  EXPECT_TRUE(d.apply_lifts().empty());
  EXPECT_TRUE(d.is_banned("192.0.2.1")) << "the old lift was before this ban";
  ASSERT_TRUE(store->lift("192.0.2.1", unix_now(), "root"));
  EXPECT_EQ(d.apply_lifts(), std::vector<std::string>{"192.0.2.1"});
  EXPECT_FALSE(d.is_banned("192.0.2.1"));
}

TEST_F(DefenderTest, AFailingStoreIsLoggedAndBansStillHold) {
  auto store = std::make_shared<MemoryBanStore>();
  store->fail = true;
  std::vector<std::string> lines;
  DefenderOptions o = options();
  o.threshold = 1;
  o.log = [&](const std::string& line) { lines.push_back(line); };
  Defender d(o, store, clock());
  EXPECT_TRUE(d.add_event("192.0.2.1", DefenderEvent::invalid_auth));
  EXPECT_TRUE(d.is_banned("192.0.2.1"));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("disk on fire"), std::string::npos);
}

TEST_F(DefenderTest, ConcurrentEventsBanExactlyOnce) {
  DefenderOptions o = options();
  o.threshold = 100;
  Defender d(o);  // the real clock
  std::atomic<int> bans{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i)
        if (d.add_event("192.0.2.77", DefenderEvent::invalid_auth)) ++bans;
    });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(bans.load(), 1);  // 200 points, threshold 100: one ban, the rest ignored
  EXPECT_TRUE(d.is_banned("192.0.2.77"));
}

}  // namespace
}  // namespace popgate::sftp
