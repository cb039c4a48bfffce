// The data groups a step's `groups` parameter names (permit, match_persons, deliver): declared
// with the names it accepts, so that lint reports a wrong name at its line and column, and
// read with registry's one parser of data group names (registry/data_group.h). Between steps
// the names travel as the permit step's list output `groups` (step_type.h, OutputSpec::list).
#ifndef POPGATE_STEPS_DATA_GROUPS_PARAM_H_
#define POPGATE_STEPS_DATA_GROUPS_PARAM_H_

#include <string>
#include <vector>

#include "registry/data_group.h"
#include "workflows/engine/step_type.h"

namespace popgate::workflows::steps {

// Which data groups a parameter accepts: a person's, or also a building's own.
enum class DataGroupKinds { persons, persons_and_buildings };

// A string_list parameter whose items are data group names of `kinds`.
ParamSpec data_groups_param(std::string name, DataGroupKinds kinds, bool required,
                            std::string description);

// The groups the list parameter `name` holds, in order; none when it is absent. The engine has
// checked each name against the parameter's allowed values, so one that does not parse here
// fails the step as an internal error.
std::vector<registry::DataGroup> data_groups(const StepContext& context, const std::string& name);

}  // namespace popgate::workflows::steps

#endif  // POPGATE_STEPS_DATA_GROUPS_PARAM_H_
