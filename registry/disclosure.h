// What of one person may be disclosed to a client under the permit that allows its request.
// Every service builds its output rows through this one function, so the rules below hold
// for the update, extraction, change and query services alike:
// - only groups the permit grants (asking for another is the permit decision's error);
// - a person outside the permit's population (age, only persons the client holds) is not
//   disclosed at all;
// - a person whose disclosure ban covers the permit's use (e.g. a ban on customer register
//   updates against a customer-register permit) is not disclosed at all;
// - non-disclosure for personal safety: without the permit's right, the home municipality and
//   every address are withheld, and the row says only that data was withheld, never why or
//   where. Such a person is never selected or excluded by where they live: under a permit
//   restricted to municipalities they are not disclosed at all, whatever their municipality,
//   so that neither inclusion nor exclusion hints at it. A person shown beside a protected one
//   (a member's child) has their location withheld the same way (withhold_location below);
// - a deceased person: the death date is disclosed, addresses are not.
#ifndef POPGATE_REGISTRY_DISCLOSURE_H_
#define POPGATE_REGISTRY_DISCLOSURE_H_

#include <span>
#include <string>
#include <vector>

#include "registry/data_group.h"
#include "registry/permit.h"
#include "registry/person.h"

namespace popgate::registry {

// The row text of a person withheld for safety: deliberately the same whatever was withheld.
inline constexpr std::string_view kWithheldNote = "some data withheld";
// The row text of a deceased person's withheld addresses.
inline constexpr std::string_view kDeceasedNote = "deceased: addresses not disclosed";

struct PersonDisclosure {
  bool disclosed = false;         // false: nothing of the person may leave, see `reason`
  std::string reason;             // why not disclosed; client-safe, no personal data
  std::vector<DataGroup> groups;  // the groups that may be written for this person
  std::string note;               // kWithheldNote, kDeceasedNote or empty
};

struct DisclosureContext {
  const Permit* permit = nullptr;
  Date day;  // of disclosure, for ages
  // True when the client itself identified the person (an update row, its own change
  // subscription), as opposed to a search of the register.
  bool held_by_client = false;
  // True when the person is shown beside another whose location is withheld (a member's child
  // in the update service's child selection: a child often lives with its parent, so the
  // child's address would be the protected parent's): the person's location is withheld as if
  // it were their own safety non-disclosure, with the same note.
  bool withhold_location = false;
};

// The groups that reveal where a person lives.
std::span<const DataGroup> location_groups();
// Whether the person's location (location_groups()) is withheld from clients of this permit:
// a safety non-disclosure, and the permit lacks the right to it.
bool location_withheld(const Person& person, const Permit& permit);
// The bans that exclude a person from disclosures for `use` (a bit set of person.h's Ban).
std::uint32_t bans_excluding(PermitUse use);

// Throws std::logic_error if `requested` holds a group the permit does not grant: that must
// have been refused before any person was read.
PersonDisclosure disclose(const Person& person, std::span<const DataGroup> requested,
                          const DisclosureContext& context);

}  // namespace popgate::registry

#endif  // POPGATE_REGISTRY_DISCLOSURE_H_
