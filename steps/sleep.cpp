// sleep: waits, stopping early when cancelled; for testing timeouts, cancellation and crash
// recovery (kill -9 during a step).
#include <chrono>
#include <thread>

#include "base/units.h"
#include "steps/builtin_steps.h"
#include "steps/param_spec.h"

namespace popgate::workflows::steps {

StepType sleep_step() {
  StepType type;
  type.name = "sleep";
  type.summary = "Waits for a duration (for testing timeouts, cancellation and recovery)";
  type.description =
      "Waits for `duration`, checking every 10 ms whether the job was cancelled or timed out. "
      "Writes nothing.";
  type.params = {param_spec("duration", ParamType::duration, true, "",
                            "How long to wait, e.g. \"250ms\", \"5s\".")};
  type.run = [](StepContext& context) {
    const auto duration = base::parse_duration(context.param("duration"))
                              .value.value_or(std::chrono::milliseconds(0));
    const auto end = std::chrono::steady_clock::now() + duration;
    while (std::chrono::steady_clock::now() < end) {
      if (context.should_stop()) throw StepError("sleep interrupted", false);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return StepOutputs{};
  };
  return type;
}

}  // namespace popgate::workflows::steps
