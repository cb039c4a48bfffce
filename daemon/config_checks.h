// `popgate lint` plus the checks that need adapters (the workflows library may not use
// OpenSSL): every client's encryption certificate is readable, valid today and usable for
// encryption. The daemon, `popgate lint` and the CLI's configuration edits all lint through
// here, so they agree on what a valid configuration is.
#ifndef POPGATE_DAEMON_CONFIG_CHECKS_H_
#define POPGATE_DAEMON_CONFIG_CHECKS_H_

#include <string>
#include <vector>

#include "workflows/config/diagnostics.h"
#include "workflows/config/lint.h"
#include "workflows/engine/step_registry.h"

namespace popgate::cli {

workflows::ConfigSet lint_with_adapters(const std::vector<std::string>& paths,
                                        const workflows::StepRegistry& steps,
                                        workflows::Diagnostics& out);

// The certificate checks alone: errors at each entry of each client's `certificate:`.
void check_client_certificates(const workflows::ConfigSet& config, workflows::Diagnostics& out);

}  // namespace popgate::cli

#endif  // POPGATE_DAEMON_CONFIG_CHECKS_H_
