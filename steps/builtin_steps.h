// The step types popgate ships, for the daemon, `popgate run` and `popgate lint`.
#ifndef POPGATE_STEPS_BUILTIN_STEPS_H_
#define POPGATE_STEPS_BUILTIN_STEPS_H_

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "registry/audit.h"
#include "registry/data_package.h"
#include "registry/permit_decision.h"
#include "workflows/config/client_config.h"
#include "workflows/engine/delivery.h"
#include "workflows/engine/step_registry.h"

namespace popgate::workflows::steps {

// What steps that reach outside the job may need from the process running them.
struct StepEnvironment {
  // Decides a request against the permits and clients installed last (a disabled or unknown
  // client is denied); empty: permits cannot be checked here.
  std::function<registry::PermitDecision(const registry::PermitRequest& request)> check_permit;
  // The client's current configuration (the daemon answers from its live config); empty
  // function or nullopt: unknown.
  std::function<std::optional<ClientConfig>(const std::string& client_id)> client;
  // data_dir/keys: where the appliance's own SSH client key and its exchange key and
  // certificate (CMS signing and decryption) live, generated on first use (keys 0600).
  std::filesystem::path keys_dir;
  // Where disclosures are recorded before delivery; null: a workflow with a service cannot
  // deliver here.
  registry::AuditSink* audit = nullptr;
  // Remembers delivered files for retention (the daemon removes them when they expire or
  // are downloaded); empty: files stay until the operator removes them.
  std::function<void(const std::vector<DeliveredFile>&)> record_deliveries;
  // The permit with this id as installed last (match_persons shapes rows by it); empty
  // function or nullopt: unknown.
  std::function<std::optional<registry::Permit>(const std::string& id)> permit;
  // The data package with this name as installed last (packages/<name>.yaml; the extraction
  // service delivers one); empty function or null: unknown.
  std::function<std::optional<registry::DataPackage>(std::string_view name)> package;
  // data_dir/register.db, read by the services' steps.
  std::filesystem::path register_db;
  // The operator who runs the jobs in the foreground (`popgate run`), by user name: the audit
  // records of its disclosures say so. Empty under `popgate serve`.
  std::string run_by;
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
StepType error_report_step();
StepType deliver_step(StepEnvironment env);
StepType match_persons_step(StepEnvironment env);
StepType encrypt_step(StepEnvironment env);
StepType check_certificate_step(StepEnvironment env);
StepType decrypt_step(StepEnvironment env);
StepType archive_step();
StepType unpack_step();
StepType write_table_step();
StepType extract_step(StepEnvironment env);

}  // namespace popgate::workflows::steps

#endif  // POPGATE_STEPS_BUILTIN_STEPS_H_
