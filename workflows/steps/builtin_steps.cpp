#include "workflows/steps/builtin_steps.h"

namespace popgate::workflows::steps {

StepRegistry builtin_steps() {
  StepRegistry registry;
  registry.add(checksum_step());
  registry.add(copy_step());
  registry.add(publish_step());
  registry.add(fail_step());
  registry.add(sleep_step());
  return registry;
}

}  // namespace popgate::workflows::steps
