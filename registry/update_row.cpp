#include "registry/update_row.h"

#include <algorithm>
#include <cstdio>

#include "base/strings.h"
#include "registry/disclosure_row.h"
#include "registry/name_forms.h"
#include "registry/reference.h"

namespace popgate::registry {
namespace {

std::string lower_ascii(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool granted(std::span<const DataGroup> groups, DataGroup group) {
  return std::find(groups.begin(), groups.end(), group) != groups.end();
}

bool same_name(std::string_view a, std::string_view b) {
  return name_similarity(name_forms(a), name_forms(b)) == 1.0;
}

// The client's fields that differ from the person's, among the disclosed groups only: saying
// that an address differs tells something about the address.
std::string changed_fields(const ClientRow& row, const Person& person,
                           std::span<const DataGroup> disclosed) {
  std::vector<std::string> changed;
  if (granted(disclosed, DataGroup::names)) {
    if (!row.last_name.empty() && !same_name(row.last_name, person.last_name)) {
      changed.push_back("last_name");
    }
    if (!row.first_names.empty() && !same_name(row.first_names, person.first_names)) {
      changed.push_back("first_names");
    }
  }
  if (granted(disclosed, DataGroup::identity) && !row.birth_date.empty()) {
    const std::optional<Date> born = Date::parse(row.birth_date);
    if (born && *born != person.birth_date) changed.push_back("birth_date");  // a mistyping
  }
  if (granted(disclosed, DataGroup::home_municipality) && !row.municipality.empty()) {
    const std::optional<std::string> code = municipality_code(row.municipality);
    if (code != person.home_municipality) changed.push_back("municipality");
  }
  if (granted(disclosed, DataGroup::permanent_address)) {
    const Address* address = person.address(AddressKind::permanent);
    if (!row.street.empty() && (address == nullptr || !same_name(row.street, address->street))) {
      changed.push_back("street");
    }
    if (!row.postal_code.empty() &&
        (address == nullptr || row.postal_code != address->postal_code)) {
      changed.push_back("postal_code");
    }
  }
  return base::join(changed, ",");
}

std::string score_text(double score) {
  char text[16];
  std::snprintf(text, sizeof text, "%.3f", score);
  return text;
}

}  // namespace

std::optional<Sex> parse_client_sex(std::string_view text) {
  const std::string lower = lower_ascii(text);
  if (lower == "m" || lower == "mies" || lower == "male" || lower == "man" || lower == "1") {
    return Sex::male;
  }
  if (lower == "n" || lower == "f" || lower == "nainen" || lower == "female" || lower == "woman" ||
      lower == "kvinna" || lower == "2") {
    return Sex::female;
  }
  return std::nullopt;
}

std::optional<std::string> municipality_code(std::string_view text) {
  const ReferenceData& reference = ReferenceData::embedded();
  if (!text.empty() && text.size() <= 3 &&
      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    std::string code(3 - text.size(), '0');
    code += text;
    if (reference.municipality(code) != nullptr) return code;
    return std::nullopt;
  }
  const NameForms wanted = name_forms(text);
  for (const Municipality& m : reference.municipalities()) {
    if (name_similarity(wanted, name_forms(m.name_fi)) == 1.0 ||
        name_similarity(wanted, name_forms(m.name_sv)) == 1.0) {
      return m.code;
    }
  }
  return std::nullopt;
}

namespace {

// The longest field a row may have: far more than any name or address the register holds, and
// short enough that comparing a row's names with a day's candidates stays cheap. A hostile file
// of megabyte-long names took seconds a row.
constexpr std::size_t kMaxMatchFieldBytes = 200;

// The first field too long to be what it says, as the reason; "" when none is.
std::string overlong_field(const ClientRow& row) {
  const std::pair<const char*, const std::string*> fields[] = {{"HETU", &row.hetu},
                                                               {"surname", &row.last_name},
                                                               {"given names", &row.first_names},
                                                               {"birth date", &row.birth_date},
                                                               {"sex", &row.sex},
                                                               {"municipality", &row.municipality},
                                                               {"street", &row.street},
                                                               {"postal code", &row.postal_code}};
  for (const auto& [name, value] : fields) {
    if (value->size() > kMaxMatchFieldBytes) {
      return std::string(name) + " is " + std::to_string(value->size()) + " bytes long; at most " +
             std::to_string(kMaxMatchFieldBytes) + " are read";
    }
  }
  return "";
}

}  // namespace

ParsedClientRow parse_client_row(const ClientRow& row) {
  ParsedClientRow parsed;
  parsed.error = overlong_field(row);
  if (!parsed.error.empty()) return parsed;
  MatchRow& m = parsed.match;
  m.hetu = row.hetu;
  std::transform(m.hetu.begin(), m.hetu.end(), m.hetu.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  m.last_name = row.last_name;
  m.first_names = row.first_names;
  m.street = row.street;
  m.postal_code = row.postal_code;
  if (!row.birth_date.empty()) {
    m.birth_date = Date::parse(row.birth_date);
    if (!m.birth_date) {
      parsed.error = "birth date '" + row.birth_date + "' is not DD.MM.YYYY or YYYY-MM-DD";
      return parsed;
    }
  }
  if (!row.sex.empty()) {
    m.sex = parse_client_sex(row.sex);
    if (!m.sex) {
      parsed.error = "sex '" + row.sex + "' is not M/N (mies/nainen, male/female, 1/2)";
      return parsed;
    }
  }
  if (!row.municipality.empty()) {
    const std::optional<std::string> code = municipality_code(row.municipality);
    if (!code) {
      parsed.error = "municipality '" + row.municipality + "' is not a municipality's code or name";
      return parsed;
    }
    m.municipality = *code;
  }
  if (m.hetu.empty() && (m.last_name.empty() || m.first_names.empty() || !m.birth_date)) {
    parsed.error = "no HETU, and without one the surname, given names and birth date are needed";
  }
  return parsed;
}

std::vector<std::string> update_columns(std::span<const DataGroup> groups) {
  std::vector<std::string> columns = {"client_ref", "outcome", "score", "reason"};
  for (std::string& column : disclosure_columns(groups))
    columns.push_back(std::move(column));
  columns.push_back("changed");
  return columns;
}

UpdateRowResult update_result_row(const ClientRow& row, const MatchResult& match,
                                  std::span<const DataGroup> groups,
                                  const DisclosureContext& context) {
  UpdateRowResult result;
  std::vector<std::string>& f = result.fields;
  f = {row.client_ref, std::string(outcome_code(match.outcome)), score_text(match.score),
       match.reason};
  std::vector<std::string> person_fields;
  std::string changed;
  if (match.person) {
    const PersonDisclosure disclosure = disclose(*match.person, groups, context);
    if (disclosure.disclosed) {
      person_fields = disclosure_row(*match.person, groups, disclosure);
      changed = changed_fields(row, *match.person, disclosure.groups);
      result.disclosed_hetu = match.person->hetu;
    } else {
      f[3] += "; not disclosed: " + disclosure.reason;
    }
  }
  // A row without the person's data still has every column, empty.
  if (person_fields.empty()) person_fields.resize(disclosure_columns(groups).size());
  f.insert(f.end(), person_fields.begin(), person_fields.end());
  f.push_back(changed);
  return result;
}

}  // namespace popgate::registry
