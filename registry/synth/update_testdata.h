// Test data for the update service with the truth known: rows drawn from a register and
// corrupted the way real customer registers are (the FEBRL generator's kinds of damage, and
// Finland's own): typos, dropped or reordered given names, diacritics stripped or written out
// (ä as a or ae), a surname from before a marriage, a missing HETU, upper case. Each row
// carries the HETU of the person it was made from, so a matcher's precision and recall can be
// measured against it.
#ifndef POPGATE_REGISTRY_SYNTH_UPDATE_TESTDATA_H_
#define POPGATE_REGISTRY_SYNTH_UPDATE_TESTDATA_H_

#include <span>
#include <string>
#include <vector>

#include "registry/person.h"
#include "registry/random.h"
#include "registry/update_row.h"

namespace popgate::registry {

struct CorruptionRates {
  double missing_hetu = 0.5;      // the row has no HETU: matched by names and birth date
  double typo = 0.15;             // one typo in the surname or a given name
  double drop_given = 0.3;        // only some of the given names
  double reorder_given = 0.1;     // the given names in another order
  double strip_diacritics = 0.2;  // ä -> a, ö -> o, å -> a
  double transliterate = 0.05;    // ä -> ae, ö -> oe, å -> aa
  double old_surname = 0.5;       // the surname before the last change, where there is one
  double upper_case = 0.1;
  double with_municipality = 0.3;  // the row gives the home municipality (a tie-breaker)
  // Off unless asked for (bench_match_quality --date-errors), so that the rows other tools make
  // from a seed stay the same:
  double birth_date_error = 0.0;  // a digit wrong or two transposed, day and month swapped, or
                                  // the wrong century
  double with_postal_code = 0.0;  // the row gives the current address's postal code
  // The municipality and postal code given are another place's, as after a move the client's
  // register missed.
  double outdated_evidence = 0.0;
  // Someone the register does not hold: the person's given names, birth date and place with
  // another person's surname (test_rows; the row has no true HETU).
  double not_in_register = 0.0;
};

// The test set of issue 17.2: every row without a HETU, 8% with a typical birth date error,
// municipality and postal code given for 70% each and outdated for 10%, 2% of the rows for
// persons the register does not hold.
CorruptionRates date_error_rates();

struct TestRow {
  ClientRow row;
  std::string true_hetu;            // whom the row was made from
  std::vector<std::string> damage;  // what was done to it, e.g. "typo", "old_surname"
};

// A corrupted row for `person`; client_ref is `ref`.
TestRow corrupted_row(const Person& person, const std::string& ref, const CorruptionRates& rates,
                      Random& random);

// `count` rows for persons drawn from `persons` (with replacement), corrupted by `rates`;
// client_ref is the row's number from 0.
std::vector<TestRow> test_rows(std::span<const Person> persons, std::size_t count,
                               const CorruptionRates& rates, Random& random);

// One typo of the FEBRL kinds in an ASCII letter of `text`: a letter replaced, inserted,
// deleted, or swapped with the next one. Text without ASCII letters is returned as it is.
std::string with_typo(const std::string& text, Random& random);

}  // namespace popgate::registry

#endif  // POPGATE_REGISTRY_SYNTH_UPDATE_TESTDATA_H_
