// When scheduled workflows are due: turns each schedule trigger (cron + time zone) into
// firings between two instants. The daemon asks it once a minute (and once at start-up, for
// firings missed while it was down), and persists the instant it last asked about, so that a
// restart neither loses nor repeats a firing.
//
// Catch-up policy: firings missed during downtime are coalesced into ONE firing per workflow
// (like anacron, unlike cron). A change delivery covers "everything since the last delivery",
// so one late run delivers all that the missed runs would have; running each missed slot would
// only make empty deliveries.
#ifndef POPGATE_WORKFLOWS_SCHEDULE_SCHEDULE_CLOCK_H_
#define POPGATE_WORKFLOWS_SCHEDULE_SCHEDULE_CLOCK_H_

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "workflows/engine/workflow.h"
#include "workflows/schedule/cron.h"
#include "workflows/schedule/time_zone.h"

namespace popgate::workflows {

struct Firing {
  const Workflow* workflow = nullptr;
  std::chrono::system_clock::time_point due;  // the latest slot the firing stands for
  int coalesced = 1;                          // how many slots it stands for (> 1 after downtime)
};

class ScheduleClock {
 public:
  // Keeps pointers to the workflows with schedule triggers (the caller keeps them alive).
  // Their cron expressions and zones were checked by lint; one that fails here is skipped and
  // reported in errors().
  explicit ScheduleClock(const std::vector<Workflow>& workflows);

  // Firings due in (after, until], one per workflow at most, in workflow order.
  std::vector<Firing> due(std::chrono::system_clock::time_point after,
                          std::chrono::system_clock::time_point until) const;

  // The next instant after `after` at which any workflow fires (to sleep until then).
  std::optional<std::chrono::system_clock::time_point> next_after(
      std::chrono::system_clock::time_point after) const;

  const std::vector<std::string>& errors() const { return errors_; }

 private:
  struct Entry {
    const Workflow* workflow;
    CronSchedule schedule;
    TimeZone zone;
  };
  std::vector<Entry> entries_;
  std::vector<std::string> errors_;
};

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_SCHEDULE_SCHEDULE_CLOCK_H_
