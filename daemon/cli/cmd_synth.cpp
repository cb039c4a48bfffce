// popgate synth: builds a synthetic population register (register.db).
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <string>

#include "adapters/store/sqlite_register_store.h"
#include "base/atomic_file.h"
#include "daemon/cli/cli.h"
#include "daemon/cli/commands.h"
#include "registry/synth/synthetic_population.h"

namespace popgate::cli {
namespace {

namespace fs = std::filesystem;

void remove_database_files(const fs::path& path) {
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    fs::remove(fs::path(path.string() + suffix), ignored);
  }
}

void print_summary(const registry::SynthSummary& s, const std::string& out) {
  std::cout << "register:   " << out << "\n"
            << "persons:    " << s.persons << " (" << s.residents << " residents, " << s.abroad
            << " abroad, " << s.deceased << " deceased)\n"
            << "households: " << s.households << "\n"
            << "buildings:  " << s.buildings << "\n"
            << "safety non-disclosure: " << s.safety_bans << " persons\n"
            << "change events: " << s.change_events << "\n";
}

}  // namespace

int run_synth(CommandArgs args) {
  ArgParser parser(
      "synth --persons N --seed S --out FILE [options]",
      "Builds a realistic synthetic Finnish population register: municipalities\n"
      "weighted by population, Finland's age and sex structure, mother tongues,\n"
      "names by their real frequencies, families and households in buildings, Finns\n"
      "abroad, the recently deceased and non-disclosures. The same options give the\n"
      "same register. With --history-days, that many days of changes (births, deaths,\n"
      "moves, marriages, ...) are simulated up to the as-of date and logged.\n"
      "The file is built under a temporary name and renamed into place when complete.");
  parser.option({"persons", "N", "person records in all (residents, abroad, deceased)", "100000"})
      .option({"seed", "S", "random seed", "1"})
      .option({"out", "FILE", "the register to create", ""})
      .option({"history-days", "D", "days of change events to simulate", "0"})
      .option({"as-of", "DATE", "the register's date (YYYY-MM-DD)", "today"})
      .option({"force", "", "replace FILE if it exists", ""})
      .option({"quiet", "", "no progress lines on stderr", ""});
  int exit_code = kExitOk;
  auto parsed = parse_or_exit(parser, args, &exit_code);
  if (!parsed) return exit_code;

  registry::SynthOptions options;
  options.persons = parsed->get_int("persons", 100'000, 1, 20'000'000);
  options.seed = static_cast<std::uint64_t>(parsed->get_int("seed", 1, 0, INT64_MAX));
  options.history_days = static_cast<int>(parsed->get_int("history-days", 0, 0, 3650));
  const std::string as_of = parsed->get_or("as-of", "today");
  if (as_of == "today") {
    options.as_of = registry::Date::today();
  } else if (auto date = registry::Date::parse(as_of); date && date->iso() == as_of) {
    options.as_of = *date;
  } else {
    throw UsageError("--as-of: '" + as_of + "' is not a date (YYYY-MM-DD)");
  }
  const std::string out = parsed->get_or("out", "");
  if (out.empty()) throw UsageError("--out FILE is required");
  if (fs::exists(out) && !parsed->has("force")) {
    std::cerr << "popgate synth: " << out << " exists (use --force to replace it)\n";
    return kExitFailure;
  }
  if (!parsed->has("quiet")) {
    options.progress = [](std::string_view line) { std::cerr << "synth: " << line << "\n"; };
  }

  const fs::path target(out);
  const fs::path temporary(out + ".tmp-" + std::to_string(getpid()));
  remove_database_files(temporary);
  try {
    auto store = store::SqliteRegisterStore::open(temporary.string(),
                                                  store::SqliteRegisterStore::Mode::bulk_load);
    options.base_written = [&] { store->finish_bulk_load(); };
    const registry::SynthSummary summary = registry::synthesize_population(options, *store);
    store.reset();  // closes the file and checkpoints the WAL
    remove_database_files(target);
    base::move_file_atomically(temporary, target);
    remove_database_files(temporary);
    print_summary(summary, out);
  } catch (...) {
    remove_database_files(temporary);
    throw;
  }
  return kExitOk;
}

}  // namespace popgate::cli
