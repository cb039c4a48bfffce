// A data package: the columns an extraction delivers, named in the configuration
// (packages/<name>.yaml) so that a client orders "contact" or "research" rather than listing
// fields. A column is a register field, "<group>.<field>" as every service writes it
// (disclosure_row.h), or a value derived from one:
//   age         completed years on the request's reference date (from identity.birth_date)
//   birth_year  the year of birth (from identity.birth_date)
// so that a research package can carry ages without birth dates and leave the HETU out. A
// building package names building fields ("building.use_class"). The permit must grant every
// group the columns come from (groups()), and the person's disclosure decides per row which
// of them are filled: a column of a withheld group is empty.
#ifndef POPGATE_REGISTRY_DATA_PACKAGE_H_
#define POPGATE_REGISTRY_DATA_PACKAGE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "registry/building.h"
#include "registry/data_group.h"
#include "registry/date.h"
#include "registry/disclosure.h"
#include "registry/person.h"

namespace popgate::registry {

enum class PackageUnit { persons, buildings };

struct PackageColumn {
  std::string name;  // "names.last_name", "age", "building.use_class"
  DataGroup group = DataGroup::identity;
};

class DataPackage {
 public:
  // Checks every column; on a problem returns nullopt and says which column and why (unknown,
  // of the other unit, named twice), with the columns it could have meant.
  static std::optional<DataPackage> make(std::string name, PackageUnit unit,
                                         const std::vector<std::string>& columns,
                                         std::string* problem);

  const std::string& name() const { return name_; }
  PackageUnit unit() const { return unit_; }
  const std::vector<PackageColumn>& columns() const { return columns_; }
  std::vector<std::string> column_names() const;
  // The groups the columns come from, each once, in DataGroup order.
  std::vector<DataGroup> groups() const;

  // A person's row, parallel to columns(): values only of the groups `disclosure` allows;
  // empty when the person is not disclosed at all.
  std::vector<std::string> row(const Person& person, const PersonDisclosure& disclosure,
                               const Date& reference_date) const;
  // A building's row, parallel to columns().
  std::vector<std::string> row(const Building& building) const;

 private:
  std::string name_;
  PackageUnit unit_ = PackageUnit::persons;
  std::vector<PackageColumn> columns_;
};

// Every column a package of `unit` may name, in a stable order (for lint's did-you-mean and
// the documentation).
std::vector<std::string> package_columns(PackageUnit unit);

}  // namespace popgate::registry

#endif  // POPGATE_REGISTRY_DATA_PACKAGE_H_
