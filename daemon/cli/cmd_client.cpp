// popgate client: list, show, add and disable clients (clients/<id>.yaml).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "adapters/formats/json_writer.h"
#include "base/strings.h"
#include "daemon/cli/appliance_dirs.h"
#include "daemon/cli/cli.h"
#include "daemon/cli/commands.h"
#include "daemon/cli/config_edit.h"
#include "registry/permit_decision.h"
#include "workflows/config/client_config.h"
#include "workflows/config/lint.h"
#include "workflows/config/permit_config.h"

namespace popgate::cli {
namespace {

namespace fs = std::filesystem;

void print_client(std::ostream& out, const workflows::ClientConfig& c,
                  const workflows::ConfigSet& config) {
  out << "client        " << c.id << (c.disabled ? " (disabled)" : "") << "\n"
      << "file          " << c.source_file << "\n"
      << "organisation  " << c.organisation << "\n"
      << "business id   " << c.business_id << "\n"
      << "contact       " << c.contact.name << " <" << c.contact.email << ">"
      << (c.contact.phone.empty() ? "" : " " + c.contact.phone) << "\n"
      << "ssh keys      " << c.ssh_keys.size() << "\n";
  for (const std::string& key : c.ssh_keys)
    out << "  " << key.substr(0, key.find(' ', key.find(' ') + 1)).substr(0, 60) << "...\n";
  out << "certificate   " << (c.certificates.empty() ? "-" : c.certificates.front()) << "\n";
  for (std::size_t i = 1; i < c.certificates.size(); ++i)
    out << "              " << c.certificates[i] << "\n";
  out << "sftp from     " << (c.sftp.allowed_addresses.empty() ? std::string("any address") : "")
      << base::join(c.sftp.allowed_addresses, ", ") << "\n"
      << "push          "
      << (c.push ? c.push->user + "@" + c.push->host + ":" + std::to_string(c.push->port) + " " +
                       c.push->directory
                 : "-")
      << "\n";
  const workflows::ConfiguredPermits permits(config.permits, config.clients);
  out << "permits      ";
  const std::vector<const registry::Permit*> held = permits.permits_of(c.id);
  if (held.empty()) out << " none";
  for (const registry::Permit* p : held)
    out << " " << p->id << (p->umbrella ? " (umbrella)" : "");
  out << "\n";
}

int add_client(const ParsedArgs& parsed, const fs::path& config_dir) {
  if (parsed.positional().size() != 2) throw UsageError("add needs the client ID");
  const std::string id = parsed.positional()[1];
  if (!workflows::valid_client_id(id))
    throw UsageError("client id '" + id + "': only a-z, 0-9, '_' and '-', at most 32");
  for (const char* required : {"organisation", "business-id", "email"}) {
    if (!parsed.has(required)) throw UsageError(std::string("add needs --") + required);
  }
  std::string text = "# Added with `popgate client add`.\norganisation: " +
                     yaml_quoted(parsed.get_or("organisation", "")) +
                     "\nbusiness_id: " + yaml_quoted(parsed.get_or("business-id", "")) +
                     "\ncontact:\n  name: " + yaml_quoted(parsed.get_or("contact", "")) +
                     "\n  email: " + yaml_quoted(parsed.get_or("email", "")) + "\n";
  if (parsed.has("ssh-key-file")) {
    const fs::path key_file = parsed.get_or("ssh-key-file", "");
    std::ifstream in(key_file);
    if (!in) throw UsageError("--ssh-key-file: cannot read " + key_file.string());
    text += "ssh_keys:\n";
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line[0] != '#') text += "  - " + yaml_quoted(line) + "\n";
    }
  }
  if (parsed.has("certificate"))
    text += "certificate: " + yaml_quoted(parsed.get_or("certificate", "")) + "\n";
  text += "disabled: false\n";
  return write_new_config_file(config_dir, "clients", id + ".yaml", text, "client");
}

}  // namespace

int run_client(CommandArgs args) {
  ArgParser parser(
      "client list [--format text|json]|show ID|add ID|disable ID [--config DIR]",
      "Client organisations (clients/<id>.yaml; the id is also the SFTP user name).\n"
      "  list        every client, its organisation and whether it is active\n"
      "  show ID     one client in full, with the permits it holds or joins\n"
      "  add ID      writes clients/<id>.yaml from --organisation --business-id --email\n"
      "              [--contact NAME --ssh-key-file FILE --certificate FILE]; checked first\n"
      "  disable ID  sets disabled: true: no more logins or jobs\n"
      "Apply changes to a running daemon with `systemctl reload popgate`.");
  add_config_option(parser)
      .option({"organisation", "NAME", "add: the organisation", ""})
      .option({"business-id", "Y", "add: its business ID (Y-tunnus)", ""})
      .option({"contact", "NAME", "add: the contact person", ""})
      .option({"email", "ADDRESS", "add: the contact e-mail", ""})
      .option({"ssh-key-file", "FILE", "add: OpenSSH public keys, one per line", ""})
      .option({"certificate", "FILE", "add: X.509 certificate (PEM) results are encrypted to", ""})
      .positional_range(1, 2);
  add_format_option(parser);
  int exit_code = kExitOk;
  auto parsed = parse_or_exit(parser, args, &exit_code);
  if (!parsed) return exit_code;
  const std::string action = parsed->positional()[0];
  const fs::path config_dir = cli::config_dir(*parsed);
  if (action == "add") return add_client(*parsed, config_dir);

  std::optional<workflows::ConfigSet> config = load_config_or_report(config_dir, "client");
  if (!config) return kExitFailure;
  if (action == "list") {
    if (parsed->positional().size() != 1) throw UsageError("list takes no argument");
    if (output_format(*parsed) == OutputFormat::json) {
      std::string json;
      formats::JsonWriter out(json, 2);
      out.begin_array();
      for (const workflows::ClientConfig& c : config->clients) {
        out.begin_object();
        out.field("id", c.id);
        out.field("state", c.disabled ? "disabled" : "active");
        out.field("business_id", c.business_id);
        out.field("organisation", c.organisation);
        out.end_object();
      }
      out.end_array();
      std::cout << json << "\n";
      return kExitOk;
    }
    if (!config->clients.empty()) std::cout << "id\tstate\tbusiness id\torganisation\n";
    for (const workflows::ClientConfig& c : config->clients) {
      std::cout << c.id << "\t" << (c.disabled ? "disabled" : "active") << "\t" << c.business_id
                << "\t" << c.organisation << "\n";
    }
    return kExitOk;
  }
  if (action != "show" && action != "disable") throw UsageError("unknown action '" + action + "'");
  if (parsed->positional().size() != 2) throw UsageError(action + " needs a client ID");
  const workflows::ClientConfig* client = config->client(parsed->positional()[1]);
  if (client == nullptr) {
    std::cerr << "popgate client: no client " << parsed->positional()[1] << "\n";
    return kExitFailure;
  }
  if (action == "show") {
    print_client(std::cout, *client, *config);
    return kExitOk;
  }
  if (client->disabled) {
    std::cout << "client " << client->id << " is already disabled\n";
    return kExitOk;
  }
  return set_top_level_key(client->source_file, "disabled", "true", config_dir,
                           "client " + client->id);
}

}  // namespace popgate::cli
