// `popgate lint`: every configuration file of an appliance checked on its own and together.
//
// The same function loads the configuration the daemon runs: `serve` refuses to start, and a
// SIGHUP reload keeps the running set, when the diagnostics hold an error. That way what lint
// accepts is exactly what the daemon accepts (validate, then swap).
#ifndef POPGATE_WORKFLOWS_CONFIG_LINT_H_
#define POPGATE_WORKFLOWS_CONFIG_LINT_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "workflows/config/client_config.h"
#include "workflows/config/daemon_config.h"
#include "workflows/config/diagnostics.h"
#include "workflows/config/package_config.h"
#include "workflows/config/permit_config.h"
#include "workflows/engine/step_registry.h"
#include "workflows/engine/workflow.h"

namespace popgate::workflows {

constexpr std::string_view kDefaultConfigDir = "/etc/popgate";

// A whole configuration, loaded from one /etc/popgate (or from the paths given to lint).
struct ConfigSet {
  std::optional<DaemonConfig> daemon;  // nullopt when no popgate.yaml was among the paths
  std::vector<Workflow> workflows;
  std::vector<ClientConfig> clients;
  std::vector<PermitConfig> permits;
  std::vector<PackageConfig> packages;  // packages/*.yaml: the extraction service's data packages
  std::size_t files = 0;                // files read

  const Workflow* workflow(std::string_view name) const;
  const ClientConfig* client(std::string_view id) const;
  const PackageConfig* package(std::string_view name) const;
};

// Loads and checks `paths`. Each is a configuration directory (popgate.yaml, workflows/,
// clients/, permits/), one of those subdirectories, or a single file, whose kind is told by
// its directory's name (a file elsewhere is a workflow, popgate.yaml the daemon's settings).
// Files with errors are left out of the result; use it only when !out.has_errors().
ConfigSet lint_config(const std::vector<std::string>& paths, const StepRegistry& steps,
                      Diagnostics& out);

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_CONFIG_LINT_H_
