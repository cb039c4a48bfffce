// popgate testdata update-rows: a sample customer register for the update service, drawn from
// a register.db and damaged the way real ones are (registry/update_testdata.h), with the truth
// of every row written beside it. It is what `make demo` uploads, and it lets an operator try
// a workflow or measure the matcher on their own register without touching real data.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "adapters/formats/csv.h"
#include "adapters/store/sqlite_register_store.h"
#include "base/atomic_file.h"
#include "base/strings.h"
#include "daemon/cli/cli.h"
#include "daemon/cli/commands.h"
#include "registry/hetu.h"
#include "registry/person.h"
#include "registry/random.h"
#include "registry/reference.h"
#include "registry/synth/update_testdata.h"

namespace popgate::cli {
namespace {

namespace fs = std::filesystem;
using registry::Person;
using registry::Random;

constexpr std::string_view kTestdataHelp =
    "usage: popgate testdata <subcommand> [options]\n\n"
    "Synthetic test data made from a register. Subcommands:\n\n"
    "  update-rows   a customer register for the update service, with the truth known\n\n"
    "'popgate testdata <subcommand> --help' describes a subcommand.\n";

// Check characters of a HETU, in order (hetu.h): a bad row gets the next one of its own.
constexpr std::string_view kCheckCharacters = "0123456789ABCDEFHJKLMNPRSTUVWXY";

struct SampleSpec {
  long long rows = 0;
  long long bad = 0;
  long long unknown = 0;
  long long outside = 0;
  double without_hetu = 0.5;
  std::uint64_t seed = 1;
  std::set<std::string> municipalities;  // empty: everyone

  long long drawn() const { return rows - bad - unknown - outside; }
};

// One row of the sample, and what it is meant to come back as.
struct SampleRow {
  registry::ClientRow row;
  std::string true_hetu;  // whom the row was made from; empty for an unknown person
  std::string expected;   // the outcome a perfect matcher gives
  std::string kind;       // register, outside_permit, unknown, bad
  std::vector<std::string> damage;
};

// Keeps a uniform sample of `capacity` of the persons offered (Algorithm R), so that memory
// is bounded by the sample, not the register.
class Reservoir {
 public:
  explicit Reservoir(std::size_t capacity) : capacity_(capacity) { kept_.reserve(capacity); }

  void offer(const Person& person, Random& random) {
    ++seen_;
    if (kept_.size() < capacity_) {
      kept_.push_back(person);
      return;
    }
    const std::uint64_t slot = random.below(seen_);
    if (slot < capacity_) kept_[slot] = person;
  }
  std::uint64_t seen() const { return seen_; }
  std::vector<Person>& kept() { return kept_; }

 private:
  std::size_t capacity_;
  std::uint64_t seen_ = 0;
  std::vector<Person> kept_;
};

std::set<std::string> parse_municipalities(const std::string& list) {
  std::set<std::string> codes;
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    const std::string code = list.substr(start, comma - start);
    if (code.size() != 3 || registry::ReferenceData::embedded().municipality(code) == nullptr) {
      throw UsageError("--municipalities: '" + code +
                       "' is not a municipality code (3 digits, e.g. 091,049)");
    }
    codes.insert(code);
    start = comma + 1;
  }
  return codes;
}

SampleSpec read_spec(const ParsedArgs& parsed) {
  SampleSpec spec;
  spec.rows = parsed.get_int("rows", 1000, 1, 100'000'000);
  spec.bad = parsed.get_int("bad-rows", 0, 0, spec.rows);
  spec.unknown = parsed.get_int("unknown-rows", 0, 0, spec.rows);
  spec.outside = parsed.get_int("outside-rows", 0, 0, spec.rows);
  spec.without_hetu = static_cast<double>(parsed.get_int("without-hetu", 50, 0, 100)) / 100.0;
  spec.seed = static_cast<std::uint64_t>(parsed.get_int("seed", 1, 0, INT64_MAX));
  if (parsed.has("municipalities"))
    spec.municipalities = parse_municipalities(parsed.get_or("municipalities", ""));
  if (spec.outside > 0 && spec.municipalities.empty())
    throw UsageError("--outside-rows needs --municipalities: outside of which municipalities?");
  if (spec.drawn() < 0) {
    throw UsageError("--bad-rows, --unknown-rows and --outside-rows add up to " +
                     std::to_string(spec.bad + spec.unknown + spec.outside) +
                     ", more than --rows " + std::to_string(spec.rows));
  }
  return spec;
}

struct Draw {
  Reservoir inside;   // persons in the municipalities: drawn, bad and unknown rows
  Reservoir outside;  // persons elsewhere (abroad included)
};

// Living persons only: a customer register keeps its living customers.
Draw draw_persons(store::SqliteRegisterStore& store, const SampleSpec& spec, Random& random) {
  Draw draw{Reservoir(static_cast<std::size_t>(spec.drawn() + spec.bad + spec.unknown)),
            Reservoir(static_cast<std::size_t>(spec.outside))};
  store.for_each_person([&](const Person& person) {
    if (person.deceased()) return true;
    const bool covered =
        spec.municipalities.empty() || spec.municipalities.contains(person.home_municipality);
    (covered ? draw.inside : draw.outside).offer(person, random);
    return true;
  });
  return draw;
}

// Fails with what the register lacks, when it holds fewer persons than the sample needs.
void require_enough(const Reservoir& reservoir, long long needed, const std::string& db,
                    const std::string& where) {
  if (reservoir.seen() >= static_cast<std::uint64_t>(needed)) return;
  throw std::runtime_error(db + ": only " + std::to_string(reservoir.seen()) + " living persons " +
                           where + ", but the sample needs " + std::to_string(needed) +
                           " (fewer rows, or other --municipalities)");
}

std::string matched_outcome(const registry::ClientRow& row) {
  return row.hetu.empty() ? "MATCHED_NAME_BIRTHDATE" : "MATCHED_HETU";
}

SampleRow register_row(const Person& person, const std::string& kind,
                       const registry::CorruptionRates& rates, Random& random) {
  registry::TestRow test = registry::corrupted_row(person, "", rates, random);
  SampleRow s{test.row, test.true_hetu, matched_outcome(test.row), kind, test.damage};
  return s;
}

char other_check_character(char check) {
  const std::size_t at = kCheckCharacters.find(check);
  return kCheckCharacters[(at + 1) % kCheckCharacters.size()];
}

// Rows the update service cannot read, each kind in turn: a HETU whose check character is
// wrong, a birth date that is no date, a row with nothing to match by.
SampleRow bad_row(const Person& person, long long index) {
  SampleRow s;
  s.true_hetu = person.hetu;
  s.expected = "INVALID_ROW";
  s.kind = "bad";
  const registry::Date& born = person.birth_date;
  switch (index % 3) {
    case 0:
      s.row.hetu = person.hetu;
      s.row.hetu.back() = other_check_character(person.hetu.back());
      s.row.last_name = person.last_name;
      s.damage = {"wrong_check_character"};
      break;
    case 1:
      s.row.last_name = person.last_name;
      s.row.first_names = person.first_names;
      s.row.birth_date =
          std::to_string(born.day) + ".13." + std::to_string(born.year);  // no month 13
      s.damage = {"impossible_birth_date"};
      break;
    default:
      s.damage = {"nothing_to_match_by"};
      break;
  }
  return s;
}

// Persons the register does not hold, each kind in turn: a valid temporary HETU (900-999, never
// a synthesized person's), and a surname nobody of that birth date has.
SampleRow unknown_row(const Person& person, long long index, Random& random) {
  SampleRow s;
  s.expected = "NOT_FOUND";
  s.kind = "unknown";
  const registry::Date& born = person.birth_date;
  if (index % 2 == 0) {
    const int number = 900 + static_cast<int>(random.below(100));
    s.row.hetu = registry::make_hetu(born, person.hetu[6], number);
    s.damage = {"temporary_hetu_not_in_register"};
  } else {
    s.row.last_name = "Tuntematon-Olematon";
    s.row.first_names = person.first_names;
    s.row.birth_date = std::to_string(born.day) + "." + std::to_string(born.month) + "." +
                       std::to_string(born.year);
    s.damage = {"surname_not_in_register"};
  }
  return s;
}

std::vector<SampleRow> make_rows(Draw& draw, const SampleSpec& spec, Random& random) {
  registry::CorruptionRates rates;
  rates.missing_hetu = spec.without_hetu;
  std::vector<SampleRow> rows;
  rows.reserve(static_cast<std::size_t>(spec.rows));
  std::vector<Person>& inside = draw.inside.kept();
  std::size_t next = 0;
  for (long long i = 0; i < spec.drawn(); ++i)
    rows.push_back(register_row(inside[next++], "register", rates, random));
  for (long long i = 0; i < spec.bad; ++i)
    rows.push_back(bad_row(inside[next++], i));
  for (long long i = 0; i < spec.unknown; ++i)
    rows.push_back(unknown_row(inside[next++], i, random));
  for (const Person& person : draw.outside.kept())
    rows.push_back(register_row(person, "outside_permit", rates, random));
  // Mixed, as a real file is; then numbered in file order.
  for (std::size_t i = rows.size(); i > 1; --i)
    std::swap(rows[i - 1], rows[random.below(i)]);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    std::string number = std::to_string(i + 1);
    rows[i].row.client_ref =
        "C" + std::string(number.size() < 6 ? 6 - number.size() : 0, '0') + number;
  }
  return rows;
}

// Publishes `text` as `path` (whole or not at all), or throws saying why not.
void write_file(const std::string& path, const std::string& text) {
  base::write_file_atomically(path, text);
}

// The customer register, with Finnish column names as most clients' files have them.
std::string rows_csv(const std::vector<SampleRow>& rows) {
  std::string text;
  formats::append_csv_record(
      text, {"asiakasnumero", "henkilotunnus", "sukunimi", "etunimet", "syntymaaika", "kotikunta"});
  for (const SampleRow& s : rows) {
    const registry::ClientRow& r = s.row;
    formats::append_csv_record(
        text, {r.client_ref, r.hetu, r.last_name, r.first_names, r.birth_date, r.municipality});
  }
  return text;
}

std::string truth_csv(const std::vector<SampleRow>& rows) {
  std::string text;
  formats::append_csv_record(text,
                             {"client_ref", "true_hetu", "expected_outcome", "kind", "damage"});
  for (const SampleRow& s : rows) {
    const std::string damage = base::join(s.damage, ",");
    formats::append_csv_record(text, {s.row.client_ref, s.true_hetu, s.expected, s.kind, damage});
  }
  return text;
}

void print_summary(const std::vector<SampleRow>& rows, const SampleSpec& spec, const Draw& draw,
                   const std::string& out) {
  long long with_hetu = 0;
  for (const SampleRow& s : rows)
    with_hetu += (s.kind == "register" && !s.row.hetu.empty()) ? 1 : 0;
  const std::string whose = spec.municipalities.empty()
                                ? std::string("of the register")
                                : "of municipalities " + base::join(spec.municipalities, ",");
  std::cout << "wrote " << rows.size() << " rows to " << out << ": " << spec.drawn()
            << " drawn from the " << draw.inside.seen() << " living persons " << whose << " ("
            << with_hetu << " with a HETU, " << spec.drawn() - with_hetu << " without), "
            << spec.outside << " persons living elsewhere, " << spec.unknown
            << " persons not in the register, " << spec.bad << " bad rows\n";
}

int run_update_rows(CommandArgs args) {
  ArgParser parser(
      "testdata update-rows --db FILE --out FILE [options]",
      "Writes a customer register for the update service (CSV, ';', UTF-8, Finnish column\n"
      "names), made from living persons of the register the way real customer registers\n"
      "differ from it: no HETU on --without-hetu percent of the rows, typos, given names\n"
      "dropped or reordered, a former surname, diacritics stripped or written out, upper\n"
      "case (registry/update_testdata.h). Of the --rows rows in all:\n"
      "  --outside-rows   persons living outside --municipalities (a permit that covers only\n"
      "                   those must match but not disclose them)\n"
      "  --unknown-rows   persons the register does not hold: NOT_FOUND\n"
      "  --bad-rows       a wrong HETU check character, an impossible birth date, a row with\n"
      "                   nothing to match by, in turn: INVALID_ROW\n"
      "  the rest         persons of --municipalities (all of the register without it)\n"
      "The rows are shuffled and numbered C000001, C000002, ... (asiakasnumero). --truth\n"
      "writes for each client_ref the HETU of the person it was made from, the outcome a\n"
      "perfect matcher gives, the kind of row and the damage done. The same register, options\n"
      "and seed give the same file.");
  parser.option({"db", "FILE", "the register to draw from (register.db)", ""})
      .option({"out", "FILE", "the customer register to write (CSV)", ""})
      .option({"rows", "N", "rows in all", "1000"})
      .option({"seed", "S", "random seed", "1"})
      .option({"truth", "FILE", "also write what each row is (CSV)", ""})
      .option({"without-hetu", "PERCENT", "drawn rows without a HETU", "50"})
      .option({"municipalities", "LIST", "draw from persons living here (codes: 091,049)", ""})
      .option({"outside-rows", "N", "rows of persons living elsewhere", "0"})
      .option({"unknown-rows", "N", "rows of persons not in the register", "0"})
      .option({"bad-rows", "N", "rows that cannot be matched at all", "0"});
  int exit_code = kExitOk;
  auto parsed = parse_or_exit(parser, args, &exit_code);
  if (!parsed) return exit_code;
  const std::string db = parsed->get_or("db", "");
  const std::string out = parsed->get_or("out", "");
  if (db.empty()) throw UsageError("--db FILE is required");
  if (out.empty()) throw UsageError("--out FILE is required");
  const SampleSpec spec = read_spec(*parsed);
  if (!fs::exists(db)) {
    std::cerr << "popgate testdata update-rows: " << db << ": no such file\n";
    return kExitFailure;
  }
  auto store = store::SqliteRegisterStore::open(db, store::SqliteRegisterStore::Mode::read_only);
  Random random(spec.seed);
  Draw draw = draw_persons(*store, spec, random);
  const std::string where = spec.municipalities.empty()
                                ? std::string("in the register")
                                : "in municipalities " + base::join(spec.municipalities, ",");
  require_enough(draw.inside, spec.drawn() + spec.bad + spec.unknown, db, where);
  require_enough(draw.outside, spec.outside, db,
                 "outside municipalities " + base::join(spec.municipalities, ","));
  const std::vector<SampleRow> rows = make_rows(draw, spec, random);
  write_file(out, rows_csv(rows));
  if (parsed->has("truth")) write_file(parsed->get_or("truth", ""), truth_csv(rows));
  print_summary(rows, spec, draw, out);
  return kExitOk;
}

}  // namespace

int run_testdata(CommandArgs args) {
  if (args.empty()) {
    std::cerr << kTestdataHelp;
    return kExitUsage;
  }
  const std::string& sub = args.front();
  if (sub == "-h" || sub == "--help" || sub == "help") {
    std::cout << kTestdataHelp;
    return kExitOk;
  }
  if (sub == "update-rows") return run_update_rows(args.subspan(1));
  std::cerr << "popgate testdata: unknown subcommand '" << sub << "'\n\n" << kTestdataHelp;
  return kExitUsage;
}

}  // namespace popgate::cli
