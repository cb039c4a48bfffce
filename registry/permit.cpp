#include "registry/permit.h"

#include <algorithm>

#include "registry/enum_names.h"

namespace popgate::registry {
namespace {

using S = Service;
using SP = std::pair<S, std::string_view>;
constexpr auto kServiceNames =
    make_enum_names<S>(SP{S::update, "update"}, SP{S::extraction, "extraction"},
                       SP{S::change, "change"}, SP{S::query, "query"});

using U = PermitUse;
using UP = std::pair<U, std::string_view>;
constexpr auto kUseNames = make_enum_names<U>(
    UP{U::public_task, "public_task"}, UP{U::research, "research"},
    UP{U::customer_register_update, "customer_register_update"},
    UP{U::direct_marketing, "direct_marketing"}, UP{U::market_research, "market_research"},
    UP{U::genealogy, "genealogy"}, UP{U::person_directory, "person_directory"},
    UP{U::address_service, "address_service"});

}  // namespace

std::string_view to_string(Service service) {
  return kServiceNames.name(service);
}
std::optional<Service> parse_service(std::string_view name) {
  return kServiceNames.parse(name);
}

std::string_view to_string(PermitUse use) {
  return kUseNames.name(use);
}
std::optional<PermitUse> parse_permit_use(std::string_view name) {
  return kUseNames.parse(name);
}
std::vector<std::string_view> permit_use_names() {
  std::vector<std::string_view> names;
  for (const auto& entry : kUseNames.entries)
    names.push_back(entry.second);
  return names;
}

bool Permit::grants(Service service) const {
  return std::find(services.begin(), services.end(), service) != services.end();
}

bool Permit::grants(DataGroup group) const {
  return std::find(data_groups.begin(), data_groups.end(), group) != data_groups.end();
}

}  // namespace popgate::registry
