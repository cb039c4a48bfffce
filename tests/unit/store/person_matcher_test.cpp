// The matcher against a real SQLite register with the hard cases side by side: twins, a
// parent and child with the same name, a married name, a double surname, typos, diacritics.
#include "registry/person_matcher.h"

#include <gtest/gtest.h>

#include "adapters/store/sqlite_register_store.h"
#include "tests/unit/test_support/register_samples.h"

namespace popgate::registry {
namespace {

using store::SqliteRegisterStore;

Person person(int number, const std::string& first, const std::string& last, Date born,
              Sex sex = Sex::female, std::vector<std::string> former = {}) {
  Person p;
  p.hetu = testing::hetu(born.day, born.month, born.year, number);
  p.first_names = first;
  p.last_name = last;
  p.former_last_names = std::move(former);
  p.sex = sex;
  p.birth_date = born;
  p.mother_tongue = "fi";
  p.home_municipality = "091";
  p.addresses = {{AddressKind::permanent, "Koivukatu 12", "A 5", "00100", "Helsinki", "FI",
                  Date{2001, 6, 1}, std::nullopt}};
  return p;
}

MatchRow row(const std::string& first, const std::string& last, Date born) {
  MatchRow r;
  r.first_names = first;
  r.last_name = last;
  r.birth_date = born;
  return r;
}

// A register of these persons in `dir`.
std::unique_ptr<SqliteRegisterStore> register_of(const testing::TempDir& dir,
                                                 std::vector<Person>& persons) {
  auto store =
      SqliteRegisterStore::open(dir.file("register.db"), SqliteRegisterStore::Mode::read_write);
  auto tx = store->begin();
  for (Person& p : persons)
    tx->put_person(p);
  tx->commit();
  return store;
}

class PersonMatcherTest : public ::testing::Test {
 protected:
  PersonMatcherTest() { store_ = register_of(dir_, persons_); }

  MatchResult match(const MatchRow& r, MatchPolicy policy = {}) {
    PersonMatcher matcher(*store_, policy);
    return matcher.match(r);
  }

  static constexpr Date kBorn{1980, 5, 17};
  static constexpr Date kTwins{1992, 11, 3};
  testing::TempDir dir_;
  std::unique_ptr<SqliteRegisterStore> store_;
  std::vector<Person> persons_ = {
      person(2, "Anna Maria", "Mäkinen", kBorn, Sex::female, {"Virtanen"}),
      person(4, "Liisa", "Korhonen-Nieminen", kBorn),
      person(3, "Matti Juhani", "Laine", kBorn, Sex::male),
      person(6, "Aino Maria", "Heikkinen", kTwins),  // twins: same surname and birth date
      person(8, "Aada Maria", "Heikkinen", kTwins),
      person(5, "Mikko", "Virtanen", Date{1960, 5, 17}, Sex::male),  // father and son
      person(7, "Mikko", "Virtanen", Date{1985, 5, 17}, Sex::male),
      person(10, "Anna-Maria", "Lehtonen", kBorn),
  };
};

TEST_F(PersonMatcherTest, AValidHetuMatchesExactly) {
  MatchRow r;
  r.hetu = persons_[2].hetu;
  const MatchResult m = match(r);
  EXPECT_EQ(m.outcome, MatchOutcome::matched_hetu);
  ASSERT_TRUE(m.person);
  EXPECT_EQ(m.person->last_name, "Laine");
}

TEST_F(PersonMatcherTest, AnInvalidHetuIsAnInvalidRowUnlessFallingBackToNames) {
  MatchRow r = row("Matti", "Laine", kBorn);
  r.hetu = persons_[2].hetu;
  r.hetu.back() = r.hetu.back() == 'A' ? 'B' : 'A';  // wrong check character
  MatchResult m = match(r);
  EXPECT_EQ(m.outcome, MatchOutcome::invalid_row);
  EXPECT_NE(m.reason.find("check character"), std::string::npos) << m.reason;
  MatchPolicy fallback;
  fallback.hetu_fallback_to_names = true;
  m = match(r, fallback);
  EXPECT_EQ(m.outcome, MatchOutcome::matched_name_birth_date) << m.reason;
  EXPECT_NE(m.reason.find("invalid HETU"), std::string::npos) << m.reason;
}

TEST_F(PersonMatcherTest, TheOtherCenturySignIsAnotherCode) {
  MatchRow r;
  r.hetu = persons_[2].hetu;
  ASSERT_EQ(r.hetu[6], '-');
  r.hetu[6] = 'Y';  // same digits, new-style 1900s sign: a different identity
  EXPECT_EQ(match(r).outcome, MatchOutcome::not_found);
}

TEST_F(PersonMatcherTest, NamesAreMatchedThroughDiacriticsOrderSubsetsAndTypos) {
  for (const auto& [first, last] : std::vector<std::pair<std::string, std::string>>{
           {"Anna Maria", "Mäkinen"},
           {"MARIA", "MAKINEN"},
           {"Maria Anna", "Maekinen"},
           {"Anna", "Mäkinan"},         // a typo
           {"Anna Maria", "Virtanen"},  // her name before marriage
       }) {
    const MatchResult m = match(row(first, last, kBorn));
    EXPECT_EQ(m.outcome, MatchOutcome::matched_name_birth_date)
        << first << " " << last << ": " << m.reason;
    ASSERT_TRUE(m.person) << first << " " << last;
    EXPECT_EQ(m.person->hetu, persons_[0].hetu);
  }
  EXPECT_EQ(match(row("Liisa", "Nieminen", kBorn)).person->hetu, persons_[1].hetu)
      << "one part of a double surname";
  EXPECT_EQ(match(row("Anna Maria", "Lehtonen", kBorn)).person->hetu, persons_[7].hetu)
      << "a hyphenated given name written apart";
}

TEST_F(PersonMatcherTest, TwinsAreToldApartByTheirGivenNamesOrNotAtAll) {
  EXPECT_EQ(match(row("Aino", "Heikkinen", kTwins)).person->hetu, persons_[3].hetu);
  EXPECT_EQ(match(row("Aada", "Heikkinen", kTwins)).person->hetu, persons_[4].hetu);
  const MatchResult m = match(row("Maria", "Heikkinen", kTwins));  // the name they share
  EXPECT_EQ(m.outcome, MatchOutcome::ambiguous) << m.reason;
  EXPECT_EQ(m.candidates, 2);
  EXPECT_FALSE(m.person) << "nothing is disclosed for an ambiguous row";
}

TEST_F(PersonMatcherTest, AFatherAndSonOfTheSameNameDifferByBirthDate) {
  EXPECT_EQ(match(row("Mikko", "Virtanen", Date{1985, 5, 17})).person->hetu, persons_[6].hetu);
  // 1972 is no mistyping of 1960 or 1985 (1970 would be of 1960: one digit).
  EXPECT_EQ(match(row("Mikko", "Virtanen", Date{1972, 5, 17})).outcome, MatchOutcome::not_found);
}

TEST_F(PersonMatcherTest, SexFiltersCandidates) {
  MatchRow r = row("Matti", "Laine", kBorn);
  r.sex = Sex::female;
  EXPECT_EQ(match(r).outcome, MatchOutcome::not_found);
}

TEST_F(PersonMatcherTest, AnUnrelatedNameIsNotFoundAndMissingFieldsAreInvalid) {
  EXPECT_EQ(match(row("Pekka", "Nurmi", kBorn)).outcome, MatchOutcome::not_found);
  MatchRow r = row("Anna", "", kBorn);
  EXPECT_EQ(match(r).outcome, MatchOutcome::invalid_row);
  r = row("Anna", "Mäkinen", kBorn);
  r.birth_date.reset();
  EXPECT_EQ(match(r).outcome, MatchOutcome::invalid_row);
}

// match_all reads the HETU rows' persons together, in the store's order: every row must still
// get exactly the result match() gives it, under its own index.
TEST_F(PersonMatcherTest, MatchingManyRowsGivesEachRowWhatMatchingItAloneGives) {
  std::vector<MatchRow> rows;
  for (const Person& p : persons_) {  // by HETU, in the register's reverse key order
    MatchRow r;
    r.hetu = p.hetu;
    rows.insert(rows.begin(), r);
  }
  rows.push_back(rows.front());  // the same person twice
  MatchRow invalid;
  invalid.hetu = "170580-002X";
  rows.push_back(invalid);
  MatchRow unknown;
  unknown.hetu = testing::hetu(1, 1, 1901, 2);
  rows.push_back(unknown);
  MatchRow unknown_with_names = row("Matti", "Laine", kBorn);
  unknown_with_names.hetu = testing::hetu(2, 2, 1902, 3);
  rows.push_back(unknown_with_names);
  rows.push_back(row("Anna", "Virtanen", kBorn));
  rows.push_back(row("Maria", "Heikkinen", kTwins));
  rows.push_back(row("Nemo", "Nobody", kBorn));
  rows.push_back(row("Mikko", "Virtanen", Date{1970, 5, 17}));  // a mistyped 1960
  rows.push_back(row("Aino", "Heikkinen", Date{1992, 3, 11}));  // day and month swapped
  for (const bool fallback : {false, true}) {
    MatchPolicy policy;
    policy.hetu_fallback_to_names = fallback;
    PersonMatcher matcher(*store_, policy);
    std::vector<std::optional<MatchResult>> all(rows.size());
    matcher.match_all(rows, [&all](std::size_t i, MatchResult&& result) {
      ASSERT_LT(i, all.size());
      EXPECT_FALSE(all[i].has_value()) << "row " << i << " answered twice";
      all[i] = std::move(result);
    });
    for (std::size_t i = 0; i < rows.size(); ++i) {
      ASSERT_TRUE(all[i].has_value()) << "row " << i << " never answered";
      const MatchResult alone = matcher.match(rows[i]);
      EXPECT_EQ(all[i]->outcome, alone.outcome) << "row " << i;
      EXPECT_EQ(all[i]->reason, alone.reason) << "row " << i;
      EXPECT_EQ(all[i]->score, alone.score) << "row " << i;
      ASSERT_EQ(all[i]->person.has_value(), alone.person.has_value()) << "row " << i;
      if (alone.person) {
        EXPECT_EQ(all[i]->person->hetu, alone.person->hetu) << "row " << i;
      }
    }
    EXPECT_EQ(all[0]->outcome, MatchOutcome::matched_hetu);
    EXPECT_EQ(all[0]->person->hetu, persons_.back().hetu);
    EXPECT_EQ(all[rows.size() - 5]->outcome, MatchOutcome::matched_name_birth_date);
    EXPECT_EQ(all[rows.size() - 2]->birth_date_typo, DateTypo::digit);
    EXPECT_EQ(all[rows.size() - 2]->person->hetu, persons_[5].hetu);
    EXPECT_EQ(all[rows.size() - 1]->birth_date_typo, DateTypo::day_month);
    EXPECT_EQ(all[rows.size() - 1]->person->hetu, persons_[3].hetu);
  }
}

// The names are compared on worker threads, a birth date each: any number of them gives each
// row what one thread gives it.
TEST_F(PersonMatcherTest, MatchingOnManyThreadsGivesWhatOneGives) {
  std::vector<MatchRow> rows;
  for (int copy = 0; copy < 5; ++copy) {
    for (const Person& p : persons_) {
      rows.push_back(row(p.first_names, p.last_name, p.birth_date));
      rows.push_back(row(p.first_names.substr(0, p.first_names.find(' ')),
                         p.former_last_names.empty() ? p.last_name : p.former_last_names.front(),
                         p.birth_date));
      rows.push_back(row("Nemo", p.last_name, p.birth_date));
    }
  }
  const auto match_on = [&](unsigned threads) {
    PersonMatcher matcher(*store_, MatchPolicy{}, threads);
    std::vector<MatchResult> all(rows.size());
    matcher.match_all(rows, [&all](std::size_t i, MatchResult&& result) { all[i] = result; });
    EXPECT_EQ(matcher.phases().scoring_threads, threads);
    return all;
  };
  const std::vector<MatchResult> one = match_on(1);
  for (const unsigned threads : {2u, 4u}) {
    const std::vector<MatchResult> many = match_on(threads);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      EXPECT_EQ(many[i].outcome, one[i].outcome) << "row " << i;
      EXPECT_EQ(many[i].score, one[i].score) << "row " << i;
      EXPECT_EQ(many[i].reason, one[i].reason) << "row " << i;
      EXPECT_EQ(many[i].person.has_value() ? many[i].person->hetu : "",
                one[i].person.has_value() ? one[i].person->hetu : "")
          << "row " << i;
    }
  }
  EXPECT_EQ(one[0].outcome, MatchOutcome::matched_name_birth_date);
}

// Issue 17.2: rows whose birth date is mistyped, with the issue's own example (a Korhonen
// Emilia born 1983-09-16 written 1938-09-16, the birth date of another Emilia Korhonen).
class MistypedBirthDateTest : public ::testing::Test {
 protected:
  MistypedBirthDateTest() {
    persons_[1].home_municipality = "837";
    persons_[1].addresses[0].postal_code = "33100";
    persons_[3].former_last_names = {"Järvinen"};
    store_ = register_of(dir_, persons_);
  }

  MatchResult match(const MatchRow& r, MatchPolicy policy = {}) {
    PersonMatcher matcher(*store_, policy);
    return matcher.match(r);
  }
  static MatchRow located(MatchRow r, const std::string& municipality,
                          const std::string& postal_code) {
    r.municipality = municipality;
    r.postal_code = postal_code;
    return r;
  }

  testing::TempDir dir_;
  std::unique_ptr<SqliteRegisterStore> store_;
  std::vector<Person> persons_ = {
      person(2, "Emilia", "Korhonen", Date{1983, 9, 16}),       // Helsinki, 00100
      person(4, "Nora Emilia", "Korhonen", Date{1938, 9, 16}),  // Tampere, 33100
      person(3, "Kalle Johannes", "Salo", Date{1975, 3, 4}, Sex::male),
      person(6, "Liisa", "Lahti", Date{1990, 2, 11}),
  };
};

TEST_F(MistypedBirthDateTest, EachKindOfMistypingFindsThePersonWhenNoOneElseFits) {
  const std::vector<std::pair<Date, DateTypo>> typed = {
      {{1975, 4, 3}, DateTypo::day_month},  {{1985, 3, 4}, DateTypo::digit},
      {{1957, 3, 4}, DateTypo::transposed}, {{1875, 3, 4}, DateTypo::century},
      {{2075, 3, 4}, DateTypo::century},    {{1975, 3, 7}, DateTypo::digit},
  };
  for (const auto& [date, kind] : typed) {
    const MatchResult m = match(row("Kalle", "Salo", date));
    ASSERT_EQ(m.outcome, MatchOutcome::matched_name_birth_date) << date.iso() << ": " << m.reason;
    EXPECT_EQ(m.person->hetu, persons_[2].hetu);
    EXPECT_EQ(m.birth_date_typo, kind) << date.iso();
    EXPECT_EQ(m.reason, "birth date differs: " + std::string(describe(kind)) +
                            "; surname and given names agree");
    EXPECT_LT(m.score, 1.0);
  }
  const MatchResult exact = match(row("Kalle", "Salo", Date{1975, 3, 4}));
  EXPECT_FALSE(exact.birth_date_typo);
  EXPECT_EQ(exact.reason, "surname 1.00, given names 1.00");
  EXPECT_EQ(match(row("Kalle", "Salo", Date{1976, 4, 4})).outcome, MatchOutcome::not_found)
      << "two digits wrong is no typical mistyping";
  MatchRow female = row("Kalle", "Salo", Date{1975, 4, 3});
  female.sex = Sex::female;
  EXPECT_EQ(match(female).outcome, MatchOutcome::not_found);
  MatchPolicy strict;
  strict.mistyped_birth_dates = false;
  EXPECT_EQ(match(row("Kalle", "Salo", Date{1975, 4, 3}), strict).outcome, MatchOutcome::not_found);
}

TEST_F(MistypedBirthDateTest, AFormerSurnameFindsThePersonToo) {
  const MatchResult m = match(row("Liisa", "Järvinen", Date{1990, 11, 2}));
  ASSERT_EQ(m.outcome, MatchOutcome::matched_name_birth_date) << m.reason;
  EXPECT_EQ(m.person->hetu, persons_[3].hetu);
  EXPECT_EQ(m.birth_date_typo, DateTypo::day_month);
}

TEST_F(MistypedBirthDateTest, ARowThatCouldMeanEitherIsAmbiguousUnlessThePlaceDecides) {
  const MatchRow typed = row("Emilia", "Korhonen", Date{1938, 9, 16});
  MatchResult m = match(typed);
  EXPECT_EQ(m.outcome, MatchOutcome::ambiguous) << m.reason;
  EXPECT_EQ(m.candidates, 2);
  EXPECT_EQ(m.reason, "2 persons fit these names and this birth date or a mistyping of it");
  EXPECT_FALSE(m.person);
  // The 1983 Emilia's municipality and postal code: she is meant, and the other contradicted.
  m = match(located(typed, "091", "00100"));
  ASSERT_EQ(m.outcome, MatchOutcome::matched_name_birth_date) << m.reason;
  EXPECT_EQ(m.person->hetu, persons_[0].hetu);
  EXPECT_EQ(m.birth_date_typo, DateTypo::transposed);
  EXPECT_EQ(m.reason, "birth date differs: two digits transposed; surname and given names agree")
      << "the place is not named unless the result discloses it";
  // Nora Emilia's: the person born that very day.
  m = match(located(typed, "837", "33100"));
  ASSERT_EQ(m.outcome, MatchOutcome::matched_name_birth_date) << m.reason;
  EXPECT_EQ(m.person->hetu, persons_[1].hetu);
  EXPECT_FALSE(m.birth_date_typo);
}

TEST_F(MistypedBirthDateTest, TheReasonNamesThePlaceOnlyWhereTheResultDisclosesIt) {
  const MatchRow typed = located(row("Emilia", "Korhonen", Date{1938, 9, 16}), "091", "00100");
  MatchPolicy policy;
  policy.reason_names_address = true;
  EXPECT_EQ(match(typed, policy).reason,
            "birth date differs: two digits transposed; surname, given names and postal code "
            "agree");
  policy.reason_names_municipality = true;
  EXPECT_EQ(match(typed, policy).reason,
            "birth date differs: two digits transposed; surname, given names, municipality and "
            "postal code agree");
  // A person under a safety non-disclosure is never scored by place, nor named by it.
  persons_[0].bans |= kBanSafety;
  auto tx = store_->begin();
  tx->put_person(persons_[0]);
  tx->commit();
  const MatchResult m =
      match(located(row("Emilia", "Korhonen", Date{1983, 9, 19}), "091", "00100"), policy);
  ASSERT_EQ(m.outcome, MatchOutcome::matched_name_birth_date) << m.reason;
  EXPECT_EQ(m.reason, "birth date differs: one digit wrong; surname and given names agree");
}

TEST_F(MistypedBirthDateTest, APlaceThatContradictsStopsAMatchUnlessTheNamesAreInFull) {
  const MatchRow elsewhere = located(row("Kalle", "Salo", Date{1975, 4, 3}), "837", "33100");
  MatchResult m = match(elsewhere);
  EXPECT_EQ(m.outcome, MatchOutcome::not_found) << m.reason;
  EXPECT_FALSE(m.person);
  EXPECT_NE(m.reason.find("too little else agrees"), std::string::npos) << m.reason;
  MatchRow full = elsewhere;
  full.first_names = "Johannes Kalle";
  m = match(full);
  ASSERT_EQ(m.outcome, MatchOutcome::matched_name_birth_date) << m.reason;
  EXPECT_EQ(m.person->hetu, persons_[2].hetu);
  // One place agreeing, one contradicting: not more against than for.
  m = match(located(row("Kalle", "Salo", Date{1975, 4, 3}), "091", "33100"));
  EXPECT_EQ(m.outcome, MatchOutcome::matched_name_birth_date) << m.reason;
}

TEST(MatchOutcome, CodesAreTheContractsNames) {
  EXPECT_EQ(outcome_code(MatchOutcome::matched_hetu), "MATCHED_HETU");
  EXPECT_EQ(outcome_code(MatchOutcome::matched_name_birth_date), "MATCHED_NAME_BIRTHDATE");
  EXPECT_EQ(outcome_code(MatchOutcome::ambiguous), "AMBIGUOUS");
  EXPECT_EQ(outcome_code(MatchOutcome::not_found), "NOT_FOUND");
  EXPECT_EQ(outcome_code(MatchOutcome::invalid_row), "INVALID_ROW");
}

}  // namespace
}  // namespace popgate::registry
