// The small configuration edits the CLI makes for operators (`client add|disable`,
// `permit add|revoke`): each change is checked by the same lint as `popgate lint` before it
// stays, so the CLI never leaves a configuration that `systemctl reload` would refuse.
#ifndef POPGATE_DAEMON_CLI_CONFIG_EDIT_H_
#define POPGATE_DAEMON_CLI_CONFIG_EDIT_H_

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "workflows/config/lint.h"

namespace popgate::cli {

// `text` as a double-quoted YAML scalar.
std::string yaml_quoted(std::string_view text);

// Lints `config_dir`; prints its errors to stderr ("popgate COMMAND: ...") and returns nullopt
// when it has any.
std::optional<workflows::ConfigSet> load_config_or_report(const std::filesystem::path& config_dir,
                                                          std::string_view command);

// Writes config_dir/subdir/file_name with `text` unless it exists, then lints the whole
// configuration; on errors the file is removed again and they are printed. Exit code.
int write_new_config_file(const std::filesystem::path& config_dir, std::string_view subdir,
                          const std::string& file_name, const std::string& text,
                          std::string_view what);

// Sets the top-level `key: value` line of `file` (replacing it, or appending one), keeping
// every other line and comment; the old text comes back if the result does not lint. Exit code.
int set_top_level_key(const std::filesystem::path& file, std::string_view key,
                      std::string_view value, const std::filesystem::path& config_dir,
                      const std::string& what);

}  // namespace popgate::cli

#endif  // POPGATE_DAEMON_CLI_CONFIG_EDIT_H_
