#include "workflows/config/package_config.h"

#include <filesystem>
#include <vector>

#include "base/strings.h"
#include "workflows/config/check_keys.h"
#include "workflows/config/config_values.h"
#include "workflows/config/did_you_mean.h"
#include "workflows/config/yaml_loader.h"

namespace popgate::workflows {

std::optional<PackageConfig> load_package_file(const std::string& path, Diagnostics& out) {
  const std::optional<ConfigNode> root = load_yaml_file(path, out);
  if (!root) return std::nullopt;
  if (!check_keys(*root, {"description"}, {"unit", "columns"}, out, path)) return std::nullopt;
  const ConfigNode& unit_node = *root->find("unit");
  const std::string unit_text = as_string(unit_node, out, path).value_or("");
  registry::PackageUnit unit = registry::PackageUnit::persons;
  if (unit_text == "buildings") {
    unit = registry::PackageUnit::buildings;
  } else if (unit_text != "persons") {
    out.error(path, unit_node.mark(),
              "unit: expected persons or buildings, got " + unit_node.describe());
    return std::nullopt;
  }
  const ConfigNode& columns_node = *root->find("columns");
  if (!expect_sequence(columns_node, out, path)) return std::nullopt;
  const std::vector<std::string> known = registry::package_columns(unit);
  const std::vector<std::string_view> candidates(known.begin(), known.end());
  std::vector<std::string> columns;
  bool ok = true;
  for (const ConfigNode& item : columns_node.items()) {
    const std::optional<std::string> column = as_string(item, out, path);
    if (!column) {
      ok = false;
      continue;
    }
    std::string problem;
    columns.push_back(*column);
    if (!registry::DataPackage::make("check", unit, columns, &problem)) {
      const std::optional<std::string> close = did_you_mean(*column, candidates);
      out.error(path, item.mark(), problem + (close ? " (did you mean '" + *close + "'?)" : ""));
      columns.pop_back();
      ok = false;
    }
  }
  std::string problem;
  std::optional<registry::DataPackage> package = registry::DataPackage::make(
      std::filesystem::path(path).stem().string(), unit, columns, &problem);
  if (!package) {
    if (ok) out.error(path, columns_node.mark(), problem);
    return std::nullopt;
  }
  if (!ok) return std::nullopt;
  PackageConfig config{std::move(*package), {}, path};
  if (const ConfigNode* d = root->find("description"))
    config.description = as_string(*d, out, path).value_or("");
  return config;
}

}  // namespace popgate::workflows
