// What the clocks of a time zone show during one period: the offset from UTC, whether it is
// daylight saving time, and the abbreviation ("EET", "EEST").
#ifndef POPGATE_WORKFLOWS_SCHEDULE_LOCAL_TIME_TYPE_H_
#define POPGATE_WORKFLOWS_SCHEDULE_LOCAL_TIME_TYPE_H_

#include <chrono>
#include <string>

namespace popgate::workflows {

struct LocalTimeType {
  std::chrono::seconds utc_offset{0};  // local time minus UTC: +7200s for EET
  bool is_dst = false;
  std::string abbreviation;

  friend bool operator==(const LocalTimeType&, const LocalTimeType&) = default;
};

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_SCHEDULE_LOCAL_TIME_TYPE_H_
