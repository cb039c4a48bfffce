// The update service's speed on its main case: ROWS client rows with HETUs (default 1,000,000)
// against a register of PERSONS (default 5,600,000). popgate's match_persons step (parse,
// match, disclose, write result.csv and persons.txt) runs in a child process, timed with its
// peak RSS (wait4). The baseline is the sqlite3 command-line tool in the same run: import the
// same CSV, join it with the register (person and permanent address) and export the result.
// Targets (issue 7): at most 1.0x the baseline's time; RSS at most 500 MB.
//
//   bench_update [--persons N] [--rows R] [--dir D [--keep]]
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

int match_in_this_process(const fs::path& dir) {
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
  context.input_file = dir / "customers.csv";
  context.cancelled = &cancelled;
  context.params = {{"permit", "BENCH/1"},          {"separator", "auto"},
                    {"encoding", "auto"},           {"to", "result"},
                    {"fallback_to_names", "false"}, {"batch_rows", "100000"}};
  context.lists = {
      {"groups", {"identity", "names", "permanent_address"}}, {"columns", {}}, {"fixed_width", {}}};
  fs::create_directories(context.work_dir);
  try {
    const workflows::StepOutputs out = workflows::steps::match_persons_step(env).run(context);
    std::fprintf(stderr, "  match_persons: %s rows, %s matched by HETU; at the end %s\n",
                 out.at("rows").c_str(), out.at("matched_hetu").c_str(), resident_memory().c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "match_persons failed: %s\n", e.what());
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--match-in") return match_in_this_process(argv[2]);
  long persons = 5'600'000, rows = 1'000'000;
  fs::path dir;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    const std::string option = argv[i];
    if (option == "--keep") {
      keep = true;
      continue;
    }
    if (i + 1 >= argc) break;
    if (option == "--persons") persons = std::atol(argv[i + 1]);
    if (option == "--rows") rows = std::atol(argv[i + 1]);
    if (option == "--dir") dir = argv[i + 1];
    ++i;
  }
  if (dir.empty()) dir = fs::temp_directory_path() / ("bench-update-" + std::to_string(::getpid()));
  const fs::path db = dir / "register.db";
  const fs::path customers = dir / "customers.csv";
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
  // The client's file: ROWS persons of the register in random order, with its own references.
  const std::string sql = "sqlite3 " + db.string();
  if (!reuse && bench::run_command(sql +
                                   " \"SELECT 'client_ref;hetu'; SELECT 'C' || id || ';' || hetu "
                                   "FROM person ORDER BY random() LIMIT " +
                                   std::to_string(rows) + "\" > " + customers.string()) != 0) {
    std::fprintf(stderr, "sqlite3 could not write the client file\n");
    return 1;
  }
  bench::run_command("sync");
  if (keep) bench::run_command("touch " + (dir / "ready").string());
  fs::remove(dir / "baseline-work.db");

  const std::string script = (dir / "baseline.sql").string();
  bench::run_command("cat > " + script +
                     " <<'SQL'\n"
                     ".mode csv\n.separator ;\n.import " +
                     customers.string() + " customers\nATTACH '" + db.string() +
                     "' AS r;\n.headers on\n.output " + (dir / "baseline.csv").string() +
                     "\nSELECT c.client_ref, p.hetu, p.birth_date, p.sex, p.first_names, "
                     "p.last_name, p.former_last_names, a.street, a.apartment, a.postal_code, "
                     "a.post_office, a.country, a.start_date FROM customers c LEFT JOIN r.person "
                     "p ON p.hetu = c.hetu LEFT JOIN r.person_address a ON a.person_id = p.id AND "
                     "a.kind = 1;\nSQL");
  const bench::ChildRun baseline = bench::in_child(
      {"/bin/sh", "-c", "sqlite3 " + (dir / "baseline-work.db").string() + " < " + script});
  const bench::ChildRun ours =
      bench::in_child({fs::canonical("/proc/self/exe").string(), "--match-in", dir.string()});
  if (baseline.status != 0 || ours.status != 0) {
    std::fprintf(stderr, "a run failed (baseline %d, popgate %d)\n", baseline.status, ours.status);
    return 1;
  }
  std::printf("bench_update: %ld rows with HETUs against %ld persons\n", rows, persons);
  std::printf("  sqlite3 import + join + export   %6.2f s  peak RSS %5ld MiB\n", baseline.seconds,
              baseline.peak_rss_kib / 1024);
  std::printf("  popgate match_persons            %6.2f s  peak RSS %5ld MiB\n", ours.seconds,
              ours.peak_rss_kib / 1024);
  std::printf("  ratio (time, target <= 1.0)      %.2fx;  RSS target <= 500 MiB\n",
              ours.seconds / baseline.seconds);
  if (!keep) fs::remove_all(dir);
  return 0;
}
