#include "workflows/daemon_config.h"

#include "workflows/check_keys.h"
#include "workflows/config_values.h"
#include "workflows/did_you_mean.h"
#include "workflows/yaml_loader.h"

namespace popgate::workflows {
namespace {

constexpr std::int64_t kMaxJobs = 10'000;

class DaemonConfigParser {
 public:
  DaemonConfigParser(const std::string& file, Diagnostics& out) : file_(file), out_(out) {}

  void parse(const ConfigNode& root, DaemonConfig& config) {
    check_keys(root, {"data_dir", "listen", "limits", "logging"}, {}, out_, file_);
    if (!root.is_mapping()) return;
    if (const ConfigNode* n = root.find("data_dir")) parse_data_dir(*n, config);
    if (const ConfigNode* n = root.find("listen")) {
      check_keys(*n, {"sftp", "http"}, {}, out_, file_);
      if (const ConfigNode* l = n->find("sftp")) parse_listener(*l, config.sftp);
      if (const ConfigNode* l = n->find("http")) parse_listener(*l, config.http);
    }
    if (const ConfigNode* n = root.find("limits")) parse_limits(*n, config);
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
      listener.port = static_cast<int>(as_int(*n, 1, 65535, out_, file_).value_or(listener.port));
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
