// Where an appliance's configuration and data are: found the same way by every command.
//   configuration  --config DIR, else $POPGATE_CONFIG, else /etc/popgate
//   data           --data-dir DIR, else the configuration's popgate.yaml data_dir (its default,
//                  /var/lib/popgate, when the file sets none or there is no popgate.yaml)
// so that on an installed appliance `popgate jobs list` needs no options, and a test or a
// second appliance on one machine sets POPGATE_CONFIG or the options.
#ifndef POPGATE_DAEMON_CLI_APPLIANCE_DIRS_H_
#define POPGATE_DAEMON_CLI_APPLIANCE_DIRS_H_

#include <filesystem>
#include <string>

#include "daemon/cli/cli.h"

namespace popgate::cli {

// Adds --config DIR (and with add_data_dir_options also --data-dir DIR) to `parser`.
ArgParser& add_config_option(ArgParser& parser);
ArgParser& add_data_dir_options(ArgParser& parser);

std::filesystem::path config_dir(const ParsedArgs& parsed);

struct DataDir {
  std::filesystem::path path;
  std::string origin;  // how it was found, for messages: "--data-dir", "data_dir in FILE", ...
};
// Throws std::runtime_error when popgate.yaml cannot be read or has errors.
DataDir data_dir(const ParsedArgs& parsed);

}  // namespace popgate::cli

#endif  // POPGATE_DAEMON_CLI_APPLIANCE_DIRS_H_
