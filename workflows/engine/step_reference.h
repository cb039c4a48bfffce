// Step type schemas as text for people: `popgate lint --explain STEP` and the generated
// docs/workflow-reference.md. Both come from the StepType declarations, so they cannot drift
// from what lint and the engine check.
#ifndef POPGATE_WORKFLOWS_ENGINE_STEP_REFERENCE_H_
#define POPGATE_WORKFLOWS_ENGINE_STEP_REFERENCE_H_

#include <string>

#include "workflows/engine/step_registry.h"
#include "workflows/engine/step_type.h"

namespace popgate::workflows {

// One step type in plain text, for a terminal.
std::string explain_step(const StepType& type);

// Every step type as a Markdown document (docs/workflow-reference.md).
std::string reference_markdown(const StepRegistry& steps);

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_ENGINE_STEP_REFERENCE_H_
