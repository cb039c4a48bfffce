// A building as the register holds it, identified by its permanent building identifier (PRT).
#ifndef POPGATE_REGISTRY_BUILDING_H_
#define POPGATE_REGISTRY_BUILDING_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace popgate::registry {

// One address of a building; bilingual municipalities give a building an address per language.
struct BuildingAddress {
  std::string street;  // street name and house number: "Koivukatu 12"
  std::string postal_code;
  std::string post_office;
  std::string language = "fi";  // ISO 639-1 of the street name
  friend bool operator==(const BuildingAddress&, const BuildingAddress&) = default;
};

enum class Heating : std::uint8_t {
  unknown = 0,
  district = 1,
  electric = 2,
  oil = 3,
  gas = 4,
  wood = 5,
  ground_heat_pump = 6,
  air_heat_pump = 7,
  peat = 8,
  other = 9,
};

// Equipment a building has (a bit set), searchable by the extraction service.
enum Equipment : std::uint32_t {
  kEquipElevator = 1u << 0,
  kEquipSauna = 1u << 1,
  kEquipSwimmingPool = 1u << 2,
  kEquipAirConditioning = 1u << 3,
  kEquipSewer = 1u << 4,
  kEquipWaterMains = 1u << 5,
  kEquipElectricity = 1u << 6,
  kEquipGasMains = 1u << 7,
  kEquipSolarPanels = 1u << 8,
  kEquipShelter = 1u << 9,
};

struct Building {
  std::int64_t id = 0;  // store key; 0 until stored
  std::string prt;
  std::string municipality;  // 3-digit code
  std::vector<BuildingAddress> addresses;
  // ETRS-TM35FIN (EPSG:3067) coordinates of the building's reference point, in metres.
  std::int32_t north = 0;
  std::int32_t east = 0;
  std::string use_class;  // Rakennusluokitus 2018 code, 4 digits ("0110" detached house)
  int completion_year = 0;
  int floors = 0;
  int floor_area_m2 = 0;
  int apartments = 0;
  Heating heating = Heating::unknown;
  std::uint32_t equipment = 0;
  std::optional<int> demolished_year;

  bool residential() const { return use_class.size() == 4 && use_class[0] == '0' && use_class[1] == '1'; }
  friend bool operator==(const Building&, const Building&) = default;
};

std::string_view to_string(Heating heating);
std::optional<Heating> parse_heating(std::string_view text);
std::string_view equipment_name(Equipment item);
std::optional<Equipment> parse_equipment(std::string_view text);
std::vector<std::string_view> equipment_names(std::uint32_t equipment);

// The building use classes popgate knows (a subset of Statistics Finland's Rakennusluokitus
// 2018), with their Finnish names. Returns empty for an unknown code.
std::string_view use_class_name(std::string_view code);

}  // namespace popgate::registry

#endif  // POPGATE_REGISTRY_BUILDING_H_
