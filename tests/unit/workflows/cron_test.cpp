#include "workflows/schedule/cron.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "workflows/schedule/time_zone.h"

namespace popgate::workflows {
namespace {

using namespace std::chrono;

sys_seconds utc(int y, unsigned m, unsigned d, int hh = 0, int mm = 0, int ss = 0) {
  return sys_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm} + seconds{ss};
}

local_seconds local(int y, unsigned m, unsigned d, int hh = 0, int mm = 0) {
  return local_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm};
}

const TimeZone& helsinki() {
  static const TimeZone kZone = [] {
    TimeZoneLoad loaded = TimeZone::load("Europe/Helsinki");
    EXPECT_TRUE(loaded.ok()) << loaded.error;
    return loaded.ok() ? std::move(*loaded.zone) : TimeZone::utc();
  }();
  return kZone;
}

const TimeZone& new_york() {
  static const TimeZone kZone = [] {
    TimeZoneLoad loaded = TimeZone::load("America/New_York");
    EXPECT_TRUE(loaded.ok()) << loaded.error;
    return loaded.ok() ? std::move(*loaded.zone) : TimeZone::utc();
  }();
  return kZone;
}

CronSchedule cron(std::string_view text) {
  CronParse parsed = CronSchedule::parse(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.error;
  return parsed.ok() ? std::move(*parsed.schedule) : *CronSchedule::parse("0 0 1 1 *").schedule;
}

std::string error_of(std::string_view text) {
  const CronParse parsed = CronSchedule::parse(text);
  EXPECT_FALSE(parsed.ok()) << text;
  return parsed.error;
}

// The next firing of `text` after `after`, as a UTC instant.
std::optional<sys_seconds> next(std::string_view text, sys_seconds after,
                                const TimeZone& zone = TimeZone::utc()) {
  const auto fired = cron(text).next_after(system_clock::time_point(after), zone);
  if (!fired) return std::nullopt;
  return floor<seconds>(*fired);
}

// The first `count` firings of `text` after `after`.
std::vector<sys_seconds> firings(std::string_view text, sys_seconds after, int count,
                                 const TimeZone& zone = TimeZone::utc()) {
  const CronSchedule schedule = cron(text);
  std::vector<sys_seconds> result;
  system_clock::time_point at(after);
  for (int i = 0; i < count; ++i) {
    const auto fired = schedule.next_after(at, zone);
    if (!fired) break;
    result.push_back(floor<seconds>(*fired));
    at = *fired;
  }
  return result;
}

TEST(CronParse, ExplainsErrorsByField) {
  EXPECT_EQ(error_of(""), "empty cron expression");
  EXPECT_EQ(error_of("   "), "empty cron expression");
  EXPECT_EQ(error_of("* * * *"),
            "expected 5 fields (minute hour day-of-month month day-of-week), got 4");
  EXPECT_EQ(error_of("0 * * * * *"),
            "expected 5 fields (minute hour day-of-month month day-of-week), got 6 (seconds and "
            "years are not supported)");
  EXPECT_EQ(error_of("0 24 * * *"), "hour: 24 is out of range 0-23");
  EXPECT_EQ(error_of("60 * * * *"), "minute: 60 is out of range 0-59");
  EXPECT_EQ(error_of("0 0 0 * *"), "day-of-month: 0 is out of range 1-31");
  EXPECT_EQ(error_of("0 0 32 * *"), "day-of-month: 32 is out of range 1-31");
  EXPECT_EQ(error_of("0 0 * 13 *"), "month: 13 is out of range 1-12");
  EXPECT_EQ(error_of("0 0 * * 8"), "day-of-week: 8 is out of range 0-7");
  EXPECT_EQ(error_of("0 99999 * * *"), "hour: 99999 is out of range 0-23");
  EXPECT_EQ(error_of("*/0 * * * *"), "minute: step 0 is out of range 1-59");
  EXPECT_EQ(error_of("*/60 * * * *"), "minute: step 60 is out of range 1-59");
  EXPECT_EQ(error_of("*/x * * * *"), "minute: step 'x' is not a number");
  EXPECT_EQ(error_of("5/15 * * * *"),
            "minute: a step needs a range or '*': write '5-59/15' or '*/15'");
  EXPECT_EQ(error_of("0 22-2 * * *"),
            "hour: range 22-2 is backwards (ranges do not wrap around; split it into two "
            "ranges)");
  EXPECT_EQ(error_of("0 1,,2 * * *"), "hour: empty entry in the list '1,,2'");
  EXPECT_EQ(error_of("0 1- * * *"), "hour: missing number in a range");
  EXPECT_EQ(error_of("0 x * * *"), "hour: 'x' is not a number");
  EXPECT_EQ(error_of("0 1x * * *"), "hour: '1x' is not a number");
  EXPECT_EQ(error_of("0 1x2345 * * *"), "hour: '1x2345' is not a number");
  EXPECT_EQ(error_of("0 0 MON * *"), "day-of-month: 'MON' is not a number");
  EXPECT_EQ(error_of("0 0 * JNU *"), "month: unknown month name 'JNU' (use JAN-DEC)");
  EXPECT_EQ(error_of("0 0 * * MONDAY"), "day-of-week: unknown day name 'MONDAY' (use SUN-SAT)");
  EXPECT_EQ(error_of("@reboot"),
            "@reboot is not supported: schedules run at times of day, not at start-up");
  EXPECT_EQ(error_of("@every 5m"),
            "unknown macro '@every 5m' (use @hourly, @daily, @weekly, @monthly or @yearly)");
  EXPECT_EQ(error_of("0 0 30 2 *"),
            "day-of-month: the schedule never fires: no chosen month has a day 30");
  EXPECT_EQ(error_of("0 0 31 4,6,9,11 *"),
            "day-of-month: the schedule never fires: no chosen month has a day 31");
}

TEST(CronParse, AcceptsTheCommonForms) {
  for (const char* text : {"* * * * *",     "*/15 * * * *",    "0 9-17 * * MON-FRI",
                           "0 0 1-5/2 * *", "5,10,15 * * * *", "0 0 * jan,Jul *",
                           "0 0 * * sun",   "0 0 * * 7",       "  0   0  *  *  *  ",
                           "0\t0\t*\t*\t*", "@hourly",         "@DAILY",
                           "@midnight",     "@weekly",         "@monthly",
                           "@yearly",       "@annually",       "0 0 29 2 *",
                           "0 0 30 2 MON",  "0 0 31 * *",      "0 0 * * FRI-SUN"}) {
    EXPECT_TRUE(CronSchedule::parse(text).ok()) << text << ": " << CronSchedule::parse(text).error;
  }
  EXPECT_EQ(cron("@daily").expression(), "@daily");
}

TEST(CronParse, ExpandsListsRangesStepsAndNames) {
  const CronSchedule schedule = cron("*/20 8-10/2 * * MON-WED,sat");
  // 2024-09-02 is a Monday.
  EXPECT_TRUE(schedule.matches(local(2024, 9, 2, 8, 0)));
  EXPECT_TRUE(schedule.matches(local(2024, 9, 2, 10, 40)));
  EXPECT_TRUE(schedule.matches(local(2024, 9, 4, 8, 20)));
  EXPECT_TRUE(schedule.matches(local(2024, 9, 7, 8, 20)));
  EXPECT_FALSE(schedule.matches(local(2024, 9, 2, 9, 0)));   // hour 9 not in 8-10/2
  EXPECT_FALSE(schedule.matches(local(2024, 9, 2, 8, 10)));  // minute 10 not in */20
  EXPECT_FALSE(schedule.matches(local(2024, 9, 5, 8, 0)));   // Thursday
  EXPECT_FALSE(schedule.matches(local(2024, 9, 8, 8, 0)));   // Sunday
  // Sunday is 0, 7 and SUN; FRI-SUN reaches it too.
  for (const char* text :
       {"0 0 * * 0", "0 0 * * 7", "0 0 * * Sun", "0 0 * * FRI-SUN", "0 0 * * 5-7", "0 0 * * */6"}) {
    EXPECT_TRUE(cron(text).matches(local(2024, 9, 8))) << text;
  }
  EXPECT_FALSE(cron("0 0 * * 5-6").matches(local(2024, 9, 8)));
  EXPECT_TRUE(cron("0 0 * DEC *").matches(local(2024, 12, 24)));
  EXPECT_FALSE(cron("0 0 * DEC *").matches(local(2024, 11, 24)));
}

TEST(CronNextFire, FindsTheNextMinute) {
  EXPECT_EQ(next("* * * * *", utc(2024, 1, 1, 12, 0, 0)), utc(2024, 1, 1, 12, 1));
  EXPECT_EQ(next("* * * * *", utc(2024, 1, 1, 12, 0, 30)), utc(2024, 1, 1, 12, 1));
  EXPECT_EQ(next("*/15 * * * *", utc(2024, 1, 1, 12, 14, 59)), utc(2024, 1, 1, 12, 15));
  EXPECT_EQ(next("*/15 * * * *", utc(2024, 1, 1, 12, 15)), utc(2024, 1, 1, 12, 30));
  EXPECT_EQ(next("@hourly", utc(2024, 1, 1, 23, 0)), utc(2024, 1, 2, 0, 0));
  // Strictly after: a firing instant is not its own successor, even a nanosecond before it.
  const auto just_before = system_clock::time_point(utc(2024, 1, 1, 12, 15)) - nanoseconds(1);
  EXPECT_EQ(cron("*/15 * * * *").next_after(just_before, TimeZone::utc()),
            system_clock::time_point(utc(2024, 1, 1, 12, 15)));
}

TEST(CronNextFire, CrossesMonthAndYearEnds) {
  EXPECT_EQ(next("0 0 1 * *", utc(2024, 1, 31, 12)), utc(2024, 2, 1));
  EXPECT_EQ(next("@monthly", utc(2024, 12, 1)), utc(2025, 1, 1));
  EXPECT_EQ(next("@yearly", utc(2024, 6, 1)), utc(2025, 1, 1));
  // The 31st skips the months without one.
  EXPECT_EQ(firings("0 12 31 * *", utc(2024, 1, 31, 13), 4),
            (std::vector<sys_seconds>{utc(2024, 3, 31, 12), utc(2024, 5, 31, 12),
                                      utc(2024, 7, 31, 12), utc(2024, 8, 31, 12)}));
  EXPECT_EQ(next("59 23 31 12 *", utc(2024, 12, 31, 23, 59)), utc(2025, 12, 31, 23, 59));
  EXPECT_EQ(next("0 0 30 * *", utc(2025, 1, 30, 1)), utc(2025, 3, 30));
}

TEST(CronNextFire, HandlesLeapYears) {
  EXPECT_EQ(next("0 0 29 2 *", utc(2024, 1, 1)), utc(2024, 2, 29));
  EXPECT_EQ(next("0 0 29 2 *", utc(2024, 3, 1)), utc(2028, 2, 29));
  // 2100 is not a leap year: eight years between two 29 Februaries.
  EXPECT_EQ(next("0 0 29 2 *", utc(2096, 3, 1)), utc(2104, 2, 29));
  EXPECT_EQ(next("0 0 * 2 *", utc(2023, 2, 28, 1)), utc(2024, 2, 1));
  EXPECT_EQ(next("0 0 28,29 2 *", utc(2023, 2, 28, 1)), utc(2024, 2, 28));
}

TEST(CronNextFire, FollowsVixieDayOfMonthAndDayOfWeekRules) {
  // Both restricted: either matches. September 2024: Fridays 6, 13, 20, 27.
  EXPECT_EQ(firings("0 0 13 * FRI", utc(2024, 9, 1), 4),
            (std::vector<sys_seconds>{utc(2024, 9, 6), utc(2024, 9, 13), utc(2024, 9, 20),
                                      utc(2024, 9, 27)}));
  EXPECT_EQ(firings("0 0 1 * MON", utc(2024, 9, 24), 3),
            (std::vector<sys_seconds>{utc(2024, 9, 30), utc(2024, 10, 1), utc(2024, 10, 7)}));
  // Day of month starts with '*': both must match. Odd days that are Mondays: 9th and 23rd.
  EXPECT_EQ(firings("0 0 */2 * MON", utc(2024, 9, 1), 3),
            (std::vector<sys_seconds>{utc(2024, 9, 9), utc(2024, 9, 23), utc(2024, 10, 7)}));
  // Only one restricted: that one decides.
  EXPECT_EQ(next("0 0 * * MON", utc(2024, 9, 3)), utc(2024, 9, 9));
  EXPECT_EQ(next("0 0 15 * *", utc(2024, 9, 3)), utc(2024, 9, 15));
  // A day of month no month has, rescued by the day of the week.
  EXPECT_EQ(next("0 0 30 2 MON", utc(2024, 2, 1)), utc(2024, 2, 5));
}

TEST(CronNextFire, RunsInTheGivenTimeZone) {
  // 06:00 in Helsinki is 04:00 UTC in winter and 03:00 UTC in summer.
  EXPECT_EQ(next("0 6 * * *", utc(2024, 1, 15), helsinki()), utc(2024, 1, 15, 4));
  EXPECT_EQ(next("0 6 * * *", utc(2024, 7, 15), helsinki()), utc(2024, 7, 15, 3));
  // Midnight local is the previous UTC day.
  EXPECT_EQ(next("@daily", utc(2024, 6, 1), helsinki()), utc(2024, 6, 1, 21));
  // Weekdays are local weekdays: Monday 00:30 in Helsinki is Sunday 21:30 UTC.
  EXPECT_EQ(next("30 0 * * MON", utc(2024, 9, 7), helsinki()), utc(2024, 9, 8, 21, 30));
  EXPECT_EQ(next("0 0 1 * *", utc(2024, 9, 15), helsinki()), utc(2024, 9, 30, 21));
  EXPECT_EQ(next("0 7 * * *", utc(2024, 1, 15), new_york()), utc(2024, 1, 15, 12));
}

// Spring forward in Helsinki, 2024-03-31: at 01:00 UTC the clocks go from 03:00 to 04:00.
TEST(CronDst, RunsAFixedTimeInTheSpringGapOnceAtTheEndOfTheGap) {
  EXPECT_EQ(firings("30 3 * * *", utc(2024, 3, 29, 12), 3, helsinki()),
            (std::vector<sys_seconds>{
                utc(2024, 3, 30, 1, 30),  // 03:30 EET
                utc(2024, 3, 31, 1, 0),   // 03:30 does not exist: 04:00 EEST
                utc(2024, 4, 1, 0, 30),   // 03:30 EEST
            }));
  EXPECT_EQ(next("0 3 * * *", utc(2024, 3, 30, 12), helsinki()), utc(2024, 3, 31, 1));
  // Two due times in the gap still make one run; the same for a time at the end of the gap.
  EXPECT_EQ(firings("0,30 3 * * *", utc(2024, 3, 30, 12), 2, helsinki()),
            (std::vector<sys_seconds>{utc(2024, 3, 31, 1), utc(2024, 4, 1, 0)}));
  EXPECT_EQ(firings("30 3,4 * * *", utc(2024, 3, 30, 12), 3, helsinki()),
            (std::vector<sys_seconds>{utc(2024, 3, 31, 1), utc(2024, 3, 31, 1, 30),
                                      utc(2024, 4, 1, 0, 30)}));
  // Also from the TZ rule, past the end of the file's table: 2050-03-27.
  EXPECT_EQ(next("30 3 * * *", utc(2050, 3, 26, 12), helsinki()), utc(2050, 3, 27, 1));
}

TEST(CronDst, KeepsIntervalsInRealTimeAcrossTheSpringGap) {
  // Hourly at :30: 02:30 EET, then 04:30 EEST; the 03:30 that never happened is not made up.
  EXPECT_EQ(firings("30 * * * *", utc(2024, 3, 31, 0), 3, helsinki()),
            (std::vector<sys_seconds>{utc(2024, 3, 31, 0, 30), utc(2024, 3, 31, 1, 30),
                                      utc(2024, 3, 31, 2, 30)}));
  EXPECT_EQ(firings("*/15 * * * *", utc(2024, 3, 31, 0, 30), 4, helsinki()),
            (std::vector<sys_seconds>{utc(2024, 3, 31, 0, 45), utc(2024, 3, 31, 1, 0),
                                      utc(2024, 3, 31, 1, 15), utc(2024, 3, 31, 1, 30)}));
  // Every 15 minutes, but only in hour 3: nothing on the day the hour is skipped.
  EXPECT_EQ(next("*/15 3 * * *", utc(2024, 3, 30, 12), helsinki()), utc(2024, 4, 1, 0));
}

// Fall back in Helsinki, 2024-10-27: at 01:00 UTC the clocks go from 04:00 back to 03:00.
TEST(CronDst, RunsAFixedTimeInTheRepeatedHourOnlyOnce) {
  EXPECT_EQ(firings("30 3 * * *", utc(2024, 10, 26, 12), 2, helsinki()),
            (std::vector<sys_seconds>{
                utc(2024, 10, 27, 0, 30),  // 03:30 EEST, the first pass
                utc(2024, 10, 28, 1, 30),  // 03:30 EET the next day; not 01:30 UTC on the 27th
            }));
  // Even when asked in the middle of the repeated hour.
  EXPECT_EQ(next("30 3 * * *", utc(2024, 10, 27, 0, 45), helsinki()), utc(2024, 10, 28, 1, 30));
  EXPECT_EQ(next("30 3 * * *", utc(2024, 10, 27, 1, 15), helsinki()), utc(2024, 10, 28, 1, 30));
  EXPECT_EQ(next("0 4 * * *", utc(2024, 10, 26, 12), helsinki()), utc(2024, 10, 27, 2));
  EXPECT_EQ(next("30 3 * * *", utc(2050, 10, 29, 12), helsinki()), utc(2050, 10, 30, 0, 30));
}

TEST(CronDst, KeepsIntervalsInRealTimeAcrossTheRepeatedHour) {
  EXPECT_EQ(firings("30 * * * *", utc(2024, 10, 26, 23, 45), 4, helsinki()),
            (std::vector<sys_seconds>{utc(2024, 10, 27, 0, 30), utc(2024, 10, 27, 1, 30),
                                      utc(2024, 10, 27, 2, 30), utc(2024, 10, 27, 3, 30)}));
  const std::vector<sys_seconds> quarters =
      firings("*/15 * * * *", utc(2024, 10, 27, 0), 8, helsinki());
  ASSERT_EQ(quarters.size(), 8u);
  for (std::size_t i = 0; i < quarters.size(); ++i) {
    EXPECT_EQ(quarters[i], utc(2024, 10, 27, 0, 15) + minutes(15) * static_cast<int>(i)) << i;
  }
  // Every 15 minutes in hour 3: both passes, eight runs in all.
  EXPECT_EQ(firings("*/15 3 * * *", utc(2024, 10, 26, 12), 9, helsinki()),
            (std::vector<sys_seconds>{
                utc(2024, 10, 27, 0, 0), utc(2024, 10, 27, 0, 15), utc(2024, 10, 27, 0, 30),
                utc(2024, 10, 27, 0, 45), utc(2024, 10, 27, 1, 0), utc(2024, 10, 27, 1, 15),
                utc(2024, 10, 27, 1, 30), utc(2024, 10, 27, 1, 45), utc(2024, 10, 28, 1, 0)}));
}

TEST(CronDst, FollowsNewYorkTransitions) {
  // 2024-03-10: 02:00 EST becomes 03:00 EDT at 07:00 UTC.
  EXPECT_EQ(next("30 2 * * *", utc(2024, 3, 9, 12), new_york()), utc(2024, 3, 10, 7));
  // 2024-11-03: 02:00 EDT becomes 01:00 EST at 06:00 UTC.
  EXPECT_EQ(firings("30 1 * * *", utc(2024, 11, 2, 12), 2, new_york()),
            (std::vector<sys_seconds>{utc(2024, 11, 3, 5, 30), utc(2024, 11, 4, 6, 30)}));
}

TEST(CronNextFire, StopsAtTheEndOfTheSystemClock) {
  const CronSchedule schedule = cron("* * * * *");
  // system_clock counts nanoseconds in 64 bits: it ends on 2262-04-11 at 23:47:16.
  const auto end = system_clock::time_point::max();
  EXPECT_EQ(schedule.next_after(end, TimeZone::utc()), std::nullopt);
  EXPECT_EQ(schedule.next_after(end - minutes(1), TimeZone::utc()),
            system_clock::time_point(utc(2262, 4, 11, 23, 47)));
  // After 29 February 2260 the next one is in 2264.
  EXPECT_EQ(cron("0 0 29 2 *").next_after(end - years(2), helsinki()), std::nullopt);
  EXPECT_EQ(cron("0 0 29 2 *").next_after(end - years(3), TimeZone::utc()),
            system_clock::time_point(utc(2260, 2, 29)));
}

}  // namespace
}  // namespace popgate::workflows
