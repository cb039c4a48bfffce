#include "workflows/engine/step_registry.h"

#include <algorithm>
#include <stdexcept>

namespace popgate::workflows {

void StepRegistry::add(StepType type) {
  if (find(type.name) != nullptr)
    throw std::logic_error("step type '" + type.name + "' registered twice");
  types_.push_back(std::move(type));
}

const StepType* StepRegistry::find(std::string_view name) const {
  for (const StepType& t : types_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::vector<std::string_view> StepRegistry::names() const {
  std::vector<std::string_view> out;
  for (const StepType& t : types_)
    out.push_back(t.name);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace popgate::workflows
