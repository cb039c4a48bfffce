// The step types popgate ships, for the daemon, `popgate run` and `popgate lint`.
#ifndef POPGATE_WORKFLOWS_STEPS_BUILTIN_STEPS_H_
#define POPGATE_WORKFLOWS_STEPS_BUILTIN_STEPS_H_

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "registry/permit_decision.h"
#include "workflows/client_config.h"
#include "workflows/permit_config.h"
#include "workflows/step_registry.h"

namespace popgate::workflows::steps {

// A permit decision as the running process makes it from its live configuration.
using PermitCheck = PermitVerdict;

// What steps that reach outside the job may need from the process running them.
struct StepEnvironment {
  // Decides a request against the permits and clients installed last (a disabled or unknown
  // client is denied); empty: permits cannot be checked here.
  std::function<PermitCheck(const registry::PermitRequest& request)> check_permit;
  // The client's current configuration (the daemon answers from its live config); empty
  // function or nullopt: unknown.
  std::function<std::optional<ClientConfig>(const std::string& client_id)> client;
  // data_dir/keys: where the appliance's own SSH client key lives (generated on first use,
  // 0600).
  std::filesystem::path keys_dir;
};

// Every step type. Without an environment (lint, the reference docs) the steps that need one
// are still declared, and fail with a clear, non-retryable error if they are run.
StepRegistry builtin_steps();
StepRegistry builtin_steps(const StepEnvironment& env);

// Each generic step type, for tests that build a registry of their own.
StepType checksum_step();
StepType copy_step();
StepType publish_step();
StepType fail_step();
StepType sleep_step();
StepType sftp_push_step(StepEnvironment env);
StepType permit_step(StepEnvironment env);
StepType archive_step();
StepType unpack_step();

}  // namespace popgate::workflows::steps

#endif  // POPGATE_WORKFLOWS_STEPS_BUILTIN_STEPS_H_
