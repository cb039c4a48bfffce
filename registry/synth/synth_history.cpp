#include "registry/synth/synth_history.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "registry/person_fields.h"
#include "registry/synth/population_profile.h"

namespace popgate::registry::synth {
namespace {

constexpr double kDaysPerYear = 365.2425;

// One simulated day: mutates the world and remembers what to write.
class Day {
 public:
  Day(SynthWorld& world, const Pickers& pickers, Random& random, Date date)
      : world_(world),
        pickers_(pickers),
        random_(random),
        date_(date),
        today_(static_cast<std::int32_t>(date.to_days())),
        first_new_building_(static_cast<std::uint32_t>(world.buildings.size())) {}

  bool birth() {
    const std::uint32_t mother = pick_resident([&](const SynPerson& p, int age) {
      return p.sex == Sex::female && age >= 18 && age <= 45;
    });
    if (mother == kNone) return false;
    const SynPerson& m = world_.persons[mother];
    SynPerson child;
    child.sex = random_.chance(0.512) ? Sex::male : Sex::female;
    child.birth_days = today_ - static_cast<std::int32_t>(random_.below(3));
    child.mother = mother;
    child.father = m.partner;
    child.municipality = m.municipality;
    child.language = m.language;
    child.building = m.building;
    child.apartment = m.apartment;
    child.address_start_days = child.municipality_start_days = child.birth_days;
    child.surname =
        m.partner != kNone && random_.chance(0.85) ? world_.persons[m.partner].surname : m.surname;
    child.bans = m.bans & kBanSafety;
    const auto index = static_cast<std::uint32_t>(world_.persons.size());
    world_.persons.push_back(child);
    complete_identity(world_, pickers_, index, false, random_);
    world_.link_child(index);
    const Date effective = Date::from_days(world_.persons[index].birth_days);
    for (DataGroup g :
         {DataGroup::identity, DataGroup::names, DataGroup::mother_tongue, DataGroup::nationality,
          DataGroup::home_municipality, DataGroup::permanent_address, DataGroup::residence_building,
          DataGroup::family, DataGroup::marital_status}) {
      log(index, ChangeKind::birth, g, effective);
    }
    log(mother, ChangeKind::birth, DataGroup::family, effective);
    if (child.father != kNone) log(child.father, ChangeKind::birth, DataGroup::family, effective);
    return true;
  }

  bool death() {
    // Gompertz mortality by rejection: older persons die far more often.
    const std::uint32_t person = pick_resident(
        [&](const SynPerson&, int age) {
          const double q = 0.00002 * std::exp(0.1 * std::min(age, 105));
          return random_.unit() < q / 0.75;
        },
        2000);
    if (person == kNone) return false;
    SynPerson& p = world_.persons[person];
    const Date effective = date_.plus_days(-static_cast<std::int64_t>(random_.below(7)));
    p.status = Status::deceased;
    p.death_days = static_cast<std::int32_t>(effective.to_days());
    log(person, ChangeKind::death, DataGroup::death, effective);
    log(person, ChangeKind::death, DataGroup::permanent_address, effective);
    log(person, ChangeKind::death, DataGroup::residence_building, effective);
    if (p.partner != kNone) {
      SynPerson& partner = world_.persons[p.partner];
      const bool married = p.marital == MaritalStatus::married;
      partner.partner = kNone;
      if (married) {
        partner.marital = MaritalStatus::widowed;
        log(p.partner, ChangeKind::widowhood, DataGroup::marital_status, effective);
        log(p.partner, ChangeKind::widowhood, DataGroup::family, effective);
      }
      p.partner = kNone;
    }
    return true;
  }

  // Moves a person with the partner and the minor children living with them.
  bool move(bool between_municipalities) {
    const std::uint32_t person = pick_resident([](const SynPerson&, int age) { return age >= 18; });
    if (person == kNone) return false;
    std::vector<std::uint32_t> household{person};
    const SynPerson& head = world_.persons[person];
    if (head.partner != kNone && world_.persons[head.partner].building == head.building &&
        world_.persons[head.partner].status == Status::resident) {
      household.push_back(head.partner);
    }
    for (std::uint32_t adult : std::vector<std::uint32_t>(household)) {
      for (std::uint32_t child : world_.children_of(adult)) {
        const SynPerson& c = world_.persons[child];
        if (c.status == Status::resident && c.building == head.building && age(child) < 18 &&
            std::find(household.begin(), household.end(), child) == household.end()) {
          household.push_back(child);
        }
      }
    }
    std::uint16_t target = head.municipality;
    if (between_municipalities) {
      for (int tries = 0; tries < 8 && target == head.municipality; ++tries) {
        target = pickers_.municipality(random_);
      }
    }
    relocate(household, target, ChangeKind::move);
    return true;
  }

  bool marriage() {
    // Most marriages join couples who already live together.
    const std::uint32_t woman = pick_resident(
        [&](const SynPerson& p, int age) {
          return p.sex == Sex::female && age >= 20 && age <= 70 && p.partner != kNone &&
                 p.marital != MaritalStatus::married;
        },
        4000);
    if (woman == kNone) return false;
    const std::uint32_t man = world_.persons[woman].partner;
    const std::uint32_t old_w = world_.persons[woman].surname;
    const std::uint32_t old_m = world_.persons[man].surname;
    marry(world_, woman, man, random_);
    const Date effective = date_.plus_days(-static_cast<std::int64_t>(random_.below(5)));
    for (std::uint32_t p : {woman, man}) {
      log(p, ChangeKind::marriage, DataGroup::marital_status, effective);
      log(p, ChangeKind::marriage, DataGroup::family, effective);
    }
    if (world_.persons[woman].surname != old_w || world_.persons[woman].double_surname) {
      log(woman, ChangeKind::marriage, DataGroup::names, effective);
    }
    if (world_.persons[man].surname != old_m)
      log(man, ChangeKind::marriage, DataGroup::names, effective);
    return true;
  }

  bool divorce() {
    const std::uint32_t woman = pick_resident(
        [&](const SynPerson& p, int) {
          return p.sex == Sex::female && p.marital == MaritalStatus::married && p.partner != kNone;
        },
        4000);
    if (woman == kNone) return false;
    const std::uint32_t man = world_.persons[woman].partner;
    const Date effective = date_.plus_days(-static_cast<std::int64_t>(random_.below(10)));
    for (std::uint32_t p : {woman, man}) {
      world_.persons[p].partner = kNone;
      world_.persons[p].marital = MaritalStatus::divorced;
      log(p, ChangeKind::divorce, DataGroup::marital_status, effective);
      log(p, ChangeKind::divorce, DataGroup::family, effective);
    }
    SynPerson& w = world_.persons[woman];
    if (w.former_surname != kNone && random_.chance(0.3)) {
      std::swap(w.surname, w.former_surname);
      w.double_surname = false;
      log(woman, ChangeKind::name_change, DataGroup::names, effective);
    }
    if (world_.persons[man].status == Status::resident) {
      relocate({man}, world_.persons[man].municipality, ChangeKind::move);
    }
    return true;
  }

  bool name_change() {
    const std::uint32_t person = pick_resident([](const SynPerson&, int age) { return age >= 18; });
    if (person == kNone) return false;
    SynPerson& p = world_.persons[person];
    p.former_surname = p.surname;
    p.double_surname = false;
    p.surname = pickers_.surname(random_);
    log(person, ChangeKind::name_change, DataGroup::names, date_);
    return true;
  }

  bool immigration() {
    // A quarter are Finns returning from abroad; the rest arrive for the first time.
    if (random_.chance(0.25)) {
      const std::uint32_t person =
          pick_any([](const SynPerson& p) { return p.status == Status::abroad; });
      if (person != kNone) {
        SynPerson& p = world_.persons[person];
        p.status = Status::resident;
        log(person, ChangeKind::immigration, DataGroup::foreign_address, date_);
        relocate({person}, pickers_.municipality(random_), ChangeKind::immigration);
        return true;
      }
    }
    SynPerson p;
    p.sex = random_.chance(0.5) ? Sex::male : Sex::female;
    const double years = std::clamp(random_.normal(29, 11), 0.0, 80.0);
    p.birth_days = today_ - static_cast<std::int32_t>(years * kDaysPerYear) -
                   static_cast<std::int32_t>(random_.below(365));
    p.language = pickers_.foreign_language(random_);
    p.marital =
        years >= 25 && random_.chance(0.4) ? MaritalStatus::married : MaritalStatus::unmarried;
    const auto index = static_cast<std::uint32_t>(world_.persons.size());
    world_.persons.push_back(p);
    complete_identity(world_, pickers_, index, true, random_);
    for (DataGroup g : {DataGroup::identity, DataGroup::names, DataGroup::mother_tongue,
                        DataGroup::nationality, DataGroup::marital_status}) {
      log(index, ChangeKind::immigration, g, date_);
    }
    relocate({index}, pickers_.municipality(random_), ChangeKind::immigration);
    return true;
  }

  bool emigration() {
    const std::uint32_t person = pick_resident([](const SynPerson&, int age) { return age >= 18; });
    if (person == kNone) return false;
    SynPerson& p = world_.persons[person];
    p.status = Status::abroad;
    p.foreign_country = pickers_.foreign_place(random_);
    p.address_start_days = today_;
    p.building = kNone;
    p.temporary_building = kNone;
    for (DataGroup g :
         {DataGroup::foreign_address, DataGroup::permanent_address, DataGroup::temporary_address,
          DataGroup::home_municipality, DataGroup::residence_building}) {
      log(person, ChangeKind::emigration, g, date_);
    }
    return true;
  }

  bool safety_ban() {
    const std::uint32_t person =
        pick_resident([](const SynPerson& p, int) { return (p.bans & kBanSafety) == 0; });
    if (person == kNone) return false;
    world_.persons[person].bans |= kBanSafety;
    log(person, ChangeKind::disclosure_ban, DataGroup::non_disclosure, date_);
    return true;
  }

  // Writes the day: new buildings, changed persons, and the change log, in one transaction.
  std::int64_t write(RegisterStore& store) {
    auto tx = store.begin();
    for (auto b = first_new_building_; b < world_.buildings.size(); ++b) {
      Building building = world_.to_building(b);
      tx->put_building(building);
      ChangeEvent e;
      e.record_date = date_;
      e.effective_date = date_;
      e.subject = SubjectKind::building;
      e.subject_id = building.prt;
      e.kind = ChangeKind::building_new;
      e.group = DataGroup::building;
      e.values = {{"municipality", building.municipality},
                  {"use_class", building.use_class},
                  {"completion_year", std::to_string(building.completion_year)}};
      tx->append_change(e);
    }
    std::set<std::uint32_t> written;
    std::int64_t events = 0;
    for (const Pending& pending : pending_) {
      // The values are those at the end of the day, as the register records them.
      Person person = world_.to_person(pending.person);
      if (written.insert(pending.person).second) tx->put_person(person);
      ChangeEvent e;
      e.record_date = date_;
      e.effective_date = pending.effective;
      e.subject = SubjectKind::person;
      e.subject_id = person.hetu;
      e.kind = pending.kind;
      e.group = pending.group;
      e.values = person_fields(person, pending.group);
      tx->append_change(e);
      ++events;
    }
    tx->commit();
    return events + static_cast<std::int64_t>(world_.buildings.size() - first_new_building_);
  }

 private:
  struct Pending {
    std::uint32_t person;
    ChangeKind kind;
    DataGroup group;
    Date effective;
  };

  int age(std::uint32_t person) const {
    return Date::from_days(world_.persons[person].birth_days).age_on(date_);
  }

  template <typename Accept>
  std::uint32_t pick_resident(Accept accept, int tries = 400) {
    for (int i = 0; i < tries; ++i) {
      const auto p = static_cast<std::uint32_t>(random_.below(world_.persons.size()));
      const SynPerson& person = world_.persons[p];
      if (person.status == Status::resident && person.building != kNone && accept(person, age(p))) {
        return p;
      }
    }
    return kNone;
  }

  template <typename Accept>
  std::uint32_t pick_any(Accept accept, int tries = 400) {
    for (int i = 0; i < tries; ++i) {
      const auto p = static_cast<std::uint32_t>(random_.below(world_.persons.size()));
      if (accept(world_.persons[p])) return p;
    }
    return kNone;
  }

  void relocate(const std::vector<std::uint32_t>& household, std::uint16_t target,
                ChangeKind kind) {
    const Municipality& m = world_.reference.municipalities()[target];
    const bool family = household.size() > 2;
    double u = random_.unit();
    BuildingType type = BuildingType::apartment_block;
    const double detached = m.population > 100'000 ? (family ? 0.25 : 0.1) : (family ? 0.6 : 0.3);
    if (u < detached) {
      type = BuildingType::detached;
    } else if ((u -= detached) < 0.2) {
      type = BuildingType::row_house;
    }
    const auto [building, apartment] = world_.take_dwelling(target, type, random_);
    const Date effective = date_.plus_days(-static_cast<std::int64_t>(random_.below(14)));
    const auto effective_days = static_cast<std::int32_t>(effective.to_days());
    for (std::uint32_t member : household) {
      SynPerson& p = world_.persons[member];
      const bool new_municipality = p.municipality != target || p.building == kNone;
      p.building = building;
      p.apartment = type == BuildingType::detached ? 0 : apartment;
      p.address_start_days = effective_days;
      log(member, kind, DataGroup::permanent_address, effective);
      log(member, kind, DataGroup::residence_building, effective);
      if (new_municipality) {
        p.municipality = target;
        p.municipality_start_days = effective_days;
        log(member, kind, DataGroup::home_municipality, effective);
      }
    }
  }

  void log(std::uint32_t person, ChangeKind kind, DataGroup group, Date effective) {
    pending_.push_back({person, kind, group, effective});
  }

  SynthWorld& world_;
  const Pickers& pickers_;
  Random& random_;
  Date date_;
  std::int32_t today_;
  std::uint32_t first_new_building_;
  std::vector<Pending> pending_;
};

}  // namespace

HistoryCounts simulate_history(SynthWorld& world, const Pickers& pickers, RegisterStore& store,
                               Date first_day, int days, Random& random,
                               const std::function<void(std::string_view)>& progress) {
  const profile::YearlyRates rates;
  const double scale =
      static_cast<double>(world.persons.size()) / profile::kFinlandPopulation / kDaysPerYear;
  HistoryCounts counts;
  auto repeat = [&](double yearly, std::int64_t& counter, auto&& happen) {
    const std::int64_t n = random.poisson(yearly * scale);
    for (std::int64_t i = 0; i < n; ++i)
      counter += happen() ? 1 : 0;
  };
  for (int d = 0; d < days; ++d) {
    const Date date = first_day.plus_days(d);
    Day day(world, pickers, random, date);
    repeat(rates.births, counts.births, [&] { return day.birth(); });
    repeat(rates.deaths, counts.deaths, [&] { return day.death(); });
    repeat(rates.moves_between_municipalities, counts.moves, [&] { return day.move(true); });
    repeat(rates.moves_within_municipality, counts.moves, [&] { return day.move(false); });
    repeat(rates.marriages, counts.marriages, [&] { return day.marriage(); });
    repeat(rates.divorces, counts.divorces, [&] { return day.divorce(); });
    repeat(rates.name_changes, counts.name_changes, [&] { return day.name_change(); });
    repeat(rates.immigrations, counts.immigrations, [&] { return day.immigration(); });
    repeat(rates.emigrations, counts.emigrations, [&] { return day.emigration(); });
    repeat(rates.safety_bans, counts.safety_bans, [&] { return day.safety_ban(); });
    counts.change_events += day.write(store);
    if (progress && (d + 1) % 30 == 0) {
      progress("history: " + std::to_string(d + 1) + "/" + std::to_string(days) + " days, " +
               std::to_string(counts.change_events) + " change events");
    }
  }
  return counts;
}

}  // namespace popgate::registry::synth
