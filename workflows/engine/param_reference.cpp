#include "workflows/engine/param_reference.h"

namespace popgate::workflows {

std::vector<ParamReference> find_references(std::string_view text) {
  std::vector<ParamReference> found;
  std::size_t pos = text.find("${");
  while (pos != std::string_view::npos) {
    const std::size_t close = text.find('}', pos + 2);
    if (close == std::string_view::npos) {
      found.push_back({pos, std::string(text.substr(pos + 2)), false});
      break;
    }
    found.push_back({pos, std::string(text.substr(pos + 2, close - pos - 2)), true});
    pos = text.find("${", close + 1);
  }
  return found;
}

std::optional<ParamReference> whole_reference(std::string_view text) {
  std::vector<ParamReference> found = find_references(text);
  if (found.size() != 1 || !found[0].closed || found[0].offset != 0 ||
      found[0].name.size() + 3 != text.size())
    return std::nullopt;
  return std::move(found[0]);
}

std::string without_references(std::string_view text, std::string_view placeholder) {
  std::string result;
  std::size_t copied = 0;
  for (const ParamReference& ref : find_references(text)) {
    result += text.substr(copied, ref.offset - copied);
    result += placeholder;
    copied = ref.closed ? ref.offset + ref.name.size() + 3 : text.size();
  }
  if (copied < text.size()) result += text.substr(copied);
  return result;
}

}  // namespace popgate::workflows
