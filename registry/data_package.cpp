#include "registry/data_package.h"

#include <algorithm>

#include "base/strings.h"
#include "registry/person_fields.h"

namespace popgate::registry {
namespace {

constexpr std::string_view kAge = "age";
constexpr std::string_view kBirthYear = "birth_year";

// A building's fields, by name: the one place that names them for packages.
std::vector<Field> building_fields(const Building& b) {
  const auto number = [](int value) { return value == 0 ? std::string() : std::to_string(value); };
  std::vector<std::string> equipment;
  for (const std::string_view item : equipment_names(b.equipment))
    equipment.emplace_back(item);
  const BuildingAddress* address = b.addresses.empty() ? nullptr : &b.addresses.front();
  return {{"prt", b.prt},
          {"municipality", b.municipality},
          {"street", address ? address->street : ""},
          {"postal_code", address ? address->postal_code : ""},
          {"post_office", address ? address->post_office : ""},
          {"use_class", b.use_class},
          {"completion_year", number(b.completion_year)},
          {"floors", number(b.floors)},
          {"floor_area_m2", number(b.floor_area_m2)},
          {"apartments", number(b.apartments)},
          {"heating", std::string(to_string(b.heating))},
          {"equipment", base::join(equipment, "|")},
          {"demolished_year", b.demolished_year ? std::to_string(*b.demolished_year) : ""},
          {"north", std::to_string(b.north)},
          {"east", std::to_string(b.east)}};
}

std::string field_value(const std::vector<Field>& fields, std::string_view name) {
  for (const Field& field : fields)
    if (field.name == name) return field.value;
  return {};
}

}  // namespace

std::vector<std::string> package_columns(PackageUnit unit) {
  std::vector<std::string> names;
  if (unit == PackageUnit::buildings) {
    for (const Field& field : building_fields(Building{}))
      names.push_back("building." + field.name);
    return names;
  }
  names = {std::string(kAge), std::string(kBirthYear)};
  for (const DataGroup group : person_data_groups())
    for (const Field& field : person_fields(Person{}, group))
      names.push_back(std::string(to_string(group)) + "." + field.name);
  return names;
}

std::optional<DataPackage> DataPackage::make(std::string name, PackageUnit unit,
                                             const std::vector<std::string>& columns,
                                             std::string* problem) {
  const std::vector<std::string> known = package_columns(unit);
  DataPackage package;
  package.name_ = std::move(name);
  package.unit_ = unit;
  if (columns.empty()) {
    if (problem) *problem = "a package needs at least one column";
    return std::nullopt;
  }
  for (const std::string& column : columns) {
    if (std::find(known.begin(), known.end(), column) == known.end()) {
      if (problem)
        *problem = "no column " + base::quoted(column) + " for " +
                   (unit == PackageUnit::persons ? "persons" : "buildings");
      return std::nullopt;
    }
    const auto named = [&column](const PackageColumn& c) { return c.name == column; };
    if (std::any_of(package.columns_.begin(), package.columns_.end(), named)) {
      if (problem) *problem = "column " + base::quoted(column) + " is named twice";
      return std::nullopt;
    }
    const bool derived = column == kAge || column == kBirthYear;
    const DataGroup group =
        derived ? DataGroup::identity : *parse_data_group(column.substr(0, column.find('.')));
    package.columns_.push_back({column, group});
  }
  return package;
}

std::vector<std::string> DataPackage::column_names() const {
  std::vector<std::string> names;
  for (const PackageColumn& column : columns_)
    names.push_back(column.name);
  return names;
}

std::vector<DataGroup> DataPackage::groups() const {
  std::vector<DataGroup> groups;
  for (const PackageColumn& column : columns_)
    if (std::find(groups.begin(), groups.end(), column.group) == groups.end())
      groups.push_back(column.group);
  std::sort(groups.begin(), groups.end());
  return groups;
}

std::vector<std::string> DataPackage::row(const Person& person, const PersonDisclosure& disclosure,
                                          const Date& reference_date) const {
  if (!disclosure.disclosed) return {};
  std::vector<std::string> row;
  row.reserve(columns_.size());
  // Each group's fields made once per row, however many of its columns the package names.
  std::vector<std::optional<std::vector<Field>>> made(
      static_cast<std::size_t>(DataGroup::building) + 1);
  for (const PackageColumn& column : columns_) {
    const bool allowed = std::find(disclosure.groups.begin(), disclosure.groups.end(),
                                   column.group) != disclosure.groups.end();
    if (!allowed) {
      row.emplace_back();
    } else if (column.name == kAge) {
      row.push_back(person.birth_date <= reference_date
                        ? std::to_string(person.birth_date.age_on(reference_date))
                        : std::string());
    } else if (column.name == kBirthYear) {
      row.push_back(std::to_string(person.birth_date.year));
    } else {
      std::optional<std::vector<Field>>& fields = made[static_cast<std::size_t>(column.group)];
      if (!fields) fields = person_fields(person, column.group);
      row.push_back(
          field_value(*fields, std::string_view(column.name).substr(column.name.find('.') + 1)));
    }
  }
  return row;
}

std::vector<std::string> DataPackage::row(const Building& building) const {
  const std::vector<Field> fields = building_fields(building);
  std::vector<std::string> row;
  row.reserve(columns_.size());
  for (const PackageColumn& column : columns_)
    row.push_back(
        field_value(fields, std::string_view(column.name).substr(column.name.find('.') + 1)));
  return row;
}

}  // namespace popgate::registry
