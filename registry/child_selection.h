// The update service's child selection (issue 17 point 3): with each matched member, the
// member's children under an age on a reference date, e.g. for an unemployment fund's child
// increase. A child comes from the member's family links (Relation::child) and is selected
// when alive, born on or before the reference date and under the age on it (the day of the
// 18th birthday is not under 18). Each selected child gets one row per member (a child of two
// members has two rows), shaped by disclose() as every result row is, plus whether the child
// lives in the member's household.
//
// Privacy:
// - only a member whose own result row is disclosed has children selected (the caller's rule:
//   children of a person the client may not see would say that the person exists);
// - a child the permit does not cover (a ban covering its use, outside its population) has no
//   row at all, as if absent: its HETU would already disclose it;
// - the client did not identify the child itself (held_by_client is false);
// - a child's location is withheld when the child's OR the member's is (safety
//   non-disclosure without the permit's right): a child often lives with its parent, and
//   the child's address would be the protected parent's;
// - same_household is blank then too, because "yes" beside the member's disclosed address
//   would disclose the protected child's address, and beside the child's the member's.
#ifndef POPGATE_REGISTRY_CHILD_SELECTION_H_
#define POPGATE_REGISTRY_CHILD_SELECTION_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "registry/data_group.h"
#include "registry/date.h"
#include "registry/disclosure.h"
#include "registry/person.h"

namespace popgate::registry {

// Which children a row asks for: those under `under_age` years on `on`.
struct ChildRequest {
  int under_age = 18;
  Date on;
};

// A row's request from the client's text: `under_text` (whole years, 1 to `max_under`; blank:
// `fallback.under_age`) and `on_text` (DD.MM.YYYY or YYYY-MM-DD; blank: `fallback.on`). Returns
// the row's error for the client ("children_under '...' is not ..."), or "" and sets `request`.
std::string parse_child_request(std::string_view under_text, std::string_view on_text,
                                const ChildRequest& fallback, int max_under, ChildRequest& request);

// Whether the child is selected: alive, born on or before request.on and under
// request.under_age on it.
bool child_selected(const Person& child, const ChildRequest& request);

// What the selection keeps of a matched member while its children are read: enough for their
// rows, and little (a batch of members is held at once).
struct ChildSelectionMember {
  std::string client_ref;  // the client's reference of the member's row
  std::string hetu;
  std::vector<std::string> children;  // the HETUs of the member's children, in the register's order
  ChildRequest request;
  std::string residence_building;  // the member's dwelling: PRT and apartment
  std::string residence_apartment;
  bool deceased = false;
  bool location_withheld = false;  // location_withheld(member, permit)
};
ChildSelectionMember child_selection_member(std::string client_ref, const Person& member,
                                            const ChildRequest& request, const Permit& permit);

// The columns of children.csv: member_client_ref, member_hetu, child_hetu, same_household, then
// the groups' columns (disclosure_columns: identity.birth_date, names.last_name, ..., note).
std::vector<std::string> children_columns(std::span<const DataGroup> groups);

// Whether the child lives in the member's household: the same dwelling (residence building and
// apartment, as the register records a household). "yes", "no", or "" when it may not be said
// (either's location is withheld) or is not known (a deceased member, either without a
// dwelling in the register).
std::string same_household(const ChildSelectionMember& member, const Person& child,
                           const Permit& permit);

struct ChildRowResult {
  std::vector<std::string> fields;  // parallel to children_columns(groups); empty: no row
  std::string disclosed_hetu;       // the child's, when there is a row
};

// The child's row beside the member's, or no row (empty fields) when the child is not selected
// by the member's request or not disclosed. `context` is the member's (permit, day).
ChildRowResult child_row(const ChildSelectionMember& member, const Person& child,
                         std::span<const DataGroup> groups, const DisclosureContext& context);

}  // namespace popgate::registry

#endif  // POPGATE_REGISTRY_CHILD_SELECTION_H_
