// One row of the update service: what the client sent, read into a MatchRow, and the row of
// the result, shaped by disclose() so that it holds only what the permit allows for that
// person. The result says for each row how it was matched (or why not) and, for the groups
// disclosed, which of the client's fields differ from the register: what changed.
#ifndef POPGATE_REGISTRY_UPDATE_ROW_H_
#define POPGATE_REGISTRY_UPDATE_ROW_H_

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "registry/disclosure.h"
#include "registry/person_matcher.h"

namespace popgate::registry {

// The client's row as text, by field (any may be empty).
struct ClientRow {
  std::string client_ref;
  std::string hetu;
  std::string last_name;
  std::string first_names;
  std::string birth_date;
  std::string sex;
  std::string municipality;
  std::string street;
  std::string postal_code;
};

// The MatchRow of a client row, or why the row cannot be matched at all (INVALID_ROW).
struct ParsedClientRow {
  MatchRow match;
  std::string error;
};
ParsedClientRow parse_client_row(const ClientRow& row);

// "M", "N", "F", "mies", "nainen", "male", "female", "1", "2" (HETU's parity: 1 man, 2 woman).
std::optional<Sex> parse_client_sex(std::string_view text);
// The municipality's code from a code ("091", "91") or its Finnish or Swedish name.
std::optional<std::string> municipality_code(std::string_view text);

// The result's columns: client_ref, outcome, score, reason, the groups' columns
// (disclosure_columns), changed.
std::vector<std::string> update_columns(std::span<const DataGroup> groups);

struct UpdateRowResult {
  std::vector<std::string> fields;  // parallel to update_columns(groups)
  std::string disclosed_hetu;       // whose data the row holds; empty: nobody's
};

// The result row of a client row and its match. Nothing of the person is written unless the
// match is unique and disclose() allows it; `changed` names the client's fields that differ
// from the register, only among the groups disclosed for the person.
UpdateRowResult update_result_row(const ClientRow& row, const MatchResult& match,
                                  std::span<const DataGroup> groups,
                                  const DisclosureContext& context);

}  // namespace popgate::registry

#endif  // POPGATE_REGISTRY_UPDATE_ROW_H_
