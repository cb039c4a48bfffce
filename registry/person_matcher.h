// Matching a client's row to one person of the register: the heart of the update service.
//
// With a HETU the match is exact (after validation): an invalid code is INVALID_ROW, a valid
// one the register does not hold NOT_FOUND, unless the workflow allows falling back to names.
// Without one, the birth date (and the sex, when given) selects the candidates and the names
// decide (registry/name_forms.h): the surname against the current and former surnames and the
// parts of double surnames, the given names as a subset of the register's in any order, small
// typos tolerated. Municipality, postal code and street, when given, break ties. A row is
// matched only when exactly one candidate scores above the threshold, clear of the runner-up
// by a margin: otherwise AMBIGUOUS with the number of candidates, and nothing is disclosed.
// Birth dates are mistyped too (registry/date_typos.h): persons whose surname is filed under
// one of the row's surname keys and who were born on a date the typed one may have meant
// compete as well, when their names agree strongly, a little behind those born that very day
// (less than the margin: a row that could mean either is AMBIGUOUS unless the municipality,
// postal code or street tells them apart).
#ifndef POPGATE_REGISTRY_PERSON_MATCHER_H_
#define POPGATE_REGISTRY_PERSON_MATCHER_H_

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "registry/date.h"
#include "registry/date_typos.h"
#include "registry/person.h"
#include "registry/register_store.h"

namespace popgate::registry {

// What a client's row says about the person it means (already parsed and trimmed).
struct MatchRow {
  std::string hetu;  // empty: none given
  std::string last_name;
  std::string first_names;
  std::optional<Date> birth_date;
  std::optional<Sex> sex;
  std::string municipality;  // 3-digit code; empty: not given
  std::string postal_code;
  std::string street;
};

enum class MatchOutcome {
  matched_hetu,
  matched_name_birth_date,
  ambiguous,
  not_found,
  invalid_row
};

// "MATCHED_HETU", "MATCHED_NAME_BIRTHDATE", "AMBIGUOUS", "NOT_FOUND", "INVALID_ROW".
std::string_view outcome_code(MatchOutcome outcome);

struct MatchResult {
  MatchOutcome outcome = MatchOutcome::not_found;
  // The chosen (or best) candidate's; 1 for a HETU match. NOT_FOUND: the closest candidate's
  // among those whose surname fits, 0 when no one born that day has a surname like the row's.
  double score = 0.0;
  std::string reason;            // one line for the client: why this outcome
  int candidates = 0;            // persons above the threshold (AMBIGUOUS says how many)
  std::optional<Person> person;  // only when matched
  // Matched a person born on another day: how the row's birth date differs from the person's.
  std::optional<DateTypo> birth_date_typo;
};

struct MatchPolicy {
  double threshold = 0.90;              // a candidate's combined score must reach this
  double min_name_score = 0.84;         // and its surname and given names each this
  double margin = 0.03;                 // the best must lead the runner-up by this
  bool hetu_fallback_to_names = false;  // an invalid or unknown HETU: try names
  // Read the persons' family links too: only when the result discloses the family group.
  bool read_family = true;
  // Also persons born on a date the row's may be a mistyping of (see above).
  bool mistyped_birth_dates = true;
  // A match despite a birth date difference says in its reason which evidence agreed. The
  // location evidence is named only where the result discloses it anyway: the municipality
  // with the home municipality group, the postal code and street with the permanent address.
  bool reason_names_municipality = false;
  bool reason_names_address = false;
};

// How well a row's names and address fit a person, in [0, 1.06] (1 for identical names; the
// address tie-breakers add up to 0.06), and why (the name scores only), for the result's
// reason column.
struct CandidateScore {
  double surname = 0.0;
  double given_names = 0.0;
  double total = 0.0;
  std::string why;
};
CandidateScore score_candidate(const MatchRow& row, const Person& person);

// Where a matcher's time went, for the step's log and the benchmarks.
struct MatchPhases {
  std::chrono::nanoseconds hetu_reads{0};  // persons read by HETU
  // Rows without a HETU: the birth dates' candidates read and their names compared, at once
  // (the comparing runs on other threads while the next day is read).
  std::chrono::nanoseconds names_pass{0};
  std::chrono::nanoseconds candidate_reads{0};  // of names_pass: reading the candidates
  std::chrono::nanoseconds name_scoring{0};     // comparing names, summed over the threads
  unsigned scoring_threads = 1;
  std::chrono::nanoseconds person_reads{0};  // candidates read whole (their names fit)
  // Of names_pass: comparing rows with the persons of their surname born on a date the row's
  // may be a mistyping of, summed over the threads (those days are read with the others, in
  // candidate_reads).
  std::chrono::nanoseconds mistyped_dates{0};
};

class PersonMatcher {
 public:
  // Names are compared on `threads` threads (0: one per core); the store is read on the
  // caller's.
  PersonMatcher(RegisterStore& store, MatchPolicy policy, unsigned threads = 0)
      : store_(store),
        policy_(policy),
        threads_(threads != 0 ? threads : std::max(1u, std::thread::hardware_concurrency())) {}
  MatchResult match(const MatchRow& row);
  // The same for many rows: the persons of the rows with a valid HETU are read together
  // (RegisterStore::read_persons), which is several times faster than one by one, and rows
  // without one that share a birth date share the day's candidates. Calls
  // done(i, result) exactly once for each rows[i], in no particular order.
  void match_all(std::span<const MatchRow> rows,
                 const std::function<void(std::size_t, MatchResult&&)>& done);
  const MatchPhases& phases() const { return phases_; }

  // A row's and a candidate's names in the forms scoring compares (person_matcher.cpp).
  struct RowNames;
  struct CandidateNames;

 private:
  class Day;

  MatchResult match_hetu(const MatchRow& row);
  MatchResult hetu_matched(Person&& person) const;
  MatchResult hetu_missed(const MatchRow& row, MatchOutcome outcome, std::string problem);
  MatchResult match_names(const MatchRow& row, std::string note);
  static bool names_complete(const MatchRow& row);
  static MatchResult names_incomplete(const std::string& note);
  struct NameFit;
  struct NamesVerdict;
  // The day's candidates whose names fit the row (pass 1, names only).
  NamesVerdict score_names(const MatchRow& row, Day& day) const;
  // The same for rows[by_names[i]] (sorted by birth date), each day read once; with
  // policy_.mistyped_birth_dates also the persons born on a date a row's may mistype.
  std::vector<NamesVerdict> score_days(std::span<const MatchRow> rows,
                                       const std::vector<std::size_t>& by_names);
  struct RowKeys;
  struct DayWork;
  class FiledSurnames;
  // Adds to fits, as (i, fit), the persons of the day whose names agree strongly with those of
  // rows[by_names[i]] whose birth date may be a mistyping of the day (work.mistyped).
  void add_mistyped_fits(std::span<const MatchRow> rows, const std::vector<std::size_t>& by_names,
                         const RowKeys& keys, DayWork& work,
                         std::vector<std::pair<std::size_t, NameFit>>& fits) const;
  // Reads the persons of the verdicts' fits in the store's order and has each row choose.
  void choose_as_read(std::span<const MatchRow> rows, const std::vector<std::size_t>& by_names,
                      const std::vector<NamesVerdict>& verdicts,
                      const std::function<void(std::size_t, MatchResult&&)>& done);
  // The one of them the row means, clear of the others, if any (pass 2, with the tie-breakers
  // on the persons read whole).
  MatchResult choose_by_names(
      const MatchRow& row, std::string note, const NamesVerdict& verdict,
      const std::function<const Person*(const std::string&)>& person_of) const;
  PersonRead person_read() const;

  RegisterStore& store_;
  MatchPolicy policy_;
  unsigned threads_;
  MatchPhases phases_;
};

}  // namespace popgate::registry

#endif  // POPGATE_REGISTRY_PERSON_MATCHER_H_
