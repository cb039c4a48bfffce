// packages/<name>.yaml: a data package the extraction service delivers (registry/data_package.h),
// named by its file name:
//   unit: persons                  # or buildings
//   description: names and the postal address, for letters
//   columns: [names.first_names, names.last_name, permanent_address.street, ...]
// Every column is checked (did-you-mean for a misspelt one) at its line and column.
#ifndef POPGATE_WORKFLOWS_CONFIG_PACKAGE_CONFIG_H_
#define POPGATE_WORKFLOWS_CONFIG_PACKAGE_CONFIG_H_

#include <optional>
#include <string>

#include "registry/data_package.h"
#include "workflows/config/diagnostics.h"

namespace popgate::workflows {

struct PackageConfig {
  registry::DataPackage package;
  std::string description;
  std::string source_file;
};

std::optional<PackageConfig> load_package_file(const std::string& path, Diagnostics& out);

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_CONFIG_PACKAGE_CONFIG_H_
