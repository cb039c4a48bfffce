// The update service's matching quality on rows with the truth known: a synthesized register
// (with twins and parents and children of the same name added, the hard cases), rows drawn
// from it and corrupted FEBRL-style (registry/update_testdata.h), matched by PersonMatcher.
// Prints, for rows with a HETU, the share matched to the right person, and for rows without:
// precision (right person among the matched), recall (matched to the right person among all),
// the ambiguous and not-found shares, and the figures by kind of damage.
// Targets (issue 7): HETU rows 100%; name + birth date precision >= 99.9%, recall >= 97%.
//
//   bench_match_quality [--persons N] [--rows R] [--seed S] [--dir D] [--date-errors]
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "adapters/store/sqlite_register_store.h"
#include "bench/bench_support.h"
#include "registry/hetu.h"
#include "registry/person_matcher.h"
#include "registry/synth/synthetic_population.h"
#include "registry/synth/update_testdata.h"

namespace {

using namespace popgate;
using namespace popgate::registry;
namespace fs = std::filesystem;

struct Counts {
  std::int64_t rows = 0, matched = 0, right = 0, wrong = 0, ambiguous = 0, not_found = 0,
               invalid = 0;
  void add(const MatchResult& m, const std::string& truth) {
    ++rows;
    switch (m.outcome) {
      case MatchOutcome::matched_hetu:
      case MatchOutcome::matched_name_birth_date:
        ++matched;
        (m.person->hetu == truth ? right : wrong) += 1;
        break;
      case MatchOutcome::ambiguous:
        ++ambiguous;
        break;
      case MatchOutcome::not_found:
        ++not_found;
        break;
      case MatchOutcome::invalid_row:
        ++invalid;
        break;
    }
  }
  double pct(std::int64_t n) const { return rows == 0 ? 0 : 100.0 * double(n) / double(rows); }
  double precision() const {
    return matched == 0 ? 100.0 : 100.0 * double(right) / double(matched);
  }
  void print(const char* label) const {
    std::printf(
        "  %-28s rows %7lld  precision %7.3f%%  recall %7.3f%%  ambiguous %6.3f%%  "
        "not found %6.3f%%  wrong %lld\n",
        label, static_cast<long long>(rows), precision(), pct(right), pct(ambiguous),
        pct(not_found), static_cast<long long>(wrong));
  }
};

// Twins (same surname and birth date, other given names, and a pair sharing a middle name)
// and a child named after a parent, added next to people of the synthesized register.
std::vector<Person> hard_cases(const std::vector<Person>& sample, int count) {
  std::vector<Person> added;
  std::set<std::string> used;
  // Temporary individual numbers (900-999) are never the register's own; a code already
  // taken by an earlier case is skipped rather than overwritten.
  const auto temporary_hetu = [&used](const Date& born, char sign, int seed) -> std::string {
    for (int n = 0; n < 100; ++n) {
      const std::string code = make_hetu(born, sign, 900 + (seed + n) % 100);
      if (used.insert(code).second) return code;
    }
    return "";
  };
  for (int i = 0; i < count && i < static_cast<int>(sample.size()); ++i) {
    const Person& base = sample[static_cast<std::size_t>(i)];
    Person twin = base;
    twin.id = 0;
    // Another first name, the same middle names: a row with only a middle name is ambiguous.
    const std::size_t space = base.first_names.find(' ');
    twin.first_names = std::string(base.sex == Sex::female ? "Aino" : "Eetu") +
                       (space == std::string::npos ? "" : base.first_names.substr(space));
    if (twin.first_names == base.first_names) twin.first_names = "Iida";
    twin.former_last_names.clear();
    twin.hetu = temporary_hetu(base.birth_date, base.hetu[6], i);
    if (!twin.hetu.empty()) added.push_back(twin);
    // A child with the parent's full name, born 25 years later.
    Person child = base;
    child.id = 0;
    const int year = std::min(base.birth_date.year + 25, 2020);
    child.birth_date = Date{year, base.birth_date.month, std::min(base.birth_date.day, 28)};
    child.hetu = temporary_hetu(child.birth_date, year >= 2000 ? 'A' : '-', i);
    if (!child.hetu.empty()) added.push_back(child);
  }
  return added;
}

}  // namespace

int main(int argc, char** argv) {
  long persons = 200'000, rows = 20'000;
  std::uint64_t seed = 11;
  fs::path dir;
  // --date-errors: the test set of issue 17.2, every row without a HETU, 8% with a typical
  // birth date error, municipality and postal code mostly given and sometimes outdated, 2% of
  // persons the register does not hold.
  bool date_errors = false;
  CorruptionRates rates;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) != "--date-errors") continue;
    date_errors = true;
    rates = date_error_rates();
  }
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string option = argv[i];
    if (option == "--date-errors") {
      --i;
      continue;
    }
    if (option == "--persons") persons = std::atol(argv[i + 1]);
    if (option == "--rows") rows = std::atol(argv[i + 1]);
    if (option == "--seed") seed = std::strtoull(argv[i + 1], nullptr, 10);
    if (option == "--dir") dir = argv[i + 1];
  }
  if (dir.empty()) dir = fs::temp_directory_path() / ("bench-match-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path db = dir / "register.db";
  fs::remove(db);
  std::vector<Person> everyone;
  {
    auto store =
        store::SqliteRegisterStore::open(db.string(), store::SqliteRegisterStore::Mode::bulk_load);
    SynthOptions options;
    options.persons = persons;
    options.seed = seed;
    store::SqliteRegisterStore* raw = store.get();
    options.base_written = [raw] { raw->finish_bulk_load(); };
    synthesize_population(options, *store);
  }
  auto store =
      store::SqliteRegisterStore::open(db.string(), store::SqliteRegisterStore::Mode::read_write);
  store->for_each_person([&](const Person& p) {
    if (!p.deceased()) everyone.push_back(p);
    return true;
  });
  {
    Random pick(seed + 1);
    std::vector<Person> sample;
    for (int i = 0; i < 500; ++i)
      sample.push_back(everyone[pick.below(everyone.size())]);
    auto tx = store->begin();
    for (Person& p : hard_cases(sample, 500)) {
      tx->put_person(p);
      everyone.push_back(p);
    }
    tx->commit();
  }

  Random random(seed + 2);
  const std::vector<TestRow> tests =
      test_rows(everyone, static_cast<std::size_t>(rows), rates, random);
  std::vector<MatchRow> to_match;
  std::vector<MatchResult> results(rows);
  std::vector<std::size_t> owners;  // to_match[k] is tests[owners[k]]'s
  for (long i = 0; i < rows; ++i) {
    ParsedClientRow parsed = parse_client_row(tests[i].row);
    if (parsed.error.empty()) {
      to_match.push_back(std::move(parsed.match));
      owners.push_back(static_cast<std::size_t>(i));
    } else {
      results[i].outcome = MatchOutcome::invalid_row;
      results[i].reason = parsed.error;
    }
  }
  // As match_persons does: the rows matched together, in batches of its default size.
  const auto match_rows = [&](const MatchPolicy& policy, std::vector<MatchResult>& out) {
    PersonMatcher matcher(*store, policy);
    constexpr std::size_t kBatch = 100'000;
    for (std::size_t first = 0; first < to_match.size(); first += kBatch) {
      const std::size_t n = std::min(kBatch, to_match.size() - first);
      matcher.match_all(std::span(to_match).subspan(first, n), [&](std::size_t k, MatchResult&& m) {
        out[owners[first + k]] = std::move(m);
      });
    }
  };
  // The baseline: the same rows without the persons born on a date the row's may mistype
  // (as before issue 17.2), to show what considering them gains and costs.
  std::vector<MatchResult> exact_dates_only = results;
  MatchPolicy exact_dates;
  exact_dates.mistyped_birth_dates = false;
  match_rows(exact_dates, exact_dates_only);
  const auto start = bench::Clock::now();
  match_rows(MatchPolicy{}, results);
  const double seconds = bench::seconds_since(start);
  Counts with_hetu, by_name, by_name_exact_dates, date_errors_exact_dates;
  std::map<std::string, Counts> by_damage;
  int invalid_shown = 0;
  for (long i = 0; i < rows; ++i) {
    const TestRow& test = tests[i];
    const MatchResult& m = results[i];
    if (m.outcome == MatchOutcome::invalid_row && ++invalid_shown <= 3) {
      std::printf("  invalid row: %s (HETU '%s')\n", m.reason.c_str(), test.row.hetu.c_str());
    }
    (test.row.hetu.empty() ? by_name : with_hetu).add(m, test.true_hetu);
    if (test.row.hetu.empty()) {
      by_name_exact_dates.add(exact_dates_only[i], test.true_hetu);
      if (std::find(test.damage.begin(), test.damage.end(), "birth_date_error") !=
          test.damage.end()) {
        date_errors_exact_dates.add(exact_dates_only[i], test.true_hetu);
      }
    }
    if (test.row.hetu.empty()) {
      for (const std::string& kind : test.damage)
        by_damage[kind].add(m, test.true_hetu);
    }
  }
  std::printf(
      "bench_match_quality: %ld persons (+1000 twins and namesakes), %ld rows, seed %llu%s\n",
      persons, rows, static_cast<unsigned long long>(seed),
      date_errors ? ", with birth date errors (--date-errors)" : "");
  with_hetu.print("with HETU");
  by_name.print("names + birth date");
  std::printf("  baseline, the same rows with exact birth dates only (before issue 17.2):\n");
  by_name_exact_dates.print("  names + birth date");
  if (date_errors) date_errors_exact_dates.print("  birth_date_error");
  std::printf("  by damage (rows without HETU):\n");
  for (const auto& [kind, counts] : by_damage)
    counts.print(("  " + kind).c_str());
  std::printf("  targets: HETU rows 100%% right; names precision >= 99.9%%, recall >= 97%%\n");
  if (date_errors) {
    std::printf(
        "  targets with --date-errors (issue 17.2): precision >= 99.95%% over all rows, >= 99.9%% "
        "over birth_date_error rows, >= 80%% of those matched right (recall)\n");
  }
  std::printf("  %.1f rows/s (%.2f s)\n", double(rows) / seconds, seconds);
  fs::remove_all(dir);
  return 0;
}
