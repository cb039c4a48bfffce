// The step types popgate ships, for the daemon, `popgate run` and `popgate lint`.
#ifndef POPGATE_WORKFLOWS_STEPS_BUILTIN_STEPS_H_
#define POPGATE_WORKFLOWS_STEPS_BUILTIN_STEPS_H_

#include "workflows/step_registry.h"

namespace popgate::workflows::steps {

StepRegistry builtin_steps();

// Each generic step type, for tests that build a registry of their own.
StepType checksum_step();
StepType copy_step();
StepType publish_step();
StepType fail_step();
StepType sleep_step();

}  // namespace popgate::workflows::steps

#endif  // POPGATE_WORKFLOWS_STEPS_BUILTIN_STEPS_H_
