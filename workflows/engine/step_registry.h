// The step types a workflow may use, by name. The daemon builds one at start-up from
// workflows/steps/ (steps::builtin_steps()) and hands it read-only to lint and the engine, which
// therefore never depend on the steps' adapters.
#ifndef POPGATE_WORKFLOWS_ENGINE_STEP_REGISTRY_H_
#define POPGATE_WORKFLOWS_ENGINE_STEP_REGISTRY_H_

#include <string_view>
#include <vector>

#include "workflows/engine/step_type.h"

namespace popgate::workflows {

class StepRegistry {
 public:
  // Throws std::logic_error for a second type of the same name (a programming error).
  void add(StepType type);
  const StepType* find(std::string_view name) const;
  std::vector<std::string_view> names() const;  // sorted
  const std::vector<StepType>& types() const { return types_; }

 private:
  std::vector<StepType> types_;
};

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_ENGINE_STEP_REGISTRY_H_
