#include "steps/builtin_steps.h"

namespace popgate::workflows::steps {

StepRegistry builtin_steps() {
  return builtin_steps(StepEnvironment{});
}

StepRegistry builtin_steps(const StepEnvironment& env) {
  StepRegistry registry;
  registry.add(checksum_step());
  registry.add(copy_step());
  registry.add(publish_step());
  registry.add(fail_step());
  registry.add(sleep_step());
  registry.add(sftp_push_step(env));
  registry.add(permit_step(env));
  registry.add(error_report_step());
  registry.add(deliver_step(env));
  registry.add(match_persons_step(env));
  registry.add(encrypt_step(env));
  registry.add(check_certificate_step(env));
  registry.add(decrypt_step(env));
  registry.add(archive_step());
  registry.add(unpack_step());
  registry.add(write_table_step());
  registry.add(extract_step(env));
  return registry;
}

}  // namespace popgate::workflows::steps
