#include "registry/person_matcher.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
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
// Municipality, postal code and street all agreeing.
constexpr double kMaxTieBreakers = 3 * kTieBreaker;
// A person born on a date the row's may be a mistyping of competes only when surname and given
// names each agree at least this well (a typo, a dropped or reordered given name, ä written as
// a: yes; a typo in each: no)...
constexpr double kMistypedDateMinNames = 0.95;
// ... and scores this much below one born that very day: less than the margin, so that a row
// that fits one of each equally is AMBIGUOUS, and one tie-breaker more decides.
constexpr double kMistypedDatePenalty = 0.02;

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

// A surname in the forms scoring compares: whole, and its parts when it has two or more.
struct SurnameForms {
  NameForms whole;
  std::vector<NameForms> parts;
};

SurnameForms surname_forms(const std::string& surname) {
  SurnameForms forms{name_forms(surname), {}};
  if (surname.find_first_of("- ") != std::string::npos) {
    forms.parts = surname_parts(surname);
    if (forms.parts.size() < 2) forms.parts.clear();
  }
  return forms;
}

// The given names in the forms scoring compares: each word, and the parts of a hyphenated
// name written apart ("Anna Maria" for "Anna-Maria").
std::vector<NameForms> given_name_forms(const std::string& first_names) {
  std::vector<NameForms> names = name_words(first_names);
  std::string spaced = first_names;
  std::replace(spaced.begin(), spaced.end(), '-', ' ');
  if (spaced != first_names) {
    for (NameForms& part : name_words(spaced))
      names.push_back(std::move(part));
  }
  return names;
}

}  // namespace

// A person's names in those forms, made once for all the rows that compare with it: the
// surnames at once, the given names only when a row's surname fits (most candidates of a day
// are told apart by their surname alone).
struct PersonMatcher::CandidateNames {
  std::vector<SurnameForms> surnames;  // the current surname, then the former ones
  std::optional<std::vector<NameForms>> given;

  CandidateNames(const std::string& last_name, const std::vector<std::string>& former) {
    surnames.reserve(1 + former.size());
    surnames.push_back(surname_forms(last_name));
    for (const std::string& surname : former)
      surnames.push_back(surname_forms(surname));
  }
  const std::vector<NameForms>& given_names(const std::string& first_names) {
    if (!given) given = given_name_forms(first_names);
    return *given;
  }
};

// A row's names in the same forms, made once per row.
struct PersonMatcher::RowNames {
  SurnameForms surname;
  std::vector<NameForms> given;
  explicit RowNames(const MatchRow& row)
      : surname(surname_forms(row.last_name)), given(name_words(row.first_names)) {
    if (surname.parts.empty() && !surname.whole.empty()) surname.parts = {surname.whole};
  }
};

namespace {

// The best fit of the row's surname to the person's current or a former surname, whole or in
// parts (double surnames either side).
// Exact when it reaches `floor`, otherwise some value below `floor` (similarity_at_least).
double surname_score(const PersonMatcher::RowNames& row,
                     const PersonMatcher::CandidateNames& person, double floor = 0.0) {
  if (row.surname.whole.empty()) return 0.0;
  const double part_floor = floor / kSurnamePartFactor;
  double best = 0.0;
  for (const SurnameForms& surname : person.surnames) {
    best = std::max(best, similarity_at_least(row.surname.whole, surname.whole, floor));
    if (surname.parts.empty() && row.surname.parts.size() < 2) continue;
    const std::span<const NameForms> parts = surname.parts.empty()
                                                 ? std::span<const NameForms>(&surname.whole, 1)
                                                 : std::span<const NameForms>(surname.parts);
    for (const NameForms& a : row.surname.parts) {
      for (const NameForms& b : parts)
        best = std::max(best, kSurnamePartFactor * similarity_at_least(a, b, part_floor));
    }
  }
  return best;
}

// The row's given names must each match a different one of the person's, in any order; the
// person may have more ("Maria" for "Anna Maria"). A hyphenated name may also match its parts
// written apart ("Anna Maria" for "Anna-Maria"). The score is the worst name's.
double given_names_score(const PersonMatcher::RowNames& row_names,
                         const std::vector<NameForms>& names) {
  const std::vector<NameForms>& row = row_names.given;
  if (row.empty() || row.size() > names.size()) return 0.0;
  // Greedy assignment, most certain pairs first: names lists are short (1-5), so the pairs and
  // the marks live on the stack (this runs for every candidate whose surname fits).
  constexpr std::size_t kMaxNames = 16;
  if (names.size() > kMaxNames) return 0.0;  // no one has sixteen given names
  struct Pair {
    double score;
    std::uint8_t row, name;
  };
  std::array<Pair, kMaxNames * kMaxNames> pairs;
  std::size_t count = 0;
  for (std::size_t i = 0; i < row.size(); ++i) {
    for (std::size_t j = 0; j < names.size(); ++j)
      pairs[count++] = {name_similarity(row[i], names[j]), static_cast<std::uint8_t>(i),
                        static_cast<std::uint8_t>(j)};
  }
  std::sort(pairs.begin(), pairs.begin() + static_cast<std::ptrdiff_t>(count),
            [](const Pair& a, const Pair& b) { return a.score > b.score; });
  std::array<bool, kMaxNames> row_done{}, name_used{};
  double worst = 1.0;
  std::size_t assigned = 0;
  for (std::size_t k = 0; k < count; ++k) {
    const Pair& p = pairs[k];
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

bool same_street(const std::string& row_street, const Address* address) {
  return address != nullptr &&
         name_similarity(name_forms(row_street), name_forms(address->street)) >= 0.95;
}

// Of the municipality, postal code and street the row gives, how many more agree with the
// person than contradict it. The reason text says which agreed only where the result discloses
// them anyway (agreeing_evidence): otherwise it would tell the client where a person lives
// beyond what its permit grants. And a person under a non-disclosure for safety is never
// scored by location at all (0), so that neither a match nor its score hints at the address.
int evidence_balance(const MatchRow& row, const Person& person) {
  if (person.has_ban(kBanSafety)) return 0;
  int balance = 0;
  const auto weigh = [&](bool given, bool agrees) {
    if (given) balance += agrees ? 1 : -1;
  };
  weigh(!row.municipality.empty(), row.municipality == person.home_municipality);
  const Address* address = current_address(person);
  weigh(!row.postal_code.empty(), address != nullptr && address->postal_code == row.postal_code);
  weigh(!row.street.empty(), same_street(row.street, address));
  return balance;
}

double tie_breakers(const MatchRow& row, const Person& person) {
  return kTieBreaker * evidence_balance(row, person);
}

// "surname, given names and postal code agree": what a match despite a birth date difference
// rests on, naming the location evidence only where `policy` allows it (never for a person
// under a safety non-disclosure, whose location is not compared at all).
std::string agreeing_evidence(const MatchRow& row, const Person& person,
                              const MatchPolicy& policy) {
  std::vector<std::string> agreeing = {"surname", "given names"};
  if (!person.has_ban(kBanSafety)) {
    const Address* address = current_address(person);
    if (policy.reason_names_municipality && !row.municipality.empty() &&
        row.municipality == person.home_municipality) {
      agreeing.emplace_back("municipality");
    }
    if (policy.reason_names_address && !row.postal_code.empty() && address != nullptr &&
        address->postal_code == row.postal_code) {
      agreeing.emplace_back("postal code");
    }
    if (policy.reason_names_address && !row.street.empty() && same_street(row.street, address))
      agreeing.emplace_back("street");
  }
  std::string text;
  for (std::size_t i = 0; i < agreeing.size(); ++i) {
    if (i > 0) text += i + 1 == agreeing.size() ? " and " : ", ";
    text += agreeing[i];
  }
  return text + " agree";
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
  const PersonMatcher::RowNames row_names(row);
  PersonMatcher::CandidateNames names(person.last_name, person.former_last_names);
  CandidateScore score;
  score.surname = surname_score(row_names, names);
  score.given_names = given_names_score(row_names, names.given_names(person.first_names));
  score.why =
      "surname " + two_decimals(score.surname) + ", given names " + two_decimals(score.given_names);
  score.total = (score.surname + score.given_names) / 2.0 + tie_breakers(row, person);
  return score;
}

// The candidates of one birth date, shared by the rows born that day. Their names' forms are
// made on first use, once for all those rows.
class PersonMatcher::Day {
 public:
  Day(PersonMatcher& matcher, const Date& day) {
    const auto start = std::chrono::steady_clock::now();
    candidates_ = matcher.store_.name_candidates_born(day, std::nullopt);
    matcher.phases_.candidate_reads += std::chrono::steady_clock::now() - start;
    names_.resize(candidates_.size());
  }

  std::size_t size() const { return candidates_.size(); }
  const NameCandidate& candidate(std::size_t i) const { return candidates_[i]; }

  CandidateNames& names(std::size_t i) {
    if (!names_[i]) names_[i].emplace(candidates_[i].last_name, candidates_[i].former_last_names);
    return *names_[i];
  }
  const std::vector<NameForms>& given_names(std::size_t i) {
    return names(i).given_names(candidates_[i].first_names);
  }

 private:
  std::vector<NameCandidate> candidates_;
  std::vector<std::optional<CandidateNames>> names_;
};

// A candidate whose names fit a row well enough that its address may decide: the tie-breakers
// need the whole person.
struct PersonMatcher::NameFit {
  std::string hetu;
  double surname = 0.0;
  double given_names = 0.0;
  std::optional<DateTypo> typo;  // born on a date the row's may be a mistyping of
  // The row's names are the person's in full: the surname and every given name.
  bool same_names = false;
};

// What a row's names say of a day's candidates.
struct PersonMatcher::NamesVerdict {
  std::vector<NameFit> fits;
  // The closest of the others whose surname fits, by their names alone; 0 when no surname does.
  double best_below = 0.0;
};

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
  const auto start = std::chrono::steady_clock::now();
  store_.read_persons(codes, person_read(), [&](std::size_t k, Person&& person) {
    held[k] = true;
    done(owners[k], hetu_matched(std::move(person)));
  });
  phases_.hetu_reads += std::chrono::steady_clock::now() - start;
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
  std::vector<NamesVerdict> verdicts = score_days(rows, by_names);
  add_mistyped_date_fits(rows, by_names, verdicts);
  // Then, as for HETUs, the persons whose names fit a row are read together in the store's
  // order (one by one they were most of the time), and each row chooses among its own.
  choose_as_read(rows, by_names, verdicts, done);
}

// The rows are filed under their surname keys like the persons are, and the store reads each
// key's persons once for all its rows, in key order. A person is read whole only when one of
// the key's rows may have meant its birth date, and could agree with its sex and given names
// (their initials); those whose names then agree strongly join the row's verdict. The keys go
// to the store in chunks, each with the days its rows may have meant (some 45 a row), which
// bounds the memory whatever the batch.
void PersonMatcher::add_mistyped_date_fits(std::span<const MatchRow> rows,
                                           const std::vector<std::size_t>& by_names,
                                           std::vector<NamesVerdict>& verdicts) {
  static_assert(kMistypedDateMinNames >= kInitialsMinSimilarity,
                "the initials pass over persons only names this close would have kept");
  if (!policy_.mistyped_birth_dates || by_names.empty()) return;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::pair<std::string, std::size_t>> filed;  // key, i of by_names
  for (std::size_t i = 0; i < by_names.size(); ++i) {
    for (std::string& key : surname_keys(rows[by_names[i]].last_name))
      filed.emplace_back(std::move(key), i);
  }
  std::sort(filed.begin(), filed.end());
  std::vector<std::vector<std::uint64_t>> asked(by_names.size());
  for (std::size_t i = 0; i < by_names.size(); ++i)
    asked[i] = initials_asked(rows[by_names[i]].first_names);

  // A day some row of the chunk's k-th key may have meant.
  struct Meant {
    std::uint32_t k;
    std::int32_t day;
    std::uint32_t i;  // of by_names
    auto operator<=>(const Meant&) const = default;
  };
  constexpr std::size_t kChunkDays = 1 << 20;  // 12 MiB of Meant
  std::vector<std::string> keys;
  std::vector<Meant> meant;              // sorted
  std::vector<std::size_t> meant_start;  // keys[k]'s are meant[meant_start[k], [k + 1])
  const auto rows_meaning = [&](std::size_t k, std::int32_t day, std::size_t from) {
    const auto end = meant.begin() + static_cast<std::ptrdiff_t>(meant_start[k + 1]);
    const auto first = std::lower_bound(meant.begin() + static_cast<std::ptrdiff_t>(from), end, day,
                                        [](const Meant& m, std::int32_t d) { return m.day < d; });
    auto last = first;
    while (last != end && last->day == day)
      ++last;
    return std::pair(first, last);
  };
  // The store asks about a key's entries mostly in date order: each search starts where the
  // last one of the key ended, unless the date went back.
  std::size_t cursor_k = 0, cursor = 0;
  std::int32_t cursor_day = 0;
  const auto wanted = [&](std::size_t k, const SurnameEntry& entry) {
    const auto day = static_cast<std::int32_t>(entry.birth_date.to_days());
    if (k != cursor_k || day < cursor_day) cursor = meant_start[k];
    const auto [from, to] = rows_meaning(k, day, cursor);
    cursor_k = k;
    cursor_day = day;
    cursor = static_cast<std::size_t>(from - meant.begin());
    return std::any_of(from, to, [&](const Meant& m) {
      const MatchRow& row = rows[by_names[m.i]];
      return (!row.sex || *row.sex == entry.sex) &&
             initials_may_agree(asked[m.i], entry.given_initials);
    });
  };
  // The names of the chunk's rows, made once for all the persons they are compared with.
  std::vector<std::unique_ptr<RowNames>> row_names(by_names.size());
  std::vector<std::size_t> named;  // whose row_names are made
  const auto names_of = [&](std::size_t i) -> const RowNames& {
    if (!row_names[i]) {
      row_names[i] = std::make_unique<RowNames>(rows[by_names[i]]);
      named.push_back(i);
    }
    return *row_names[i];
  };
  const auto found = [&](std::size_t k, NameCandidate&& candidate) {
    std::optional<CandidateNames> names;
    const auto [from, to] =
        rows_meaning(k, static_cast<std::int32_t>(candidate.birth_date.to_days()), meant_start[k]);
    for (auto it = from; it != to; ++it) {
      const MatchRow& row = rows[by_names[it->i]];
      if (row.sex && candidate.sex != *row.sex) continue;
      NamesVerdict& verdict = verdicts[it->i];
      if (std::any_of(verdict.fits.begin(), verdict.fits.end(),
                      [&](const NameFit& fit) { return fit.hetu == candidate.hetu; })) {
        continue;  // filed under two of the row's keys
      }
      if (!names) names.emplace(candidate.last_name, candidate.former_last_names);
      const RowNames& row_forms = names_of(it->i);
      const double surname = surname_score(row_forms, *names, kMistypedDateMinNames);
      if (surname < kMistypedDateMinNames) continue;
      const double given = given_names_score(row_forms, names->given_names(candidate.first_names));
      if (given < kMistypedDateMinNames) continue;
      const bool same_names = surname == 1.0 && given == 1.0 &&
                              row_forms.given.size() >= name_words(candidate.first_names).size();
      verdict.fits.push_back({candidate.hetu, surname, given,
                              date_typo(*row.birth_date, candidate.birth_date), same_names});
    }
  };
  const auto read_chunk = [&] {
    meant_start.push_back(meant.size());
    cursor_k = keys.size();
    store_.name_candidates_by_surname(keys, wanted, found);
    keys.clear();
    meant.clear();
    meant_start.clear();
    for (const std::size_t i : named)
      row_names[i].reset();
    named.clear();
  };
  for (std::size_t first = 0; first < filed.size();) {
    std::size_t end = first;
    while (end < filed.size() && filed[end].first == filed[first].first)
      ++end;
    const auto k = static_cast<std::uint32_t>(keys.size());
    keys.push_back(filed[first].first);
    meant_start.push_back(meant.size());
    for (std::size_t f = first; f < end; ++f) {
      const std::size_t i = filed[f].second;
      for (const Date& day : mistyping_candidates(*rows[by_names[i]].birth_date))
        meant.push_back(
            {k, static_cast<std::int32_t>(day.to_days()), static_cast<std::uint32_t>(i)});
    }
    std::sort(meant.begin() + static_cast<std::ptrdiff_t>(meant_start.back()), meant.end());
    if (meant.size() >= kChunkDays) read_chunk();
    first = end;
  }
  if (!keys.empty()) read_chunk();
  phases_.mistyped_dates += std::chrono::steady_clock::now() - start;
}

// A row chooses as soon as the last of its fitting persons has been read, so that only the
// persons of rows still waiting are held (most rows have one fit: none is held for them).
void PersonMatcher::choose_as_read(std::span<const MatchRow> rows,
                                   const std::vector<std::size_t>& by_names,
                                   const std::vector<NamesVerdict>& verdicts,
                                   const std::function<void(std::size_t, MatchResult&&)>& done) {
  std::vector<std::string> fitting;
  for (const NamesVerdict& verdict : verdicts)
    for (const NameFit& fit : verdict.fits)
      fitting.push_back(fit.hetu);
  std::sort(fitting.begin(), fitting.end());
  fitting.erase(std::unique(fitting.begin(), fitting.end()), fitting.end());
  const auto index_of = [&fitting](const std::string& hetu) {
    return static_cast<std::size_t>(std::lower_bound(fitting.begin(), fitting.end(), hetu) -
                                    fitting.begin());
  };
  std::vector<std::vector<std::size_t>> rows_of(fitting.size());  // verdicts that name it
  std::vector<std::size_t> unread(verdicts.size());               // fits not read yet
  for (std::size_t i = 0; i < verdicts.size(); ++i) {
    for (const NameFit& fit : verdicts[i].fits)
      rows_of[index_of(fit.hetu)].push_back(i);
    unread[i] = verdicts[i].fits.size();
  }
  std::vector<std::optional<Person>> held(fitting.size());
  std::vector<std::size_t> holders(fitting.size(), 0);  // waiting rows that need held[k]
  const auto person_of = [&](const std::string& hetu) -> const Person* {
    const std::optional<Person>& person = held[index_of(hetu)];
    return person ? &*person : nullptr;
  };
  const auto choose = [&](std::size_t i) {
    done(by_names[i], choose_by_names(rows[by_names[i]], "", verdicts[i], person_of));
    for (const NameFit& fit : verdicts[i].fits) {
      const std::size_t k = index_of(fit.hetu);
      if (--holders[k] == 0) held[k].reset();
    }
  };
  for (std::size_t i = 0; i < verdicts.size(); ++i)
    if (verdicts[i].fits.empty()) choose(i);  // NOT_FOUND: nothing to read
  std::chrono::nanoseconds choosing{0};
  const auto start = std::chrono::steady_clock::now();
  store_.read_persons(fitting, person_read(), [&](std::size_t k, Person&& person) {
    const auto chosen_from = std::chrono::steady_clock::now();
    held[k] = std::move(person);
    holders[k] = rows_of[k].size();
    for (const std::size_t i : rows_of[k])
      if (--unread[i] == 0) choose(i);
    choosing += std::chrono::steady_clock::now() - chosen_from;
  });
  phases_.person_reads += std::chrono::steady_clock::now() - start - choosing;
  // Rows whose fitting persons were not all found (removed from the register since).
  for (std::size_t i = 0; i < verdicts.size(); ++i)
    if (unread[i] != 0) {
      unread[i] = 0;
      done(by_names[i], choose_by_names(rows[by_names[i]], "", verdicts[i], person_of));
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
  Day day(*this, *row.birth_date);
  const auto start = std::chrono::steady_clock::now();
  std::vector<NamesVerdict> verdicts = {score_names(row, day)};
  phases_.name_scoring += std::chrono::steady_clock::now() - start;
  phases_.names_pass += std::chrono::steady_clock::now() - start;
  add_mistyped_date_fits(std::span(&row, 1), {0}, verdicts);
  const NamesVerdict& verdict = verdicts.front();
  std::vector<std::pair<std::string, std::optional<Person>>> persons;
  const auto read_start = std::chrono::steady_clock::now();
  for (const NameFit& fit : verdict.fits)
    persons.emplace_back(fit.hetu, store_.read_person(fit.hetu, person_read()));
  phases_.person_reads += std::chrono::steady_clock::now() - read_start;
  return choose_by_names(row, std::move(note), verdict, [&](const std::string& hetu) {
    for (const auto& [code, person] : persons)
      if (code == hetu && person) return &*person;
    return static_cast<const Person*>(nullptr);
  });
}

// The store is read on this thread, a day at a time (its connection is not shared); the names
// are compared on `threads` workers, a whole day each (a day's candidates' forms are made on
// first use, by the one worker that has the day). At most kQueuedDays wait, which bounds the
// memory whatever the batch.
std::vector<PersonMatcher::NamesVerdict> PersonMatcher::score_days(
    std::span<const MatchRow> rows, const std::vector<std::size_t>& by_names) {
  struct DayWork {
    std::unique_ptr<Day> day;
    std::size_t first = 0, end = 0;  // its rows: by_names[first, end)
  };
  constexpr std::size_t kQueuedDays = 64;
  const auto pass_start = std::chrono::steady_clock::now();
  std::vector<NamesVerdict> verdicts(by_names.size());
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<DayWork> queue;
  bool reading = true;
  std::exception_ptr failure;
  std::chrono::nanoseconds scoring{0};
  const auto work = [&] {
    std::chrono::nanoseconds busy{0};
    for (;;) {
      DayWork next;
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return !queue.empty() || !reading || failure; });
        if (queue.empty() || failure) break;
        next = std::move(queue.front());
        queue.pop_front();
      }
      changed.notify_all();  // room in the queue
      const auto start = std::chrono::steady_clock::now();
      try {
        for (std::size_t i = next.first; i < next.end; ++i)
          verdicts[i] = score_names(rows[by_names[i]], *next.day);
      } catch (...) {
        {
          std::lock_guard lock(mutex);
          failure = std::current_exception();
        }
        changed.notify_all();  // the reader may be waiting for room in the queue
      }
      busy += std::chrono::steady_clock::now() - start;
    }
    std::lock_guard lock(mutex);
    scoring += busy;
  };
  std::vector<std::jthread> workers;
  for (unsigned t = 0; t < threads_; ++t)
    workers.emplace_back(work);
  try {
    for (std::size_t first = 0; first < by_names.size();) {
      const std::optional<Date>& day = rows[by_names[first]].birth_date;
      std::size_t end = first;
      while (end < by_names.size() && rows[by_names[end]].birth_date == day)
        ++end;
      DayWork next{std::make_unique<Day>(*this, *day), first, end};
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return queue.size() < kQueuedDays || failure; });
      if (failure) break;
      queue.push_back(std::move(next));
      lock.unlock();
      changed.notify_all();
      first = end;
    }
  } catch (...) {
    std::lock_guard lock(mutex);
    failure = std::current_exception();
  }
  {
    std::lock_guard lock(mutex);
    reading = false;
  }
  changed.notify_all();
  workers.clear();  // joins
  if (failure) std::rethrow_exception(failure);
  phases_.name_scoring += scoring;
  phases_.scoring_threads = threads_;
  phases_.names_pass += std::chrono::steady_clock::now() - pass_start;
  return verdicts;
}

PersonMatcher::NamesVerdict PersonMatcher::score_names(const MatchRow& row, Day& day) const {
  const RowNames row_names(row);
  NamesVerdict verdict;
  for (std::size_t i = 0; i < day.size(); ++i) {
    if (row.sex && day.candidate(i).sex != *row.sex) continue;
    // A candidate whose surname is not close is out, whatever its given names: most of a
    // day's are, ruled out by surname_score's bound alone.
    const double surname = surname_score(row_names, day.names(i), policy_.min_name_score);
    if (surname < policy_.min_name_score) continue;
    const double given = given_names_score(row_names, day.given_names(i));
    const double names = (surname + given) / 2.0;
    if (given < policy_.min_name_score || names + kMaxTieBreakers < policy_.threshold) {
      verdict.best_below = std::max(verdict.best_below, names);
      continue;
    }
    verdict.fits.push_back({day.candidate(i).hetu, surname, given, std::nullopt, false});
  }
  return verdict;
}

MatchResult PersonMatcher::choose_by_names(
    const MatchRow& row, std::string note, const NamesVerdict& verdict,
    const std::function<const Person*(const std::string&)>& person_of) const {
  struct Scored {
    CandidateScore score;
    const Person* person;
    std::optional<DateTypo> typo;
    bool eligible = true;  // may be chosen (else it only stands in the way of others)
  };
  std::vector<Scored> above;
  double best_below = verdict.best_below;
  for (const NameFit& fit : verdict.fits) {
    const Person* person = person_of(fit.hetu);
    if (person == nullptr) continue;  // removed from the register since the day was read
    const int balance = evidence_balance(row, *person);
    // A birth date that differs and a place that contradicts more than it agrees: two
    // discrepancies, as often another person of those names (measured: all the wrong matches
    // of bench_match_quality --date-errors were such, rows with one of a person's given
    // names) as one who moved. Chosen only when the names are the person's in full; otherwise
    // still a person the row may mean, who keeps the others from being chosen.
    const bool eligible = !fit.typo || balance >= 0 || fit.same_names;
    CandidateScore score;
    score.surname = fit.surname;
    score.given_names = fit.given_names;
    score.total = (fit.surname + fit.given_names) / 2.0 + kTieBreaker * balance -
                  (fit.typo ? kMistypedDatePenalty : 0.0);
    if (score.total < policy_.threshold) {
      best_below = std::max(best_below, score.total);
      continue;
    }
    score.why = fit.typo ? "birth date differs: " + std::string(describe(*fit.typo)) + "; " +
                               agreeing_evidence(row, *person, policy_)
                         : "surname " + two_decimals(score.surname) + ", given names " +
                               two_decimals(score.given_names);
    above.push_back({std::move(score), person, fit.typo, eligible});
  }
  std::sort(above.begin(), above.end(),
            [](const Scored& a, const Scored& b) { return a.score.total > b.score.total; });
  MatchResult result;
  result.candidates = static_cast<int>(above.size());
  if (above.empty()) {
    result.outcome = MatchOutcome::not_found;
    result.score = best_below;
    result.reason = note + "no person born that day with these names";
  } else if (above.size() > 1 && above[0].score.total - above[1].score.total < policy_.margin) {
    result.outcome = MatchOutcome::ambiguous;
    result.score = above[0].score.total;
    const bool mistyped =
        std::any_of(above.begin(), above.end(), [](const Scored& s) { return s.typo.has_value(); });
    result.reason = note + std::to_string(above.size()) + " persons fit these names and " +
                    (mistyped ? "this birth date or a mistyping of it" : "birth date");
  } else if (!above[0].eligible) {
    result.outcome = MatchOutcome::not_found;
    result.score = above[0].score.total;
    result.reason = note +
                    "no person born that day with these names; one born on a date this one may "
                    "mistype has them, but too little else agrees";
  } else {
    result.outcome = MatchOutcome::matched_name_birth_date;
    result.score = std::min(1.0, above[0].score.total);
    result.reason = note + above[0].score.why;
    result.person = *above[0].person;
    result.birth_date_typo = above[0].typo;
  }
  return result;
}

}  // namespace popgate::registry
