// The register as the domain sees it: an interface that adapters/store implements on SQLite.
// registry/ code (synthesis, matching, extraction, change deliveries) only talks to this.
#ifndef POPGATE_REGISTRY_REGISTER_STORE_H_
#define POPGATE_REGISTRY_REGISTER_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "registry/building.h"
#include "registry/change_event.h"
#include "registry/person.h"

namespace popgate::registry {

// Thrown by stores for failures the caller cannot fix by retrying with other input
// (I/O errors, a corrupt file, a constraint broken by the data). The message says what and why.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RegisterCounts {
  std::int64_t persons = 0;
  std::int64_t living_persons = 0;
  std::int64_t buildings = 0;
  std::int64_t changes = 0;
  std::int64_t last_change_seq = 0;
};

// How current the register is, cheaply (no counting): for readiness and metrics.
struct RegisterHead {
  std::int64_t last_change_seq = 0;  // 0: no change recorded yet
  // The newest of the register's as-of date (meta register.as_of) and the record date of its
  // last change; nullopt when it has neither.
  std::optional<Date> current_to;
};

// A write transaction. Everything put or appended becomes visible together on commit();
// destroying it without commit() rolls everything back. Applying a change to a person and
// logging it therefore happens in one transaction, as the change data service requires.
class RegisterTransaction {
 public:
  virtual ~RegisterTransaction() = default;

  // Inserts the person, or replaces every data group of the person with the same HETU.
  // Sets person.id.
  virtual void put_person(Person& person) = 0;
  virtual void put_building(Building& building) = 0;
  // Appends to the change log. Sets event.seq to the next sequence number.
  virtual void append_change(ChangeEvent& event) = 0;
  // Register-level facts (e.g. the synthesis seed, the as-of date), kept with the data.
  virtual void put_meta(std::string_view key, std::string_view value) = 0;

  virtual void commit() = 0;
};

// What name + birth date matching compares of a person, and nothing more: the names, the sex,
// the home municipality (a tie-breaker) and the bans (a person under a safety non-disclosure is
// never scored by location). The rest of the person is read only for the one chosen.
struct NameCandidate {
  std::string hetu;
  Sex sex = Sex::female;
  std::string last_name;
  std::vector<std::string> former_last_names;
  std::string first_names;
  std::string home_municipality;
  std::uint32_t bans = 0;
  Date birth_date;
  bool has_ban(Ban ban) const { return (bans & ban) != 0; }
};

// How much of a person a lookup reads. The family links take a query of their own; a service
// that does not disclose the family group (most update jobs) need not pay for it.
enum class PersonRead { whole, without_family };

class RegisterStore {
 public:
  virtual ~RegisterStore() = default;

  virtual std::optional<Person> person_by_hetu(std::string_view hetu) = 0;
  // The same, reading only what `read` says (family links empty with without_family).
  virtual std::optional<Person> read_person(std::string_view hetu, PersonRead read) = 0;
  // Many persons at once: calls found(i, person) for each hetus[i] the register holds, in the
  // store's order rather than the given one (a store on disk reads along its keys, which is
  // several times faster than as many lookups at random). The default reads one by one.
  virtual void read_persons(std::span<const std::string> hetus, PersonRead read,
                            const std::function<void(std::size_t, Person&&)>& found) {
    for (std::size_t i = 0; i < hetus.size(); ++i) {
      if (std::optional<Person> person = read_person(hetus[i], read)) found(i, std::move(*person));
    }
  }
  // Everyone born on `day` (only of `sex` when given), living or not, as matching by names
  // and birth date compares them (it blocks on the birth date). A store answers from an index
  // that holds these fields beside the birth date, without reading the persons' records.
  virtual std::vector<NameCandidate> name_candidates_born(const Date& day,
                                                          std::optional<Sex> sex) = 0;
  virtual std::optional<Building> building_by_prt(std::string_view prt) = 0;
  virtual std::optional<std::string> meta(std::string_view key) = 0;
  virtual RegisterCounts counts() = 0;
  virtual RegisterHead head() = 0;

  // Full scans in key order. The callback returns false to stop early.
  virtual void for_each_person(const std::function<bool(const Person&)>& visit) = 0;
  virtual void for_each_building(const std::function<bool(const Building&)>& visit) = 0;
  // Change log entries with seq > after_seq, in seq order.
  virtual void for_each_change(std::int64_t after_seq,
                               const std::function<bool(const ChangeEvent&)>& visit) = 0;

  virtual std::unique_ptr<RegisterTransaction> begin() = 0;
};

}  // namespace popgate::registry

#endif  // POPGATE_REGISTRY_REGISTER_STORE_H_
