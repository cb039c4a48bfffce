#include "registry/data_group.h"

#include <array>

#include "registry/enum_names.h"

namespace popgate::registry {
namespace {

using G = DataGroup;
using P = std::pair<G, std::string_view>;
constexpr auto kNames = make_enum_names<G>(
    P{G::identity, "identity"}, P{G::names, "names"}, P{G::death, "death"},
    P{G::mother_tongue, "mother_tongue"}, P{G::nationality, "nationality"},
    P{G::home_municipality, "home_municipality"}, P{G::permanent_address, "permanent_address"},
    P{G::temporary_address, "temporary_address"}, P{G::postal_address, "postal_address"},
    P{G::foreign_address, "foreign_address"}, P{G::residence_building, "residence_building"},
    P{G::family, "family"}, P{G::marital_status, "marital_status"},
    P{G::non_disclosure, "non_disclosure"}, P{G::building, "building"});

constexpr std::array<G, 14> kPersonGroups = {
    G::identity,          G::names,           G::death,
    G::mother_tongue,     G::nationality,     G::home_municipality,
    G::permanent_address, G::temporary_address, G::postal_address,
    G::foreign_address,   G::residence_building, G::family,
    G::marital_status,    G::non_disclosure,
};

}  // namespace

std::string_view to_string(DataGroup group) { return kNames.name(group); }
std::optional<DataGroup> parse_data_group(std::string_view name) { return kNames.parse(name); }
std::span<const DataGroup> person_data_groups() { return kPersonGroups; }

}  // namespace popgate::registry
