#include "workflows/config/daemon_config.h"

#include "base/ip_network.h"
#include "workflows/config/check_keys.h"
#include "workflows/config/config_values.h"
#include "workflows/config/did_you_mean.h"
#include "workflows/config/yaml_loader.h"

namespace popgate::workflows {
namespace {

constexpr std::int64_t kMaxJobs = 10'000;
constexpr std::int64_t kMaxSessions = 100'000;

class DaemonConfigParser {
 public:
  DaemonConfigParser(const std::string& file, Diagnostics& out) : file_(file), out_(out) {}

  void parse(const ConfigNode& root, DaemonConfig& config) {
    check_keys(root, {"data_dir", "listen", "limits", "sftp", "retention", "logging"}, {}, out_,
               file_);
    if (!root.is_mapping()) return;
    if (const ConfigNode* n = root.find("data_dir")) parse_data_dir(*n, config);
    if (const ConfigNode* n = root.find("listen")) {
      check_keys(*n, {"sftp", "http"}, {}, out_, file_);
      if (const ConfigNode* l = n->find("sftp")) parse_listener(*l, config.sftp);
      if (const ConfigNode* l = n->find("http")) parse_listener(*l, config.http);
    }
    if (const ConfigNode* n = root.find("limits")) parse_limits(*n, config);
    if (const ConfigNode* n = root.find("sftp")) parse_sftp(*n, config.sftp_server);
    if (const ConfigNode* n = root.find("retention")) parse_retention(*n, config.retention);
    if (const ConfigNode* n = root.find("logging")) parse_logging(*n, config);
  }

 private:
  void parse_data_dir(const ConfigNode& node, DaemonConfig& config) {
    const std::optional<std::string> dir = as_string(node, out_, file_);
    if (!dir) return;
    if (!dir->starts_with('/')) {
      out_.error(file_, node.mark(), "data_dir '" + *dir + "' must be an absolute path");
    }
    config.data_dir = *dir;
  }

  void parse_listener(const ConfigNode& node, Listener& listener) {
    check_keys(node, {"address", "port"}, {}, out_, file_);
    if (!node.is_mapping()) return;
    if (const ConfigNode* n = node.find("address")) {
      listener.address = as_string(*n, out_, file_).value_or(listener.address);
    }
    if (const ConfigNode* n = node.find("port")) {
      // 0 lets the kernel pick a free port (logged at start): for tests and benchmarks.
      listener.port = static_cast<int>(as_int(*n, 0, 65535, out_, file_).value_or(listener.port));
    }
  }

  void parse_retention(const ConfigNode& node, RetentionConfig& retention) {
    check_keys(node, {"failed_jobs"}, {}, out_, file_);
    if (!node.is_mapping()) return;
    if (const ConfigNode* n = node.find("failed_jobs")) {
      retention.failed_jobs = as_duration(*n, out_, file_).value_or(retention.failed_jobs);
    }
  }

  void parse_limits(const ConfigNode& node, DaemonConfig& config) {
    check_keys(node, {"max_running_jobs", "max_running_jobs_per_client"}, {}, out_, file_);
    if (!node.is_mapping()) return;
    if (const ConfigNode* n = node.find("max_running_jobs")) {
      config.max_running_jobs =
          static_cast<int>(as_int(*n, 1, kMaxJobs, out_, file_).value_or(config.max_running_jobs));
    }
    if (const ConfigNode* n = node.find("max_running_jobs_per_client")) {
      config.max_running_jobs_per_client = static_cast<int>(
          as_int(*n, 1, kMaxJobs, out_, file_).value_or(config.max_running_jobs_per_client));
    }
  }

  void parse_sftp(const ConfigNode& node, SftpServerConfig& sftp) {
    check_keys(
        node,
        {"max_sessions", "max_sessions_per_client", "max_sessions_per_address", "max_file_size",
         "quota", "min_free_space", "idle_timeout", "login_timeout", "defender"},
        {}, out_, file_);
    if (!node.is_mapping()) return;
    read_int(node, "max_sessions", 1, kMaxSessions, sftp.max_sessions);
    read_int(node, "max_sessions_per_client", 1, kMaxSessions, sftp.max_sessions_per_client);
    read_int(node, "max_sessions_per_address", 1, kMaxSessions, sftp.max_sessions_per_address);
    if (const ConfigNode* n = node.find("max_file_size")) {
      sftp.max_file_size = as_size(*n, out_, file_).value_or(sftp.max_file_size);
    }
    if (const ConfigNode* n = node.find("quota")) {
      sftp.quota = as_size(*n, out_, file_).value_or(sftp.quota);
    }
    if (const ConfigNode* n = node.find("min_free_space")) {
      sftp.min_free_space = as_size(*n, out_, file_).value_or(sftp.min_free_space);
    }
    read_duration(node, "idle_timeout", sftp.idle_timeout);
    read_duration(node, "login_timeout", sftp.login_timeout);
    if (const ConfigNode* n = node.find("defender")) parse_defender(*n, sftp.defender);
  }

  void parse_defender(const ConfigNode& node, DefenderConfig& d) {
    check_keys(
        node,
        {"enabled", "threshold", "score_invalid_user", "score_invalid_auth", "score_protocol_error",
         "observation_time", "ban_time", "ban_time_increment", "safelist"},
        {}, out_, file_);
    if (!node.is_mapping()) return;
    if (const ConfigNode* n = node.find("enabled")) {
      d.enabled = as_bool(*n, out_, file_).value_or(d.enabled);
    }
    read_int(node, "threshold", 1, 1000, d.threshold);
    read_int(node, "score_invalid_user", 0, 1000, d.score_invalid_user);
    read_int(node, "score_invalid_auth", 0, 1000, d.score_invalid_auth);
    read_int(node, "score_protocol_error", 0, 1000, d.score_protocol_error);
    read_duration(node, "observation_time", d.observation_time);
    read_duration(node, "ban_time", d.ban_time);
    read_int(node, "ban_time_increment", 0, 1000, d.ban_time_increment_percent);
    if (const ConfigNode* n = node.find("safelist")) {
      if (as_string_list(*n, out_, file_)) {
        for (const ConfigNode& item : n->items()) {
          const std::string why = base::network_error(item.text(), base::HostBits::refused);
          if (!why.empty()) out_.error(file_, item.mark(), why);
          d.safelist.push_back(item.text());
        }
      }
    }
  }

  void read_int(const ConfigNode& parent, std::string_view key, std::int64_t min, std::int64_t max,
                int& value) {
    if (const ConfigNode* n = parent.find(key)) {
      value = static_cast<int>(as_int(*n, min, max, out_, file_).value_or(value));
    }
  }

  void read_duration(const ConfigNode& parent, std::string_view key,
                     std::chrono::milliseconds& value) {
    const ConfigNode* n = parent.find(key);
    if (n == nullptr) return;
    const std::optional<std::chrono::milliseconds> v = as_duration(*n, out_, file_);
    if (!v) return;
    if (*v < std::chrono::seconds(1)) {
      out_.error(file_, n->mark(), std::string(key) + " must be at least 1s");
      return;
    }
    value = *v;
  }

  void parse_logging(const ConfigNode& node, DaemonConfig& config) {
    check_keys(node, {"level"}, {}, out_, file_);
    const ConfigNode* n = node.find("level");
    if (n == nullptr) return;
    const std::optional<std::string> level = as_string(*n, out_, file_);
    if (!level) return;
    if (*level != "debug" && *level != "info" && *level != "warning" && *level != "error") {
      std::string message = "unknown log level '" + *level + "'";
      if (auto best = did_you_mean(*level, {"debug", "info", "warning", "error"})) {
        message += " (did you mean '" + *best + "'?)";
      } else {
        message += " (one of: debug, info, warning, error)";
      }
      out_.error(file_, n->mark(), message);
    }
    config.log_level = *level;
  }

  const std::string& file_;
  Diagnostics& out_;
};

}  // namespace

std::optional<DaemonConfig> load_daemon_config_file(const std::string& path, Diagnostics& out) {
  const std::size_t errors_before = out.error_count();
  const std::optional<ConfigNode> root = load_yaml_file(path, out);
  if (!root) return std::nullopt;
  DaemonConfig config;
  config.source_file = path;
  DaemonConfigParser(path, out).parse(*root, config);
  if (out.error_count() != errors_before) return std::nullopt;
  return config;
}

}  // namespace popgate::workflows
