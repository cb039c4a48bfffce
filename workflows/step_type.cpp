#include "workflows/step_type.h"

namespace popgate::workflows {

const std::string& StepContext::param(const std::string& name) const {
  auto it = params.find(name);
  if (it == params.end())
    throw StepError("step " + step_id + ": parameter '" + name + "' is not set", false);
  return it->second;
}

const ParamSpec* StepType::param(std::string_view param_name) const {
  for (const ParamSpec& p : params) {
    if (p.name == param_name) return &p;
  }
  return nullptr;
}

bool StepType::has_output(std::string_view output) const {
  for (const OutputSpec& o : outputs) {
    if (o.name == output) return true;
  }
  return false;
}

std::string_view param_type_name(ParamType type) {
  switch (type) {
    case ParamType::string:
      return "string";
    case ParamType::integer:
      return "integer";
    case ParamType::boolean:
      return "boolean";
    case ParamType::duration:
      return "duration";
    case ParamType::size:
      return "size";
    case ParamType::string_list:
      return "list of strings";
    case ParamType::path:
      return "path";
  }
  return "unknown";
}

}  // namespace popgate::workflows
