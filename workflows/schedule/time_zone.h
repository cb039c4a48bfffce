// Time zones from the system's tz database (/usr/share/zoneinfo), for schedules such as
// "every day at 06:00 Europe/Helsinki".
//
// libstdc++ 12 has no std::chrono::tzdb, so this reads the compiled TZif files itself
// (RFC 8536, `man 5 tzfile`): versions 1 to 4, the 64-bit data of version 2 and later, and the
// POSIX TZ rule at the end of the file for times after the last listed transition. Zones with
// leap seconds (the "right/" tree) are refused: popgate's clock is POSIX time.
#ifndef POPGATE_WORKFLOWS_SCHEDULE_TIME_ZONE_H_
#define POPGATE_WORKFLOWS_SCHEDULE_TIME_ZONE_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "workflows/schedule/local_time_type.h"
#include "workflows/schedule/posix_tz.h"

namespace popgate::workflows {

struct TimeZoneLoad;

// How a local (wall-clock) time maps to instants. Twice a year in zones with DST it does not
// map to exactly one: in spring an hour of local times never happens (the gap), in autumn an
// hour happens twice (the overlap).
struct LocalTimeMapping {
  enum class Result { unique, nonexistent, ambiguous };
  Result result = Result::unique;
  // unique: the instant. ambiguous: the earlier of the two (still daylight saving time).
  // nonexistent: the instant the gap ends, i.e. the transition; the clocks then show the first
  // local time after the gap (04:00 for 03:30 on Helsinki's spring-forward day).
  std::chrono::sys_seconds first;
  // ambiguous: the later instant; otherwise equal to `first`.
  std::chrono::sys_seconds second;
};

class TimeZone {
 public:
  using sys_seconds = std::chrono::sys_seconds;
  using local_seconds = std::chrono::local_seconds;

  static constexpr std::string_view kZoneInfoDir = "/usr/share/zoneinfo";

  // Loads "Europe/Helsinki" from kZoneInfoDir (or from `zoneinfo_dir`). The name must be a
  // relative path of letters, digits, '_', '-', '+' and '/' without "." or ".." components.
  static TimeZoneLoad load(std::string_view name);
  static TimeZoneLoad load(std::string_view name, const std::string& zoneinfo_dir);
  // Reads the contents of a TZif file.
  static TimeZoneLoad from_tzif(std::string_view name, std::string_view data);
  // UTC, without a file.
  static TimeZone utc();

  const std::string& name() const { return name_; }

  const LocalTimeType& type_at(sys_seconds t) const;
  std::chrono::seconds offset_at(sys_seconds t) const { return type_at(t).utc_offset; }

  local_seconds to_local(sys_seconds t) const;
  LocalTimeMapping to_utc(local_seconds local) const;

  // The first instant after `t` at which the zone's local time type changes.
  std::optional<sys_seconds> next_transition(sys_seconds t) const;

  // The largest UTC offset in the zone minus the smallest: how far apart two instants with the
  // same local time can be, and how far local time can run backwards.
  std::chrono::seconds offset_spread() const { return max_offset_ - min_offset_; }

 private:
  TimeZone() = default;
  friend class TzifReader;

  // Called once the tables are filled in.
  void compute_offset_range();

  std::string name_;
  std::vector<std::int64_t> transition_times_;  // strictly increasing, seconds since epoch
  std::vector<std::uint8_t> transition_types_;  // index into types_, one per transition
  std::vector<LocalTimeType> types_;            // never empty; types_[0] before the first
  std::optional<PosixTz> rule_;                 // after the last transition
  std::chrono::seconds min_offset_{0};
  std::chrono::seconds max_offset_{0};
};

struct TimeZoneLoad {
  std::optional<TimeZone> zone;
  std::string error;  // empty when loaded; else e.g. "unknown time zone 'Europe/Helsinky'"
  bool ok() const { return zone.has_value(); }
};

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_SCHEDULE_TIME_ZONE_H_
