#include "registry/building.h"

#include "registry/enum_names.h"

namespace popgate::registry {
namespace {

template <typename E>
using P = std::pair<E, std::string_view>;
using H = Heating;
constexpr auto kHeating = make_enum_names<H>(
    P<H>{H::unknown, "unknown"}, P<H>{H::district, "district"}, P<H>{H::electric, "electric"},
    P<H>{H::oil, "oil"}, P<H>{H::gas, "gas"}, P<H>{H::wood, "wood"},
    P<H>{H::ground_heat_pump, "ground_heat_pump"}, P<H>{H::air_heat_pump, "air_heat_pump"},
    P<H>{H::peat, "peat"}, P<H>{H::other, "other"});

using E = Equipment;
constexpr auto kEquipment = make_enum_names<E>(
    P<E>{kEquipElevator, "elevator"}, P<E>{kEquipSauna, "sauna"},
    P<E>{kEquipSwimmingPool, "swimming_pool"}, P<E>{kEquipAirConditioning, "air_conditioning"},
    P<E>{kEquipSewer, "sewer"}, P<E>{kEquipWaterMains, "water_mains"},
    P<E>{kEquipElectricity, "electricity"}, P<E>{kEquipGasMains, "gas_mains"},
    P<E>{kEquipSolarPanels, "solar_panels"}, P<E>{kEquipShelter, "shelter"});

struct UseClass {
  std::string_view code;
  std::string_view name;
};
constexpr UseClass kUseClasses[] = {
    {"0110", "Omakotitalot"},
    {"0111", "Paritalot"},
    {"0112", "Rivitalot"},
    {"0120", "Pienkerrostalot"},
    {"0121", "Asuinkerrostalot"},
    {"0130", "Asuntolarakennukset"},
    {"0140", "Erityisryhmien asuinrakennukset"},
    {"0211", "Kesämökit"},
    {"0310", "Tukku- ja vähittäiskaupan myymälähallit"},
    {"0400", "Toimistorakennukset"},
    {"0610", "Terveydenhuoltorakennukset"},
    {"0620", "Sosiaalipalvelujen rakennukset"},
    {"0810", "Opetusrakennukset"},
    {"0910", "Teollisuusrakennukset"},
    {"1110", "Varastorakennukset"},
    {"1910", "Saunarakennukset"},
    {"1911", "Talousrakennukset"},
};

}  // namespace

std::string_view to_string(Heating heating) { return kHeating.name(heating); }
std::optional<Heating> parse_heating(std::string_view text) { return kHeating.parse(text); }
std::string_view equipment_name(Equipment item) { return kEquipment.name(item); }
std::optional<Equipment> parse_equipment(std::string_view text) { return kEquipment.parse(text); }

std::vector<std::string_view> equipment_names(std::uint32_t equipment) {
  std::vector<std::string_view> names;
  for (const auto& [item, name] : kEquipment.entries) {
    if (equipment & item) names.push_back(name);
  }
  return names;
}

std::string_view use_class_name(std::string_view code) {
  for (const UseClass& c : kUseClasses) {
    if (c.code == code) return c.name;
  }
  return {};
}

}  // namespace popgate::registry
