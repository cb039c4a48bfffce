#include "workflows/config/check_keys.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "workflows/config/config_values.h"
#include "workflows/config/did_you_mean.h"

namespace popgate::workflows {
namespace {

bool contains(std::span<const std::string_view> names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string unknown_key_message(std::string_view key, std::span<const std::string_view> known) {
  std::string message = "unknown key '" + std::string(key) + "'";
  if (const std::optional<std::string> suggestion = did_you_mean(key, known)) {
    return message + " (did you mean '" + *suggestion + "'?)";
  }
  if (known.empty()) return message + " (this mapping takes no keys)";
  message += " (allowed: ";
  for (std::size_t i = 0; i < known.size(); ++i) {
    if (i > 0) message += ", ";
    message += known[i];
  }
  return message + ")";
}

}  // namespace

bool check_keys(const ConfigNode& mapping, std::span<const std::string_view> allowed,
                std::span<const std::string_view> required, Diagnostics& out,
                std::string_view file) {
  if (!expect_mapping(mapping, out, file)) return false;
  // The keys a suggestion may come from: both lists, each name once, in the order given.
  std::vector<std::string_view> known(allowed.begin(), allowed.end());
  for (const std::string_view name : required) {
    if (!contains(known, name)) known.push_back(name);
  }
  bool ok = true;
  for (const ConfigEntry& entry : mapping.entries()) {
    if (contains(known, entry.key.text())) continue;
    out.error(file, entry.key.mark(), unknown_key_message(entry.key.text(), known));
    ok = false;
  }
  for (const std::string_view name : required) {
    if (mapping.find(name) != nullptr) continue;
    out.error(file, mapping.mark(), "missing required key '" + std::string(name) + "'");
    ok = false;
  }
  return ok;
}

bool check_keys(const ConfigNode& mapping, std::initializer_list<std::string_view> allowed,
                std::initializer_list<std::string_view> required, Diagnostics& out,
                std::string_view file) {
  return check_keys(mapping, std::span<const std::string_view>(allowed.begin(), allowed.size()),
                    std::span<const std::string_view>(required.begin(), required.size()), out,
                    file);
}

}  // namespace popgate::workflows
