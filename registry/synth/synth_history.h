// Simulates days of register changes on a synthesized population: births, deaths, moves,
// marriages, divorces, name changes, immigration, emigration and new safety bans at Finland's
// yearly rates scaled to the population. Each day is written as one transaction: the changed
// persons and buildings together with their change-log entries.
#ifndef POPGATE_REGISTRY_SYNTH_SYNTH_HISTORY_H_
#define POPGATE_REGISTRY_SYNTH_SYNTH_HISTORY_H_

#include <cstdint>
#include <functional>
#include <string_view>

#include "registry/date.h"
#include "registry/random.h"
#include "registry/register_store.h"
#include "registry/synth/synth_base.h"
#include "registry/synth/synth_world.h"

namespace popgate::registry::synth {

struct HistoryCounts {
  std::int64_t births = 0, deaths = 0, moves = 0, marriages = 0, divorces = 0, name_changes = 0,
               immigrations = 0, emigrations = 0, safety_bans = 0, change_events = 0;
};

// Simulates the days after `first_day - 1` up to and including `first_day + days - 1`.
HistoryCounts simulate_history(SynthWorld& world, const Pickers& pickers, RegisterStore& store,
                               Date first_day, int days, Random& random,
                               const std::function<void(std::string_view)>& progress);

}  // namespace popgate::registry::synth

#endif  // POPGATE_REGISTRY_SYNTH_SYNTH_HISTORY_H_
