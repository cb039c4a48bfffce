#include "daemon/cli/appliance_dirs.h"

#include <cstdlib>
#include <optional>
#include <stdexcept>

#include "workflows/config/daemon_config.h"
#include "workflows/config/diagnostics.h"

namespace popgate::cli {

namespace fs = std::filesystem;

namespace {

constexpr const char* kDefaultConfigDir = "/etc/popgate";

}  // namespace

ArgParser& add_config_option(ArgParser& parser) {
  return parser.option({"config", "DIR",
                        "the configuration directory (default $POPGATE_CONFIG, else /etc/popgate)",
                        ""});
}

ArgParser& add_data_dir_options(ArgParser& parser) {
  add_config_option(parser);
  return parser.option(
      {"data-dir", "DIR", "the data directory (default: the configuration's data_dir)", ""});
}

fs::path config_dir(const ParsedArgs& parsed) {
  if (parsed.has("config")) return parsed.get_or("config", "");
  if (const char* env = std::getenv("POPGATE_CONFIG"); env != nullptr && *env != '\0') return env;
  return kDefaultConfigDir;
}

DataDir data_dir(const ParsedArgs& parsed) {
  if (parsed.has("data-dir")) return {parsed.get_or("data-dir", ""), "--data-dir"};
  const fs::path file = config_dir(parsed) / "popgate.yaml";
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    return {workflows::DaemonConfig{}.data_dir,
            "the default (no " + file.string() + "; --config or --data-dir name another)"};
  }
  workflows::Diagnostics diagnostics;
  const std::optional<workflows::DaemonConfig> settings =
      workflows::load_daemon_config_file(file.string(), diagnostics);
  if (!settings) {
    throw std::runtime_error(file.string() + " has errors, so its data_dir is not known:\n" +
                             workflows::format_text(diagnostics.sorted()));
  }
  return {settings->data_dir, "data_dir in " + file.string()};
}

}  // namespace popgate::cli
