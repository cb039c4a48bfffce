#include "workflows/schedule/schedule_clock.h"

#include <gtest/gtest.h>

#include "workflows/engine/upload_router.h"

namespace popgate::workflows {
namespace {

using namespace std::chrono;

system_clock::time_point utc(int y, unsigned m, unsigned d, int hh, int mm) {
  return sys_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm};
}

Workflow scheduled(std::string name, std::string cron, std::string zone = "Europe/Helsinki") {
  Workflow w;
  w.name = std::move(name);
  ScheduleTrigger t;
  t.cron = std::move(cron);
  t.timezone = std::move(zone);
  w.trigger = t;
  return w;
}

Workflow uploaded(std::string name, std::string glob) {
  Workflow w;
  w.name = std::move(name);
  w.trigger = UploadTrigger{std::move(glob)};
  return w;
}

TEST(ScheduleClock, FiresOncePerDueSlotInLocalTime) {
  const std::vector<Workflow> workflows{scheduled("daily", "0 6 * * *"), uploaded("u", "inbox/*")};
  const ScheduleClock clock(workflows);
  EXPECT_TRUE(clock.errors().empty());
  // 06:00 in Helsinki in January is 04:00 UTC.
  auto firings = clock.due(utc(2026, 1, 10, 3, 59), utc(2026, 1, 10, 4, 0));
  ASSERT_EQ(firings.size(), 1u);
  EXPECT_EQ(firings[0].workflow->name, "daily");
  EXPECT_EQ(firings[0].due, utc(2026, 1, 10, 4, 0));
  EXPECT_EQ(firings[0].coalesced, 1);
  EXPECT_TRUE(clock.due(utc(2026, 1, 10, 4, 0), utc(2026, 1, 10, 4, 1)).empty())
      << "the interval is half-open: a slot is never due twice";
}

TEST(ScheduleClock, DowntimeIsCoalescedIntoOneFiring) {
  const std::vector<Workflow> workflows{scheduled("hourly", "0 * * * *", "UTC")};
  const ScheduleClock clock(workflows);
  auto firings = clock.due(utc(2026, 3, 1, 0, 30), utc(2026, 3, 1, 5, 30));
  ASSERT_EQ(firings.size(), 1u);
  EXPECT_EQ(firings[0].coalesced, 5);
  EXPECT_EQ(firings[0].due, utc(2026, 3, 1, 5, 0));
  EXPECT_EQ(clock.next_after(utc(2026, 3, 1, 5, 30)), utc(2026, 3, 1, 6, 0));
}

TEST(ScheduleClock, BadScheduleIsReportedAndSkipped) {
  const std::vector<Workflow> workflows{scheduled("bad", "0 24 * * *"),
                                        scheduled("zone", "0 1 * * *", "Europe/Nowhere")};
  const ScheduleClock clock(workflows);
  EXPECT_EQ(clock.errors().size(), 2u);
  EXPECT_FALSE(clock.next_after(utc(2026, 1, 1, 0, 0)).has_value());
}

TEST(UploadRouter, GlobsStayInTheirDirectoryAndSkipHiddenFiles) {
  EXPECT_TRUE(upload_glob_matches("inbox/*.csv", "inbox/customers.csv"));
  EXPECT_FALSE(upload_glob_matches("inbox/*.csv", "inbox/sub/customers.csv"));
  EXPECT_FALSE(upload_glob_matches("inbox/*", "inbox/.customers.csv.part"));
  EXPECT_TRUE(upload_glob_matches("inbox/[a-c]?.zip", "inbox/b1.zip"));
  EXPECT_FALSE(upload_glob_matches("inbox/*", std::string_view("inbox/a\0b", 9)));
  const std::vector<Workflow> workflows{uploaded("csv", "inbox/*.csv"), uploaded("all", "inbox/*"),
                                        scheduled("s", "@daily")};
  auto matches = workflows_for_upload(workflows, "inbox/x.csv");
  ASSERT_EQ(matches.size(), 2u);
  EXPECT_EQ(matches[0]->name, "csv");
  EXPECT_EQ(workflows_for_upload(workflows, "inbox/x.zip").size(), 1u);
  EXPECT_TRUE(workflows_for_upload(workflows, "outbox/x.csv").empty());
}

}  // namespace
}  // namespace popgate::workflows
