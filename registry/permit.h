// A data permit: the decision of the register authority that lets named clients (or, for an
// umbrella permit, every client that joins it) receive named data groups through named
// services, for a purpose, within a validity period, optionally only about part of the
// population. Nothing is disclosed without one (deny by default, see permit_decision.h).
#ifndef POPGATE_REGISTRY_PERMIT_H_
#define POPGATE_REGISTRY_PERMIT_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "registry/data_group.h"
#include "registry/date.h"

namespace popgate::registry {

// The services through which data leaves popgate.
enum class Service { update, extraction, change, query };

std::string_view to_string(Service service);
std::optional<Service> parse_service(std::string_view name);

// What the disclosed data will be used for. The uses that a person's disclosure ban names
// (person.h: direct marketing, customer register updates, ...) exclude that person; a public
// authority's statutory task is excluded by none of them.
enum class PermitUse {
  public_task,
  research,
  customer_register_update,
  direct_marketing,
  market_research,
  genealogy,
  person_directory,
  address_service,
};

std::string_view to_string(PermitUse use);
std::optional<PermitUse> parse_permit_use(std::string_view name);
// The names, for messages listing the choices.
std::vector<std::string_view> permit_use_names();

// Whose data the permit covers; an empty restriction covers everyone.
struct PopulationRestriction {
  std::vector<std::string> municipalities;  // home municipality codes ("091")
  std::optional<int> min_age;               // inclusive, on the day of disclosure
  std::optional<int> max_age;               // inclusive
  // Only persons the client already holds: those it identified itself (update rows, change
  // subscriptions by its own identifiers), never a search of the whole register.
  bool only_held_persons = false;

  bool empty() const {
    return municipalities.empty() && !min_age && !max_age && !only_held_persons;
  }
};

struct Permit {
  std::string id;                    // the diary number of the decision, e.g. "DVV/1234/2024"
  std::vector<std::string> holders;  // client ids; an umbrella permit may have none
  bool umbrella = false;             // clients join it by reference (clients/<id>.yaml)
  std::string purpose;
  std::string legal_basis;
  PermitUse use = PermitUse::public_task;
  std::vector<Service> services;
  std::vector<DataGroup> data_groups;
  PopulationRestriction population;
  // The right to receive the addresses (and home municipality) of persons with a
  // non-disclosure for personal safety. Only authorities with a statutory need have it.
  bool safety_non_disclosure_right = false;
  Date valid_from;
  std::optional<Date> valid_until;  // inclusive; nullopt: open-ended
  bool revoked = false;

  bool grants(Service service) const;
  bool grants(DataGroup group) const;
  bool valid_on(const Date& day) const {
    return !revoked && valid_from <= day && (!valid_until || day <= *valid_until);
  }
};

}  // namespace popgate::registry

#endif  // POPGATE_REGISTRY_PERMIT_H_
