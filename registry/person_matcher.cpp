#include "registry/person_matcher.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <thread>
#include <tuple>
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
  // Then, as for HETUs, the persons whose names fit a row are read together in the store's
  // order (one by one they were most of the time), and each row chooses among its own.
  choose_as_read(rows, by_names, verdicts, done);
}

namespace {

// Runs tasks one at a time, in the order posted, on a thread of its own; at most `max_queued`
// wait, so that what they hold stays bounded. A task's exception stops the rest and is thrown
// by the next post() or by finish().
class SerialWorker {
 public:
  explicit SerialWorker(std::size_t max_queued)
      : max_queued_(max_queued), thread_([this] { run(); }) {}
  // Without finish() (the caller is leaving by an exception): what is queued is dropped.
  ~SerialWorker() {
    {
      std::lock_guard lock(mutex_);
      tasks_.clear();
    }
    stop();
  }
  SerialWorker(const SerialWorker&) = delete;
  SerialWorker& operator=(const SerialWorker&) = delete;

  // How long post() waited for room.
  std::chrono::nanoseconds waited() const { return waited_; }

  void post(std::function<void()> task) {
    std::unique_lock lock(mutex_);
    const auto start = std::chrono::steady_clock::now();
    changed_.wait(lock, [&] { return tasks_.size() < max_queued_ || failure_; });
    waited_ += std::chrono::steady_clock::now() - start;
    if (failure_) std::rethrow_exception(failure_);
    tasks_.push_back(std::move(task));
    lock.unlock();
    changed_.notify_all();
  }
  // Runs what is queued and ends the thread.
  void finish() {
    stop();
    if (failure_) std::rethrow_exception(failure_);
  }

 private:
  void run() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return !tasks_.empty() || stopping_; });
        if (tasks_.empty() || failure_) return;
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      changed_.notify_all();  // room in the queue
      try {
        task();
      } catch (...) {
        std::lock_guard lock(mutex_);
        failure_ = std::current_exception();
        tasks_.clear();
      }
      changed_.notify_all();
    }
  }
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  const std::size_t max_queued_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::exception_ptr failure_;
  std::chrono::nanoseconds waited_{0};
  std::thread thread_;  // last: starts when the rest is ready
};

}  // namespace

// A row chooses as soon as the last of its fitting persons has been read, so that only the
// persons of rows still waiting are held (most rows have one fit: none is held for them). The
// choosing (and the caller's done: disclosure, the result line) runs on a thread of its own
// while this one reads on: it was a third of this pass, with one core idle.
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
  using Held = std::shared_ptr<const Person>;
  std::vector<Held> held(fitting.size());
  std::vector<std::size_t> holders(fitting.size(), 0);  // rows not handed over that need held[k]
  // A row's persons go with it to the choosing thread; held[k] is let go here once every row
  // that needs it has been handed over.
  const auto choose_with = [&](std::size_t i, std::vector<Held> persons) {
    const auto person_of = [&persons](const std::string& hetu) -> const Person* {
      for (const Held& person : persons)
        if (person && person->hetu == hetu) return person.get();
      return nullptr;
    };
    done(by_names[i], choose_by_names(rows[by_names[i]], "", verdicts[i], person_of));
  };
  const auto persons_of = [&](std::size_t i) {
    std::vector<Held> persons;
    for (const NameFit& fit : verdicts[i].fits) {
      const std::size_t k = index_of(fit.hetu);
      persons.push_back(held[k]);
      if (holders[k] > 0 && --holders[k] == 0) held[k].reset();
    }
    return persons;
  };
  constexpr std::size_t kQueuedRows = 4096;
  SerialWorker chooser(kQueuedRows);
  const auto hand_over = [&](std::size_t i) {
    chooser.post([&choose_with, i, persons = persons_of(i)]() mutable {
      choose_with(i, std::move(persons));
    });
  };
  for (std::size_t i = 0; i < verdicts.size(); ++i)
    if (verdicts[i].fits.empty()) hand_over(i);  // NOT_FOUND: nothing to read
  const auto start = std::chrono::steady_clock::now();
  const std::chrono::nanoseconds waited_before = chooser.waited();
  store_.read_persons(fitting, person_read(), [&](std::size_t k, Person&& person) {
    held[k] = std::make_shared<const Person>(std::move(person));
    holders[k] = rows_of[k].size();
    for (const std::size_t i : rows_of[k])
      if (--unread[i] == 0) hand_over(i);
  });
  phases_.person_reads +=
      std::chrono::steady_clock::now() - start - (chooser.waited() - waited_before);
  // Rows whose fitting persons were not all found (removed from the register since).
  for (std::size_t i = 0; i < verdicts.size(); ++i) {
    if (unread[i] != 0) {
      unread[i] = 0;
      hand_over(i);
    }
  }
  chooser.finish();
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
  const std::vector<NamesVerdict> verdicts = score_days(std::span(&row, 1), {0});
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

namespace {

// The rows of one birth date: by_names[first, end).
struct DateGroup {
  Date date;
  std::size_t first = 0, end = 0;
};

std::vector<DateGroup> date_groups(std::span<const MatchRow> rows,
                                   const std::vector<std::size_t>& by_names) {
  std::vector<DateGroup> groups;
  for (std::size_t first = 0; first < by_names.size();) {
    const Date& day = *rows[by_names[first]].birth_date;
    std::size_t end = first;
    while (end < by_names.size() && *rows[by_names[end]].birth_date == day)
      ++end;
    groups.push_back({day, first, end});
    first = end;
  }
  return groups;
}

}  // namespace

// What the rows whose birth date may be mistyped are looked up by: their surname keys' hashes
// (registry::surname_key_hashes) and the initials their given names ask for
// (registry::initials_asked). rows[by_names[i]]'s are hashes[hashes_start[i], [i + 1]) and
// asked[asked_start[i], [i + 1]).
struct PersonMatcher::RowKeys {
  std::vector<std::uint64_t> hashes, asked;
  std::vector<std::size_t> hashes_start{0}, asked_start{0};

  RowKeys() = default;
  RowKeys(std::span<const MatchRow> rows, const std::vector<std::size_t>& by_names) {
    hashes_start.reserve(by_names.size() + 1);
    asked_start.reserve(by_names.size() + 1);
    for (const std::size_t row : by_names) {
      surname_key_hashes(name_forms(rows[row].last_name), hashes);
      hashes_start.push_back(hashes.size());
      for (const std::uint64_t initials : initials_asked(rows[row].first_names))
        asked.push_back(initials);
      asked_start.push_back(asked.size());
    }
  }
  std::span<const std::uint64_t> hashes_of(std::size_t i) const {
    return std::span(hashes).subspan(hashes_start[i], hashes_start[i + 1] - hashes_start[i]);
  }
  std::span<const std::uint64_t> asked_of(std::size_t i) const {
    return std::span(asked).subspan(asked_start[i], asked_start[i + 1] - asked_start[i]);
  }
};

// A day's persons filed under the keys of their current and former surnames (hashed).
class PersonMatcher::FiledSurnames {
 public:
  explicit FiledSurnames(Day& day) {
    std::vector<std::uint64_t> hashes;
    for (std::size_t c = 0; c < day.size(); ++c) {
      hashes.clear();
      for (const SurnameForms& surname : day.names(c).surnames)
        surname_key_hashes(surname.whole, hashes);
      for (const std::uint64_t hash : hashes) {
        filed_.emplace_back(hash, static_cast<std::uint32_t>(c));
        bits_[bit_of(hash) / 64] |= std::uint64_t{1} << (bit_of(hash) % 64);
      }
    }
    std::sort(filed_.begin(), filed_.end());
  }
  // Appends the persons filed under `key` (their index in the day) to `out`.
  void add_filed_under(std::uint64_t key, std::vector<std::uint32_t>& out) const {
    if ((bits_[bit_of(key) / 64] >> (bit_of(key) % 64) & 1) == 0) return;
    auto it = std::lower_bound(filed_.begin(), filed_.end(), std::pair(key, std::uint32_t{0}));
    for (; it != filed_.end() && it->first == key; ++it)
      out.push_back(it->second);
  }

 private:
  static std::uint64_t bit_of(std::uint64_t hash) { return hash >> 52; }

  std::vector<std::pair<std::uint64_t, std::uint32_t>> filed_;  // key hash, candidate
  // Which hashes are filed, by their top 12 bits: a day has some 200, so most of the rows'
  // keys are known absent without a search.
  std::array<std::uint64_t, 64> bits_{};
};

// A day read, and the rows to compare with its candidates.
struct PersonMatcher::DayWork {
  std::unique_ptr<Day> day;
  std::size_t first = 0, end = 0;  // the rows born that day: by_names[first, end)
  // The rows whose birth date may be a mistyping of the day: by_names[first, end) of each.
  std::vector<std::pair<std::size_t, std::size_t>> mistyped;
};

// The store is read on this thread, a day at a time (its connection is not shared), in date
// order: each birth date of the rows, and each date one of them may be a mistyping of
// (mistyping_candidates, some 45 a date; the relation is symmetric, so the rows that may mean a
// day are those born on the dates it may mistype). The names are compared on `threads` workers,
// a whole day each (a day's candidates' forms are made on first use, by the one worker that has
// the day), and each day is read once for both. At most kQueuedDays wait, which bounds the
// memory whatever the batch.
std::vector<PersonMatcher::NamesVerdict> PersonMatcher::score_days(
    std::span<const MatchRow> rows, const std::vector<std::size_t>& by_names) {
  constexpr std::size_t kQueuedDays = 64;
  const auto pass_start = std::chrono::steady_clock::now();
  const std::vector<DateGroup> groups = date_groups(rows, by_names);
  // Each day a group's birth date may be a mistyping of, with the group, in date order.
  std::vector<std::pair<Date, std::uint32_t>> mistyped;
  RowKeys keys;
  if (policy_.mistyped_birth_dates) {
    for (std::size_t g = 0; g < groups.size(); ++g) {
      for (const Date& meant : mistyping_candidates(groups[g].date))
        mistyped.emplace_back(meant, static_cast<std::uint32_t>(g));
    }
    std::sort(mistyped.begin(), mistyped.end());
    keys = RowKeys(rows, by_names);
  }
  const std::chrono::nanoseconds planning = std::chrono::steady_clock::now() - pass_start;

  std::vector<NamesVerdict> verdicts(by_names.size());
  std::vector<std::pair<std::size_t, NameFit>> mistyped_fits;  // (i of by_names, fit)
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<DayWork> queue;
  bool reading = true;
  std::exception_ptr failure;
  std::chrono::nanoseconds scoring{0}, mistyped_scoring{0};
  const auto work = [&] {
    std::chrono::nanoseconds busy{0}, mistyped_busy{0};
    std::vector<std::pair<std::size_t, NameFit>> fits;
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
      try {
        const auto start = std::chrono::steady_clock::now();
        for (std::size_t i = next.first; i < next.end; ++i)
          verdicts[i] = score_names(rows[by_names[i]], *next.day);
        const auto mistyped_start = std::chrono::steady_clock::now();
        if (!next.mistyped.empty()) add_mistyped_fits(rows, by_names, keys, next, fits);
        busy += mistyped_start - start;
        mistyped_busy += std::chrono::steady_clock::now() - mistyped_start;
      } catch (...) {
        {
          std::lock_guard lock(mutex);
          failure = std::current_exception();
        }
        changed.notify_all();  // the reader may be waiting for room in the queue
      }
    }
    std::lock_guard lock(mutex);
    scoring += busy;
    mistyped_scoring += mistyped_busy;
    mistyped_fits.insert(mistyped_fits.end(), std::make_move_iterator(fits.begin()),
                         std::make_move_iterator(fits.end()));
  };
  std::vector<std::jthread> workers;
  for (unsigned t = 0; t < threads_; ++t)
    workers.emplace_back(work);
  try {
    std::size_t g = 0, m = 0;
    while (g < groups.size() || m < mistyped.size()) {
      Date day = g < groups.size() ? groups[g].date : mistyped[m].first;
      if (m < mistyped.size() && mistyped[m].first < day) day = mistyped[m].first;
      DayWork next;
      if (g < groups.size() && groups[g].date == day) {
        next.first = groups[g].first;
        next.end = groups[g].end;
        ++g;
      }
      for (; m < mistyped.size() && mistyped[m].first == day; ++m) {
        const DateGroup& group = groups[mistyped[m].second];
        next.mistyped.emplace_back(group.first, group.end);
      }
      next.day = std::make_unique<Day>(*this, day);
      if (next.day->size() == 0) continue;  // no one born that day: nothing to compare
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return queue.size() < kQueuedDays || failure; });
      if (failure) break;
      queue.push_back(std::move(next));
      lock.unlock();
      changed.notify_all();
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
  // In the rows' order and then the persons', whichever worker found them.
  std::sort(mistyped_fits.begin(), mistyped_fits.end(), [](const auto& a, const auto& b) {
    return std::tie(a.first, a.second.hetu) < std::tie(b.first, b.second.hetu);
  });
  for (auto& [i, fit] : mistyped_fits)
    verdicts[i].fits.push_back(std::move(fit));
  phases_.name_scoring += scoring;
  phases_.mistyped_dates += planning + mistyped_scoring;
  phases_.scoring_threads = threads_;
  phases_.names_pass += std::chrono::steady_clock::now() - pass_start;
  return verdicts;
}

// The day's persons are filed under their surname keys like the rows are; a row whose birth
// date may be a mistyping of the day compares its names with those filed under one of its keys,
// and those whose surname and given names both agree strongly join its verdict.
static_assert(kMistypedDateMinNames >= kInitialsMinSimilarity,
              "the initials pass over persons only names this close would have kept");
void PersonMatcher::add_mistyped_fits(std::span<const MatchRow> rows,
                                      const std::vector<std::size_t>& by_names, const RowKeys& keys,
                                      DayWork& work,
                                      std::vector<std::pair<std::size_t, NameFit>>& fits) const {
  Day& day = *work.day;
  const FiledSurnames filed(day);
  std::vector<std::uint32_t> hits;
  for (const auto& [first, end] : work.mistyped) {
    for (std::size_t i = first; i < end; ++i) {
      hits.clear();
      for (const std::uint64_t key : keys.hashes_of(i))
        filed.add_filed_under(key, hits);
      if (hits.empty()) continue;
      std::sort(hits.begin(), hits.end());  // a person filed under two of the row's keys
      hits.erase(std::unique(hits.begin(), hits.end()), hits.end());
      const MatchRow& row = rows[by_names[i]];
      std::optional<RowNames> row_names;
      for (const std::uint32_t c : hits) {
        const NameCandidate& candidate = day.candidate(c);
        if (row.sex && candidate.sex != *row.sex) continue;
        // Most persons of a surname have other given names: passed over by their initials.
        if (!initials_may_agree(keys.asked_of(i), given_name_initials(candidate.first_names)))
          continue;
        if (!row_names) row_names.emplace(row);
        const double surname = surname_score(*row_names, day.names(c), kMistypedDateMinNames);
        if (surname < kMistypedDateMinNames) continue;
        const double given = given_names_score(*row_names, day.given_names(c));
        if (given < kMistypedDateMinNames) continue;
        const std::optional<DateTypo> typo = date_typo(*row.birth_date, candidate.birth_date);
        if (!typo) continue;
        const bool same_names = surname == 1.0 && given == 1.0 &&
                                row_names->given.size() >= name_words(candidate.first_names).size();
        fits.emplace_back(i, NameFit{candidate.hetu, surname, given, typo, same_names});
      }
    }
  }
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
