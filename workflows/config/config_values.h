// Typed reading of configuration values. Each getter either returns the value or reports why
// it cannot (at the node's mark) and returns nullopt, so lint keeps going and reports every
// bad value in a file at once.
//
// The rules are strict on purpose, since a configuration that means something other than the
// operator thinks is worse than one that is refused:
// - numbers and booleans must be plain scalars: "30" in quotes is a string, not a number;
// - booleans are exactly true and false, not YAML 1.1's yes/no/on/off (Norway's "no");
// - durations carry their unit: "30" could be seconds or milliseconds, "30s" cannot.
#ifndef POPGATE_WORKFLOWS_CONFIG_CONFIG_VALUES_H_
#define POPGATE_WORKFLOWS_CONFIG_CONFIG_VALUES_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/units.h"
#include "workflows/config/config_node.h"
#include "workflows/config/diagnostics.h"

namespace popgate::workflows {

// Any scalar, quoted or plain, as its text ("name: 123" is the string "123").
std::optional<std::string> as_string(const ConfigNode& node, Diagnostics& out,
                                     std::string_view file);

// A plain decimal integer ("-5", "+7", "300") within [min, max].
std::optional<std::int64_t> as_int(const ConfigNode& node, std::int64_t min, std::int64_t max,
                                   Diagnostics& out, std::string_view file);

// A plain true or false.
std::optional<bool> as_bool(const ConfigNode& node, Diagnostics& out, std::string_view file);

// A duration as parse_duration reads it, quoted or plain.
std::optional<std::chrono::milliseconds> as_duration(const ConfigNode& node, Diagnostics& out,
                                                     std::string_view file);

// A byte size as parse_size reads it, quoted or plain.
std::optional<std::uint64_t> as_size(const ConfigNode& node, Diagnostics& out,
                                     std::string_view file);

// A sequence of scalars. Every bad item is reported, each at its own mark.
std::optional<std::vector<std::string>> as_string_list(const ConfigNode& node, Diagnostics& out,
                                                       std::string_view file);

// Whether `node` is a mapping (a sequence); if not, reports "expected a mapping, got ...".
bool expect_mapping(const ConfigNode& node, Diagnostics& out, std::string_view file);
bool expect_sequence(const ConfigNode& node, Diagnostics& out, std::string_view file);

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_CONFIG_CONFIG_VALUES_H_
