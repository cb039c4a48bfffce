#include "registry/synth/synth_world.h"

#include <algorithm>
#include <stdexcept>

#include "registry/hetu.h"
#include "registry/prt.h"

namespace popgate::registry::synth {
namespace {

// Street names in Finnish and Swedish, stem by stem and suffix by suffix, so that a bilingual
// municipality's street has both names ("Koivukatu" / "Björkgatan").
constexpr std::array<std::pair<std::string_view, std::string_view>, 48> kStems = {{
    {"Koivu", "Björk"},    {"Mänty", "Tall"},   {"Kuusi", "Gran"},     {"Ranta", "Strand"},
    {"Kirkko", "Kyrk"},    {"Mylly", "Kvarn"},  {"Koulu", "Skol"},     {"Puisto", "Park"},
    {"Vuori", "Berg"},     {"Järvi", "Sjö"},    {"Asema", "Stations"}, {"Tehdas", "Fabriks"},
    {"Pihlaja", "Rönn"},   {"Tammi", "Ek"},     {"Vaahtera", "Lönn"},  {"Leppä", "Al"},
    {"Haapa", "Asp"},      {"Pelto", "Åker"},   {"Niitty", "Äng"},     {"Metsä", "Skogs"},
    {"Satama", "Hamn"},    {"Silta", "Bro"},    {"Kallio", "Häll"},    {"Harju", "Ås"},
    {"Joki", "Å"},         {"Lähde", "Käll"},   {"Kivi", "Sten"},      {"Tuuli", "Vind"},
    {"Aurinko", "Sol"},    {"Kuu", "Mån"},      {"Tähti", "Stjärn"},   {"Kettu", "Räv"},
    {"Karhu", "Björn"},    {"Susi", "Varg"},    {"Hirvi", "Älg"},      {"Jänis", "Har"},
    {"Kukka", "Blom"},     {"Ruusu", "Ros"},    {"Lilja", "Lilje"},    {"Omena", "Äppel"},
    {"Kartano", "Gårds"},  {"Linna", "Slotts"}, {"Torppa", "Torp"},    {"Paja", "Smedje"},
    {"Kauppa", "Handels"}, {"Posti", "Post"},   {"Kappeli", "Kapell"}, {"Sauna", "Bastu"},
}};
constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kSuffixes = {{
    {"katu", "gatan"},
    {"tie", "vägen"},
    {"kuja", "gränden"},
    {"polku", "stigen"},
    {"rinne", "branten"},
    {"kaari", "bågen"},
    {"piha", "gården"},
    {"ranta", "stranden"},
}};
constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kPrefixes = {{
    {"", ""},
    {"Iso ", "Stora "},
    {"Pikku ", "Lilla "},
    {"Vanha ", "Gamla "},
    {"Uusi ", "Nya "},
    {"Ala-", "Nedre "},
    {"Ylä-", "Övre "},
}};

}  // namespace

int HetuAllocator::allocate(std::int32_t birth_days, char sign, Sex sex, Random& random) {
  const int parity = sex == Sex::male ? 1 : 0;
  const int start = 2 + parity + 2 * static_cast<int>(random.below(449));  // 2..898 or 3..899
  const bool traditional = sign == '+' || sign == '-' || sign == 'A';
  constexpr std::int32_t kFirstDay = -62'091;  // 1800-01-01
  std::array<std::uint64_t, 16>* bits = nullptr;
  if (traditional) {
    const std::int64_t slot = static_cast<std::int64_t>(birth_days) - kFirstDay;
    if (slot < 0) throw std::out_of_range("birth date before 1800");
    if (static_cast<std::size_t>(slot) >= traditional_.size()) {
      traditional_.resize(static_cast<std::size_t>(slot) + 4096, std::array<std::uint64_t, 16>{});
    }
    bits = &traditional_[static_cast<std::size_t>(slot)];
  }
  for (int step = 0; step < 449; ++step) {
    int number = start + 2 * step;
    if (number > 899) number -= 898;  // wrap within the same parity
    if (bits != nullptr) {
      std::uint64_t& word = (*bits)[static_cast<std::size_t>(number) / 64];
      const std::uint64_t mask = 1ull << (number % 64);
      if (word & mask) continue;
      word |= mask;
      return number;
    }
    const std::uint64_t key =
        (static_cast<std::uint64_t>(static_cast<std::uint32_t>(birth_days)) << 24) |
        (static_cast<std::uint64_t>(static_cast<unsigned char>(sign)) << 12) |
        static_cast<std::uint64_t>(number);
    if (new_signs_.insert(key).second) return number;
  }
  throw std::runtime_error("no free individual number left for a birth date");
}

std::string SynthWorld::hetu(std::uint32_t person) const {
  const SynPerson& p = persons[person];
  return make_hetu(Date::from_days(p.birth_days), p.century_sign, p.individual_number);
}

std::string SynthWorld::prt(std::uint32_t building) const {
  // Spread over the number space like real identifiers, unique by construction.
  return make_prt(100'000'000 + 1 + static_cast<std::int64_t>(building) * 17 + building % 13);
}

void SynthWorld::link_child(std::uint32_t child) {
  SynPerson& c = persons[child];
  if (c.mother != kNone) {
    c.next_sibling_by_mother = persons[c.mother].first_child;
    persons[c.mother].first_child = child;
  }
  if (c.father != kNone) {
    c.next_sibling_by_father = persons[c.father].first_child;
    persons[c.father].first_child = child;
  }
}

std::vector<std::uint32_t> SynthWorld::children_of(std::uint32_t parent) const {
  std::vector<std::uint32_t> children;
  const bool mother = persons[parent].sex == Sex::female;
  for (std::uint32_t c = persons[parent].first_child; c != kNone;
       c = mother ? persons[c].next_sibling_by_mother : persons[c].next_sibling_by_father) {
    children.push_back(c);
  }
  std::reverse(children.begin(), children.end());  // oldest first
  return children;
}

std::uint32_t SynthWorld::new_street(std::uint16_t m, Random& random) {
  MunicipalityInfo& info = municipalities[m];
  const std::size_t n = streets.size();
  // Streets are named in a fixed walk through the name space per municipality, so that a
  // municipality never repeats a name; when the space is used up, streets grow longer instead.
  const std::size_t local = info.streets.size();
  const std::size_t space = kStems.size() * kSuffixes.size() * kPrefixes.size();
  if (local >= space) return info.streets[random.below(local)];
  const std::size_t code = (local * 7919 + static_cast<std::size_t>(m) * 104729) % space;
  const auto& stem = kStems[code % kStems.size()];
  const auto& suffix = kSuffixes[(code / kStems.size()) % kSuffixes.size()];
  const auto& prefix = kPrefixes[code / (kStems.size() * kSuffixes.size())];
  Street street;
  street.municipality = m;
  street.name_fi = std::string(prefix.first) + std::string(stem.first) + std::string(suffix.first);
  if (info.bilingual || info.swedish_majority || info.swedish_only) {
    street.name_sv =
        std::string(prefix.second) + std::string(stem.second) + std::string(suffix.second);
  }
  street.postal_area = static_cast<std::uint16_t>(random.below(info.postal_codes.size()));
  streets.push_back(std::move(street));
  info.streets.push_back(static_cast<std::uint32_t>(n));
  return static_cast<std::uint32_t>(n);
}

namespace {

Heating pick_heating(BuildingType type, Random& random) {
  const double u = random.unit();
  switch (type) {
    case BuildingType::apartment_block:
    case BuildingType::care_home:
      return u < 0.92 ? Heating::district : (u < 0.97 ? Heating::oil : Heating::ground_heat_pump);
    case BuildingType::row_house:
      return u < 0.50 ? Heating::district
                      : (u < 0.85 ? Heating::electric : Heating::ground_heat_pump);
    case BuildingType::cottage:
      return u < 0.70 ? Heating::wood : Heating::electric;
    case BuildingType::non_residential:
      return u < 0.60 ? Heating::district : (u < 0.85 ? Heating::electric : Heating::oil);
    default:
      if (u < 0.15) return Heating::district;
      if (u < 0.50) return Heating::electric;
      if (u < 0.68) return Heating::ground_heat_pump;
      if (u < 0.75) return Heating::air_heat_pump;
      if (u < 0.85) return Heating::oil;
      if (u < 0.98) return Heating::wood;
      return Heating::other;
  }
}

int completion_year(BuildingType type, int latest, Random& random) {
  double mean = 1980, spread = 22;
  if (type == BuildingType::apartment_block) mean = 1975, spread = 20;
  if (type == BuildingType::row_house) mean = 1987, spread = 15;
  if (type == BuildingType::care_home) mean = 1995, spread = 15;
  const int year = static_cast<int>(random.normal(mean, spread));
  return std::clamp(year, 1860, latest);
}

std::uint32_t draw_equipment(const SynBuilding& b, Random& random) {
  std::uint32_t e = 0;
  const bool cottage = b.type == BuildingType::cottage;
  if (!cottage || random.chance(0.8)) e |= kEquipElectricity;
  if (!cottage && random.chance(0.88)) e |= kEquipWaterMains;
  if (!cottage && random.chance(0.80)) e |= kEquipSewer;
  switch (b.type) {
    case BuildingType::apartment_block:
    case BuildingType::care_home:
      if (b.floors >= 4 && (b.completion_year >= 1970 || random.chance(0.6))) e |= kEquipElevator;
      if (random.chance(0.75)) e |= kEquipSauna;
      if (b.dwellings >= 30 && b.completion_year >= 1960 && random.chance(0.8)) e |= kEquipShelter;
      break;
    case BuildingType::non_residential:
      if (b.floors >= 3) e |= kEquipElevator;
      if (random.chance(0.4)) e |= kEquipAirConditioning;
      if (random.chance(0.2)) e |= kEquipShelter;
      break;
    default:
      if (random.chance(0.90)) e |= kEquipSauna;
      if (random.chance(0.02)) e |= kEquipSwimmingPool;
      if (random.chance(0.05)) e |= kEquipAirConditioning;
      if (random.chance(0.07)) e |= kEquipSolarPanels;
      break;
  }
  return e;
}

void size_building(SynBuilding& b, Random& random) {
  switch (b.type) {
    case BuildingType::detached:
      b.dwellings = 1, b.floors = static_cast<std::uint8_t>(random.between(1, 2));
      b.floor_area = static_cast<std::uint32_t>(random.between(80, 220));
      std::copy_n("0110", 5, b.use_class);
      break;
    case BuildingType::semi_detached:
      b.dwellings = 2, b.stairs = 2, b.floors = static_cast<std::uint8_t>(random.between(1, 2));
      b.floor_area = static_cast<std::uint32_t>(random.between(150, 260));
      std::copy_n("0111", 5, b.use_class);
      break;
    case BuildingType::row_house:
      b.dwellings = static_cast<std::uint16_t>(random.between(3, 10));
      b.stairs = static_cast<std::uint8_t>(b.dwellings);
      b.floors = static_cast<std::uint8_t>(random.between(1, 2));
      b.floor_area = b.dwellings * static_cast<std::uint32_t>(random.between(60, 100));
      std::copy_n("0112", 5, b.use_class);
      break;
    case BuildingType::apartment_block:
      b.stairs = static_cast<std::uint8_t>(random.between(1, 4));
      b.floors = static_cast<std::uint8_t>(random.between(3, 8));
      b.dwellings = static_cast<std::uint16_t>(b.stairs * b.floors * random.between(2, 4));
      b.floor_area = b.dwellings * static_cast<std::uint32_t>(random.between(50, 80));
      std::copy_n("0121", 5, b.use_class);
      break;
    case BuildingType::care_home:
      b.floors = static_cast<std::uint8_t>(random.between(2, 3));
      b.dwellings = static_cast<std::uint16_t>(random.between(20, 60));
      b.floor_area = b.dwellings * 45;
      std::copy_n("0140", 5, b.use_class);
      break;
    case BuildingType::cottage:
      b.floors = 1, b.floor_area = static_cast<std::uint32_t>(random.between(25, 90));
      std::copy_n("0211", 5, b.use_class);
      break;
    case BuildingType::non_residential: {
      static constexpr const char* kClasses[] = {"0400", "0310", "0810", "0910", "0610", "1110"};
      std::copy_n(kClasses[random.below(6)], 5, b.use_class);
      b.floors = static_cast<std::uint8_t>(random.between(1, 6));
      b.floor_area = static_cast<std::uint32_t>(random.between(200, 8000));
      break;
    }
  }
}

}  // namespace

std::uint32_t SynthWorld::add_building(std::uint16_t m, BuildingType type, Random& random) {
  MunicipalityInfo& info = municipalities[m];
  if (info.current_street == kNone || streets[info.current_street].next_number > 40) {
    info.current_street = new_street(m, random);
  }
  Street& street = streets[info.current_street];
  SynBuilding b;
  b.street = info.current_street;
  b.house_number = street.next_number;
  street.next_number = static_cast<std::uint16_t>(street.next_number + 1 + random.below(2));
  b.municipality = m;
  b.type = type;
  size_building(b, random);
  b.completion_year = static_cast<std::uint16_t>(completion_year(type, 2025, random));
  b.north = info.north + static_cast<std::int32_t>(random.normal(0, info.spread_m));
  b.east = info.east + static_cast<std::int32_t>(random.normal(0, info.spread_m));
  b.heating = pick_heating(type, random);
  b.equipment = draw_equipment(b, random);
  const auto index = static_cast<std::uint32_t>(buildings.size());
  buildings.push_back(b);
  if (b.dwellings > 0) info.residential_buildings.push_back(index);
  return index;
}

std::pair<std::uint32_t, std::uint16_t> SynthWorld::take_dwelling(std::uint16_t m,
                                                                  BuildingType type,
                                                                  Random& random) {
  std::uint32_t& open = municipalities[m].open_building[static_cast<std::size_t>(type)];
  if (open == kNone || buildings[open].occupied >= buildings[open].dwellings) {
    open = add_building(m, type, random);
  }
  SynBuilding& b = buildings[open];
  // About one dwelling in twenty stands empty.
  if (b.dwellings - b.occupied > 1 && random.chance(0.05)) ++b.occupied;
  ++b.occupied;
  return {open, b.occupied};
}

std::string SynthWorld::apartment_text(const SynBuilding& b, std::uint16_t apartment) const {
  if (apartment == 0) return {};
  Apartment a;
  switch (b.type) {
    case BuildingType::semi_detached:
    case BuildingType::row_house:
      a.stair = static_cast<char>('A' + (apartment - 1) % 26);
      break;
    case BuildingType::apartment_block:
    case BuildingType::care_home: {
      const int per_stair = (b.dwellings + b.stairs - 1) / b.stairs;
      a.stair = static_cast<char>('A' + std::min(25, (apartment - 1) / per_stair));
      a.number = apartment;
      break;
    }
    default:
      return {};
  }
  return a.to_string();
}

Address SynthWorld::building_address(std::uint32_t building, std::uint16_t apartment, bool swedish,
                                     AddressKind kind) const {
  const SynBuilding& b = buildings[building];
  const Street& street = streets[b.street];
  const Municipality& m = reference.municipalities()[b.municipality];
  const MunicipalityInfo& info = municipalities[b.municipality];
  const bool use_sv =
      !street.name_sv.empty() && (swedish || info.swedish_majority || info.swedish_only);
  Address a;
  a.kind = kind;
  a.street = (use_sv ? street.name_sv : street.name_fi) + " " + std::to_string(b.house_number);
  a.apartment = apartment_text(b, apartment);
  a.postal_code = info.postal_codes[street.postal_area];
  a.post_office = use_sv ? m.name_sv : m.name_fi;
  a.country = "FI";
  return a;
}

namespace {

struct ForeignPlace {
  std::string_view country;
  std::string_view city;
  std::string_view street;
  double weight;
};
constexpr ForeignPlace kForeignPlaces[] = {
    {"SE", "Stockholm", "Storgatan", 0.35},    {"US", "New York", "Main Street", 0.08},
    {"DE", "Berlin", "Hauptstraße", 0.07},     {"GB", "London", "High Street", 0.07},
    {"ES", "Fuengirola", "Calle Mayor", 0.06}, {"NO", "Oslo", "Storgata", 0.05},
    {"EE", "Tallinn", "Pikk", 0.04},           {"CH", "Zürich", "Bahnhofstrasse", 0.03},
    {"AU", "Sydney", "George Street", 0.03},   {"CA", "Toronto", "Queen Street", 0.03},
    {"FR", "Paris", "Rue de la Paix", 0.03},   {"NL", "Amsterdam", "Kerkstraat", 0.03},
    {"DK", "København", "Strøget", 0.03},      {"BE", "Bruxelles", "Rue Royale", 0.02},
    {"IT", "Roma", "Via Roma", 0.02},          {"TH", "Bangkok", "Sukhumvit Road", 0.01},
};

}  // namespace

std::size_t foreign_place_count() {
  return std::size(kForeignPlaces);
}
double foreign_place_weight(std::size_t i) {
  return kForeignPlaces[i].weight;
}
std::string_view foreign_place_country(std::size_t i) {
  return kForeignPlaces[i].country;
}

Address SynthWorld::permanent_address(const SynPerson& p) const {
  const bool swedish = p.language == language_sv;
  Address a = building_address(p.building, p.apartment, swedish, AddressKind::permanent);
  a.start = Date::from_days(p.address_start_days);
  return a;
}

Person SynthWorld::to_person(std::uint32_t index) const {
  const SynPerson& p = persons[index];
  Person out;
  out.hetu = hetu(index);
  out.first_names = reference.first_names(p.sex, true)[p.given[0]].name;
  for (int i = 1; i < p.given_count; ++i) {
    out.first_names += ' ';
    out.first_names +=
        reference.first_names(p.sex, false)[p.given[static_cast<std::size_t>(i)]].name;
  }
  const auto& surnames = reference.surnames();
  out.last_name = surnames[p.surname].name;
  if (p.double_surname && p.former_surname != kNone) {
    out.last_name = surnames[p.former_surname].name + "-" + out.last_name;
  }
  if (p.former_surname != kNone) out.former_last_names.push_back(surnames[p.former_surname].name);
  out.sex = p.sex;
  out.birth_date = Date::from_days(p.birth_days);
  if (p.status == Status::deceased) out.death_date = Date::from_days(p.death_days);
  out.mother_tongue = reference.languages()[p.language].code;
  out.nationalities.push_back(reference.countries()[p.nationality].code);
  if (p.second_nationality != 0xFFFF) {
    out.nationalities.push_back(reference.countries()[p.second_nationality].code);
  }
  if (p.status != Status::abroad) {
    out.home_municipality = reference.municipalities()[p.municipality].code;
    out.home_municipality_start = Date::from_days(p.municipality_start_days);
  }
  if (p.status == Status::resident && p.building != kNone) {
    out.addresses.push_back(permanent_address(p));
    out.residence_building = prt(p.building);
    out.residence_apartment = apartment_text(buildings[p.building], p.apartment);
    if (p.temporary_building != kNone) {
      Address t = building_address(p.temporary_building, 0, p.language == language_sv,
                                   AddressKind::temporary);
      t.start = Date::from_days(p.address_start_days);
      t.end = Date::from_days(p.address_start_days + 365 * 2);
      out.addresses.push_back(std::move(t));
    }
    if (p.po_box > 0) {
      Address postal = out.addresses.front();
      postal.kind = AddressKind::postal;
      postal.street = (p.language == language_sv ? "PB " : "PL ") + std::to_string(p.po_box);
      postal.apartment.clear();
      out.addresses.push_back(std::move(postal));
    }
  }
  if (p.status == Status::abroad) {
    const ForeignPlace& place = kForeignPlaces[p.foreign_country];
    Address f;
    f.kind = AddressKind::foreign;
    f.street = std::string(place.street) + " " + std::to_string(1 + index % 120);
    f.postal_code = std::to_string(10000 + (index * 7) % 89999);
    f.post_office = place.city;
    f.country = place.country;
    f.start = Date::from_days(p.address_start_days);
    out.addresses.push_back(std::move(f));
  }
  out.marital_status = p.marital;
  if (p.partner != kNone &&
      (p.marital == MaritalStatus::married || p.marital == MaritalStatus::registered_partnership)) {
    out.family.push_back({Relation::spouse, hetu(p.partner)});
  }
  if (p.mother != kNone) out.family.push_back({Relation::parent, hetu(p.mother)});
  if (p.father != kNone) out.family.push_back({Relation::parent, hetu(p.father)});
  for (std::uint32_t child : children_of(index)) {
    out.family.push_back({Relation::child, hetu(child)});
  }
  out.bans = p.bans;
  return out;
}

Building SynthWorld::to_building(std::uint32_t index) const {
  const SynBuilding& b = buildings[index];
  const Street& street = streets[b.street];
  const Municipality& m = reference.municipalities()[b.municipality];
  const MunicipalityInfo& info = municipalities[b.municipality];
  Building out;
  out.prt = prt(index);
  out.municipality = m.code;
  // Appended rather than concatenated: g++ 12 -O3 flags `" " + std::string` (-Wrestrict,
  // GCC bug 105329) though it is correct.
  std::string number(1, ' ');
  number += std::to_string(b.house_number);
  const std::string& postal_code = info.postal_codes[street.postal_area];
  // The majority language's address comes first.
  const bool has_sv = !street.name_sv.empty();
  if (has_sv && (info.swedish_majority || info.swedish_only)) {
    out.addresses.push_back({street.name_sv + number, postal_code, m.name_sv, "sv"});
  }
  if (!info.swedish_only) {
    out.addresses.push_back({street.name_fi + number, postal_code, m.name_fi, "fi"});
  }
  if (has_sv && !info.swedish_majority && !info.swedish_only) {
    out.addresses.push_back({street.name_sv + number, postal_code, m.name_sv, "sv"});
  }
  out.north = b.north;
  out.east = b.east;
  out.use_class = b.use_class;
  out.completion_year = b.completion_year;
  out.floors = b.floors;
  out.floor_area_m2 = static_cast<int>(b.floor_area);
  out.apartments = b.dwellings;
  out.heating = b.heating;
  out.equipment = b.equipment;
  return out;
}

}  // namespace popgate::registry::synth
