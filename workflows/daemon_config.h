// popgate.yaml: where the daemon keeps its data, where it listens, how many jobs run at once
// and how much it logs. Every key is optional; the defaults are the shipped config/popgate.yaml.
#ifndef POPGATE_WORKFLOWS_DAEMON_CONFIG_H_
#define POPGATE_WORKFLOWS_DAEMON_CONFIG_H_

#include <optional>
#include <string>

#include "workflows/diagnostics.h"

namespace popgate::workflows {

struct Listener {
  std::string address;
  int port = 0;
};

struct DaemonConfig {
  std::string data_dir = "/var/lib/popgate";
  Listener sftp{"0.0.0.0", 2222};
  Listener http{"127.0.0.1", 8080};  // health and metrics; local by default
  int max_running_jobs = 8;
  int max_running_jobs_per_client = 2;
  std::string log_level = "info";  // debug, info, warning, error
  std::string source_file;
};

// Loads popgate.yaml; nullopt (and diagnostics) when it has errors.
std::optional<DaemonConfig> load_daemon_config_file(const std::string& path, Diagnostics& out);

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_DAEMON_CONFIG_H_
