// match_persons: the update service's core. Reads the client's register file as a table,
// matches each row to the register (registry/person_matcher.h), shapes each result row with
// disclose() under the job's permit, and writes result.csv, persons.txt (whose data the
// result holds, for the audit record) and summary.txt, in one streaming pass over batches of
// rows (RowBatch below): memory is bounded by the batch, whatever the file's size.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>

#include "adapters/formats/client_table.h"
#include "adapters/formats/csv.h"
#include "adapters/formats/fixed_width_layout.h"
#include "adapters/store/sqlite_register_store.h"
#include "registry/date.h"
#include "registry/update_row.h"
#include "steps/builtin_steps.h"
#include "steps/data_groups_param.h"
#include "steps/match_children.h"
#include "steps/param_spec.h"
#include "steps/step_files.h"

namespace popgate::workflows::steps {
namespace {

namespace fs = std::filesystem;
using formats::ClientField;

[[noreturn]] void internal(const StepContext& context, const std::string& why) {
  throw StepError("step " + context.step_id + ": " + why, false, "internal error");
}

[[noreturn]] void bad_param(const StepContext& context, const std::string& why) {
  throw StepError("step " + context.step_id + ": " + why, false, "internal error");
}

std::vector<registry::DataGroup> person_groups(const StepContext& context) {
  const std::vector<registry::DataGroup> groups = data_groups(context, "groups");
  for (const registry::DataGroup group : groups) {
    if (group == registry::DataGroup::building) {
      bad_param(context, "'building' is not a data group of persons");
    }
  }
  if (groups.empty()) bad_param(context, "groups is empty");
  return groups;
}

constexpr const char* kClientFields =
    "client_ref, hetu, last_name, first_names, birth_date, sex, municipality, street, "
    "postal_code, children_under, children_on";

// A `columns` item: FIELD=Header.
std::optional<std::pair<ClientField, std::string>> header_alias(const std::string& item) {
  const std::size_t eq = item.find('=');
  if (eq == std::string::npos || eq + 1 >= item.size()) return std::nullopt;
  const std::optional<ClientField> field = formats::parse_client_field(item.substr(0, eq));
  if (!field) return std::nullopt;
  return std::make_pair(*field, item.substr(eq + 1));
}

std::string header_alias_problem(const std::string& item) {
  if (header_alias(item)) return "";
  return std::string("not FIELD=Header (fields: ") + kClientFields + ")";
}

// A `fixed_width` item: FIELD:START:LENGTH.
std::optional<formats::FixedWidthColumn> fixed_width_column(const std::string& item) {
  const std::optional<formats::FixedWidthField> layout = formats::parse_fixed_width_field(item);
  if (!layout) return std::nullopt;
  const std::optional<ClientField> field = formats::parse_client_field(layout->name);
  if (!field) return std::nullopt;
  return formats::FixedWidthColumn{*field, layout->start, layout->length};
}

std::string fixed_width_column_problem(const std::string& item) {
  if (fixed_width_column(item)) return "";
  return std::string("not FIELD:START:LENGTH, characters from 1 (fields: ") + kClientFields + ")";
}

formats::ClientTableOptions table_options(const StepContext& context) {
  formats::ClientTableOptions options;
  const std::string separator = context.param("separator");
  options.separator = separator == "auto" ? 0 : separator == "tab" ? '\t' : separator[0];
  options.encoding = formats::parse_text_encoding(context.param("encoding"))
                         .value_or(formats::TextEncoding::detect);
  for (const std::string& item : context.lists.at("columns")) {
    const auto alias = header_alias(item);
    if (!alias) bad_param(context, "columns item '" + item + "' is " + header_alias_problem(item));
    options.aliases.push_back(*alias);
  }
  for (const std::string& item : context.lists.at("fixed_width")) {
    const std::optional<formats::FixedWidthColumn> column = fixed_width_column(item);
    if (!column) {
      bad_param(context, "fixed_width item '" + item + "' is " + fixed_width_column_problem(item));
    }
    options.fixed_width.push_back(*column);
  }
  return options;
}

registry::ClientRow client_row(const formats::ClientTableRow& row) {
  registry::ClientRow r;
  r.client_ref = row.get(ClientField::client_ref);
  r.hetu = row.get(ClientField::hetu);
  r.last_name = row.get(ClientField::last_name);
  r.first_names = row.get(ClientField::first_names);
  r.birth_date = row.get(ClientField::birth_date);
  r.sex = row.get(ClientField::sex);
  r.municipality = row.get(ClientField::municipality);
  r.street = row.get(ClientField::street);
  r.postal_code = row.get(ClientField::postal_code);
  return r;
}

// The words of an invalid HETU's problem that name its kind ("check character", "bad length"),
// without the characters and numbers that differ from row to row.
std::string hetu_problem_kind(std::string_view problem) {
  std::string kind;
  std::size_t at = 0;
  while (at < problem.size()) {
    const std::size_t end = std::min(problem.find(' ', at), problem.size());
    std::string_view word = problem.substr(at, end - at);
    const bool last = word.ends_with(':');
    if (last) word.remove_suffix(1);
    if (word.empty() ||
        !std::all_of(word.begin(), word.end(), [](char c) { return c >= 'a' && c <= 'z'; })) {
      break;
    }
    if (!kind.empty()) kind += ' ';
    kind += word;
    if (last) break;
    at = end + 1;
  }
  return kind;
}

// A reason without what differs from row to row, so that like reasons count together in the
// summary: the line, the client's own values (quoted), the HETU's characters, numbers.
std::string reason_kind(std::string_view reason) {
  if (reason.starts_with("line ")) {
    const std::size_t colon = reason.find(": ");
    if (colon != std::string_view::npos) reason.remove_prefix(colon + 2);
  }
  constexpr std::string_view kInvalidHetu = "invalid HETU: ";
  if (reason.starts_with(kInvalidHetu)) {
    return std::string(kInvalidHetu) + hetu_problem_kind(reason.substr(kInvalidHetu.size()));
  }
  std::string kind;
  bool quoted = false;
  for (std::size_t i = 0; i < reason.size(); ++i) {
    const char c = reason[i];
    if (c == '\'') {
      quoted = !quoted;
      if (quoted) kind += "'…'";
      continue;
    }
    if (quoted) continue;
    const bool digit = c >= '0' && c <= '9';
    if (!digit) {
      kind += c;
    } else if (i == 0 || reason[i - 1] < '0' || reason[i - 1] > '9') {
      kind += 'N';
    }
  }
  return kind;
}

struct Tally {
  std::int64_t rows = 0;
  std::map<std::string, std::int64_t> outcomes;
  std::map<std::string, std::int64_t> reasons;  // of rows not matched
  std::int64_t birth_date_differs = 0;          // matched a person born on another day

  void add(const registry::MatchResult& match) {
    ++rows;
    const std::string outcome(registry::outcome_code(match.outcome));
    ++outcomes[outcome];
    if (!match.person) ++reasons[outcome + ": " + reason_kind(match.reason)];
    if (match.birth_date_typo) ++birth_date_differs;
  }
  std::int64_t count(registry::MatchOutcome outcome) const {
    auto it = outcomes.find(std::string(registry::outcome_code(outcome)));
    return it == outcomes.end() ? 0 : it->second;
  }
  std::string text() const {
    std::string out = "rows: " + std::to_string(rows) + "\n";
    for (const registry::MatchOutcome o :
         {registry::MatchOutcome::matched_hetu, registry::MatchOutcome::matched_name_birth_date,
          registry::MatchOutcome::ambiguous, registry::MatchOutcome::not_found,
          registry::MatchOutcome::invalid_row}) {
      out += std::string(registry::outcome_code(o)) + ": " + std::to_string(count(o)) + "\n";
    }
    if (birth_date_differs > 0) {
      out += "matched although the birth date differs (a mistyping): " +
             std::to_string(birth_date_differs) + "\n";
    }
    if (!reasons.empty()) out += "reasons:\n";
    for (const auto& [reason, n] : reasons)
      out += "  " + std::to_string(n) + "  " + reason + "\n";
    return out;
  }
};

// The client's rows on their way through: matched a batch at a time, because the register
// reads a batch's persons in key order (RegisterStore::read_persons), several times faster than
// one by one at random; the larger the batch, the more lookups share pages. The results go out
// in the client's order. A row here holds its values and its result line, some hundreds of
// bytes: a full batch is some tens of MB.
class RowBatch {
 public:
  // Measured with bench_update (1M rows, 5.6M persons): with HETUs 25,000 rows took 18.1 s of
  // CPU time, 100,000 14.3 s (160 MB peak RSS), 250,000 12.5 s (290 MB); without them (names
  // and birth date: every batch reads every birth date's candidates again) 100,000 took
  // 72-112 s (241 MiB), 200,000 68 s (363 MiB), 250,000 67-71 s (433 MiB).
  static constexpr std::size_t kDefaultRows = 200'000;

  RowBatch(const StepContext& context, const std::vector<registry::DataGroup>& groups,
           const registry::DisclosureContext& disclosure, Tally& tally, MatchChildren& children)
      : context_(context),
        groups_(groups),
        disclosure_(disclosure),
        tally_(tally),
        children_(children),
        max_rows_(std::stoul(context.param("batch_rows"))) {}

  // Or this many bytes of the client's values, whichever comes first: rows can be long.
  static constexpr std::size_t kBytes = 64 << 20;

  bool full() const { return rows_.size() >= max_rows_ || bytes_ >= kBytes; }

  void add(const formats::ClientTableRow& table_row) {
    Row& row = rows_.emplace_back();
    row.line = table_row.line;
    row.client = client_row(table_row);
    for (const std::string& value : table_row.values)
      bytes_ += value.size();
    if (!table_row.error.empty()) return finish(row, invalid(row.line, table_row.error));
    const std::string children_error = children_.request(table_row, row.children);
    if (!children_error.empty()) return finish(row, invalid(row.line, children_error));
    registry::ParsedClientRow parsed = registry::parse_client_row(row.client);
    if (!parsed.error.empty()) return finish(row, invalid(row.line, parsed.error));
    to_match_.push_back(std::move(parsed.match));
    owners_.push_back(rows_.size() - 1);
  }

  void flush(registry::PersonMatcher& matcher, std::ostream& result, std::ostream& persons) {
    matcher.match_all(to_match_, [this](std::size_t k, registry::MatchResult&& match) {
      // Names rows take milliseconds each: a cancelled job must not wait for the whole batch.
      if (++matched_ % 1024 == 0 && context_.should_stop()) {
        throw StepError("step " + context_.step_id + ": stopped", true);
      }
      Row& row = rows_[owners_[k]];
      if (match.outcome == registry::MatchOutcome::invalid_row) {
        match.reason = "line " + std::to_string(row.line) + ": " + match.reason;
      }
      finish(row, match);
      if (!row.disclosed_hetu.empty()) {
        row.member = children_.member(row.client.client_ref, *match.person, row.children);
      }
    });
    for (Row& row : rows_) {
      result << row.output;
      if (!row.disclosed_hetu.empty()) persons << row.disclosed_hetu << '\n';
      if (row.member) children_.add(std::move(*row.member));
    }
    children_.flush(persons);
    rows_.clear();
    to_match_.clear();
    owners_.clear();
    bytes_ = 0;
  }

 private:
  struct Row {
    std::int64_t line = 0;
    registry::ClientRow client;
    std::string output;  // the result line, once matched
    std::string disclosed_hetu;
    registry::ChildRequest children;                       // what the row asks of its children
    std::optional<registry::ChildSelectionMember> member;  // when its children are selected
  };

  static registry::MatchResult invalid(std::int64_t line, const std::string& why) {
    registry::MatchResult match;
    match.outcome = registry::MatchOutcome::invalid_row;
    match.reason = "line " + std::to_string(line) + ": " + why;
    return match;
  }

  void finish(Row& row, const registry::MatchResult& match) {
    registry::UpdateRowResult out =
        registry::update_result_row(row.client, match, groups_, disclosure_);
    formats::append_csv_record(row.output, out.fields);
    row.disclosed_hetu = std::move(out.disclosed_hetu);
    tally_.add(match);
  }

  const StepContext& context_;
  const std::vector<registry::DataGroup>& groups_;
  const registry::DisclosureContext& disclosure_;
  Tally& tally_;
  MatchChildren& children_;
  std::vector<Row> rows_;
  std::vector<registry::MatchRow> to_match_;
  std::vector<std::size_t> owners_;  // to_match_[k] is rows_[owners_[k]]'s
  std::size_t max_rows_;
  std::uint64_t matched_ = 0;
  std::size_t bytes_ = 0;
};

// Where the step's time went, as one log line: "20400 rows in 3.42 s (5962 rows/s): HETU reads
// 0.00 s; names and birth dates 2.90 s (reading candidates 2.07 s, comparing names 1.86 s and
// for mistyped birth dates 0.40 s on 2 threads); persons whose names fit 0.50 s; the rest
// (reading the file, choosing, disclosure, result lines) 0.03 s; writing out 0.02 s".
std::string phases_text(const registry::MatchPhases& phases, std::chrono::nanoseconds matching,
                        std::chrono::nanoseconds writing, std::int64_t rows) {
  const auto seconds = [](std::chrono::nanoseconds d) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2f s", std::chrono::duration<double>(d).count());
    return std::string(text);
  };
  const std::chrono::nanoseconds rest =
      matching - phases.hetu_reads - phases.names_pass - phases.person_reads;
  const double total = std::chrono::duration<double>(matching + writing).count();
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.0f rows/s",
                total > 0 ? static_cast<double>(rows) / total : 0.0);
  return std::to_string(rows) + " rows in " + seconds(matching + writing) + " (" + rate +
         "): HETU reads " + seconds(phases.hetu_reads) + "; names and birth dates " +
         seconds(phases.names_pass) + " (reading candidates " + seconds(phases.candidate_reads) +
         ", comparing names " + seconds(phases.name_scoring) + " and for mistyped birth dates " +
         seconds(phases.mistyped_dates) + " on " + std::to_string(phases.scoring_threads) +
         " threads); persons whose names fit " + seconds(phases.person_reads) +
         "; the rest (reading the file, choosing, disclosure, result lines) " + seconds(rest) +
         "; writing out " + seconds(writing);
}

StepOutputs run_match(const StepEnvironment& env, StepContext& context) {
  const std::vector<registry::DataGroup> groups = person_groups(context);
  const std::string permit_id = context.param("permit");
  const std::optional<registry::Permit> permit = env.permit ? env.permit(permit_id) : std::nullopt;
  if (!permit) internal(context, "permit '" + permit_id + "' is not installed");
  for (const registry::DataGroup group : groups) {
    if (!permit->grants(group)) {
      internal(context, "permit " + permit_id + " does not grant " +
                            std::string(registry::to_string(group)));
    }
  }
  if (env.register_db.empty() || !fs::exists(env.register_db)) {
    internal(context, "no register at '" + env.register_db.string() + "'");
  }
  auto store = store::SqliteRegisterStore::open(env.register_db.string(),
                                                store::SqliteRegisterStore::Mode::read_only);
  registry::MatchPolicy policy;
  policy.hetu_fallback_to_names = context.param("fallback_to_names") == "true";
  const auto disclosed = [&groups](registry::DataGroup group) {
    return std::find(groups.begin(), groups.end(), group) != groups.end();
  };
  policy.read_family = disclosed(registry::DataGroup::family);
  policy.mistyped_birth_dates = context.param("mistyped_birth_dates") == "true";
  policy.reason_names_municipality = disclosed(registry::DataGroup::home_municipality);
  policy.reason_names_address = disclosed(registry::DataGroup::permanent_address);
  registry::PersonMatcher matcher(*store, policy);
  // One register state for the whole result, and file locks taken once.
  const std::unique_ptr<store::ReadSnapshot> snapshot = store->read_snapshot();
  registry::DisclosureContext disclosure;
  disclosure.permit = &*permit;
  disclosure.day = registry::Date::today();
  disclosure.held_by_client = true;

  const auto started = std::chrono::steady_clock::now();
  const fs::path input = work_file_or_input(context, "file");
  std::ifstream in(input, std::ios::binary);
  if (!in) internal(context, "cannot open " + input.string());
  const fs::path dir = context.work_dir / context.param("to");
  fs::create_directories(dir);
  OutputFile result(dir / "result.csv");
  OutputFile persons(context.work_dir / "persons.txt");
  MatchChildren children(context, groups, disclosure, *store, dir);
  Tally tally;
  try {
    formats::ClientTableReader reader(in, table_options(context));
    std::string header;
    formats::append_csv_record(header, registry::update_columns(groups));
    result.stream() << header;
    RowBatch batch(context, groups, disclosure, tally, children);
    formats::ClientTableRow row;
    while (reader.next(row)) {
      if (context.should_stop()) throw StepError("step " + context.step_id + ": stopped", true);
      batch.add(row);
      if (batch.full()) batch.flush(matcher, result.stream(), persons.stream());
    }
    batch.flush(matcher, result.stream(), persons.stream());
  } catch (const formats::TableError& e) {
    throw StepError(std::string("the input is not a readable table: ") + e.what(), false,
                    std::string("your file could not be read as a table: ") + e.what());
  }
  const auto matched = std::chrono::steady_clock::now();
  result.commit();
  children.commit();
  persons.commit();
  write_atomically(dir / "summary.txt", tally.text() + children.summary());
  if (context.log) {
    context.log(tally.text());
    context.log(phases_text(matcher.phases(), matched - started,
                            std::chrono::steady_clock::now() - matched, tally.rows));
  }
  using registry::MatchOutcome;
  return StepOutputs{
      {"dir", context.param("to")},
      {"result", context.param("to") + "/result.csv"},
      {"summary", context.param("to") + "/summary.txt"},
      {"persons", "persons.txt"},
      {"children", children.output()},
      {"rows", std::to_string(tally.rows)},
      {"matched_hetu", std::to_string(tally.count(MatchOutcome::matched_hetu))},
      {"matched_name", std::to_string(tally.count(MatchOutcome::matched_name_birth_date))},
      {"birth_date_differs", std::to_string(tally.birth_date_differs)},
      {"ambiguous", std::to_string(tally.count(MatchOutcome::ambiguous))},
      {"not_found", std::to_string(tally.count(MatchOutcome::not_found))},
      {"invalid", std::to_string(tally.count(MatchOutcome::invalid_row))}};
}

std::vector<ParamSpec> match_params() {
  ParamSpec separator = param_spec("separator", ParamType::string, false, "auto",
                                   "The CSV separator; auto: detected from the header.");
  separator.allowed = {"auto", ";", ",", "tab"};
  ParamSpec encoding = param_spec("encoding", ParamType::string, false, "auto",
                                  "The file's encoding; auto: UTF-8, else Windows-1252.");
  encoding.allowed = {"auto", "utf-8", "windows-1252", "iso-8859-1"};
  ParamSpec columns =
      param_spec("columns", ParamType::string_list, false, "",
                 "More header names: FIELD=Header, e.g. [hetu=Tunnus, client_ref=AsNro].");
  columns.check = header_alias_problem;
  ParamSpec fixed_width =
      param_spec("fixed_width", ParamType::string_list, false, "",
                 "A fixed-width file without a header: FIELD:START:LENGTH per column "
                 "(characters, from 1), e.g. [hetu:1:11, client_ref:12:10].");
  fixed_width.check = fixed_width_column_problem;
  ParamSpec batch_rows =
      param_spec("batch_rows", ParamType::integer, false, std::to_string(RowBatch::kDefaultRows),
                 "Rows matched together (at most 64 MB of them): the register reads a "
                 "batch's persons in key order, so larger batches are faster and take "
                 "more memory (about 1 KB a row).");
  batch_rows.min = 1;
  batch_rows.max = 1'000'000;
  return {param_spec("file", ParamType::path, false, "",
                     "The client's register file in the work dir; empty: the job's input."),
          param_spec("permit", ParamType::string, true, "",
                     "The permit that allows the job (${steps.<permit step>.permit})."),
          data_groups_param("groups", DataGroupKinds::persons, true,
                            "The data groups of the result, as the permit step checked them: "
                            "${steps.<permit step>.groups}."),
          std::move(separator),
          std::move(encoding),
          std::move(columns),
          std::move(fixed_width),
          param_spec("fallback_to_names", ParamType::boolean, false, "false",
                     "Match by names and birth date when a row's HETU is invalid or unknown."),
          param_spec("mistyped_birth_dates", ParamType::boolean, false, "true",
                     "Without a HETU, persons born on a date the row's may be a mistyping of "
                     "(one digit wrong, two adjacent digits swapped, day and month swapped, the "
                     "wrong century) compete too, when surname and given names agree strongly "
                     "and the municipality, postal code and street do not contradict."),
          param_spec("to", ParamType::path, false, "result",
                     "The work-dir directory for result.csv and summary.txt."),
          std::move(batch_rows)};
}

}  // namespace

StepType match_persons_step(StepEnvironment env) {
  StepType type;
  type.name = "match_persons";
  type.summary = "Matches a client's register file to the register and returns current data";
  type.description =
      "Reads the file as a table (CSV with a header whose names are mapped by aliases, or "
      "fixed width), matches each row by HETU or by names and birth date, and writes "
      "<to>/result.csv: per row client_ref, outcome (MATCHED_HETU, MATCHED_NAME_BIRTHDATE, "
      "AMBIGUOUS, NOT_FOUND, INVALID_ROW), score, reason, the data of `groups` that the "
      "permit allows for the person, and which of the client's fields differ from the "
      "register. Also <to>/summary.txt (counts by outcome and reason) and persons.txt (the "
      "HETU of every person whose data the result holds, for `deliver`). A file that is not a "
      "table fails the job with a reason for the client. With `children`, also "
      "<to>/children.csv: the matched persons' children (the child selection, see "
      "docs/client-guide.md), whose HETUs persons.txt holds too.";
  type.params = match_params();
  type.outputs = {
      {"dir", "The directory of result.csv and summary.txt."},
      {"result", "result.csv's path in the work dir."},
      {"summary", "summary.txt's path in the work dir."},
      {"persons", "persons.txt's path in the work dir."},
      {"rows", "Rows read."},
      {"matched_hetu", "Rows matched by HETU."},
      {"matched_name", "Rows matched by names and birth date."},
      {"birth_date_differs", "Of those, rows whose birth date is a mistyping of the person's."},
      {"ambiguous", "Rows with several candidates."},
      {"not_found", "Rows with no candidate."},
      {"invalid", "Rows that could not be read or matched."}};
  type.run = [env](StepContext& context) { return run_match(env, context); };
  for (ParamSpec& param : match_children_params())
    type.params.push_back(std::move(param));
  type.outputs.push_back({"children",
                          "children.csv's path in the work dir; empty without "
                          "`children`."});
  return type;
}

}  // namespace popgate::workflows::steps
