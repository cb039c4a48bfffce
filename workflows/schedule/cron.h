// Cron schedules with a time zone: "when does `0 6 * * MON-FRI` in Europe/Helsinki fire next?"
//
// Syntax: five fields, "minute hour day-of-month month day-of-week", each '*', a number, a
// range "a-b", or a list "a,b-c"; a range or '*' may take a step ("*/15", "1-5/2"). Months and
// days of the week may be names (JAN-DEC, SUN-SAT, any case); day of week 0 and 7 are Sunday.
// Ranges do not wrap around ("22-2" is an error). Macros: @hourly, @daily (@midnight),
// @weekly, @monthly, @yearly (@annually). No seconds field, no year field, no L/W/#/?.
//
// Day of month and day of week follow Vixie cron: when both fields are restricted (neither
// starts with '*') a day matches if *either* does ("0 0 1 * MON": the 1st and every Monday);
// otherwise both must match ("0 0 */2 * MON": odd-numbered days that are Mondays).
//
// Daylight saving time. Local times that are skipped or repeated are handled as cronie handles
// them, so that a job meant to run at a time of day runs once on each day it is due, and a job
// meant to run at an interval keeps that interval in real time. A schedule is "fixed" when
// neither its minute nor its hour field starts with '*' ("30 3 * * *"), "interval" otherwise
// ("*/15 * * * *", "30 * * * *").
// - Spring forward (Europe/Helsinki, last Sunday of March, 03:00 EET becomes 04:00 EEST): a
//   fixed schedule due in the gap fires once, at the end of the gap (03:30 fires at 04:00 EEST,
//   01:00 UTC), so a daily delivery is not lost for a year's shortest day. An interval schedule
//   does not fire for local times that never happened.
// - Fall back (last Sunday of October, 04:00 EEST becomes 03:00 EET, so 03:00-03:59 happens
//   twice): a fixed schedule fires in the first pass only (03:30 EEST, 00:30 UTC), never twice;
//   an interval schedule fires in both passes.
#ifndef POPGATE_WORKFLOWS_SCHEDULE_CRON_H_
#define POPGATE_WORKFLOWS_SCHEDULE_CRON_H_

#include <bitset>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "workflows/schedule/time_zone.h"

namespace popgate::workflows {

struct CronParse;

class CronSchedule {
 public:
  // Errors name the field and the reason: "hour: 24 is out of range 0-23". A schedule that can
  // never fire ("0 0 30 2 *") is an error too.
  static CronParse parse(std::string_view expression);

  const std::string& expression() const { return expression_; }

  // The first instant strictly after `after` at which the schedule fires in `zone`, following
  // the DST rules above. nullopt only when there is none within ten years (a schedule that
  // parse() accepted always has one) or it lies past system_clock's range (the year 2262).
  std::optional<std::chrono::system_clock::time_point> next_after(
      std::chrono::system_clock::time_point after, const TimeZone& zone) const;

  // Whether a local wall-clock time (its minute; seconds are ignored) matches all fields.
  bool matches(std::chrono::local_seconds local) const;

 private:
  friend class CronParser;

  CronSchedule() = default;  // only parse() makes schedules

  bool day_matches(const std::chrono::year_month_day& date, std::chrono::weekday weekday) const;
  // The first matching local minute at or after `from`, up to the end of `last_year`.
  std::optional<std::chrono::local_time<std::chrono::minutes>> next_match(
      std::chrono::local_time<std::chrono::minutes> from, int last_year) const;

  std::string expression_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     // 1..31
  std::bitset<13> months_;   // 1..12
  std::bitset<7> weekdays_;  // 0 = Sunday
  bool day_of_month_star_ = false;
  bool day_of_week_star_ = false;
  bool interval_ = false;  // minute or hour field starts with '*': see the DST rules above
};

struct CronParse {
  std::optional<CronSchedule> schedule;
  std::string error;  // empty when valid
  bool ok() const { return schedule.has_value(); }
};

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_SCHEDULE_CRON_H_
