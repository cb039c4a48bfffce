// The in-memory world of synthesis: a compact model of every person, building and street,
// small enough for 5.6 million persons (about 80 bytes each), turned into registry::Person and
// registry::Building only when written. Internal to registry/synthetic_*.
#ifndef POPGATE_REGISTRY_SYNTH_SYNTH_WORLD_H_
#define POPGATE_REGISTRY_SYNTH_SYNTH_WORLD_H_

#include <array>
#include <cstdint>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "registry/building.h"
#include "registry/person.h"
#include "registry/random.h"
#include "registry/reference.h"

namespace popgate::registry::synth {

constexpr std::uint32_t kNone = 0xFFFFFFFFu;

enum class Status : std::uint8_t { resident, abroad, deceased };

// Kinds of dwelling building synthesis builds, with their use class.
enum class BuildingType : std::uint8_t {
  detached,         // 0110, one dwelling
  semi_detached,    // 0111, two dwellings
  row_house,        // 0112, 3-10 dwellings, one stair letter each
  apartment_block,  // 0121, 12-80 dwellings in stairwells A, B, C...
  care_home,        // 0140
  cottage,          // 0211, no residents
  non_residential,  // offices, shops, schools, industry, storage
};

struct SynPerson {
  std::int32_t birth_days = 0;          // days since 1970-01-01
  std::int32_t death_days = 0;          // valid when status == deceased
  std::int32_t address_start_days = 0;  // when the current permanent address began
  std::int32_t municipality_start_days = 0;
  std::uint32_t surname = kNone;         // index into ReferenceData::surnames()
  std::uint32_t former_surname = kNone;  // e.g. the maiden name
  bool double_surname = false;           // last name "Former-Current"
  std::array<std::uint16_t, 3> given{};  // [0] from the first-name list, others from "other"
  std::uint8_t given_count = 1;
  Sex sex = Sex::female;
  Status status = Status::resident;
  MaritalStatus marital = MaritalStatus::unmarried;
  char century_sign = '-';
  std::uint16_t individual_number = 2;
  std::uint16_t municipality = 0;  // index into ReferenceData::municipalities()
  std::uint16_t language = 0;      // index into ReferenceData::languages()
  std::uint16_t nationality = 0;   // index into ReferenceData::countries()
  std::uint16_t second_nationality = 0xFFFF;
  std::uint16_t foreign_country = 0xFFFF;  // abroad: country of the foreign address
  std::uint16_t apartment = 0;             // dwelling number within the building (1-based)
  std::uint32_t building = kNone;          // permanent residence
  std::uint32_t temporary_building = kNone;
  std::uint32_t partner = kNone;  // spouse when married, else cohabiting partner
  std::uint32_t mother = kNone;
  std::uint32_t father = kNone;
  std::uint32_t first_child = kNone;             // children as a list threaded through...
  std::uint32_t next_sibling_by_mother = kNone;  // ...the mother's chain
  std::uint32_t next_sibling_by_father = kNone;  // ...and the father's chain
  std::uint32_t bans = 0;
  std::uint16_t po_box = 0;  // postal address "PL n" when > 0

  bool alive() const { return status != Status::deceased; }
};

struct SynBuilding {
  std::uint32_t street = 0;  // index into SynthWorld::streets
  std::uint16_t house_number = 0;
  std::uint16_t municipality = 0;
  BuildingType type = BuildingType::detached;
  std::uint16_t dwellings = 0;  // apartments built
  std::uint16_t occupied = 0;   // dwellings handed out so far
  std::uint16_t completion_year = 0;
  std::uint8_t floors = 1;
  std::uint8_t stairs = 1;
  std::uint32_t floor_area = 0;
  std::int32_t north = 0;
  std::int32_t east = 0;
  Heating heating = Heating::unknown;
  std::uint32_t equipment = 0;
  char use_class[5] = "0110";
};

struct Street {
  std::string name_fi;
  std::string name_sv;  // empty outside bilingual municipalities
  std::uint16_t municipality = 0;
  std::uint16_t postal_area = 0;  // index into the municipality's postal codes
  std::uint16_t next_number = 1;
};

struct MunicipalityInfo {
  std::int32_t north = 0;
  std::int32_t east = 0;
  int spread_m = 5000;  // how far buildings scatter from the centre
  double swedish_share = 0;
  double sami_share = 0;
  double foreign_share = 0;
  bool swedish_majority = false;
  bool swedish_only = false;  // Åland: streets have Swedish names only
  bool bilingual = false;
  std::vector<std::string> postal_codes;
  std::uint32_t current_street = kNone;
  std::vector<std::uint32_t> streets;  // indexes into SynthWorld::streets
  // The building each dwelling type is currently filling, per type.
  std::array<std::uint32_t, 7> open_building{kNone, kNone, kNone, kNone, kNone, kNone, kNone};
  std::vector<std::uint32_t> residential_buildings;  // for moves into existing dwellings
};

// Hands out unique individual numbers per birth date and century sign.
class HetuAllocator {
 public:
  // Returns an unused individual number (2..899) of the sex's parity for this date and sign.
  int allocate(std::int32_t birth_days, char sign, Sex sex, Random& random);

 private:
  // Traditional signs ('+', '-', 'A'): a 1000-bit map per birth day from 1800 on. The new
  // signs (since 2023) are rare and separate identities: a set keyed by day, sign and number.
  std::vector<std::array<std::uint64_t, 16>> traditional_;
  std::unordered_set<std::uint64_t> new_signs_;
};

class SynthWorld {
 public:
  explicit SynthWorld(const ReferenceData& data) : reference(data) {}

  const ReferenceData& reference;
  std::vector<SynPerson> persons;
  std::vector<SynBuilding> buildings;
  std::vector<Street> streets;
  std::vector<MunicipalityInfo> municipalities;
  HetuAllocator hetus;
  std::uint16_t finland = 0;  // country index of FI
  std::uint16_t language_fi = 0, language_sv = 0, language_se = 0;

  std::string hetu(std::uint32_t person) const;
  std::string prt(std::uint32_t building) const;
  Person to_person(std::uint32_t index) const;
  Building to_building(std::uint32_t index) const;

  // Adds `child` to the children lists of its mother and father.
  void link_child(std::uint32_t child);
  std::vector<std::uint32_t> children_of(std::uint32_t parent) const;

  // A new building of `type` in municipality `m`, with street address and properties drawn.
  std::uint32_t add_building(std::uint16_t m, BuildingType type, Random& random);
  // A free dwelling of `type` in municipality `m` (opening a new building when the current
  // one is full). Returns {building, apartment}.
  std::pair<std::uint32_t, std::uint16_t> take_dwelling(std::uint16_t m, BuildingType type,
                                                        Random& random);

 private:
  Address permanent_address(const SynPerson& p) const;
  Address building_address(std::uint32_t building, std::uint16_t apartment, bool swedish,
                           AddressKind kind) const;
  std::string apartment_text(const SynBuilding& b, std::uint16_t apartment) const;
  std::uint32_t new_street(std::uint16_t m, Random& random);
};

// Places abroad where synthesis puts Finns living abroad (country, weight).
std::size_t foreign_place_count();
double foreign_place_weight(std::size_t i);
std::string_view foreign_place_country(std::size_t i);

}  // namespace popgate::registry::synth

#endif  // POPGATE_REGISTRY_SYNTH_SYNTH_WORLD_H_
