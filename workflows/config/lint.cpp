#include "workflows/config/lint.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "workflows/config/did_you_mean.h"
#include "workflows/config/workflow_loader.h"
#include "workflows/config/yaml_loader.h"

namespace popgate::workflows {
namespace {

namespace fs = std::filesystem;

enum class FileKind { daemon, workflow, client, permit, package };

struct ConfigFile {
  std::string path;
  FileKind kind;
};

// What the lint run covered, so that cross-file checks only judge what they can see: a lone
// workflow file linted without clients/ must not be told that no client exists.
struct Coverage {
  std::vector<ConfigFile> files;
  bool clients = false;
  bool permits = false;
};

std::optional<FileKind> kind_of_directory(const std::string& name) {
  if (name == "workflows") return FileKind::workflow;
  if (name == "clients") return FileKind::client;
  if (name == "permits") return FileKind::permit;
  if (name == "packages") return FileKind::package;
  return std::nullopt;
}

void note_kind(FileKind kind, Coverage& coverage) {
  coverage.clients = coverage.clients || kind == FileKind::client;
  coverage.permits = coverage.permits || kind == FileKind::permit;
}

// The *.yaml and *.yml files of `dir`, sorted, so reports come out in a stable order.
void add_yaml_files(const fs::path& dir, FileKind kind, Coverage& coverage) {
  note_kind(kind, coverage);
  std::vector<std::string> found;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    const std::string ext = entry.path().extension().string();
    if (entry.is_regular_file(ec) && (ext == ".yaml" || ext == ".yml")) {
      found.push_back(entry.path().string());
    }
  }
  std::sort(found.begin(), found.end());
  for (std::string& path : found)
    coverage.files.push_back({std::move(path), kind});
}

void add_config_dir(const fs::path& dir, Coverage& coverage, Diagnostics& out) {
  std::error_code ec;
  bool any = false;
  if (fs::is_regular_file(dir / "popgate.yaml", ec)) {
    coverage.files.push_back({(dir / "popgate.yaml").string(), FileKind::daemon});
    any = true;
  }
  for (const char* sub : {"workflows", "clients", "permits", "packages"}) {
    if (!fs::is_directory(dir / sub, ec)) continue;
    add_yaml_files(dir / sub, *kind_of_directory(sub), coverage);
    any = true;
  }
  if (!any) {
    out.error(dir.string(), {},
              "not a configuration directory (no popgate.yaml, workflows/, clients/ or permits/)");
  }
}

void add_path(const std::string& path, Coverage& coverage, Diagnostics& out) {
  const fs::path p = fs::path(path).lexically_normal();
  std::error_code ec;
  if (fs::is_directory(p, ec)) {
    const fs::path name = p.filename().empty() ? p.parent_path().filename() : p.filename();
    if (const std::optional<FileKind> kind = kind_of_directory(name.string())) {
      add_yaml_files(p, *kind, coverage);
    } else {
      add_config_dir(p, coverage, out);
    }
    return;
  }
  if (!fs::exists(p, ec)) {
    out.error(path, {}, "no such file or directory");
    return;
  }
  FileKind kind = FileKind::workflow;
  if (p.filename() == "popgate.yaml") kind = FileKind::daemon;
  if (auto dir_kind = kind_of_directory(p.parent_path().filename().string())) kind = *dir_kind;
  note_kind(kind, coverage);
  coverage.files.push_back({path, kind});
}

// --- cross-file checks ---------------------------------------------------------------------

// The node at `keys` under a mapping, or nullptr.
const ConfigNode* find_path(const ConfigNode& root, std::initializer_list<std::string_view> keys) {
  const ConfigNode* node = &root;
  for (const std::string_view key : keys) {
    node = node->find(key);
    if (node == nullptr) return nullptr;
  }
  return node;
}

// A workflow's tree once more, for the positions cross-file messages point at. The text was
// loaded without errors a moment ago, so this cannot fail in practice.
ConfigNode reparse(const Workflow& workflow) {
  Diagnostics ignored;
  return parse_yaml(workflow.source_text, workflow.source_file, ignored).value_or(ConfigNode());
}

class CrossChecker {
 public:
  CrossChecker(const ConfigSet& set, const Coverage& coverage,
               const std::set<std::string>& client_files, Diagnostics& out)
      : set_(set), coverage_(coverage), client_files_(client_files), out_(out) {}

  void run() {
    check_workflow_names();
    check_permit_ids();
    for (const Workflow& workflow : set_.workflows)
      check_workflow(workflow);
    if (coverage_.clients) {
      for (const PermitConfig& permit : set_.permits)
        check_holders(permit);
    }
    if (coverage_.permits) {
      for (const ClientConfig& client : set_.clients)
        check_joins(client);
    }
  }

 private:
  void check_workflow_names() {
    std::map<std::string, const Workflow*> first;
    for (const Workflow& workflow : set_.workflows) {
      const auto [it, inserted] = first.emplace(workflow.name, &workflow);
      if (inserted) continue;
      const ConfigNode root = reparse(workflow);
      const ConfigNode* name = root.find("name");
      out_.error(workflow.source_file, name != nullptr ? name->mark() : Mark{},
                 "duplicate workflow name '" + workflow.name + "' (also in " +
                     it->second->source_file + ")");
    }
  }

  void check_permit_ids() {
    std::map<std::string, const PermitConfig*> first;
    for (const PermitConfig& permit : set_.permits) {
      const auto [it, inserted] = first.emplace(permit.id, &permit);
      if (inserted) continue;
      out_.error(
          permit.source_file, permit.id_mark,
          "duplicate permit id '" + permit.id + "' (also in " + it->second->source_file + ")");
    }
  }

  void check_holders(const PermitConfig& permit) {
    for (std::size_t i = 0; i < permit.holders.size(); ++i) {
      if (client_files_.contains(permit.holders[i])) continue;
      out_.error(permit.source_file, permit.holder_marks[i],
                 unknown_client_message(permit.holders[i]));
    }
  }

  void check_workflow(const Workflow& workflow) {
    if (!coverage_.clients) return;
    const ConfigNode root = reparse(workflow);
    if (const auto* schedule = std::get_if<ScheduleTrigger>(&workflow.trigger)) {
      check_schedule_clients(workflow, *schedule, root);
    }
    check_test_clients(workflow, root);
    if (coverage_.permits) check_permits_exist(workflow, root);
  }

  void check_schedule_clients(const Workflow& workflow, const ScheduleTrigger& schedule,
                              const ConfigNode& root) {
    const ConfigNode* list = find_path(root, {"trigger", "schedule", "clients"});
    for (std::size_t i = 0; i < schedule.clients.size(); ++i) {
      const Mark at =
          list != nullptr && i < list->items().size() ? list->items()[i].mark() : Mark{};
      const std::string& id = schedule.clients[i];
      if (!client_files_.contains(id)) {
        out_.error(workflow.source_file, at, unknown_client_message(id));
      } else if (const ClientConfig* client = set_.client(id); client && client->disabled) {
        out_.warning(workflow.source_file, at,
                     "client '" + id + "' is disabled; the schedule will skip it");
      }
    }
  }

  void check_test_clients(const Workflow& workflow, const ConfigNode& root) {
    const ConfigNode* tests = root.find("tests");
    for (std::size_t i = 0; i < workflow.tests.size(); ++i) {
      const std::string& id = workflow.tests[i].client;
      if (id.empty() || client_files_.contains(id)) continue;
      const ConfigNode* node = tests != nullptr && i < tests->items().size()
                                   ? tests->items()[i].find("client")
                                   : nullptr;
      out_.error(workflow.source_file, node != nullptr ? node->mark() : workflow.tests[i].mark,
                 unknown_client_message(id));
    }
  }

  // A workflow that discloses under a service can only deliver to a client holding a permit
  // for that service. Missing permits are a warning, not an error: workflows ship with the
  // appliance while permits are granted later, client by client, and `serve` must still start
  // in between. The permit itself is checked again when each job starts.
  void check_permits_exist(const Workflow& workflow, const ConfigNode& root) {
    if (workflow.service == Service::none) return;
    if (std::holds_alternative<ManualTrigger>(workflow.trigger)) return;
    const std::string service(to_string(workflow.service));
    const ConfigNode* trigger = root.find("trigger");
    const Mark at = trigger != nullptr ? trigger->mark() : Mark{};
    const auto* schedule = std::get_if<ScheduleTrigger>(&workflow.trigger);
    if (schedule != nullptr && !schedule->clients.empty()) {
      for (const std::string& id : schedule->clients) {
        const ClientConfig* client = set_.client(id);
        if (client != nullptr && !holds_permit(*client, workflow.service)) {
          out_.warning(workflow.source_file, at,
                       "client '" + id + "' holds no permit for service '" + service +
                           "', so its scheduled jobs will be refused");
        }
      }
      return;
    }
    for (const ClientConfig& client : set_.clients) {
      if (!client.disabled && holds_permit(client, workflow.service)) return;
    }
    out_.warning(workflow.source_file, at,
                 "no client holds a permit for service '" + service +
                     "', so this trigger cannot start a job that delivers");
  }

  bool holds_permit(const ClientConfig& client, Service service) const {
    const std::optional<registry::Service> wanted = permit_service(service);
    return wanted &&
           std::any_of(set_.permits.begin(), set_.permits.end(), [&](const PermitConfig& p) {
             const bool covered =
                 std::find(p.holders.begin(), p.holders.end(), client.id) != p.holders.end() ||
                 (p.umbrella &&
                  std::find(client.joins.begin(), client.joins.end(), p.id) != client.joins.end());
             return !p.revoked && covered && p.grants(*wanted);
           });
  }

  // A client may join only umbrella permits that exist.
  void check_joins(const ClientConfig& client) {
    for (std::size_t i = 0; i < client.joins.size(); ++i) {
      const std::string& id = client.joins[i];
      const auto it = std::find_if(set_.permits.begin(), set_.permits.end(),
                                   [&](const PermitConfig& p) { return p.id == id; });
      if (it == set_.permits.end()) {
        out_.error(client.source_file, client.join_marks[i], "unknown permit '" + id + "'");
      } else if (!it->umbrella) {
        out_.error(client.source_file, client.join_marks[i],
                   "permit '" + id + "' is not an umbrella permit (umbrella: true); list the " +
                       "client among its holders instead");
      }
    }
  }

  std::string unknown_client_message(const std::string& id) const {
    const std::vector<std::string_view> ids(client_files_.begin(), client_files_.end());
    std::string message = "unknown client '" + id + "'";
    if (auto best = did_you_mean(id, ids)) message += " (did you mean '" + *best + "'?)";
    return message + " (no clients/" + id + ".yaml)";
  }

  const ConfigSet& set_;
  const Coverage& coverage_;
  const std::set<std::string>& client_files_;
  Diagnostics& out_;
};

}  // namespace

const Workflow* ConfigSet::workflow(std::string_view name) const {
  for (const Workflow& w : workflows) {
    if (w.name == name) return &w;
  }
  return nullptr;
}

const ClientConfig* ConfigSet::client(std::string_view id) const {
  for (const ClientConfig& c : clients) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

const PackageConfig* ConfigSet::package(std::string_view name) const {
  for (const PackageConfig& p : packages) {
    if (p.package.name() == name) return &p;
  }
  return nullptr;
}

ConfigSet lint_config(const std::vector<std::string>& paths, const StepRegistry& steps,
                      Diagnostics& out) {
  Coverage coverage;
  for (const std::string& path : paths)
    add_path(path, coverage, out);
  ConfigSet set;
  // Client ids by file name, loaded or not: a client file with an error of its own must not
  // also make every reference to it "unknown".
  std::set<std::string> client_files;
  for (const ConfigFile& file : coverage.files) {
    ++set.files;
    switch (file.kind) {
      case FileKind::daemon:
        if (auto daemon = load_daemon_config_file(file.path, out)) set.daemon = std::move(daemon);
        break;
      case FileKind::workflow:
        if (auto workflow = load_workflow_file(file.path, steps, out)) {
          set.workflows.push_back(std::move(*workflow));
        }
        break;
      case FileKind::client:
        client_files.insert(fs::path(file.path).stem().string());
        if (auto client = load_client_file(file.path, out))
          set.clients.push_back(std::move(*client));
        break;
      case FileKind::permit:
        if (auto permit = load_permit_file(file.path, out))
          set.permits.push_back(std::move(*permit));
        break;
      case FileKind::package:
        if (auto package = load_package_file(file.path, out))
          set.packages.push_back(std::move(*package));
        break;
    }
  }
  CrossChecker(set, coverage, client_files, out).run();
  return set;
}

}  // namespace popgate::workflows
