// POSIX TZ rules ("EET-2EEST,M3.5.0/3,M10.5.0/4"): how a TZif file describes the time after
// its last listed transition. Debian's "fat" zone files list transitions up to 2037 and need the
// rule only later; "slim" files (and future Debian releases) rely on it from the last change of
// the zone's rules on, so it has to be right for today's dates too.
//
// The format (POSIX.1-2017 §8.3 with the TZif version 3 extensions of RFC 8536):
//   std offset [dst [offset] [,start[/time],end[/time]]]
// Names are three or more letters, or <...> holding letters, digits, '+' and '-' ("<+03>").
// Offsets are [+|-]hh[:mm[:ss]] hours *west* of UTC (so "EET-2" is UTC+2); a DST offset
// defaults to one hour ahead of standard time. start and end are Jn (day 1..365, February 29
// never counted), n (day 0..365, counting February 29) or Mm.w.d (day d, 0 = Sunday, of week w
// of month m; week 5 is the last). A time, local wall-clock time before the change, defaults to
// 02:00 and may be negative or up to 167 hours (version 3).
#ifndef POPGATE_WORKFLOWS_SCHEDULE_POSIX_TZ_H_
#define POPGATE_WORKFLOWS_SCHEDULE_POSIX_TZ_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "workflows/schedule/local_time_type.h"

namespace popgate::workflows {

struct PosixTzParse;

class PosixTz {
 public:
  using sys_seconds = std::chrono::sys_seconds;

  static PosixTzParse parse(std::string_view text);

  bool has_dst() const { return has_dst_; }
  const LocalTimeType& standard() const { return standard_; }
  const LocalTimeType& daylight() const { return daylight_; }  // == standard() without DST

  const LocalTimeType& type_at(sys_seconds t) const;
  // The first instant after `t` when DST starts or ends; nullopt without DST.
  std::optional<sys_seconds> next_transition(sys_seconds t) const;

  // When DST starts and ends in `year`, as instants. Only with DST.
  sys_seconds dst_start(int year) const;
  sys_seconds dst_end(int year) const;

 private:
  struct DateRule {
    enum class Kind { julian_without_leap_day, zero_based_day, month_week_day };
    Kind kind = Kind::month_week_day;
    int day = 0;  // Jn and n
    int month = 0, week = 0, weekday = 0;
    std::chrono::seconds time{7200};  // local time of the change

    std::chrono::sys_days date_in(int year) const;
  };

  friend class PosixTzParser;

  bool has_dst_ = false;
  LocalTimeType standard_;
  LocalTimeType daylight_;
  DateRule start_;
  DateRule end_;
};

struct PosixTzParse {
  std::optional<PosixTz> rule;
  std::string error;  // empty when valid
  bool ok() const { return rule.has_value(); }
};

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_SCHEDULE_POSIX_TZ_H_
