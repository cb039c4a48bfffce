#include "registry/record_check.h"

#include <algorithm>
#include <string_view>

#include "base/strings.h"
#include "registry/hetu.h"
#include "registry/prt.h"
#include "registry/reference.h"

namespace popgate::registry {
namespace {

using Problem = std::optional<RecordProblem>;

Problem problem(std::string field, std::string reason) {
  return RecordProblem{std::move(field), std::move(reason)};
}

bool all_digits(std::string_view text, size_t count) {
  return text.size() == count &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Empty or exactly `digits` digits (postal code 5, use class 4).
Problem check_code(std::string_view text, size_t digits, const std::string& field) {
  if (text.empty() || all_digits(text, digits)) return std::nullopt;
  return problem(field, base::quoted(text, '\'') + " is not " + std::to_string(digits) + " digits");
}

// Codes are checked against the reference data popgate ships (config/reference/), which
// also holds the register's own codes such as country 99, "unknown".
Problem check_country(std::string_view text, const std::string& field) {
  if (ReferenceData::embedded().country(text) != nullptr) return std::nullopt;
  return problem(field,
                 base::quoted(text, '\'') + " is not a country code (ISO 3166-1 alpha-2, or 99)");
}

Problem check_language(std::string_view text, const std::string& field) {
  if (text.empty() || ReferenceData::embedded().language(text) != nullptr) return std::nullopt;
  return problem(field, base::quoted(text, '\'') + " is not a language code (ISO 639-1)");
}

// Empty or a municipality of the reference data.
Problem check_municipality(std::string_view text, const std::string& field) {
  if (text.empty() || ReferenceData::embedded().municipality(text) != nullptr) {
    return std::nullopt;
  }
  return problem(field, base::quoted(text, '\'') + " is not a municipality code");
}

Problem check_identity(const Person& p) {
  const HetuParse parsed = parse_hetu(p.hetu);
  if (!parsed.ok()) return problem("hetu", parsed.error);
  const Hetu& hetu = *parsed.hetu;
  if (hetu.temporary) {
    return problem("hetu",
                   "a temporary code (individual number 900-999); the register holds "
                   "only permanent ones");
  }
  if (p.birth_date != hetu.birth_date) {
    return problem("birth_date",
                   p.birth_date.iso() + " does not match the HETU's " + hetu.birth_date.iso());
  }
  if (p.sex != hetu.sex) {
    return problem("sex", std::string(to_string(p.sex)) + " does not match the HETU's " +
                              std::string(to_string(hetu.sex)));
  }
  return std::nullopt;
}

Problem check_address(const Address& a, const std::string& path) {
  if (!a.start.valid()) return problem(path + ".start", "missing or not a date");
  if (a.end && *a.end < a.start) return problem(path + ".end", "before the start");
  if (a.kind == AddressKind::foreign) {
    if (auto p = check_country(a.country, path + ".country")) return p;
  } else {
    if (!a.country.empty()) {
      if (auto p = check_country(a.country, path + ".country")) return p;
    }
    if (auto p = check_code(a.postal_code, 5, path + ".postal_code")) return p;
  }
  return std::nullopt;
}

}  // namespace

std::optional<RecordProblem> check_person(const Person& p) {
  if (auto found = check_identity(p)) return found;
  if (p.last_name.empty()) return problem("last_name", "missing");
  for (size_t i = 0; i < p.former_last_names.size(); ++i) {
    if (p.former_last_names[i].empty()) {
      return problem("former_last_names[" + std::to_string(i) + "]", "empty");
    }
  }
  if (p.death_date && *p.death_date < p.birth_date) {
    return problem("death_date", "before the birth date");
  }
  if (auto found = check_language(p.mother_tongue, "mother_tongue")) return found;
  for (size_t i = 0; i < p.nationalities.size(); ++i) {
    if (auto found =
            check_country(p.nationalities[i], "nationalities[" + std::to_string(i) + "]")) {
      return found;
    }
  }
  if (auto found = check_municipality(p.home_municipality, "home_municipality")) return found;
  for (size_t i = 0; i < p.addresses.size(); ++i) {
    const std::string path = "addresses[" + std::to_string(i) + "]";
    if (auto found = check_address(p.addresses[i], path)) return found;
    for (size_t j = 0; j < i; ++j) {
      if (p.addresses[j].kind == p.addresses[i].kind) {
        return problem(path + ".kind",
                       "a second " + std::string(to_string(p.addresses[i].kind)) + " address");
      }
    }
  }
  if (!p.residence_building.empty()) {
    if (std::string error = prt_error(p.residence_building); !error.empty()) {
      return problem("residence_building", error);
    }
  }
  for (size_t i = 0; i < p.family.size(); ++i) {
    const std::string path = "family[" + std::to_string(i) + "].hetu";
    const HetuParse other = parse_hetu(p.family[i].hetu);
    if (!other.ok()) return problem(path, other.error);
    if (p.family[i].hetu == p.hetu) return problem(path, "the person themself");
  }
  if ((p.bans & ~kAllBans) != 0) return problem("bans", "unknown ban bits");
  return std::nullopt;
}

std::optional<RecordProblem> check_building(const Building& b) {
  if (std::string error = prt_error(b.prt); !error.empty()) return problem("prt", error);
  if (b.municipality.empty()) return problem("municipality", "missing");
  if (auto found = check_municipality(b.municipality, "municipality")) return found;
  if (auto found = check_code(b.use_class, 4, "use_class")) return found;
  for (size_t i = 0; i < b.addresses.size(); ++i) {
    const std::string path = "addresses[" + std::to_string(i) + "]";
    if (b.addresses[i].street.empty()) return problem(path + ".street", "missing");
    if (auto found = check_code(b.addresses[i].postal_code, 5, path + ".postal_code")) {
      return found;
    }
    if (auto found = check_language(b.addresses[i].language, path + ".language")) return found;
  }
  // 0 is "not known"; otherwise a year the register can hold.
  if (b.completion_year != 0 && (b.completion_year < 1000 || b.completion_year > 2999)) {
    return problem("completion_year",
                   std::to_string(b.completion_year) + " is not a plausible year");
  }
  if (b.demolished_year && b.completion_year != 0 && *b.demolished_year < b.completion_year) {
    return problem("demolished_year", "before the completion year");
  }
  if (b.floors < 0) return problem("floors", "negative");
  if (b.floor_area_m2 < 0) return problem("floor_area_m2", "negative");
  if (b.apartments < 0) return problem("apartments", "negative");
  return std::nullopt;
}

std::optional<RecordProblem> check_change(const ChangeEvent& e) {
  if (!e.record_date.valid()) return problem("record_date", "missing or not a date");
  if (!e.effective_date.valid()) return problem("effective_date", "missing or not a date");
  const bool building_kind =
      e.kind == ChangeKind::building_new || e.kind == ChangeKind::building_change;
  if (e.subject == SubjectKind::person) {
    const HetuParse parsed = parse_hetu(e.subject_id);
    if (!parsed.ok()) return problem("subject_id", parsed.error);
    if (e.group == DataGroup::building) {
      return problem("group", "'building' is not a group of a person");
    }
    if (building_kind) {
      return problem("kind", std::string(to_string(e.kind)) + " is not a change of a person");
    }
  } else {
    if (std::string error = prt_error(e.subject_id); !error.empty()) {
      return problem("subject_id", error);
    }
    if (e.group != DataGroup::building) {
      return problem("group", "a building's changes are in group 'building'");
    }
    if (!building_kind) {
      return problem("kind", std::string(to_string(e.kind)) + " is not a change of a building");
    }
  }
  for (size_t i = 0; i < e.values.size(); ++i) {
    if (e.values[i].name.empty()) {
      return problem("values[" + std::to_string(i) + "]", "a value without a name");
    }
  }
  return std::nullopt;
}

}  // namespace popgate::registry
