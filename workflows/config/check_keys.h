// The one check every mapping in a configuration file gets: only known keys, all required
// keys present.
#ifndef POPGATE_WORKFLOWS_CONFIG_CHECK_KEYS_H_
#define POPGATE_WORKFLOWS_CONFIG_CHECK_KEYS_H_

#include <initializer_list>
#include <span>
#include <string_view>

#include "workflows/config/config_node.h"
#include "workflows/config/diagnostics.h"

namespace popgate::workflows {

// Reports, for `mapping` in `file`:
// - "expected a mapping, got ..." at the node, if it is not one (and nothing else);
// - "unknown key 'stesp' (did you mean 'steps'?)" at each key outside `allowed`; without a
//   close match the message lists the allowed keys instead;
// - "missing required key 'steps'" at the mapping's own mark, for each absent required key
//   (required keys need not be repeated in `allowed`).
// Returns true when nothing was reported.
bool check_keys(const ConfigNode& mapping, std::span<const std::string_view> allowed,
                std::span<const std::string_view> required, Diagnostics& out,
                std::string_view file);
bool check_keys(const ConfigNode& mapping, std::initializer_list<std::string_view> allowed,
                std::initializer_list<std::string_view> required, Diagnostics& out,
                std::string_view file);

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_CONFIG_CHECK_KEYS_H_
