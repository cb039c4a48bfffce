#include "registry/synth/synth_base.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "registry/hetu.h"
#include "registry/synth/population_profile.h"

namespace popgate::registry::synth {
namespace {

constexpr double kDaysPerYear = 365.2425;

std::vector<double> counts_of(const std::vector<NameCount>& names) {
  std::vector<double> weights;
  weights.reserve(names.size());
  for (const NameCount& n : names)
    weights.push_back(static_cast<double>(n.count));
  return weights;
}

template <typename T>
double local_share(const T& table, std::string_view code, double fallback) {
  for (const auto& entry : table) {
    if (entry.municipality == code) return entry.share;
  }
  return fallback;
}

std::uint16_t index_of_language(const ReferenceData& ref, std::string_view code) {
  for (std::size_t i = 0; i < ref.languages().size(); ++i) {
    if (ref.languages()[i].code == code) return static_cast<std::uint16_t>(i);
  }
  throw std::runtime_error("reference data lacks language " + std::string(code));
}

std::uint16_t index_of_country(const ReferenceData& ref, std::string_view code) {
  for (std::size_t i = 0; i < ref.countries().size(); ++i) {
    if (ref.countries()[i].code == code) return static_cast<std::uint16_t>(i);
  }
  return 0xFFFF;
}

// A stable pseudo-random offset per municipality code, so that municipality centres do not
// depend on the seed (the map stays the same across registers).
int code_jitter(std::string_view code, int salt, int range) {
  std::uint32_t h = 2166136261u ^ static_cast<std::uint32_t>(salt);
  for (char c : code)
    h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  return static_cast<int>(h % static_cast<std::uint32_t>(2 * range + 1)) - range;
}

std::int32_t days_of(Date d) {
  return static_cast<std::int32_t>(d.to_days());
}

int age_of(const SynPerson& p, std::int32_t today) {
  return Date::from_days(p.birth_days).age_on(Date::from_days(today));
}

}  // namespace

Pickers::Pickers(const SynthWorld& world) {
  const ReferenceData& ref = world.reference;
  male_first_ = WeightedChoice(counts_of(ref.first_names(Sex::male, true)));
  male_other_ = WeightedChoice(counts_of(ref.first_names(Sex::male, false)));
  female_first_ = WeightedChoice(counts_of(ref.first_names(Sex::female, true)));
  female_other_ = WeightedChoice(counts_of(ref.first_names(Sex::female, false)));
  surnames_ = WeightedChoice(counts_of(ref.surnames()));

  // Foreign mother tongues: the listed large groups by their share, the rest of the foreign
  // share spread evenly over every other language of the classification.
  const double foreign_total =
      1.0 - profile::kFinnishShare - profile::kSwedishShare - profile::kSamiShare;
  double listed = 0;
  for (const auto& l : profile::kForeignLanguages)
    listed += l.share;
  std::vector<double> weights;
  usual_country_.assign(ref.languages().size(), 0xFFFF);
  std::size_t unlisted = 0;
  for (const CodeName& l : ref.languages()) {
    if (l.code != "fi" && l.code != "sv" && l.code != "se") ++unlisted;
  }
  unlisted -= profile::kForeignLanguages.size();
  for (std::size_t i = 0; i < ref.languages().size(); ++i) {
    const std::string& code = ref.languages()[i].code;
    if (code == "fi" || code == "sv" || code == "se") continue;
    double w = (foreign_total - listed) / static_cast<double>(unlisted);
    for (const auto& l : profile::kForeignLanguages) {
      if (l.code == code) {
        w = l.share;
        usual_country_[i] = index_of_country(ref, l.country);
      }
    }
    weights.push_back(w);
    foreign_index_.push_back(static_cast<std::uint16_t>(i));
  }
  foreign_ = WeightedChoice(weights);

  std::vector<double> populations;
  for (const Municipality& m : ref.municipalities()) {
    populations.push_back(static_cast<double>(m.population));
  }
  municipalities_ = WeightedChoice(populations);
  std::vector<double> places;
  for (std::size_t i = 0; i < foreign_place_count(); ++i)
    places.push_back(foreign_place_weight(i));
  foreign_places_ = WeightedChoice(places);
}

std::uint16_t Pickers::given_name(Sex sex, bool first, Random& random) const {
  const WeightedChoice& choice = sex == Sex::male ? (first ? male_first_ : male_other_)
                                                  : (first ? female_first_ : female_other_);
  return static_cast<std::uint16_t>(choice.pick(random));
}

std::uint16_t Pickers::foreign_language(Random& random) const {
  return foreign_index_[foreign_.pick(random)];
}

std::uint16_t Pickers::language(const SynthWorld& world, std::uint16_t m, Random& random) const {
  const MunicipalityInfo& info = world.municipalities[m];
  double u = random.unit();
  if (u < info.swedish_share) return world.language_sv;
  u -= info.swedish_share;
  if (u < info.sami_share) return world.language_se;
  u -= info.sami_share;
  if (u < info.foreign_share) return foreign_language(random);
  return world.language_fi;
}

std::uint16_t Pickers::nationality_for(const SynthWorld& world, std::uint16_t language,
                                       Random& random) const {
  if (language == world.language_fi || language == world.language_sv ||
      language == world.language_se) {
    return world.finland;
  }
  const std::uint16_t usual = usual_country_[language];
  if (usual != 0xFFFF) return usual;
  return static_cast<std::uint16_t>(random.below(world.reference.countries().size()));
}

void setup_municipalities(SynthWorld& world) {
  const ReferenceData& ref = world.reference;
  world.language_fi = index_of_language(ref, "fi");
  world.language_sv = index_of_language(ref, "sv");
  world.language_se = index_of_language(ref, "se");
  world.finland = index_of_country(ref, "FI");
  if (world.finland == 0xFFFF) throw std::runtime_error("reference data lacks country FI");

  const auto& municipalities = ref.municipalities();
  world.municipalities.assign(municipalities.size(), MunicipalityInfo{});
  // Language shares: local figures where known, a background elsewhere; then every kind is
  // scaled so that the population-weighted national share meets the profile's target.
  double total = 0, sv = 0, se = 0, foreign = 0;
  for (std::size_t i = 0; i < municipalities.size(); ++i) {
    const Municipality& m = municipalities[i];
    MunicipalityInfo& info = world.municipalities[i];
    info.swedish_share = local_share(profile::kSwedishShares, m.code, 0.003);
    info.sami_share = local_share(profile::kSamiShares, m.code, 0.00015);
    double concentration = local_share(profile::kForeignConcentration, m.code, 0.0);
    if (concentration == 0.0) {
      concentration = m.population > 50'000 ? 0.7 : (m.population > 10'000 ? 0.45 : 0.35);
    }
    info.foreign_share = concentration;
    const auto pop = static_cast<double>(m.population);
    total += pop;
    sv += pop * info.swedish_share;
    se += pop * info.sami_share;
    foreign += pop * info.foreign_share;
  }
  const double foreign_target =
      1.0 - profile::kFinnishShare - profile::kSwedishShare - profile::kSamiShare;
  const double sv_scale = profile::kSwedishShare * total / sv;
  const double se_scale = profile::kSamiShare * total / se;
  const double foreign_scale = foreign_target * total / foreign;
  std::vector<int> postal_next(profile::kCounties.size(), 0);
  for (std::size_t i = 0; i < municipalities.size(); ++i) {
    const Municipality& m = municipalities[i];
    MunicipalityInfo& info = world.municipalities[i];
    info.swedish_share = std::min(0.95, info.swedish_share * sv_scale);
    info.sami_share = std::min(0.6, info.sami_share * se_scale);
    info.foreign_share = std::min(0.5, info.foreign_share * foreign_scale);
    info.swedish_majority = info.swedish_share > 0.5;
    info.swedish_only = m.wellbeing_county == "AHV";
    info.bilingual = info.swedish_share >= 0.06 && !info.swedish_only;

    std::size_t county = 0;
    while (county < profile::kCounties.size() &&
           profile::kCounties[county].county != m.wellbeing_county) {
      ++county;
    }
    if (county == profile::kCounties.size()) {
      throw std::runtime_error("municipality " + m.code + " has unknown county " +
                               m.wellbeing_county);
    }
    const profile::CountyGeo& geo = profile::kCounties[county];
    info.north = geo.north + code_jitter(m.code, 1, 60'000);
    info.east = geo.east + code_jitter(m.code, 2, 60'000);
    info.spread_m = m.population > 100'000 ? 6'000 : (m.population > 20'000 ? 4'000 : 9'000);
    // One postal area per ~8,000 inhabitants, numbered within the county's prefix.
    const std::int64_t areas = std::max<std::int64_t>(1, m.population / 8'000);
    for (std::int64_t a = 0; a < areas; ++a) {
      const int n = postal_next[county]++;
      const int code = geo.postal_prefix * 1000 + 100 + (n * 10) % 900 + n / 90;
      char buf[8];
      std::snprintf(buf, sizeof buf, "%05d", code % 100'000);
      info.postal_codes.emplace_back(buf);
    }
  }
}

void complete_identity(SynthWorld& world, const Pickers& pickers, std::uint32_t index,
                       bool recent_immigrant, Random& random) {
  SynPerson& p = world.persons[index];
  p.given[0] = pickers.given_name(p.sex, true, random);
  const double u = random.unit();
  p.given_count = static_cast<std::uint8_t>(u < 0.15 ? 1 : (u < 0.70 ? 2 : 3));
  for (std::size_t i = 1; i < p.given_count; ++i) {
    std::uint16_t name = pickers.given_name(p.sex, false, random);
    // Never the same name twice ("Anna Anna"): redraw once, then drop the name.
    if (name == p.given[i - 1]) name = pickers.given_name(p.sex, false, random);
    if (name == p.given[i - 1]) {
      p.given_count = static_cast<std::uint8_t>(i);
      break;
    }
    p.given[i] = name;
  }
  if (p.surname == kNone) p.surname = pickers.surname(random);

  p.nationality = pickers.nationality_for(world, p.language, random);
  if (p.nationality != world.finland) {
    if (random.chance(0.45)) {
      p.second_nationality = p.nationality;  // naturalised, kept the old citizenship
      p.nationality = world.finland;
    }
  }

  const int year = Date::from_days(p.birth_days).year;
  const std::string_view signs = hetu_century_signs(year);
  if (signs.empty()) throw std::runtime_error("birth year outside 1800..2099");
  // Codes issued since 2023 may carry the new century signs; in synthesis those are recent
  // immigrants (and a share of them keep the traditional sign).
  p.century_sign = signs[0];
  if (recent_immigrant && signs.size() > 1 && random.chance(0.5)) {
    p.century_sign = signs[1 + random.below(signs.size() - 1)];
  }
  p.individual_number =
      static_cast<std::uint16_t>(world.hetus.allocate(p.birth_days, p.century_sign, p.sex, random));

  std::uint32_t bans = 0;
  if (random.chance(profile::kDirectMarketingBanShare)) bans |= kBanDirectMarketing;
  if (random.chance(profile::kMarketResearchBanShare)) bans |= kBanMarketResearch;
  if (random.chance(profile::kGenealogyBanShare)) bans |= kBanGenealogy;
  if (random.chance(profile::kPersonDirectoryBanShare)) bans |= kBanPersonDirectory;
  if (random.chance(profile::kAddressServicesBanShare)) bans |= kBanAddressServices;
  if (random.chance(profile::kCustomerRegisterUpdateBanShare)) bans |= kBanCustomerRegisterUpdate;
  p.bans |= bans;
}

namespace {

// Persons of one municipality not yet placed in a household, by age and sex, so that a
// partner or a child of a wanted age is found in O(1). Removal is lazy: a placed person is
// only marked, and dropped from its pool when a draw meets it.
class AgePools {
 public:
  static constexpr int kMaxAge = 110;

  void reset(std::uint32_t first_person, std::size_t count) {
    for (auto& pool : pools_)
      pool.clear();
    base_ = first_person;
    placed_.assign(count, 0);
  }
  void add(std::uint32_t person, int age, Sex sex) { pool(age, sex).push_back(person); }
  bool placed(std::uint32_t person) const { return placed_[person - base_] != 0; }
  void place(std::uint32_t person) { placed_[person - base_] = 1; }
  // Puts a person back (a family could not be founded around them).
  void release(std::uint32_t person, int age, Sex sex) {
    placed_[person - base_] = 0;
    add(person, age, sex);
  }

  // Takes a random unplaced person of exactly `age`, or kNone.
  std::uint32_t take(int age, Sex sex, Random& random) {
    if (age < 0 || age > kMaxAge) return kNone;
    auto& v = pool(age, sex);
    while (!v.empty()) {
      const std::size_t i = random.below(v.size());
      const std::uint32_t person = v[i];
      v[i] = v.back();
      v.pop_back();
      if (!placed(person)) {
        place(person);
        return person;
      }
    }
    return kNone;
  }

  // Takes someone aged within `age` +- `reach`, nearest ages first.
  std::uint32_t take_near(int age, int reach, Sex sex, Random& random) {
    for (int d = 0; d <= reach; ++d) {
      for (int sign : {1, -1}) {
        if (d == 0 && sign < 0) continue;
        const std::uint32_t p = take(age + sign * d, sex, random);
        if (p != kNone) return p;
      }
    }
    return kNone;
  }

  // Someone of about that age, placed or not (a parent living elsewhere).
  std::uint32_t any_near(int age, int reach, Sex sex, Random& random) {
    for (int d = 0; d <= reach; ++d) {
      for (int sign : {1, -1}) {
        const int a = age + sign * d;
        if (a < 0 || a > kMaxAge) continue;
        auto& v = pool(a, sex);
        if (!v.empty()) return v[random.below(v.size())];
      }
    }
    return kNone;
  }

  std::vector<std::uint32_t>& pool(int age, Sex sex) {
    return pools_[static_cast<std::size_t>(std::clamp(age, 0, kMaxAge)) * 2 + (sex == Sex::male)];
  }

 private:
  std::array<std::vector<std::uint32_t>, (kMaxAge + 1) * 2> pools_;
  std::uint32_t base_ = 0;
  std::vector<char> placed_;
};

struct Household {
  std::vector<std::uint32_t> members;  // adults first
  bool family = false;                 // has children
};

BuildingType dwelling_type(const Municipality& m, const Household& h, int eldest_age,
                           Random& random) {
  if (h.members.size() == 1 && eldest_age >= 85 && random.chance(0.25)) {
    return BuildingType::care_home;
  }
  // Shares of detached, semi-detached, row house, apartment block by urbanisation.
  static constexpr double kShares[3][2][4] = {
      {{0.10, 0.02, 0.12, 0.76}, {0.25, 0.04, 0.18, 0.53}},  // cities over 100,000
      {{0.25, 0.03, 0.17, 0.55}, {0.50, 0.05, 0.20, 0.25}},  // towns over 20,000
      {{0.55, 0.04, 0.16, 0.25}, {0.75, 0.04, 0.12, 0.09}},  // the rest
  };
  const int level = m.population > 100'000 ? 0 : (m.population > 20'000 ? 1 : 2);
  const double* shares = kShares[level][h.family ? 1 : 0];
  double u = random.unit();
  for (int t = 0; t < 4; ++t) {
    if (u < shares[t]) return static_cast<BuildingType>(t);
    u -= shares[t];
  }
  return BuildingType::apartment_block;
}

MaritalStatus single_status(int age, Sex sex, Random& random) {
  if (age < 25) return MaritalStatus::unmarried;
  const double u = random.unit();
  if (age < 45)
    return u < 0.72 ? MaritalStatus::unmarried
                    : (u < 0.99 ? MaritalStatus::divorced : MaritalStatus::widowed);
  if (age < 65)
    return u < 0.40 ? MaritalStatus::unmarried
                    : (u < 0.88 ? MaritalStatus::divorced : MaritalStatus::widowed);
  const double widowed = sex == Sex::female ? 0.60 : 0.40;
  return u < 0.15 ? MaritalStatus::unmarried
                  : (u < 1.0 - widowed ? MaritalStatus::divorced : MaritalStatus::widowed);
}

void cohabit(SynthWorld& world, std::uint32_t a, std::uint32_t b) {
  world.persons[a].partner = b;
  world.persons[b].partner = a;
}

class ResidentBuilder {
 public:
  ResidentBuilder(SynthWorld& world, const Pickers& pickers, Date as_of, Random& random)
      : world_(world), pickers_(pickers), today_(days_of(as_of)), random_(random) {
    double total = 0;
    for (const auto& band : profile::kAgePyramid)
      total += band.males + band.females;
    std::vector<double> weights;
    for (const auto& band : profile::kAgePyramid) {
      weights.push_back(band.males / total);
      weights.push_back(band.females / total);
    }
    age_sex_ = WeightedChoice(weights);
  }

  std::int64_t build(std::uint16_t m, std::int64_t count) {
    pools_.reset(static_cast<std::uint32_t>(world_.persons.size()),
                 static_cast<std::size_t>(count));
    std::vector<std::uint32_t> people;
    people.reserve(static_cast<std::size_t>(count));
    for (std::int64_t i = 0; i < count; ++i)
      people.push_back(new_resident(m));
    std::int64_t households = 0;
    households += form_families(m, people);
    households += form_couples(m);
    households += form_singles(m);
    return households;
  }

 private:
  std::uint32_t new_resident(std::uint16_t m) {
    const std::size_t pick = age_sex_.pick(random_);
    const auto& band = profile::kAgePyramid[pick / 2];
    SynPerson p;
    p.sex = pick % 2 == 0 ? Sex::male : Sex::female;
    const int age = band.from_age + static_cast<int>(random_.below(5));
    const auto offset = static_cast<std::int32_t>(age * kDaysPerYear + random_.below(365));
    p.birth_days = today_ - offset - 1;
    p.municipality = m;
    p.language = pickers_.language(world_, m, random_);
    p.surname = pickers_.surname(random_);  // children take their family's name later
    const auto index = static_cast<std::uint32_t>(world_.persons.size());
    world_.persons.push_back(p);
    pools_.add(index, age_of(world_.persons[index], today_), p.sex);
    return index;
  }

  int age(std::uint32_t person) const { return age_of(world_.persons[person], today_); }

  // Children (and some young adults still at home) find a mother, maybe a father, siblings.
  std::int64_t form_families(std::uint16_t m, const std::vector<std::uint32_t>& people) {
    std::vector<std::uint32_t> children;
    for (std::uint32_t p : people) {
      const int a = age(p);
      const double at_home = a < 18 ? 1.0 : (a < 20 ? 0.7 : (a < 25 ? 0.2 : 0.0));
      if (at_home > 0 && random_.chance(at_home)) children.push_back(p);
    }
    // Shuffle so that who founds a family does not depend on generation order.
    for (std::size_t i = children.size(); i > 1; --i) {
      std::swap(children[i - 1], children[random_.below(i)]);
    }
    std::int64_t households = 0;
    for (std::uint32_t child : children) {
      if (pools_.placed(child)) continue;
      pools_.place(child);  // so that nobody takes it as an adult
      Household h = found_family(child);
      if (h.members.empty()) {
        // Nobody in the municipality could be its parent: it is housed on its own later.
        pools_.release(child, age(child), world_.persons[child].sex);
        continue;
      }
      settle(m, h);
      ++households;
    }
    return households;
  }

  Household found_family(std::uint32_t first_child) {
    const int child_age = age(first_child);
    const int mother_age =
        child_age + static_cast<int>(std::clamp(random_.normal(30, 5), 18.0, 45.0));
    const bool single_father = random_.chance(0.04);
    const Sex parent_sex = single_father ? Sex::male : Sex::female;
    const std::uint32_t parent = pools_.take_near(mother_age, 6, parent_sex, random_);
    if (parent == kNone) return {};
    Household h;
    h.family = true;
    h.members.push_back(parent);
    std::uint32_t mother = single_father ? kNone : parent;
    std::uint32_t father = single_father ? parent : kNone;
    if (!single_father && random_.chance(0.80)) {
      const int father_age = mother_age + static_cast<int>(std::lround(random_.normal(2, 3)));
      father = pools_.take_near(father_age, 4, Sex::male, random_);
      if (father != kNone) {
        h.members.push_back(father);
        if (random_.chance(0.72)) {
          marry(world_, mother, father, random_);
        } else {
          cohabit(world_, mother, father);
        }
      }
    }
    if (father == kNone && !single_father && random_.chance(0.6)) {
      // Paternity is registered though the father lives elsewhere.
      father = pools_.any_near(mother_age + 2, 4, Sex::male, random_);
    }
    std::vector<std::uint32_t> kids{first_child};
    const double u = random_.unit();
    const int siblings = u < 0.40 ? 0 : (u < 0.80 ? 1 : (u < 0.95 ? 2 : 3));
    for (int s = 0; s < siblings; ++s) {
      const int gap = static_cast<int>(random_.between(1, 6)) * (random_.chance(0.5) ? 1 : -1);
      const int sibling_age = child_age + gap;
      if (sibling_age < 0 || sibling_age > 17 || mother_age - sibling_age < 18) continue;
      const Sex sex = random_.chance(0.512) ? Sex::male : Sex::female;
      const std::uint32_t sibling = pools_.take(sibling_age, sex, random_);
      if (sibling != kNone) kids.push_back(sibling);
    }
    for (std::uint32_t kid : kids) {
      SynPerson& k = world_.persons[kid];
      k.mother = mother;
      k.father = father;
      h.members.push_back(kid);
    }
    return h;
  }

  std::int64_t form_couples(std::uint16_t m) {
    std::vector<std::uint32_t> women;
    for (int a = 20; a <= AgePools::kMaxAge; ++a) {
      for (std::uint32_t w : pools_.pool(a, Sex::female))
        women.push_back(w);
    }
    for (std::size_t i = women.size(); i > 1; --i)
      std::swap(women[i - 1], women[random_.below(i)]);
    std::int64_t households = 0;
    for (std::uint32_t woman : women) {
      if (pools_.placed(woman)) continue;
      const int a = age(woman);
      const double p = a < 25   ? 0.30
                       : a < 30 ? 0.55
                       : a < 65 ? 0.68
                       : a < 75 ? 0.62
                       : a < 85 ? 0.45
                                : 0.2;
      if (!random_.chance(p)) continue;
      const int man_age = a + static_cast<int>(std::lround(random_.normal(2, 3)));
      const std::uint32_t man = pools_.take_near(man_age, 5, Sex::male, random_);
      if (man == kNone) continue;
      pools_.place(woman);
      const double married = a < 30 ? 0.40 : (a < 45 ? 0.65 : 0.82);
      if (random_.chance(married)) {
        marry(world_, woman, man, random_);
      } else {
        cohabit(world_, woman, man);
      }
      Household h;
      h.members = {woman, man};
      settle(m, h);
      ++households;
    }
    return households;
  }

  std::int64_t form_singles(std::uint16_t m) {
    std::int64_t households = 0;
    for (int a = 0; a <= AgePools::kMaxAge; ++a) {
      for (Sex sex : {Sex::female, Sex::male}) {
        for (std::uint32_t p : pools_.pool(a, sex)) {
          if (pools_.placed(p)) continue;
          pools_.place(p);
          Household h;
          h.members = {p};
          settle(m, h);
          ++households;
        }
        pools_.pool(a, sex).clear();
      }
    }
    return households;
  }

  // Names, statuses and a dwelling for a household.
  void settle(std::uint16_t m, Household& h) {
    const std::uint32_t head = h.members.front();
    int eldest = 0;
    for (std::uint32_t member : h.members)
      eldest = std::max(eldest, age(member));
    const BuildingType type =
        dwelling_type(world_.reference.municipalities()[m], h, eldest, random_);
    const auto [building, apartment] = world_.take_dwelling(m, type, random_);
    const std::int32_t youngest_birth = [&] {
      std::int32_t b = world_.persons[head].birth_days;
      for (std::uint32_t member : h.members)
        b = std::max(b, world_.persons[member].birth_days);
      return b;
    }();
    const std::int32_t earliest =
        std::max(youngest_birth, today_ - static_cast<std::int32_t>(20 * kDaysPerYear));
    const auto moved_in = static_cast<std::int32_t>(random_.between(earliest, today_ - 1));
    const bool safety = random_.chance(profile::kSafetyBanHouseholdShare);

    for (std::uint32_t member : h.members) {
      SynPerson& p = world_.persons[member];
      p.building = building;
      p.apartment = world_.buildings[building].type == BuildingType::detached ||
                            world_.buildings[building].type == BuildingType::cottage
                        ? 0
                        : apartment;
      p.address_start_days = moved_in;
      p.municipality_start_days =
          random_.chance(0.6) ? moved_in
                              : static_cast<std::int32_t>(random_.between(p.birth_days, moved_in));
      if (safety) p.bans |= kBanSafety;
    }
    name_household(h);
  }

  void name_household(const Household& h) {
    for (std::uint32_t member : h.members) {
      SynPerson& p = world_.persons[member];
      const int a = age(member);
      if (p.mother != kNone || p.father != kNone) {
        // A child: the family's surname and mother tongue.
        const std::uint32_t from =
            p.father != kNone && world_.persons[p.father].surname != kNone && random_.chance(0.85)
                ? p.father
                : (p.mother != kNone ? p.mother : p.father);
        if (world_.persons[from].surname == kNone) {
          world_.persons[from].surname = pickers_.surname(random_);
        }
        p.surname = world_.persons[from].surname;
        const std::uint32_t home_parent = p.mother != kNone ? p.mother : p.father;
        p.language = world_.persons[home_parent].language;
        p.marital = MaritalStatus::unmarried;
        world_.link_child(member);
      } else if (p.partner == kNone) {
        p.marital = single_status(a, p.sex, random_);
        if (p.sex == Sex::female && p.marital != MaritalStatus::unmarried && random_.chance(0.4)) {
          p.former_surname = pickers_.surname(random_);  // the name before a past marriage
        }
      } else if (p.sex == Sex::male && random_.chance(0.85)) {
        p.language = world_.persons[p.partner].language;  // couples mostly share a language
      }
      const bool recent = p.language != world_.language_fi && p.language != world_.language_sv &&
                          p.language != world_.language_se && random_.chance(0.08);
      complete_identity(world_, pickers_, member, recent, random_);
    }
  }

  SynthWorld& world_;
  const Pickers& pickers_;
  std::int32_t today_;
  Random& random_;
  WeightedChoice age_sex_;
  AgePools pools_;
};

}  // namespace

// Marriage: the wife usually takes the husband's surname, keeping hers as a former name.
void marry(SynthWorld& world, std::uint32_t woman, std::uint32_t man, Random& random) {
  SynPerson& w = world.persons[woman];
  SynPerson& h = world.persons[man];
  w.partner = man;
  h.partner = woman;
  w.marital = h.marital = MaritalStatus::married;
  const double u = random.unit();
  if (u < 0.70) {
    w.former_surname = w.surname;
    w.surname = h.surname;
  } else if (u < 0.78) {
    w.former_surname = w.surname;
    w.surname = h.surname;
    w.double_surname = true;
  } else if (u < 0.81) {
    h.former_surname = h.surname;
    h.surname = w.surname;
  }
}

std::int64_t generate_residents(SynthWorld& world, const Pickers& pickers, std::int64_t count,
                                Date as_of, Random& random) {
  const auto& municipalities = world.reference.municipalities();
  std::int64_t total_population = 0;
  for (const Municipality& m : municipalities)
    total_population += m.population;
  // Largest remainder: quotas proportional to population that add up to `count` exactly.
  std::vector<std::int64_t> quota(municipalities.size());
  std::vector<std::pair<double, std::size_t>> remainders;
  std::int64_t assigned = 0;
  for (std::size_t i = 0; i < municipalities.size(); ++i) {
    const double exact = static_cast<double>(count) *
                         static_cast<double>(municipalities[i].population) /
                         static_cast<double>(total_population);
    quota[i] = static_cast<std::int64_t>(exact);
    assigned += quota[i];
    remainders.emplace_back(exact - static_cast<double>(quota[i]), i);
  }
  std::sort(remainders.begin(), remainders.end(), std::greater<>());
  for (std::int64_t k = 0; k < count - assigned; ++k)
    ++quota[remainders[static_cast<std::size_t>(k)].second];

  ResidentBuilder builder(world, pickers, as_of, random);
  std::int64_t households = 0;
  for (std::size_t i = 0; i < municipalities.size(); ++i) {
    households += builder.build(static_cast<std::uint16_t>(i), quota[i]);
  }

  // Students and commuters with a temporary address in one of the big cities.
  const std::int32_t today = days_of(as_of);
  std::vector<std::uint16_t> cities;
  for (std::size_t i = 0; i < municipalities.size(); ++i) {
    if (municipalities[i].population > 100'000 &&
        !world.municipalities[i].residential_buildings.empty()) {
      cities.push_back(static_cast<std::uint16_t>(i));
    }
  }
  for (SynPerson& p : world.persons) {
    if (p.status != Status::resident) continue;
    const int a = age_of(p, today);
    if (!cities.empty() && a >= 19 && a <= 29 && random.chance(0.04)) {
      const std::uint16_t city = cities[random.below(cities.size())];
      if (city != p.municipality) {
        const auto& candidates = world.municipalities[city].residential_buildings;
        p.temporary_building = candidates[random.below(candidates.size())];
      }
    }
    if (a >= 30 && random.chance(0.01))
      p.po_box = static_cast<std::uint16_t>(random.between(1, 999));
  }
  return households;
}

void generate_abroad(SynthWorld& world, const Pickers& pickers, std::int64_t count, Date as_of,
                     Random& random) {
  const std::int32_t today = days_of(as_of);
  for (std::int64_t i = 0; i < count; ++i) {
    SynPerson p;
    p.status = Status::abroad;
    p.sex = random.chance(0.5) ? Sex::male : Sex::female;
    const double age = std::clamp(random.normal(45, 15), 18.0, 95.0);
    p.birth_days = today - static_cast<std::int32_t>(age * kDaysPerYear) -
                   static_cast<std::int32_t>(random.below(365));
    p.language = random.chance(0.15) ? world.language_sv : world.language_fi;
    p.municipality = pickers.municipality(random);
    p.foreign_country = pickers.foreign_place(random);
    p.address_start_days = static_cast<std::int32_t>(
        random.between(std::max(p.birth_days + 6570, today - 30 * 365), today - 1));
    p.municipality_start_days = p.birth_days;
    p.marital = random.chance(0.5) ? MaritalStatus::married
                                   : single_status(static_cast<int>(age), p.sex, random);
    const auto index = static_cast<std::uint32_t>(world.persons.size());
    world.persons.push_back(p);
    complete_identity(world, pickers, index, false, random);
    SynPerson& stored = world.persons[index];
    const std::string_view country = foreign_place_country(stored.foreign_country);
    if (random.chance(0.3)) {
      for (std::size_t c = 0; c < world.reference.countries().size(); ++c) {
        if (world.reference.countries()[c].code == country) {
          stored.second_nationality = static_cast<std::uint16_t>(c);
        }
      }
    }
  }
}

void generate_deceased(SynthWorld& world, const Pickers& pickers, std::int64_t count, Date as_of,
                       Random& random) {
  const std::int32_t today = days_of(as_of);
  // Age at death: under 60, 60s, 70s, 80s, 90 and over.
  static constexpr double kShares[] = {0.10, 0.14, 0.25, 0.32, 0.19};
  static constexpr int kFrom[] = {0, 60, 70, 80, 90};
  static constexpr int kTo[] = {59, 69, 79, 89, 104};
  const WeightedChoice band(kShares);
  for (std::int64_t i = 0; i < count; ++i) {
    SynPerson p;
    p.status = Status::deceased;
    const std::size_t b = band.pick(random);
    const auto age = static_cast<int>(random.between(kFrom[b], kTo[b]));
    p.sex = random.chance(age >= 80 ? 0.4 : 0.55) ? Sex::male : Sex::female;
    p.death_days = today - static_cast<std::int32_t>(random.below(3653)) - 1;
    p.birth_days = p.death_days - static_cast<std::int32_t>(age * kDaysPerYear) -
                   static_cast<std::int32_t>(random.below(365));
    p.municipality = pickers.municipality(random);
    p.language = pickers.language(world, p.municipality, random);
    p.municipality_start_days = p.birth_days;
    p.address_start_days = p.birth_days;
    if (age < 25) {
      p.marital = MaritalStatus::unmarried;
    } else if (random.chance(0.35)) {
      p.marital = MaritalStatus::married;
    } else {
      p.marital = single_status(age, p.sex, random);
    }
    const auto index = static_cast<std::uint32_t>(world.persons.size());
    world.persons.push_back(p);
    complete_identity(world, pickers, index, false, random);
    world.persons[index].bans = 0;
  }
}

void generate_other_buildings(SynthWorld& world, Random& random) {
  const auto& municipalities = world.reference.municipalities();
  std::int64_t residents = 0;
  std::vector<std::int64_t> per_municipality(municipalities.size(), 0);
  for (const SynPerson& p : world.persons) {
    if (p.status == Status::resident) {
      ++per_municipality[p.municipality];
      ++residents;
    }
  }
  for (std::size_t i = 0; i < municipalities.size(); ++i) {
    const auto m = static_cast<std::uint16_t>(i);
    const std::int64_t n = per_municipality[i];
    // Summer cottages are a rural and lakeland thing; cities have few of their own.
    const double cottage_rate = municipalities[i].population > 100'000 ? 1.0 / 60 : 1.0 / 9;
    const std::int64_t cottages = random.poisson(static_cast<double>(n) * cottage_rate);
    for (std::int64_t c = 0; c < cottages; ++c)
      world.add_building(m, BuildingType::cottage, random);
    const std::int64_t others = random.poisson(static_cast<double>(n) / 80.0);
    for (std::int64_t c = 0; c < others; ++c) {
      world.add_building(m, BuildingType::non_residential, random);
    }
  }
  (void)residents;
}

}  // namespace popgate::registry::synth
