#include "registry/synth/synthetic_population.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "registry/reference.h"
#include "registry/synth/population_profile.h"
#include "registry/synth/synth_base.h"
#include "registry/synth/synth_history.h"
#include "registry/synth/synth_world.h"

namespace popgate::registry {
namespace {

using synth::SynthWorld;

// A bounded hand-over between the thread that turns the compact world into Person records
// and the thread that writes them: SQLite writes on one core, string building on the other.
template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity) : capacity_(capacity) {}

  void push(T item) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return items_.size() < capacity_ || cancelled_; });
    if (cancelled_) return;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
  }
  // Returns false when the producer closed the queue and it is drained.
  bool pop(T& out) {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return !items_.empty() || closed_; });
    if (items_.empty()) return false;
    out = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return true;
  }
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    not_empty_.notify_all();
  }
  // The consumer gave up (a write failed): unblock the producer.
  void cancel() {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    not_full_.notify_all();
  }
  bool cancelled() {
    std::lock_guard lock(mutex_);
    return cancelled_;
  }

 private:
  std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable not_full_, not_empty_;
  std::deque<T> items_;
  bool closed_ = false;
  bool cancelled_ = false;
};

class Progress {
 public:
  explicit Progress(const std::function<void(std::string_view)>& sink)
      : sink_(sink), start_(std::chrono::steady_clock::now()) {}
  void operator()(const std::string& message) const {
    if (!sink_) return;
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    char prefix[32];
    std::snprintf(prefix, sizeof prefix, "[%7.1fs] ", s);
    sink_(prefix + message);
  }

 private:
  const std::function<void(std::string_view)>& sink_;
  std::chrono::steady_clock::time_point start_;
};

void write_buildings(const SynthWorld& world, RegisterStore& store, int batch_size) {
  const auto total = static_cast<std::uint32_t>(world.buildings.size());
  for (std::uint32_t first = 0; first < total;) {
    auto tx = store.begin();
    const std::uint32_t last =
        std::min<std::uint32_t>(total, first + static_cast<std::uint32_t>(batch_size) * 2);
    for (std::uint32_t b = first; b < last; ++b) {
      Building building = world.to_building(b);
      tx->put_building(building);
    }
    tx->commit();
    first = last;
  }
}

void write_persons(const SynthWorld& world, RegisterStore& store, int batch_size,
                   const Progress& progress) {
  const auto total = static_cast<std::uint32_t>(world.persons.size());
  BoundedQueue<std::vector<Person>> queue(4);
  std::thread producer([&] {
    for (std::uint32_t first = 0; first < total && !queue.cancelled();) {
      const std::uint32_t last =
          std::min<std::uint32_t>(total, first + static_cast<std::uint32_t>(batch_size));
      std::vector<Person> batch;
      batch.reserve(last - first);
      for (std::uint32_t p = first; p < last; ++p)
        batch.push_back(world.to_person(p));
      queue.push(std::move(batch));
      first = last;
    }
    queue.close();
  });
  try {
    std::vector<Person> batch;
    std::int64_t written = 0;
    std::int64_t next_report = 1'000'000;
    while (queue.pop(batch)) {
      auto tx = store.begin();
      for (Person& person : batch)
        tx->put_person(person);
      tx->commit();
      written += static_cast<std::int64_t>(batch.size());
      if (written >= next_report) {
        progress("persons written: " + std::to_string(written) + "/" + std::to_string(total));
        next_report += 1'000'000;
      }
    }
  } catch (...) {
    queue.cancel();
    std::vector<Person> drain;
    while (queue.pop(drain)) {
    }
    producer.join();
    throw;
  }
  producer.join();
}

void validate(const SynthOptions& options) {
  if (options.persons < 1 || options.persons > 20'000'000) {
    throw std::invalid_argument("persons must be between 1 and 20,000,000");
  }
  if (options.history_days < 0 || options.history_days > 3650) {
    throw std::invalid_argument("history days must be between 0 and 3650");
  }
  if (!options.as_of.valid() || options.as_of.year < 1990 || options.as_of.year > 2099) {
    throw std::invalid_argument("as-of date must be a real date in 1990..2099");
  }
  if (options.batch_size < 1) throw std::invalid_argument("batch size must be positive");
}

}  // namespace

SynthSummary synthesize_population(const SynthOptions& options, RegisterStore& store) {
  validate(options);
  const Progress progress(options.progress);
  const Date base_date = options.as_of.plus_days(-options.history_days);

  SynthWorld world(ReferenceData::embedded());
  synth::setup_municipalities(world);
  const synth::Pickers pickers(world);
  Random random(options.seed);
  // Independent streams per stage: changing one stage's draws leaves the others' alone.
  Random residents_random = random.fork();
  Random abroad_random = random.fork();
  Random deceased_random = random.fork();
  Random buildings_random = random.fork();
  Random history_random = random.fork();

  const auto abroad =
      static_cast<std::int64_t>(static_cast<double>(options.persons) * profile::kAbroadShare);
  const auto deceased =
      static_cast<std::int64_t>(static_cast<double>(options.persons) * profile::kDeceasedShare);
  const std::int64_t residents = options.persons - abroad - deceased;
  world.persons.reserve(static_cast<std::size_t>(options.persons + options.persons / 50));

  SynthSummary summary;
  summary.households =
      synth::generate_residents(world, pickers, residents, base_date, residents_random);
  synth::generate_abroad(world, pickers, abroad, base_date, abroad_random);
  synth::generate_deceased(world, pickers, deceased, base_date, deceased_random);
  synth::generate_other_buildings(world, buildings_random);
  progress("drew " + std::to_string(world.persons.size()) + " persons in " +
           std::to_string(summary.households) + " households and " +
           std::to_string(world.buildings.size()) + " buildings");

  write_buildings(world, store, options.batch_size);
  progress("buildings written");
  write_persons(world, store, options.batch_size, progress);
  progress("persons written");

  auto count_statuses = [&] {
    summary = SynthSummary{0, 0, 0, 0, 0, summary.households, 0, summary.change_events};
    for (const synth::SynPerson& p : world.persons) {
      ++summary.persons;
      summary.residents += p.status == synth::Status::resident;
      summary.abroad += p.status == synth::Status::abroad;
      summary.deceased += p.status == synth::Status::deceased;
      summary.safety_bans += (p.bans & kBanSafety) != 0;
    }
    summary.buildings = static_cast<std::int64_t>(world.buildings.size());
  };
  count_statuses();
  if (options.history_days == 0) {
    // Nothing reads the world any more: give its memory back before the store builds its
    // indexes, which is when a bulk load needs the most.
    world.persons = {};
    world.buildings = {};
    world.streets = {};
  }
  if (options.base_written) {
    options.base_written();
    progress("base register finished");
  }

  if (options.history_days > 0) {
    const synth::HistoryCounts history = synth::simulate_history(
        world, pickers, store, base_date.plus_days(1), options.history_days, history_random,
        [&](std::string_view line) { progress(std::string(line)); });
    summary.change_events = history.change_events;
    count_statuses();
    progress("history: " + std::to_string(history.births) + " births, " +
             std::to_string(history.deaths) + " deaths, " + std::to_string(history.moves) +
             " moves, " + std::to_string(history.marriages) + " marriages, " +
             std::to_string(history.divorces) + " divorces, " +
             std::to_string(history.immigrations) + " immigrations, " +
             std::to_string(history.emigrations) + " emigrations");
  }

  auto tx = store.begin();
  tx->put_meta("synth.seed", std::to_string(options.seed));
  tx->put_meta("synth.persons", std::to_string(options.persons));
  tx->put_meta("synth.history_days", std::to_string(options.history_days));
  tx->put_meta("synth.base_date", base_date.iso());
  tx->put_meta("register.as_of", options.as_of.iso());
  tx->commit();
  return summary;
}

}  // namespace popgate::registry
