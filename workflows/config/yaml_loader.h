// Reading one configuration file (a workflow, a client, a permit, popgate.yaml) into a
// ConfigNode tree, with every problem reported as file:line:column.
//
// On top of YAML syntax the loader enforces what a configuration file needs and yaml-cpp
// does not check: exactly one non-empty document, unique mapping keys, scalar keys, UTF-8.
//
// Anchors and aliases (&name, *name) are rejected rather than resolved. Configuration files
// are short and meant to be read top to bottom by an operator; an alias would make one value
// appear at two places, so an error in it would be reported at a position the operator did
// not write; repeated expansion of nested aliases can blow up memory ("billion laughs"); and
// the one idiom people reach anchors for, merge keys ("<<: *defaults"), is not part of the
// YAML that yaml-cpp implements, so it would silently be an ordinary key named "<<".
// Explicit tags are rejected too, except !!str (which is just quoting).
#ifndef POPGATE_WORKFLOWS_CONFIG_YAML_LOADER_H_
#define POPGATE_WORKFLOWS_CONFIG_YAML_LOADER_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "workflows/config/config_node.h"
#include "workflows/config/diagnostics.h"

namespace popgate::workflows {

// Configuration files are short (the largest we ship is a few kilobytes); anything longer is
// refused before it is parsed, so that `lint` pointed at the wrong file stays cheap.
inline constexpr std::size_t kMaxConfigBytes = 4 << 20;

// Parses `text`, the contents of `file` (used only to name the file in diagnostics). Every
// problem goes to `out`. Returns the tree whenever there is one worth checking further, also
// alongside errors such as duplicate keys; nullopt when the text is not UTF-8, is not valid
// YAML, or holds no document (the error then says which).
std::optional<ConfigNode> parse_yaml(std::string_view text, std::string_view file,
                                     Diagnostics& out);

// The contents of the configuration file `path`, at most kMaxConfigBytes + 1 bytes of it (so
// that parse_yaml can refuse a longer one). A file that cannot be read is one diagnostic
// without a position, and nullopt.
std::optional<std::string> read_config_file(const std::string& path, Diagnostics& out);

// Reads `path` and parses it as above, naming it `path` in diagnostics.
std::optional<ConfigNode> load_yaml_file(const std::string& path, Diagnostics& out);

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_CONFIG_YAML_LOADER_H_
