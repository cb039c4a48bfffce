// The data groups a data permit grants. Every field the register holds
// belongs to exactly one group, and change events are recorded per group.
#ifndef POPGATE_REGISTRY_DATA_GROUP_H_
#define POPGATE_REGISTRY_DATA_GROUP_H_

#include <optional>
#include <span>
#include <string_view>

namespace popgate::registry {

enum class DataGroup {
  identity,           // HETU, birth date, sex
  names,              // current and former names
  death,              // death date
  mother_tongue,      // ISO 639-1
  nationality,        // ISO 3166-1 alpha-2 list
  home_municipality,  // 3-digit code and start date
  permanent_address,
  temporary_address,
  postal_address,
  foreign_address,
  residence_building,  // PRT and apartment of the permanent residence
  family,              // spouse, parents, children, guardians
  marital_status,
  non_disclosure,  // safety non-disclosure and the other disclosure bans
  building,        // a building's own data (subject of building change events)
};

std::string_view to_string(DataGroup group);
std::optional<DataGroup> parse_data_group(std::string_view name);
// The person groups, in the order above (excludes `building`).
std::span<const DataGroup> person_data_groups();

}  // namespace popgate::registry

#endif  // POPGATE_REGISTRY_DATA_GROUP_H_
