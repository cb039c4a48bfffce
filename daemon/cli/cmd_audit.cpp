// popgate audit: checks the disclosure log's chain and answers who received whose data.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "adapters/crypto/signing_key.h"
#include "adapters/store/audit_log.h"
#include "daemon/cli/cli.h"
#include "daemon/cli/commands.h"
#include "registry/date.h"

namespace popgate::cli {
namespace {

namespace fs = std::filesystem;

void print_entry(std::ostream& out, const store::AuditEntry& e) {
  out << e.recorded_at << "\trecord " << e.seq << "\tclient " << e.client << "\tpermit " << e.permit
      << "\t" << e.service << "\tjob " << e.job_id << "\tgroups " << e.data_groups << "\tpersons "
      << e.persons;
  for (const registry::DisclosedFile& f : e.files)
    out << "\tfile " << f.name << " sha256:" << f.sha256;
  out << "\n";
}

// The public key verify checks against: --public-key FILE (an auditor's copy), else the
// appliance key under the data dir.
std::string public_key(const ParsedArgs& parsed, const fs::path& data_dir) {
  if (parsed.has("public-key")) {
    const fs::path file = parsed.get_or("public-key", "");
    std::ifstream in(file);
    if (!in) throw UsageError("--public-key: cannot read " + file.string());
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  return crypto::SigningKey::load(data_dir / "keys" / "appliance.key").public_pem();
}

}  // namespace

int run_audit(CommandArgs args) {
  ArgParser parser(
      "audit verify|person HETU|client ID|public-key [--data-dir DIR]",
      "Checks and queries the disclosure audit log (DIR/audit/audit.db).\n"
      "  verify       checks every record's hash, link and signature and the person index;\n"
      "               exit 1 naming the first broken record\n"
      "  person HETU  every disclosure of this person's data: when, to whom, under which permit\n"
      "  client ID    every disclosure to this client (--since YYYY-MM-DD narrows it)\n"
      "  public-key   prints the appliance key's public half, for auditors' verify --public-key");
  parser.option({"data-dir", "DIR", "the data directory", "./popgate-data"})
      .option({"since", "DATE", "client: only records from this day on (UTC)", ""})
      .option({"public-key", "FILE", "verify: check signatures against this PEM public key", ""})
      .positional_range(1, 2);
  int exit_code = kExitOk;
  auto parsed = parse_or_exit(parser, args, &exit_code);
  if (!parsed) return exit_code;
  const std::string action = parsed->positional()[0];
  const bool needs_arg = action == "person" || action == "client";
  if (!needs_arg && action != "verify" && action != "public-key")
    throw UsageError("unknown action '" + action + "'");
  if (needs_arg != (parsed->positional().size() == 2))
    throw UsageError(needs_arg ? action + " needs an argument" : action + " takes no argument");

  const fs::path data_dir = parsed->get_or("data-dir", "./popgate-data");
  if (action == "public-key") {
    std::cout << crypto::SigningKey::load(data_dir / "keys" / "appliance.key").public_pem();
    return kExitOk;
  }
  const fs::path db = data_dir / "audit" / "audit.db";
  if (!fs::exists(db)) {
    std::cerr << "popgate audit: no " << db.string() << " (nothing has been disclosed)\n";
    return kExitFailure;
  }
  store::AuditReader reader(db);
  if (action == "verify") {
    const store::AuditVerification v = reader.verify(public_key(*parsed, data_dir));
    if (!v.ok) {
      std::cout << "BROKEN at record " << v.first_bad << ": " << v.problem << "\n";
      return kExitFailure;
    }
    std::cout << "ok: " << v.records << " records, " << v.persons << " person entries; head "
              << v.records << " " << (v.head_hash.empty() ? "(empty)" : v.head_hash) << "\n";
    return kExitOk;
  }
  const std::string arg = parsed->positional()[1];
  std::vector<store::AuditEntry> entries;
  if (action == "person") {
    entries = reader.person(arg);
  } else {
    const std::string since = parsed->get_or("since", "");
    if (!since.empty() && !registry::Date::parse(since))
      throw UsageError("--since: '" + since + "' is not a date (YYYY-MM-DD)");
    entries = reader.client(arg, since.empty() ? "" : registry::Date::parse(since)->iso());
  }
  for (const store::AuditEntry& e : entries)
    print_entry(std::cout, e);
  if (entries.empty()) std::cerr << "no disclosures recorded\n";
  return kExitOk;
}

}  // namespace popgate::cli
