#include "registry/person_matcher.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "registry/hetu.h"
#include "registry/name_forms.h"

namespace popgate::registry {
namespace {

// A double surname counts a little less when only one of its parts matches: "Virtanen"
// for "Virtanen-Korhonen" is likely the same person, but less certainly than the full name.
constexpr double kSurnamePartFactor = 0.97;
// Each tie-breaker that agrees adds this; one that disagrees takes it away.
constexpr double kTieBreaker = 0.02;

std::vector<NameForms> surname_parts(const std::string& surname) {
  std::vector<NameForms> parts;
  std::string part;
  for (const char c : surname + "-") {
    if (c == '-' || c == ' ') {
      if (!part.empty()) parts.push_back(name_forms(part));
      part.clear();
    } else {
      part += c;
    }
  }
  return parts;
}

// The best fit of the row's surname to the person's current or a former surname, whole or in
// parts (double surnames either side).
double surname_score(const std::string& given, const Person& person) {
  const NameForms row = name_forms(given);
  if (row.empty()) return 0.0;
  std::vector<std::string> surnames = {person.last_name};
  surnames.insert(surnames.end(), person.former_last_names.begin(), person.former_last_names.end());
  const std::vector<NameForms> row_parts = surname_parts(given);
  double best = 0.0;
  for (const std::string& surname : surnames) {
    best = std::max(best, name_similarity(row, name_forms(surname)));
    const std::vector<NameForms> parts = surname_parts(surname);
    if (parts.size() < 2 && row_parts.size() < 2) continue;
    for (const NameForms& a : row_parts) {
      for (const NameForms& b : parts)
        best = std::max(best, kSurnamePartFactor * name_similarity(a, b));
    }
  }
  return best;
}

// The row's given names must each match a different one of the person's, in any order; the
// person may have more ("Maria" for "Anna Maria"). A hyphenated name may also match its parts
// written apart ("Anna Maria" for "Anna-Maria"). The score is the worst name's.
double given_names_score(const std::string& given, const Person& person) {
  const std::vector<NameForms> row = name_words(given);
  if (row.empty()) return 0.0;
  std::vector<NameForms> names = name_words(person.first_names);
  std::string spaced = person.first_names;
  std::replace(spaced.begin(), spaced.end(), '-', ' ');
  if (spaced != person.first_names) {
    for (NameForms& part : name_words(spaced))
      names.push_back(std::move(part));
  }
  if (row.size() > names.size()) return 0.0;
  // Greedy assignment, most certain pairs first: names lists are short (1-5).
  struct Pair {
    double score;
    std::size_t row, name;
  };
  std::vector<Pair> pairs;
  for (std::size_t i = 0; i < row.size(); ++i) {
    for (std::size_t j = 0; j < names.size(); ++j)
      pairs.push_back({name_similarity(row[i], names[j]), i, j});
  }
  std::sort(pairs.begin(), pairs.end(),
            [](const Pair& a, const Pair& b) { return a.score > b.score; });
  std::vector<bool> row_done(row.size()), name_used(names.size());
  double worst = 1.0;
  std::size_t assigned = 0;
  for (const Pair& p : pairs) {
    if (row_done[p.row] || name_used[p.name]) continue;
    row_done[p.row] = name_used[p.name] = true;
    worst = std::min(worst, p.score);
    if (++assigned == row.size()) break;
  }
  return assigned == row.size() ? worst : 0.0;
}

const Address* current_address(const Person& person) {
  if (const Address* a = person.address(AddressKind::permanent)) return a;
  return person.address(AddressKind::temporary);
}

// The reason text never says which of these agreed: that would tell the client where a person
// lives beyond what its permit grants. And a person under a non-disclosure for safety is never
// scored by location at all, so that neither a match nor its score hints at the address.
double tie_breakers(const MatchRow& row, const Person& person) {
  if (person.has_ban(kBanSafety)) return 0.0;
  double bonus = 0.0;
  const auto weigh = [&](bool given, bool agrees) {
    if (given) bonus += agrees ? kTieBreaker : -kTieBreaker;
  };
  weigh(!row.municipality.empty(), row.municipality == person.home_municipality);
  const Address* address = current_address(person);
  weigh(!row.postal_code.empty(), address != nullptr && address->postal_code == row.postal_code);
  weigh(!row.street.empty(),
        address != nullptr &&
            name_similarity(name_forms(row.street), name_forms(address->street)) >= 0.95);
  return bonus;
}

std::string two_decimals(double value) {
  char text[16];
  std::snprintf(text, sizeof text, "%.2f", value);
  return text;
}

}  // namespace

std::string_view outcome_code(MatchOutcome outcome) {
  switch (outcome) {
    case MatchOutcome::matched_hetu:
      return "MATCHED_HETU";
    case MatchOutcome::matched_name_birth_date:
      return "MATCHED_NAME_BIRTHDATE";
    case MatchOutcome::ambiguous:
      return "AMBIGUOUS";
    case MatchOutcome::not_found:
      return "NOT_FOUND";
    case MatchOutcome::invalid_row:
      return "INVALID_ROW";
  }
  return "INVALID_ROW";
}

CandidateScore score_candidate(const MatchRow& row, const Person& person) {
  CandidateScore score;
  score.surname = surname_score(row.last_name, person);
  score.given_names = given_names_score(row.first_names, person);
  score.why =
      "surname " + two_decimals(score.surname) + ", given names " + two_decimals(score.given_names);
  score.total = (score.surname + score.given_names) / 2.0 + tie_breakers(row, person);
  return score;
}

PersonRead PersonMatcher::person_read() const {
  return policy_.read_family ? PersonRead::whole : PersonRead::without_family;
}

MatchResult PersonMatcher::match(const MatchRow& row) {
  if (!row.hetu.empty()) return match_hetu(row);
  return match_names(row, "");
}

MatchResult PersonMatcher::match_hetu(const MatchRow& row) {
  const HetuParse parsed = parse_hetu(row.hetu);
  if (!parsed.ok()) {
    return hetu_missed(row, MatchOutcome::invalid_row, "invalid HETU: " + parsed.error);
  }
  if (std::optional<Person> person = store_.read_person(parsed.hetu->code, person_read())) {
    return hetu_matched(std::move(*person));
  }
  return hetu_missed(row, MatchOutcome::not_found, "no person with this HETU");
}

MatchResult PersonMatcher::hetu_matched(Person&& person) const {
  MatchResult result;
  result.outcome = MatchOutcome::matched_hetu;
  result.score = 1.0;
  result.candidates = 1;
  result.reason = "HETU";
  result.person = std::move(person);
  return result;
}

MatchResult PersonMatcher::hetu_missed(const MatchRow& row, MatchOutcome outcome,
                                       std::string problem) {
  if (policy_.hetu_fallback_to_names && !row.last_name.empty() && row.birth_date) {
    return match_names(row, problem + "; ");
  }
  MatchResult result;
  result.outcome = outcome;
  result.reason = std::move(problem);
  return result;
}

void PersonMatcher::match_all(std::span<const MatchRow> rows,
                              const std::function<void(std::size_t, MatchResult&&)>& done) {
  std::vector<std::string> codes;     // the valid HETUs, to read together
  std::vector<std::size_t> owners;    // codes[k] is rows[owners[k]]'s
  std::vector<std::size_t> by_names;  // rows without a HETU
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const MatchRow& row = rows[i];
    if (row.hetu.empty()) {
      if (names_complete(row)) {
        by_names.push_back(i);
      } else {
        done(i, names_incomplete(""));
      }
      continue;
    }
    HetuParse parsed = parse_hetu(row.hetu);
    if (!parsed.ok()) {
      done(i, hetu_missed(row, MatchOutcome::invalid_row, "invalid HETU: " + parsed.error));
      continue;
    }
    codes.push_back(std::move(parsed.hetu->code));
    owners.push_back(i);
  }
  std::vector<bool> held(codes.size(), false);
  store_.read_persons(codes, person_read(), [&](std::size_t k, Person&& person) {
    held[k] = true;
    done(owners[k], hetu_matched(std::move(person)));
  });
  for (std::size_t k = 0; k < codes.size(); ++k) {
    if (!held[k]) {
      done(owners[k],
           hetu_missed(rows[owners[k]], MatchOutcome::not_found, "no person with this HETU"));
    }
  }
  // Rows of the same birth date share their candidates: each day is read once, in date order
  // (the birth date index's order).
  std::stable_sort(by_names.begin(), by_names.end(), [&rows](std::size_t a, std::size_t b) {
    return *rows[a].birth_date < *rows[b].birth_date;
  });
  for (std::size_t first = 0; first < by_names.size();) {
    const Date day = *rows[by_names[first]].birth_date;
    const std::vector<Person> born = store_.persons_born(day, person_read());
    std::size_t i = first;
    for (; i < by_names.size() && *rows[by_names[i]].birth_date == day; ++i)
      done(by_names[i], choose_by_names(rows[by_names[i]], "", born));
    first = i;
  }
}

bool PersonMatcher::names_complete(const MatchRow& row) {
  return row.birth_date && !row.last_name.empty() && !row.first_names.empty();
}

MatchResult PersonMatcher::names_incomplete(const std::string& note) {
  MatchResult result;
  result.outcome = MatchOutcome::invalid_row;
  result.reason = note + "without a HETU, the surname, given names and birth date are needed";
  return result;
}

MatchResult PersonMatcher::match_names(const MatchRow& row, std::string note) {
  if (!names_complete(row)) return names_incomplete(note);
  return choose_by_names(row, std::move(note), store_.persons_born(*row.birth_date, person_read()));
}

MatchResult PersonMatcher::choose_by_names(const MatchRow& row, std::string note,
                                           const std::vector<Person>& born) const {
  MatchResult result;
  struct Scored {
    CandidateScore score;
    const Person* person;
  };
  std::vector<Scored> above;
  double best_below = 0.0;
  for (const Person& person : born) {
    if (row.sex && person.sex != *row.sex) continue;
    CandidateScore score = score_candidate(row, person);
    const bool names_fit =
        score.surname >= policy_.min_name_score && score.given_names >= policy_.min_name_score;
    if (names_fit && score.total >= policy_.threshold) {
      above.push_back({std::move(score), &person});
    } else {
      best_below = std::max(best_below, score.total);
    }
  }
  std::sort(above.begin(), above.end(),
            [](const Scored& a, const Scored& b) { return a.score.total > b.score.total; });
  result.candidates = static_cast<int>(above.size());
  if (above.empty()) {
    result.outcome = MatchOutcome::not_found;
    result.score = best_below;
    result.reason = note + "no person born that day with these names";
    return result;
  }
  const double lead = above.size() > 1 ? above[0].score.total - above[1].score.total : 1.0;
  if (lead < policy_.margin) {
    result.outcome = MatchOutcome::ambiguous;
    result.score = above[0].score.total;
    result.reason = note + std::to_string(above.size()) + " persons fit these names and birth date";
    return result;
  }
  result.outcome = MatchOutcome::matched_name_birth_date;
  result.score = std::min(1.0, above[0].score.total);
  result.reason = note + above[0].score.why;
  result.person = *above[0].person;
  return result;
}

}  // namespace popgate::registry
