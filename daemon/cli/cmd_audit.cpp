// popgate audit: checks the disclosure log's chain and answers who received whose data.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>

#include "adapters/crypto/signing_key.h"
#include "adapters/formats/json_writer.h"
#include "adapters/store/audit_log.h"
#include "daemon/cli/appliance_dirs.h"
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
  if (!e.run_by.empty()) out << "\trun by operator " << e.run_by;
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

// --head SEQ:HASH, a chain head the auditor kept.
std::optional<store::AuditHead> kept_head(const ParsedArgs& parsed) {
  const std::string text = parsed.get_or("head", "");
  if (text.empty()) return std::nullopt;
  const std::size_t colon = text.find(':');
  store::AuditHead head;
  const std::string seq = text.substr(0, colon);
  if (colon == std::string::npos || seq.empty() || seq.size() > 18 ||
      seq.find_first_not_of("0123456789") != std::string::npos || std::stoll(seq) < 1)
    throw UsageError("--head: '" + text + "' is not SEQ:HASH (as verify prints: head SEQ HASH)");
  head.seq = std::stoll(seq);
  head.hash = text.substr(colon + 1);
  if (head.hash.size() != 64 ||
      head.hash.find_first_not_of("0123456789abcdef") != std::string::npos)
    throw UsageError("--head: '" + head.hash + "' is not a SHA-256 in hex (64 characters 0-9a-f)");
  return head;
}

void print_broken(std::ostream& out, const store::AuditVerification& v) {
  out << "BROKEN";
  if (v.first_bad > 0) out << " at record " << v.first_bad;
  out << ": " << v.problem << "\n";
}

// audit verify --format json: {"ok", "records", "persons", "head": {"seq", "hash"},
// "first_bad", "problem"} (head null when broken; first_bad and problem null when ok).
std::string verification_json(const store::AuditVerification& v) {
  std::string json;
  formats::JsonWriter out(json, 2);
  out.begin_object();
  out.key("ok");
  out.boolean(v.ok);
  out.field_number("records", v.records);
  out.field_number("persons", v.persons);
  out.key("head");  // what an auditor keeps for verify --head; null when broken
  if (v.ok) {
    out.begin_object();
    out.field_number("seq", v.records);
    out.field_optional("hash", v.head_hash.empty() ? std::nullopt : std::optional(v.head_hash));
    out.end_object();
  } else {
    out.null();
  }
  out.field_optional_number("first_bad",
                            v.first_bad > 0 ? std::optional(v.first_bad) : std::nullopt);
  out.field_optional("problem", v.ok ? std::nullopt : std::optional(v.problem));
  out.end_object();
  return json + "\n";
}

}  // namespace

int run_audit(CommandArgs args) {
  ArgParser parser(
      "audit verify [--format text|json]|person HETU|client ID|public-key [--data-dir DIR]",
      "Checks and queries the disclosure audit log (DIR/audit/audit.db).\n"
      "  verify       checks the database's structure, every record's hash, link and signature,\n"
      "               and every index against the records; --head SEQ:HASH also requires a\n"
      "               head kept earlier; exit 1 naming the first broken record\n"
      "  person HETU  every disclosure of this person's data: when, to whom, under which permit\n"
      "  client ID    every disclosure to this client (--since YYYY-MM-DD narrows it)\n"
      "               person and client verify the log first: if it is broken they say so on\n"
      "               stderr and exit 1 (the answer may be incomplete); --unverified skips it\n"
      "  public-key   prints the appliance key's public half, for auditors' verify --public-key");
  add_data_dir_options(parser)
      .option({"since", "DATE", "client: only records from this day on (UTC)", ""})
      .option({"public-key", "FILE", "check signatures against this PEM public key", ""})
      .option({"head", "SEQ:HASH", "verify: the chain must still hold this kept head", ""})
      .option({"unverified", "", "person, client: answer without verifying the log first", ""})
      .positional_range(1, 2);
  add_format_option(parser);
  int exit_code = kExitOk;
  auto parsed = parse_or_exit(parser, args, &exit_code);
  if (!parsed) return exit_code;
  const std::string action = parsed->positional()[0];
  const bool needs_arg = action == "person" || action == "client";
  if (!needs_arg && action != "verify" && action != "public-key")
    throw UsageError("unknown action '" + action + "'");
  if (needs_arg != (parsed->positional().size() == 2))
    throw UsageError(needs_arg ? action + " needs an argument" : action + " takes no argument");

  const DataDir data = cli::data_dir(*parsed);
  const fs::path& data_dir = data.path;
  if (action == "public-key") {
    std::cout << crypto::SigningKey::load(data_dir / "keys" / "appliance.key").public_pem();
    return kExitOk;
  }
  const fs::path db = data_dir / "audit" / "audit.db";
  if (!fs::exists(db)) {
    std::cerr << "popgate audit: no " << db.string() << " (data dir from " << data.origin
              << "; nothing has been disclosed there)\n";
    return kExitFailure;
  }
  store::AuditReader reader(db);
  if (action == "verify") {
    const store::AuditVerification v =
        reader.verify(public_key(*parsed, data_dir), kept_head(*parsed));
    if (output_format(*parsed) == OutputFormat::json) {
      std::cout << verification_json(v);
      return v.ok ? kExitOk : kExitFailure;
    }
    if (!v.ok) {
      print_broken(std::cout, v);
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
  if (parsed->has("unverified")) {
    std::cerr << "(not verified: --unverified)\n";
    return kExitOk;
  }
  const store::AuditVerification v = reader.verify(public_key(*parsed, data_dir));
  if (v.ok) return kExitOk;
  std::cerr << "WARNING: the audit log fails verification, so this answer may be incomplete or "
               "wrong: ";
  print_broken(std::cerr, v);
  return kExitFailure;
}

}  // namespace popgate::cli
