#include "registry/child_selection.h"

#include <algorithm>

#include "registry/disclosure_row.h"

namespace popgate::registry {
namespace {

// Longer values are not quoted back in a row's reason: no age or date is this long.
constexpr std::size_t kMaxQuoted = 32;

std::string quoted_value(std::string_view name, std::string_view text) {
  if (text.size() > kMaxQuoted) {
    return std::string(name) + " (" + std::to_string(text.size()) + " bytes)";
  }
  return std::string(name) + " '" + std::string(text) + "'";
}

bool has_dwelling(std::string_view building) {
  return !building.empty();
}

}  // namespace

std::string parse_child_request(std::string_view under_text, std::string_view on_text,
                                const ChildRequest& fallback, int max_under,
                                ChildRequest& request) {
  request = fallback;
  if (!under_text.empty()) {
    if (under_text.size() > 3 || !std::all_of(under_text.begin(), under_text.end(),
                                              [](char c) { return c >= '0' && c <= '9'; })) {
      return quoted_value("children_under", under_text) + " is not a whole number of years";
    }
    const int years = std::stoi(std::string(under_text));
    if (years < 1 || years > max_under) {
      return quoted_value("children_under", under_text) + " is not from 1 to " +
             std::to_string(max_under) + " years";
    }
    request.under_age = years;
  }
  if (!on_text.empty()) {
    const std::optional<Date> on = Date::parse(on_text);
    if (!on) {
      return quoted_value("children_on", on_text) + " is not DD.MM.YYYY or YYYY-MM-DD";
    }
    request.on = *on;
  }
  return "";
}

bool child_selected(const Person& child, const ChildRequest& request) {
  return !child.deceased() && child.birth_date <= request.on &&
         child.birth_date.age_on(request.on) < request.under_age;
}

ChildSelectionMember child_selection_member(std::string client_ref, const Person& member,
                                            const ChildRequest& request, const Permit& permit) {
  ChildSelectionMember m;
  m.client_ref = std::move(client_ref);
  m.hetu = member.hetu;
  for (const FamilyLink& link : member.family) {
    if (link.relation == Relation::child) m.children.push_back(link.hetu);
  }
  m.request = request;
  m.residence_building = member.residence_building;
  m.residence_apartment = member.residence_apartment;
  m.deceased = member.deceased();
  m.location_withheld = location_withheld(member, permit);
  return m;
}

std::vector<std::string> children_columns(std::span<const DataGroup> groups) {
  std::vector<std::string> columns = {"member_client_ref", "member_hetu", "child_hetu",
                                      "same_household"};
  for (std::string& column : disclosure_columns(groups))
    columns.push_back(std::move(column));
  return columns;
}

std::string same_household(const ChildSelectionMember& member, const Person& child,
                           const Permit& permit) {
  // Either's protection: "yes" would put the child at the member's disclosed address (or the
  // member at the child's), "no" would say where the other does not live.
  if (member.location_withheld || location_withheld(child, permit)) return "";
  if (member.deceased || child.deceased()) return "";
  if (!has_dwelling(member.residence_building) || !has_dwelling(child.residence_building)) {
    return "";
  }
  const bool same = member.residence_building == child.residence_building &&
                    member.residence_apartment == child.residence_apartment;
  return same ? "yes" : "no";
}

ChildRowResult child_row(const ChildSelectionMember& member, const Person& child,
                         std::span<const DataGroup> groups, const DisclosureContext& context) {
  ChildRowResult result;
  if (!child_selected(child, member.request)) return result;
  DisclosureContext beside = context;
  beside.held_by_client = false;  // the client identified the member, not the child
  beside.withhold_location = member.location_withheld;
  const PersonDisclosure disclosure = disclose(child, groups, beside);
  if (!disclosure.disclosed) return result;
  result.fields = {member.client_ref, member.hetu, child.hetu,
                   same_household(member, child, *context.permit)};
  for (std::string& value : disclosure_row(child, groups, disclosure))
    result.fields.push_back(std::move(value));
  result.disclosed_hetu = child.hetu;
  return result;
}

}  // namespace popgate::registry
