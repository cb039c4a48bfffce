// Synthesis of a realistic, reproducible Finnish population register: the embedded default
// register that every demo, test and benchmark runs against.
//
// The same options (persons, seed, as-of date, history days) always give the same register,
// bit for bit, on any machine: every draw comes from registry::Random.
#ifndef POPGATE_REGISTRY_SYNTH_SYNTHETIC_POPULATION_H_
#define POPGATE_REGISTRY_SYNTH_SYNTHETIC_POPULATION_H_

#include <cstdint>
#include <functional>
#include <string_view>

#include "registry/date.h"
#include "registry/register_store.h"

namespace popgate::registry {

struct SynthOptions {
  std::int64_t persons = 100'000;  // person records in all: residents, Finns abroad, deceased
  std::uint64_t seed = 1;
  // The register's "today". With history, the base population is drawn as of
  // as_of - history_days and the days up to as_of are simulated as change events.
  Date as_of{2026, 1, 1};
  int history_days = 0;
  int batch_size = 20'000;                         // persons per write transaction
  std::function<void(std::string_view)> progress;  // optional progress lines
  // Called once the base population is written, before history is simulated (a bulk-loading
  // store builds its indexes here, which the day-by-day history then uses).
  std::function<void()> base_written;
};

struct SynthSummary {
  std::int64_t persons = 0;
  std::int64_t residents = 0;
  std::int64_t abroad = 0;
  std::int64_t deceased = 0;
  std::int64_t safety_bans = 0;
  std::int64_t households = 0;
  std::int64_t buildings = 0;
  std::int64_t change_events = 0;
};

// Generates the population and writes it into `store` (expected empty).
SynthSummary synthesize_population(const SynthOptions& options, RegisterStore& store);

}  // namespace popgate::registry

#endif  // POPGATE_REGISTRY_SYNTH_SYNTHETIC_POPULATION_H_
