// Turning a step's `with:` into the values the step sees: ${...} substitution, defaults from
// the step type's schema, and the type checks lint also makes, repeated at run time because
// substituted values (an earlier step's output, the uploaded file's name) are only known then.
#ifndef POPGATE_WORKFLOWS_ENGINE_PARAMS_H_
#define POPGATE_WORKFLOWS_ENGINE_PARAMS_H_

#include <map>
#include <string>
#include <vector>

#include "workflows/engine/step_type.h"
#include "workflows/engine/workflow.h"

namespace popgate::workflows {

// What ${...} may refer to while a job runs.
struct ParamScope {
  std::string job_id;                        // ${job.id}
  std::string client_id;                     // ${client.id}
  std::string trigger_file;                  // ${trigger.file}: the input's file name
  std::string date;                          // ${date}: YYYY-MM-DD, local time
  std::map<std::string, StepOutputs> steps;  // ${steps.<id>.<output>}
};

struct ResolvedParams {
  std::map<std::string, std::string> params;
  std::map<std::string, std::vector<std::string>> lists;
};

// Replaces every ${name} in `text`. "$$" stands for a literal "$". Throws StepError
// (not retryable) for an unknown reference or an unclosed "${".
std::string substitute(const std::string& text, const ParamScope& scope);

// Substitutes, fills defaults and checks every parameter against `type`'s schema. Throws
// StepError (not retryable) naming the step and parameter: a workflow that passed lint can
// still fail here when a substituted value has the wrong form.
ResolvedParams resolve_params(const StepType& type, const StepSpec& spec, const ParamScope& scope);

// Today's date in local time as YYYY-MM-DD.
std::string local_date_today();

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_ENGINE_PARAMS_H_
