// Loading a workflow file: YAML -> Workflow, checked against the step types' schemas.
// Every problem is reported as a Diagnostic with file:line:column; a workflow with errors is
// not returned.
#ifndef POPGATE_WORKFLOWS_CONFIG_WORKFLOW_LOADER_H_
#define POPGATE_WORKFLOWS_CONFIG_WORKFLOW_LOADER_H_

#include <optional>
#include <string>
#include <string_view>

#include "workflows/config/diagnostics.h"
#include "workflows/engine/step_registry.h"
#include "workflows/engine/workflow.h"

namespace popgate::workflows {

// Parses and checks one workflow file's text. `file` names it in diagnostics.
std::optional<Workflow> load_workflow(std::string_view text, const std::string& file,
                                      const StepRegistry& steps, Diagnostics& out);
// Reads `path` and loads it (an unreadable file is a diagnostic, not an exception).
std::optional<Workflow> load_workflow_file(const std::string& path, const StepRegistry& steps,
                                           Diagnostics& out);

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_CONFIG_WORKFLOW_LOADER_H_
