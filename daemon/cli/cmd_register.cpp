// `popgate register stats|person|building`: a look into a register.db without SQL.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "adapters/formats/record_json.h"
#include "adapters/store/register_schema.h"
#include "adapters/store/sqlite_register_store.h"
#include "daemon/cli/cli.h"
#include "daemon/cli/commands.h"
#include "registry/hetu.h"
#include "registry/prt.h"

namespace popgate::cli {
namespace {

using store::SqliteRegisterStore;

constexpr std::string_view kRegisterHelp =
    "usage: popgate register <subcommand> --db FILE [options]\n\n"
    "Looks into a register database (register.db), or brings it to this popgate's schema.\n"
    "Subcommands:\n\n"
    "  stats       counts of persons, buildings and change events, last change seq, meta\n"
    "  person      one person by HETU, as JSON\n"
    "  building    one building by PRT, as JSON\n"
    "  migrate     brings an older register.db to this popgate's schema version\n\n"
    "'popgate register <subcommand> --help' describes a subcommand.\n";

// The --db file, or nullopt after saying that there is no such file.
std::optional<std::string> register_path(const ParsedArgs& args, std::string_view command) {
  std::string db = args.get_or("db", "");
  if (db.empty()) throw UsageError("--db FILE is required");
  if (!std::filesystem::exists(db)) {
    std::cerr << "popgate register " << command << ": " << db << ": no such file\n";
    return std::nullopt;
  }
  return db;
}

// Opens the register read-only, or prints why not and returns null.
std::unique_ptr<SqliteRegisterStore> open_register(const ParsedArgs& args,
                                                   std::string_view command) {
  const std::optional<std::string> db = register_path(args, command);
  if (!db) return nullptr;
  return SqliteRegisterStore::open(*db, SqliteRegisterStore::Mode::read_only);
}

void print_row(std::string_view label, const std::string& value) {
  std::cout << label << ":" << std::string(label.size() < 17 ? 17 - label.size() : 1, ' ') << value
            << "\n";
}

int run_stats(CommandArgs args) {
  ArgParser parser("register stats --db FILE",
                   "Prints the register's counts, its last change sequence number and its "
                   "meta entries\n(synthesis seed, as-of date, ...).");
  parser.option({"db", "FILE", "the register database", ""});
  int exit_code = kExitOk;
  auto parsed = parse_or_exit(parser, args, &exit_code);
  if (!parsed) return exit_code;
  auto store = open_register(*parsed, "stats");
  if (!store) return kExitFailure;
  const registry::RegisterCounts counts = store->counts();
  print_row("register", store->path());
  print_row("schema version", std::to_string(store->schema_version()));
  print_row("persons", std::to_string(counts.persons));
  print_row("living persons", std::to_string(counts.living_persons));
  print_row("buildings", std::to_string(counts.buildings));
  print_row("change events", std::to_string(counts.changes));
  print_row("last change seq", std::to_string(counts.last_change_seq));
  const auto meta = store->all_meta();
  std::cout << "meta:" << (meta.empty() ? " (none)" : "") << "\n";
  for (const auto& [key, value] : meta)
    std::cout << "  " << key << " = " << value << "\n";
  return kExitOk;
}

int run_person(CommandArgs args) {
  ArgParser parser("register person HETU --db FILE",
                   "Prints the person with this HETU as JSON (the JSON Lines record, indented).\n"
                   "Exit 1 when the register has no such person.");
  parser.option({"db", "FILE", "the register database", ""}).positional_range(1, 1);
  int exit_code = kExitOk;
  auto parsed = parse_or_exit(parser, args, &exit_code);
  if (!parsed) return exit_code;
  const std::string& hetu = parsed->positional().front();
  if (const registry::HetuParse check = registry::parse_hetu(hetu); !check.ok()) {
    std::cerr << "popgate register person: " << hetu << ": not a HETU: " << check.error << "\n";
    return kExitFailure;
  }
  auto store = open_register(*parsed, "person");
  if (!store) return kExitFailure;
  const auto person = store->person_by_hetu(hetu);
  if (!person) {
    std::cerr << "popgate register person: " << hetu << ": not found\n";
    return kExitFailure;
  }
  std::cout << formats::to_json(*person, 2) << "\n";
  return kExitOk;
}

int run_building(CommandArgs args) {
  ArgParser parser("register building PRT --db FILE",
                   "Prints the building with this permanent building identifier as JSON.\n"
                   "Exit 1 when the register has no such building.");
  parser.option({"db", "FILE", "the register database", ""}).positional_range(1, 1);
  int exit_code = kExitOk;
  auto parsed = parse_or_exit(parser, args, &exit_code);
  if (!parsed) return exit_code;
  const std::string& prt = parsed->positional().front();
  if (const std::string error = registry::prt_error(prt); !error.empty()) {
    std::cerr << "popgate register building: " << prt << ": not a PRT: " << error << "\n";
    return kExitFailure;
  }
  auto store = open_register(*parsed, "building");
  if (!store) return kExitFailure;
  const auto building = store->building_by_prt(prt);
  if (!building) {
    std::cerr << "popgate register building: " << prt << ": not found\n";
    return kExitFailure;
  }
  std::cout << formats::to_json(*building, 2) << "\n";
  return kExitOk;
}

int run_migrate(CommandArgs args) {
  ArgParser parser("register migrate --db FILE",
                   "Brings the register to this popgate's schema version, in place: each\n"
                   "version's step in its own transaction, so that an interrupted migration\n"
                   "leaves a whole version behind and can be run again. Jobs that read the\n"
                   "register wait for it (minutes for millions of persons); a file already at\n"
                   "this version is left as it is.");
  parser.option({"db", "FILE", "the register database", ""});
  int exit_code = kExitOk;
  auto parsed = parse_or_exit(parser, args, &exit_code);
  if (!parsed) return exit_code;
  const std::optional<std::string> path = register_path(*parsed, "migrate");
  if (!path) return kExitFailure;
  const std::string& db = *path;
  const int before = store::register_file_version(db);
  const auto started = std::chrono::steady_clock::now();
  auto store = SqliteRegisterStore::open(db, SqliteRegisterStore::Mode::read_write);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  char took[32];
  std::snprintf(took, sizeof took, "%.1f s", seconds);
  if (before == store->schema_version()) {
    std::cout << db << ": schema version " << before << ", nothing to do\n";
  } else {
    std::cout << db << ": schema version " << before << " -> " << store->schema_version() << " ("
              << took << ")\n";
  }
  return kExitOk;
}

}  // namespace

int run_register(CommandArgs args) {
  if (args.empty()) {
    std::cerr << kRegisterHelp;
    return kExitUsage;
  }
  const std::string& sub = args.front();
  if (sub == "-h" || sub == "--help" || sub == "help") {
    std::cout << kRegisterHelp;
    return kExitOk;
  }
  if (sub == "stats") return run_stats(args.subspan(1));
  if (sub == "person") return run_person(args.subspan(1));
  if (sub == "building") return run_building(args.subspan(1));
  if (sub == "migrate") return run_migrate(args.subspan(1));
  std::cerr << "popgate register: unknown subcommand '" << sub << "'\n\n" << kRegisterHelp;
  return kExitUsage;
}

}  // namespace popgate::cli
