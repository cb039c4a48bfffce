// The update service's speed on its two cases against a register of PERSONS (default
// 5,600,000): ROWS client rows with HETUs (default 1,000,000), and with --names ROWS rows without
// them (names and birth date, made by `popgate testdata update-rows --without-hetu 100`: typos,
// folded diacritics, dropped and reordered given names, former surnames, unknown persons).
// popgate's match_persons step (parse, match, disclose, write result.csv and persons.txt) runs in
// a child process, timed with its peak RSS (wait4); it prints its rows/s and the time of each
// phase (the step's own log line). The baseline is the sqlite3 command-line tool in the same
// run: import the same CSV, join it with the register (by HETU; for --names by birth date and
// surname, exactly: no typo tolerance) and export the result.
// Targets: HETU rows at most 1.0x the baseline's time (issue 7); name rows at least 10,000
// rows/s (issue 17); RSS at most 500 MB. For names it also runs the step with exact birth dates
// only (mistyped_birth_dates: false), in the same run, and prints what the mistyped dates cost.
//
//   bench_update [--persons N] [--rows R] [--names] [--popgate BINARY] [--dir D [--keep]]
// With --keep the directory stays, and a later run with the same --dir reuses its register and
// client file (for measuring changes without synthesizing millions of persons again).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "adapters/store/sqlite_register_store.h"
#include "bench/bench_support.h"
#include "registry/synth/synthetic_population.h"
#include "steps/builtin_steps.h"

namespace {

using namespace popgate;
namespace fs = std::filesystem;

// RssAnon (heap, stacks) and RssFile (mapped file pages, here the register's) of this process
// now, from /proc/self/status: the peak RSS alone does not tell them apart.
std::string resident_memory() {
  std::ifstream status("/proc/self/status");
  std::string line, out;
  while (std::getline(status, line)) {
    if (line.rfind("RssAnon:", 0) == 0 || line.rfind("RssFile:", 0) == 0) {
      if (!out.empty()) out += ", ";
      out += line.substr(0, 8) + " " + std::to_string(std::atol(line.c_str() + 8) / 1024) + " MiB";
    }
  }
  return out;
}

int match_in_this_process(const fs::path& dir, const std::string& input, bool exact_dates) {
  registry::Permit permit;
  permit.id = "BENCH/1";
  permit.use = registry::PermitUse::customer_register_update;
  permit.services = {registry::Service::update};
  permit.data_groups = {registry::DataGroup::identity, registry::DataGroup::names,
                        registry::DataGroup::permanent_address};
  workflows::steps::StepEnvironment env;
  env.permit = [permit](const std::string&) -> std::optional<registry::Permit> { return permit; };
  env.register_db = dir / "register.db";
  std::atomic<bool> cancelled{false};
  workflows::StepContext context;
  context.job_id = "bench";
  context.service = "update";
  context.client_id = "bench";
  context.step_id = "match";
  context.work_dir = dir / "work";
  context.input_file = dir / input;
  context.log = [](const std::string& line) { std::fprintf(stderr, "  %s\n", line.c_str()); };
  context.cancelled = &cancelled;
  context.params = {{"permit", "BENCH/1"},
                    {"separator", "auto"},
                    {"encoding", "auto"},
                    {"to", "result"},
                    {"fallback_to_names", "false"},
                    {"batch_rows", "200000"},
                    {"mistyped_birth_dates", exact_dates ? "false" : "true"}};
  context.lists = {
      {"groups", {"identity", "names", "permanent_address"}}, {"columns", {}}, {"fixed_width", {}}};
  fs::create_directories(context.work_dir);
  try {
    const workflows::StepOutputs out = workflows::steps::match_persons_step(env).run(context);
    // The peak of this process since its exec (wait4's counts what the parent shared with it
    // before: bench_support.h).
    std::ofstream(dir / "peak_rss_kib") << bench::peak_rss_kib_self() << "\n";
    std::fprintf(stderr,
                 "  match_persons: %s rows, %s matched by HETU, %s by names, %s ambiguous, %s not "
                 "found; at the end %s\n",
                 out.at("rows").c_str(), out.at("matched_hetu").c_str(),
                 out.at("matched_name").c_str(), out.at("ambiguous").c_str(),
                 out.at("not_found").c_str(), resident_memory().c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "match_persons failed: %s\n", e.what());
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if ((argc == 4 || argc == 5) && std::string(argv[1]) == "--match-in")
    return match_in_this_process(argv[2], argv[3], argc == 5);
  long persons = 5'600'000, rows = 1'000'000;
  fs::path dir;
  std::string popgate = "build/release/popgate";
  bool keep = false;
  bool names = false;
  for (int i = 1; i < argc; ++i) {
    const std::string option = argv[i];
    if (option == "--keep" || option == "--names") {
      (option == "--keep" ? keep : names) = true;
      continue;
    }
    if (i + 1 >= argc) break;
    if (option == "--persons") persons = std::atol(argv[i + 1]);
    if (option == "--rows") rows = std::atol(argv[i + 1]);
    if (option == "--dir") dir = argv[i + 1];
    if (option == "--popgate") popgate = argv[i + 1];
    ++i;
  }
  if (dir.empty()) dir = fs::temp_directory_path() / ("bench-update-" + std::to_string(::getpid()));
  const fs::path db = dir / "register.db";
  const std::string input = names ? "names-" + std::to_string(rows) + ".csv" : "customers.csv";
  const fs::path customers = dir / input;
  const bool reuse = keep && fs::exists(dir / "ready");
  if (reuse) {
    std::fprintf(stderr, "  reusing the register and client file in %s\n", dir.c_str());
  } else {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  if (!reuse) {
    auto store =
        store::SqliteRegisterStore::open(db.string(), store::SqliteRegisterStore::Mode::bulk_load);
    registry::SynthOptions options;
    options.persons = persons;
    options.seed = 3;
    options.batch_size = 50'000;
    store::SqliteRegisterStore* raw = store.get();
    options.base_written = [raw] { raw->finish_bulk_load(); };
    registry::synthesize_population(options, *store);
  }
  // The client's file: ROWS persons of the register in random order, with its own references;
  // for --names, damaged as real customer registers are, without HETUs.
  const std::string sql = "sqlite3 " + db.string();
  const std::string make_rows =
      names
          ? popgate + " testdata update-rows --db " + db.string() + " --out " + customers.string() +
                " --rows " + std::to_string(rows) + " --without-hetu 100 --unknown-rows " +
                std::to_string(rows / 50) + " --bad-rows 0 --seed 17 > /dev/null"
          : sql +
                " \"SELECT 'client_ref;hetu'; SELECT 'C' || id || ';' || hetu FROM person "
                "ORDER BY random() LIMIT " +
                std::to_string(rows) + "\" > " + customers.string();
  if (!fs::exists(customers) && bench::run_command(make_rows) != 0) {
    std::fprintf(stderr, "could not write the client file: %s\n", make_rows.c_str());
    return 1;
  }
  bench::run_command("sync");
  if (keep) bench::run_command("touch " + (dir / "ready").string());
  fs::remove(dir / "baseline-work.db");

  const std::string script = (dir / "baseline.sql").string();
  // For names: the row's birth date (dd.mm.yyyy) as ISO, and the surname exactly as written.
  const std::string join =
      names ? "r.person p ON p.birth_date = substr(c.syntymaaika, 7, 4) || '-' || "
              "substr(c.syntymaaika, 4, 2) || '-' || substr(c.syntymaaika, 1, 2) AND "
              "p.last_name = c.sukunimi"
            : "r.person p ON p.hetu = c.hetu";
  bench::run_command("cat > " + script +
                     " <<'SQL'\n"
                     ".mode csv\n.separator ;\n.import " +
                     customers.string() + " customers\nATTACH '" + db.string() +
                     "' AS r;\n.headers on\n.output " + (dir / "baseline.csv").string() +
                     "\nSELECT c." + std::string(names ? "asiakasnumero" : "client_ref") +
                     ", p.hetu, p.birth_date, p.sex, p.first_names, "
                     "p.last_name, p.former_last_names, a.street, a.apartment, a.postal_code, "
                     "a.post_office, a.country, a.start_date FROM customers c LEFT JOIN " +
                     join +
                     " LEFT JOIN r.person_address a ON a.person_id = p.id AND a.kind = 1;\nSQL");
  const bench::ChildRun baseline = bench::in_child(
      {"/bin/sh", "-c", "sqlite3 " + (dir / "baseline-work.db").string() + " < " + script});
  bench::ChildRun ours = bench::in_child(
      {fs::canonical("/proc/self/exe").string(), "--match-in", dir.string(), input});
  std::ifstream(dir / "peak_rss_kib") >> ours.peak_rss_kib;
  // For names, the same rows with exact birth dates only (mistyped_birth_dates: false, as before
  // issue 17.2), in the same run: what considering mistyped dates costs.
  bench::ChildRun exact;
  exact.status = 0;
  if (names) {
    exact = bench::in_child({fs::canonical("/proc/self/exe").string(), "--match-in", dir.string(),
                             input, "--exact-dates"});
    std::ifstream(dir / "peak_rss_kib") >> exact.peak_rss_kib;
  }
  if (baseline.status != 0 || ours.status != 0 || exact.status != 0) {
    std::fprintf(stderr, "a run failed (baseline %d, popgate %d)\n", baseline.status, ours.status);
    return 1;
  }
  std::printf("bench_update: %ld rows %s against %ld persons\n", rows,
              names ? "without HETUs (names and birth date)" : "with HETUs", persons);
  std::printf("  sqlite3 import + join + export   %6.2f s  peak RSS %5ld MiB%s\n", baseline.seconds,
              baseline.peak_rss_kib / 1024, names ? "  (exact birth date and surname)" : "");
  if (!reuse) std::printf("    (its peak RSS includes this process's, from the synthesis)\n");
  std::printf("  popgate match_persons            %6.2f s  peak RSS %5ld MiB  %.0f rows/s\n",
              ours.seconds, ours.peak_rss_kib / 1024, static_cast<double>(rows) / ours.seconds);
  if (names) {
    std::printf(
        "  ... exact birth dates only       %6.2f s  peak RSS %5ld MiB  %.0f rows/s"
        "  (mistyped dates cost %.0f%%)\n",
        exact.seconds, exact.peak_rss_kib / 1024, static_cast<double>(rows) / exact.seconds,
        100.0 * (ours.seconds - exact.seconds) / exact.seconds);
    std::printf("  ratio (time) %.2fx;  targets: >= 10,000 rows/s, RSS <= 500 MiB\n",
                ours.seconds / baseline.seconds);
  } else {
    std::printf("  ratio (time, target <= 1.0)      %.2fx;  RSS target <= 500 MiB\n",
                ours.seconds / baseline.seconds);
  }
  if (!keep) fs::remove_all(dir);
  return 0;
}
