// fail: fails on purpose, so that operators and tests can exercise retries and on_failure.
#include "steps/builtin_steps.h"
#include "steps/param_spec.h"

namespace popgate::workflows::steps {

StepType fail_step() {
  StepType type;
  type.name = "fail";
  type.summary = "Fails with a message (for testing retries and on_failure)";
  type.description =
      "Throws a step error with `message`. With `retryable: true` the engine retries it per "
      "the step's retry policy; with `succeed_from_attempt: N` attempts N and later succeed, "
      "which shows a retry recovering.";
  ParamSpec attempts = param_spec("succeed_from_attempt", ParamType::integer, false, "0",
                                  "Attempts from this number on succeed; 0: every attempt "
                                  "fails.");
  attempts.min = 0;
  attempts.max = 1000;
  type.params = {param_spec("message", ParamType::string, false, "failed on purpose",
                            "The error text recorded with the attempt."),
                 param_spec("retryable", ParamType::boolean, false, "false",
                            "Whether the failure is retried per the step's `retry:` policy."),
                 attempts};
  type.run = [](StepContext& context) {
    const long long from = std::stoll(context.param("succeed_from_attempt"));
    if (from > 0 && context.attempt >= from) return StepOutputs{};
    throw StepError(context.param("message"), context.param("retryable") == "true",
                    context.param("message"));
  };
  return type;
}

}  // namespace popgate::workflows::steps
