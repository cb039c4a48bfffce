#include "workflows/engine/params.h"

#include <algorithm>
#include <charconv>
#include <ctime>

#include "base/units.h"
#include "workflows/engine/param_reference.h"

namespace popgate::workflows {
namespace {

std::string lookup(const std::string& name, const ParamScope& scope) {
  if (name == "job.id") return scope.job_id;
  if (name == "client.id") return scope.client_id;
  if (name == "trigger.file") return scope.trigger_file;
  if (name == "date") return scope.date;
  if (name.starts_with("steps.")) {
    const size_t dot = name.find('.', 6);
    if (dot != std::string::npos) {
      auto step = scope.steps.find(name.substr(6, dot - 6));
      if (step != scope.steps.end()) {
        auto output = step->second.find(name.substr(dot + 1));
        if (output != step->second.end()) return output->second;
      }
    }
  }
  throw StepError("unknown reference ${" + name + "}", false);
}

void check_path(const std::string& value, const std::string& what) {
  if (value.empty()) return;
  if (value.front() == '/') throw StepError(what + ": '" + value + "' is an absolute path", false);
  size_t start = 0;
  while (start <= value.size()) {
    const size_t end = std::min(value.find('/', start), value.size());
    if (value.compare(start, end - start, "..") == 0)
      throw StepError(what + ": '" + value + "' leaves its directory (\"..\")", false);
    start = end + 1;
  }
}

void check_allowed(const ParamSpec& spec, const std::string& value, const std::string& what) {
  if (spec.check) {
    if (const std::string problem = spec.check(value); !problem.empty())
      throw StepError(what + ": '" + value + "': " + problem, false);
  }
  if (spec.allowed.empty()) return;
  if (std::find(spec.allowed.begin(), spec.allowed.end(), value) == spec.allowed.end())
    throw StepError(what + ": '" + value + "' is not an allowed value", false);
}

void check_value(const ParamSpec& spec, const std::string& value, const std::string& what) {
  switch (spec.type) {
    case ParamType::string:
      check_allowed(spec, value, what);
      return;
    case ParamType::integer: {
      std::int64_t number = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
      if (ec != std::errc() || end != value.data() + value.size())
        throw StepError(what + ": '" + value + "' is not a whole number", false);
      if (number < spec.min || number > spec.max)
        throw StepError(what + ": " + value + " is out of range", false);
      return;
    }
    case ParamType::boolean:
      if (value != "true" && value != "false")
        throw StepError(what + ": '" + value + "' is not true or false", false);
      return;
    case ParamType::duration:
      if (!base::parse_duration(value).ok())
        throw StepError(what + ": " + base::parse_duration(value).error, false);
      return;
    case ParamType::path:
      check_path(value, what);
      return;
    case ParamType::size: {
      const base::SizeParse size = base::parse_size(value);
      if (!size.ok()) throw StepError(what + ": " + size.error, false);
      if (!size_in_range(*size.value, spec))
        throw StepError(what + ": " + value + " is out of range (" + size_range_text(spec) + ")",
                        false);
      return;
    }
    case ParamType::string_list:
      return;
  }
}

// A list parameter's items: the YAML sequence's, each substituted; or, when it is given one
// reference to a list output (lint checked that it names one), that output's items.
std::vector<std::string> list_items(const ParamValue& value, const ParamScope& scope,
                                    const std::string& what) {
  std::vector<std::string> items;
  if (value.is_list) {
    for (const std::string& item : value.items)
      items.push_back(substitute(item, scope));
    return items;
  }
  if (!whole_reference(value.text)) throw StepError(what + ": expected a list of strings", false);
  return list_output_items(substitute(value.text, scope));
}

}  // namespace

std::string substitute(const std::string& text, const ParamScope& scope) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 >= text.size()) {
      out += text[i];
    } else if (text[i + 1] == '$') {
      out += '$';
      ++i;
    } else if (text[i + 1] == '{') {
      const size_t close = text.find('}', i + 2);
      if (close == std::string::npos) throw StepError("unclosed \"${\" in '" + text + "'", false);
      out += lookup(text.substr(i + 2, close - i - 2), scope);
      i = close;
    } else {
      out += text[i];
    }
  }
  return out;
}

ResolvedParams resolve_params(const StepType& type, const StepSpec& spec, const ParamScope& scope) {
  ResolvedParams resolved;
  for (const auto& [name, value] : spec.with) {
    if (type.param(name) == nullptr)
      throw StepError("step " + spec.id + ": unknown parameter '" + name + "'", false);
  }
  for (const ParamSpec& param : type.params) {
    const std::string what = "step " + spec.id + ", parameter '" + param.name + "'";
    auto given = spec.with.find(param.name);
    if (param.type == ParamType::string_list) {
      std::vector<std::string> items;
      if (given != spec.with.end()) {
        items = list_items(given->second, scope, what);
      } else if (param.required) {
        throw StepError(what + " is required", false);
      }
      for (const std::string& item : items)
        check_allowed(param, item, what);
      resolved.lists[param.name] = std::move(items);
      continue;
    }
    std::string value;
    if (given != spec.with.end()) {
      if (given->second.is_list) throw StepError(what + ": expected a single value", false);
      value = substitute(given->second.text, scope);
    } else if (!param.default_value.empty()) {
      value = substitute(param.default_value, scope);
    } else if (param.required) {
      throw StepError(what + " is required", false);
    } else {
      continue;  // optional without a default: absent, and the step knows what that means
    }
    check_value(param, value, what);
    resolved.params[param.name] = std::move(value);
  }
  return resolved;
}

std::string local_date_today() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &local);
  return text;
}

}  // namespace popgate::workflows
