// The ${...} references a workflow's parameter values may hold, found by scanning the text.
//
// Lint and the engine must agree on what a reference is, so both use this scanner: "${" up to
// the next "}", the name inside split at dots. There is no escape for a literal "${": no
// parameter of any step has needed one, and an escape is one more rule to get wrong.
#ifndef POPGATE_WORKFLOWS_ENGINE_PARAM_REFERENCE_H_
#define POPGATE_WORKFLOWS_ENGINE_PARAM_REFERENCE_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace popgate::workflows {

struct ParamReference {
  std::size_t offset = 0;  // byte offset of the "${" in the text
  std::string name;        // between the braces: "steps.checksum.sha256"
  bool closed = true;      // false when no "}" follows
};

std::vector<ParamReference> find_references(std::string_view text);

// The reference when `text` is exactly one closed reference and nothing else ("${steps.a.b}"),
// as a list parameter given a list output is written; nullopt otherwise.
std::optional<ParamReference> whole_reference(std::string_view text);

// The text with every reference replaced by `placeholder`, for checks of the literal parts.
std::string without_references(std::string_view text, std::string_view placeholder);

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_ENGINE_PARAM_REFERENCE_H_
