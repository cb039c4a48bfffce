#include "workflows/engine/workflow.h"

#include <array>
#include <utility>

namespace popgate::workflows {
namespace {

constexpr std::array<std::pair<Service, std::string_view>, 5> kServices = {{
    {Service::none, "none"},
    {Service::update, "update"},
    {Service::extraction, "extraction"},
    {Service::change, "change"},
    {Service::query, "query"},
}};

}  // namespace

std::string_view to_string(Service service) {
  for (const auto& [s, name] : kServices) {
    if (s == service) return name;
  }
  return "unknown";
}

std::optional<Service> parse_service(std::string_view text) {
  for (const auto& [s, name] : kServices) {
    if (name == text) return s;
  }
  return std::nullopt;
}

std::optional<registry::Service> permit_service(Service service) {
  switch (service) {
    case Service::none:
      return std::nullopt;
    case Service::update:
      return registry::Service::update;
    case Service::extraction:
      return registry::Service::extraction;
    case Service::change:
      return registry::Service::change;
    case Service::query:
      return registry::Service::query;
  }
  return std::nullopt;
}

}  // namespace popgate::workflows
