#include "workflows/schedule/schedule_clock.h"

#include <variant>

namespace popgate::workflows {

ScheduleClock::ScheduleClock(const std::vector<Workflow>& workflows) {
  for (const Workflow& w : workflows) {
    const auto* trigger = std::get_if<ScheduleTrigger>(&w.trigger);
    if (trigger == nullptr) continue;
    CronParse parsed = CronSchedule::parse(trigger->cron);
    if (!parsed.schedule) {
      errors_.push_back(w.name + ": cron: " + parsed.error);
      continue;
    }
    TimeZoneLoad zone = TimeZone::load(trigger->timezone);
    if (!zone.ok()) {
      errors_.push_back(w.name + ": " + zone.error);
      continue;
    }
    entries_.push_back({&w, std::move(*parsed.schedule), std::move(*zone.zone)});
  }
}

std::vector<Firing> ScheduleClock::due(std::chrono::system_clock::time_point after,
                                       std::chrono::system_clock::time_point until) const {
  std::vector<Firing> firings;
  for (const Entry& e : entries_) {
    Firing firing{e.workflow, {}, 0};
    for (auto next = e.schedule.next_after(after, e.zone); next && *next <= until;
         next = e.schedule.next_after(*next, e.zone)) {
      firing.due = *next;
      ++firing.coalesced;
    }
    if (firing.coalesced > 0) firings.push_back(firing);
  }
  return firings;
}

std::optional<std::chrono::system_clock::time_point> ScheduleClock::next_after(
    std::chrono::system_clock::time_point after) const {
  std::optional<std::chrono::system_clock::time_point> earliest;
  for (const Entry& e : entries_) {
    auto next = e.schedule.next_after(after, e.zone);
    if (next && (!earliest || *next < *earliest)) earliest = next;
  }
  return earliest;
}

}  // namespace popgate::workflows
