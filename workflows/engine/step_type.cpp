#include "workflows/engine/step_type.h"

#include <algorithm>

namespace popgate::workflows {

const std::string& StepContext::param(const std::string& name) const {
  auto it = params.find(name);
  if (it == params.end())
    throw StepError("step " + step_id + ": parameter '" + name + "' is not set", false);
  return it->second;
}

const ParamSpec* StepType::param(std::string_view param_name) const {
  for (const ParamSpec& p : params) {
    if (p.name == param_name) return &p;
  }
  return nullptr;
}

const OutputSpec* StepType::output(std::string_view output_name) const {
  for (const OutputSpec& o : outputs) {
    if (o.name == output_name) return &o;
  }
  return nullptr;
}

std::string list_output(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) {
    if (item.empty() || item.find(',') != std::string::npos)
      throw StepError("list output item '" + item + "' is empty or holds a ','", false);
    text += (text.empty() ? "" : ",") + item;
  }
  return text;
}

std::vector<std::string> list_output_items(std::string_view text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find(',', start), text.size());
    if (end > start) items.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return items;
}

std::string_view param_type_name(ParamType type) {
  switch (type) {
    case ParamType::string:
      return "string";
    case ParamType::integer:
      return "integer";
    case ParamType::boolean:
      return "boolean";
    case ParamType::duration:
      return "duration";
    case ParamType::string_list:
      return "list of strings";
    case ParamType::path:
      return "path";
    case ParamType::size:
      return "size";
  }
  return "unknown";
}

bool size_in_range(std::uint64_t bytes, const ParamSpec& spec) {
  const auto min = static_cast<std::uint64_t>(std::max<std::int64_t>(spec.min, 0));
  const auto max = spec.max < 0 ? 0 : static_cast<std::uint64_t>(spec.max);
  return bytes >= min && bytes <= max;
}

std::string size_range_text(const ParamSpec& spec) {
  const bool has_min = spec.min > 0;
  const bool has_max = spec.max != INT64_MAX;
  if (has_min && has_max)
    return std::to_string(spec.min) + " to " + std::to_string(spec.max) + " bytes";
  if (has_min) return "at least " + std::to_string(spec.min) + " bytes";
  if (has_max) return "at most " + std::to_string(spec.max) + " bytes";
  return "any number of bytes";
}

}  // namespace popgate::workflows
