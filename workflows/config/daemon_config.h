// popgate.yaml: where the daemon keeps its data, where it listens, how many jobs run at once
// and how much it logs. Every key is optional; the defaults are the shipped config/popgate.yaml.
#ifndef POPGATE_WORKFLOWS_CONFIG_DAEMON_CONFIG_H_
#define POPGATE_WORKFLOWS_CONFIG_DAEMON_CONFIG_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "workflows/config/diagnostics.h"

namespace popgate::workflows {

struct Listener {
  std::string address;
  int port = 0;
};

// Brute-force protection: scored failures per source address within a window lead to a ban
// whose length grows with each further ban of the same address.
struct DefenderConfig {
  bool enabled = true;
  int threshold = 15;
  int score_invalid_user = 2;
  int score_invalid_auth = 1;
  int score_protocol_error = 3;
  std::chrono::milliseconds observation_time{std::chrono::minutes(30)};
  std::chrono::milliseconds ban_time{std::chrono::minutes(30)};
  int ban_time_increment_percent = 50;
  std::vector<std::string> safelist;  // networks never banned
};

// The SFTP server's limits, and the defaults of each client's (clients/<id>.yaml sftp:).
struct SftpServerConfig {
  int max_sessions = 256;  // all clients together
  int max_sessions_per_client = 8;
  int max_sessions_per_address = 64;  // connections from one address, logged in or not
  std::uint64_t max_file_size = 0;    // 0: unlimited
  std::uint64_t quota = 0;            // 0: unlimited
  // Uploads are refused while the data dir's file system has less free space; 0: never.
  std::uint64_t min_free_space = 1024ULL * 1024 * 1024;
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(10)};
  std::chrono::milliseconds login_timeout{std::chrono::seconds(60)};
  DefenderConfig defender;
};

// How long a finished job's files stay. A succeeded job's work dir and input copy hold
// personal data the client already has: they go at the next sweep. A failed or cancelled
// job's stay for `failed_jobs` so that an operator can look into them or retry the job.
struct RetentionConfig {
  std::chrono::milliseconds failed_jobs{std::chrono::hours(24 * 7)};
};

struct DaemonConfig {
  std::string data_dir = "/var/lib/popgate";
  Listener sftp{"0.0.0.0", 2222};
  Listener http{"127.0.0.1", 8080};  // health and metrics; local by default
  int max_running_jobs = 8;
  int max_running_jobs_per_client = 2;
  SftpServerConfig sftp_server;
  RetentionConfig retention;
  std::string log_level = "info";  // debug, info, warning, error
  std::string source_file;
};

// Loads popgate.yaml; nullopt (and diagnostics) when it has errors.
std::optional<DaemonConfig> load_daemon_config_file(const std::string& path, Diagnostics& out);

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_CONFIG_DAEMON_CONFIG_H_
