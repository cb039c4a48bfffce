// popgate permit: list, show, check, add and revoke data permits (permits/*.yaml).
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "adapters/formats/json_writer.h"
#include "base/strings.h"
#include "daemon/cli/appliance_dirs.h"
#include "daemon/cli/cli.h"
#include "daemon/cli/commands.h"
#include "daemon/cli/config_edit.h"
#include "registry/permit_decision.h"
#include "steps/builtin_steps.h"
#include "workflows/config/diagnostics.h"
#include "workflows/config/lint.h"
#include "workflows/config/permit_config.h"

namespace popgate::cli {
namespace {

namespace fs = std::filesystem;
using registry::DataGroup;

std::string list_or_dash(const std::vector<std::string>& items) {
  return items.empty() ? "-" : base::join(items, ", ");
}

template <typename T>
std::vector<std::string> names(const std::vector<T>& values) {
  std::vector<std::string> out;
  for (const T& v : values)
    out.emplace_back(registry::to_string(v));
  return out;
}

std::string status_on(const registry::Permit& p, const registry::Date& day) {
  if (p.revoked) return "revoked";
  if (day < p.valid_from) return "not yet valid";
  if (p.valid_until && *p.valid_until < day) return "expired";
  return "valid";
}

std::string validity(const registry::Permit& p) {
  return p.valid_from.iso() + " .. " + (p.valid_until ? p.valid_until->iso() : "");
}

// permit list --format json: each permit's status today and what it grants.
std::string permits_json(const std::vector<workflows::PermitConfig>& permits,
                         const registry::Date& today) {
  std::string json;
  formats::JsonWriter out(json, 2);
  out.begin_array();
  for (const workflows::PermitConfig& p : permits) {
    out.begin_object();
    out.field("id", p.id);
    out.field("status", status_on(p, today));
    out.field("valid_from", p.valid_from.iso());
    out.field_optional("valid_until",
                       p.valid_until ? std::optional(p.valid_until->iso()) : std::nullopt);
    out.key("umbrella");
    out.boolean(p.umbrella);
    out.field_strings("holders", p.holders);
    out.field_strings("services", names(p.services));
    out.field_strings("data_groups", names(p.data_groups));
    out.end_object();
  }
  out.end_array();
  return json + "\n";
}

void print_permit(std::ostream& out, const workflows::PermitConfig& p, const registry::Date& day) {
  out << "permit        " << p.id << "\n"
      << "file          " << p.source_file << "\n"
      << "status        " << status_on(p, day) << " (" << validity(p) << ")\n"
      << "holders       " << (p.umbrella ? "umbrella: clients join it" : list_or_dash(p.holders))
      << "\n"
      << "purpose       " << p.purpose << "\n"
      << "legal basis   " << p.legal_basis << "\n"
      << "use           " << registry::to_string(p.use) << "\n"
      << "services      " << list_or_dash(names(p.services)) << "\n"
      << "data groups   " << list_or_dash(names(p.data_groups)) << "\n"
      << "municipalities " << list_or_dash(p.population.municipalities) << "\n";
  if (p.population.min_age || p.population.max_age) {
    out << "ages          " << (p.population.min_age ? std::to_string(*p.population.min_age) : "")
        << ".." << (p.population.max_age ? std::to_string(*p.population.max_age) : "") << "\n";
  }
  out << "only held     " << (p.population.only_held_persons ? "yes" : "no") << "\n"
      << "safety right  " << (p.safety_non_disclosure_right ? "yes" : "no") << "\n";
}

// Splits "a,b, c" into its non-empty items.
std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const std::size_t begin = item.find_first_not_of(' ');
    const std::size_t end = item.find_last_not_of(' ');
    if (begin != std::string::npos) out.push_back(item.substr(begin, end - begin + 1));
  }
  return out;
}

std::string yaml_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const std::string& item : items)
    out += (out.size() > 1 ? ", " : "") + yaml_quoted(item);
  return out + "]";
}

// permits/<id with '/' and other unsafe characters as '-'>.yaml
std::string permit_file_name(const std::string& id) {
  std::string name;
  for (const char c : id) {
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.';
    name += safe ? c : '-';
  }
  return name + ".yaml";
}

int add_permit(const ParsedArgs& parsed, const fs::path& config_dir) {
  for (const char* required :
       {"id", "purpose", "legal-basis", "services", "groups", "valid-from"}) {
    if (!parsed.has(required)) throw UsageError(std::string("add needs --") + required);
  }
  const bool umbrella = parsed.has("umbrella");
  if (!umbrella && !parsed.has("holders"))
    throw UsageError("add needs --holders (or --umbrella for a permit clients join)");
  const std::string id = parsed.get_or("id", "");
  std::string text = "# Added with `popgate permit add`.\nid: " + yaml_quoted(id) + "\n";
  if (umbrella) text += "umbrella: true\n";
  if (parsed.has("holders"))
    text += "holders: " + yaml_list(split_list(parsed.get_or("holders", ""))) + "\n";
  text += "purpose: " + yaml_quoted(parsed.get_or("purpose", "")) + "\n";
  text += "legal_basis: " + yaml_quoted(parsed.get_or("legal-basis", "")) + "\n";
  if (parsed.has("use")) text += "use: " + yaml_quoted(parsed.get_or("use", "")) + "\n";
  text += "services: " + yaml_list(split_list(parsed.get_or("services", ""))) + "\n";
  text += "data_groups: " + yaml_list(split_list(parsed.get_or("groups", ""))) + "\n";
  if (parsed.has("municipalities")) {
    text += "population:\n  municipalities: " +
            yaml_list(split_list(parsed.get_or("municipalities", ""))) + "\n";
  }
  text += "valid_from: " + yaml_quoted(parsed.get_or("valid-from", "")) + "\n";
  if (parsed.has("valid-until"))
    text += "valid_until: " + yaml_quoted(parsed.get_or("valid-until", "")) + "\n";
  text += "revoked: false\n";
  return write_new_config_file(config_dir, "permits", permit_file_name(id), text, "permit");
}

int check_permit(const ParsedArgs& parsed, const workflows::ConfigSet& config) {
  const std::vector<std::string>& args = parsed.positional();
  if (args.size() < 4) throw UsageError("check needs CLIENT SERVICE GROUP...");
  registry::PermitRequest request;
  request.client = args[1];
  const std::optional<registry::Service> service = registry::parse_service(args[2]);
  if (!service) throw UsageError("unknown service '" + args[2] + "'");
  request.service = *service;
  for (std::size_t i = 3; i < args.size(); ++i) {
    const std::optional<DataGroup> group = registry::parse_data_group(args[i]);
    if (!group) throw UsageError("unknown data group '" + args[i] + "'");
    request.groups.push_back(*group);
  }
  const std::string on = parsed.get_or("on", "");
  if (on.empty()) {
    request.day = registry::Date::today();
  } else if (const auto day = registry::Date::parse(on)) {
    request.day = *day;
  } else {
    throw UsageError("--on: '" + on + "' is not a date (YYYY-MM-DD)");
  }
  request.permit_id = parsed.get_or("permit", "");
  const registry::PermitDecision decision =
      workflows::ConfiguredPermits(config.permits, config.clients).decide(request);
  std::cout << decision.explanation() << "\n";
  return decision.allowed() ? kExitOk : kExitFailure;
}

}  // namespace

int run_permit(CommandArgs args) {
  ArgParser parser(
      "permit list|show ID|check CLIENT SERVICE GROUP...|add|revoke ID [--config DIR]",
      "Data permits (permits/*.yaml).\n"
      "  list          every permit and whether it is valid today\n"
      "  show ID       one permit in full\n"
      "  check CLIENT SERVICE GROUP...\n"
      "                which permit allows the client these data groups through the service,\n"
      "                or why none does (exit 1); --on DATE, --permit ID\n"
      "  add           writes permits/<id>.yaml from --id --holders|--umbrella --purpose\n"
      "                --legal-basis --services --groups --valid-from [--valid-until --use\n"
      "                --municipalities] (lists comma-separated); checked before it is written\n"
      "  revoke ID     sets revoked: true in the permit's file\n"
      "Apply changes to a running daemon with `systemctl reload popgate`.");
  add_config_option(parser)
      .option({"on", "DATE", "check: the day of disclosure (default today)", ""})
      .option({"permit", "ID", "check: only this permit", ""})
      .option({"id", "ID", "add: the diary number", ""})
      .option({"holders", "IDS", "add: client ids, comma-separated", ""})
      .option({"umbrella", "", "add: an umbrella permit clients join", ""})
      .option({"purpose", "TEXT", "add: the purpose", ""})
      .option({"legal-basis", "TEXT", "add: the legal basis", ""})
      .option({"use", "USE", "add: what the data is used for", ""})
      .option({"services", "LIST", "add: update, extraction, change, query", ""})
      .option({"groups", "LIST", "add: data groups", ""})
      .option({"municipalities", "LIST", "add: home municipality codes", ""})
      .option({"valid-from", "DATE", "add: first day", ""})
      .option({"valid-until", "DATE", "add: last day", ""})
      .positional_range(1, 64);
  add_format_option(parser);
  int exit_code = kExitOk;
  auto parsed = parse_or_exit(parser, args, &exit_code);
  if (!parsed) return exit_code;
  const std::string action = parsed->positional()[0];
  const fs::path config_dir = cli::config_dir(*parsed);
  if (action == "add") return add_permit(*parsed, config_dir);

  std::optional<workflows::ConfigSet> config = load_config_or_report(config_dir, "permit");
  if (!config) return kExitFailure;
  const registry::Date today = registry::Date::today();
  if (action == "list") {
    if (parsed->positional().size() != 1) throw UsageError("list takes no argument");
    if (output_format(*parsed) == OutputFormat::json) {
      std::cout << permits_json(config->permits, today);
      return kExitOk;
    }
    if (!config->permits.empty()) std::cout << "id\tstatus\tvalid\tholders\tservices\n";
    for (const workflows::PermitConfig& p : config->permits) {
      std::cout << p.id << "\t" << status_on(p, today) << "\t" << validity(p) << "\t"
                << (p.umbrella ? "umbrella" : list_or_dash(p.holders)) << "\t"
                << list_or_dash(names(p.services)) << "\n";
    }
    return kExitOk;
  }
  if (action == "check") return check_permit(*parsed, *config);
  if (action != "show" && action != "revoke") throw UsageError("unknown action '" + action + "'");
  if (parsed->positional().size() != 2) throw UsageError(action + " needs a permit ID");
  const std::string id = parsed->positional()[1];
  const auto it = std::find_if(config->permits.begin(), config->permits.end(),
                               [&](const workflows::PermitConfig& p) { return p.id == id; });
  if (it == config->permits.end()) {
    std::cerr << "popgate permit: no permit " << id << "\n";
    return kExitFailure;
  }
  if (action == "show") {
    print_permit(std::cout, *it, today);
    return kExitOk;
  }
  if (it->revoked) {
    std::cout << "permit " << id << " is already revoked\n";
    return kExitOk;
  }
  return set_top_level_key(it->source_file, "revoked", "true", config_dir, "permit " + id);
}

}  // namespace popgate::cli
