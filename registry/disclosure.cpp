#include "registry/disclosure.h"

#include <algorithm>
#include <array>
#include <stdexcept>

namespace popgate::registry {
namespace {

constexpr std::array<DataGroup, 6> kLocationGroups = {
    DataGroup::home_municipality, DataGroup::permanent_address, DataGroup::temporary_address,
    DataGroup::postal_address,    DataGroup::foreign_address,   DataGroup::residence_building,
};

// A deceased person's addresses (the home municipality at death stays disclosable).
constexpr std::array<DataGroup, 5> kAddressGroups = {
    DataGroup::permanent_address, DataGroup::temporary_address,  DataGroup::postal_address,
    DataGroup::foreign_address,   DataGroup::residence_building,
};

template <std::size_t N>
bool contains(const std::array<DataGroup, N>& groups, DataGroup group) {
  return std::find(groups.begin(), groups.end(), group) != groups.end();
}

PersonDisclosure not_disclosed(std::string reason) {
  PersonDisclosure d;
  d.reason = std::move(reason);
  return d;
}

// Why the person is outside the permit's population; empty when inside. Never looks at where
// a safety-protected person lives unless the permit has the right to know it.
std::string outside_population(const Person& person, const DisclosureContext& context,
                               bool location_hidden) {
  const PopulationRestriction& population = context.permit->population;
  if (population.only_held_persons && !context.held_by_client) {
    return "the permit covers only persons the client identifies itself";
  }
  if (population.min_age || population.max_age) {
    const int age = person.birth_date.age_on(context.day);
    if ((population.min_age && age < *population.min_age) ||
        (population.max_age && age > *population.max_age)) {
      return "outside the permit's age range";
    }
  }
  if (!population.municipalities.empty()) {
    if (location_hidden) return "not disclosable under this permit";
    const auto& m = population.municipalities;
    if (std::find(m.begin(), m.end(), person.home_municipality) == m.end()) {
      return "outside the permit's municipalities";
    }
  }
  return {};
}

}  // namespace

std::span<const DataGroup> location_groups() {
  return kLocationGroups;
}

bool location_withheld(const Person& person, const Permit& permit) {
  return person.has_ban(kBanSafety) && !permit.safety_non_disclosure_right;
}

std::uint32_t bans_excluding(PermitUse use) {
  switch (use) {
    case PermitUse::public_task:
    case PermitUse::research:
      return 0;
    case PermitUse::customer_register_update:
      return kBanCustomerRegisterUpdate;
    case PermitUse::direct_marketing:
      return kBanDirectMarketing;
    case PermitUse::market_research:
      return kBanMarketResearch;
    case PermitUse::genealogy:
      return kBanGenealogy;
    case PermitUse::person_directory:
      return kBanPersonDirectory;
    case PermitUse::address_service:
      return kBanAddressServices;
  }
  return kAllBans;  // an unknown use excludes everyone with any ban
}

PersonDisclosure disclose(const Person& person, std::span<const DataGroup> requested,
                          const DisclosureContext& context) {
  if (context.permit == nullptr) throw std::logic_error("disclose without a permit");
  const Permit& permit = *context.permit;
  for (const DataGroup group : requested) {
    if (!permit.grants(group)) {
      throw std::logic_error("permit " + permit.id + " does not grant " +
                             std::string(to_string(group)));
    }
  }
  if ((person.bans & bans_excluding(permit.use)) != 0) {
    return not_disclosed("the person has a disclosure ban covering this use");
  }
  const bool location_hidden = location_withheld(person, permit) || context.withhold_location;
  std::string outside = outside_population(person, context, location_hidden);
  if (!outside.empty()) return not_disclosed(std::move(outside));

  PersonDisclosure d;
  d.disclosed = true;
  bool withheld_for_safety = false, withheld_for_death = false;
  for (const DataGroup group : requested) {
    if (location_hidden && contains(kLocationGroups, group)) {
      withheld_for_safety = true;
    } else if (person.deceased() && contains(kAddressGroups, group)) {
      withheld_for_death = true;
    } else {
      d.groups.push_back(group);
    }
  }
  // The safety note wins: a deceased person's note would say which groups were withheld.
  if (withheld_for_safety) {
    d.note = kWithheldNote;
  } else if (withheld_for_death) {
    d.note = kDeceasedNote;
  }
  return d;
}

}  // namespace popgate::registry
