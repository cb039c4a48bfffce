#include "steps/data_groups_param.h"

#include "steps/param_spec.h"

namespace popgate::workflows::steps {

ParamSpec data_groups_param(std::string name, DataGroupKinds kinds, bool required,
                            std::string description) {
  ParamSpec spec =
      param_spec(std::move(name), ParamType::string_list, required, "", std::move(description));
  for (const registry::DataGroup group : registry::person_data_groups())
    spec.allowed.emplace_back(registry::to_string(group));
  if (kinds == DataGroupKinds::persons_and_buildings)
    spec.allowed.emplace_back(registry::to_string(registry::DataGroup::building));
  return spec;
}

std::vector<registry::DataGroup> data_groups(const StepContext& context, const std::string& name) {
  std::vector<registry::DataGroup> groups;
  const auto list = context.lists.find(name);
  if (list == context.lists.end()) return groups;
  for (const std::string& item : list->second) {
    const std::optional<registry::DataGroup> group = registry::parse_data_group(item);
    if (!group) {
      throw StepError("step " + context.step_id + ": unknown data group '" + item + "'", false,
                      "internal error");
    }
    groups.push_back(*group);
  }
  return groups;
}

}  // namespace popgate::workflows::steps
