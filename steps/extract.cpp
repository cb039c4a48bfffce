// extract: the extraction service's core. Reads the client's request (the job's upload), checks
// it (every mistake at its line and column) and checks it against the permit before any data
// is read, then selects the units in one pass over the register (registry/
// extraction_selection.h), leaves out every person disclose() does not allow under the permit
// (bans for the permit's use, the permit's population) and writes result.csv (the data
// package's columns, a withheld group's columns empty), persons.txt (whose data the result
// holds, for the audit record) and summary.txt (the report: the criteria as understood, the
// register's state, the counts).
#include <fstream>
#include <sstream>

#include "adapters/formats/csv.h"
#include "adapters/geo/geo_projection.h"
#include "adapters/store/sqlite_register_store.h"
#include "base/strings.h"
#include "registry/disclosure.h"
#include "registry/extraction_selection.h"
#include "steps/builtin_steps.h"
#include "steps/param_spec.h"
#include "steps/step_files.h"
#include "workflows/config/extraction_request.h"
#include "workflows/config/yaml_loader.h"

namespace popgate::workflows::steps {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void internal(const StepContext& context, const std::string& why) {
  throw StepError("step " + context.step_id + ": " + why, false, "internal error");
}

// A request the client must correct: the job fails at once with every problem for the client.
[[noreturn]] void refuse(const std::string& what, const Diagnostics& problems) {
  const std::string lines = format_text(problems.sorted());
  throw StepError(what + ":\n" + lines, false, what + ":\n" + lines);
}

ExtractionRequest read_request(const StepContext& context, const std::string& name) {
  Diagnostics problems;
  const std::optional<std::string> text = read_config_file(context.input_file.string(), problems);
  std::optional<ExtractionRequest> request;
  if (text) {
    const geo::EtrsTm35Fin projection;
    const GeoProjector project = [&projection](double lat, double lon) {
      return projection.to_map(lat, lon);
    };
    request = read_extraction_request(*text, name, registry::ReferenceData::embedded(), project,
                                      problems);
  }
  if (!request) refuse("the extraction request " + name + " cannot be run", problems);
  if (request->cron) {
    Diagnostics unsupported;
    unsupported.error(name, request->schedule_mark,
                      "recurring extractions are not run yet: send the request without "
                      "schedule, once for each delivery");
    refuse("the extraction request " + name + " cannot be run", unsupported);
  }
  return std::move(*request);
}

struct Tally {
  registry::SelectionCounts selection;
  std::int64_t delivered = 0;
  std::int64_t left_out = 0;  // selected, but the permit or a person's ban keeps them out
  std::map<std::string, std::int64_t> left_out_by_reason;

  std::string text() const {
    std::string out = "units read: " + std::to_string(selection.examined) +
                      "\nunits the criteria select: " + std::to_string(selection.selected) +
                      "\nleft out (the permit's population or a person's disclosure ban): " +
                      std::to_string(left_out) + "\n";
    for (const auto& [reason, count] : left_out_by_reason)
      out += "  " + reason + ": " + std::to_string(count) + "\n";
    return out + "delivered: " + std::to_string(delivered) + "\n";
  }
};

std::string report_header(const ExtractionRequest& request, const std::string& name,
                          const registry::DataPackage& package, const registry::Permit& permit,
                          const registry::Date& reference_date,
                          const registry::RegisterHead& head) {
  std::string out = "extraction request: " + name + "\n";
  out += "unit: " + std::string(request.unit == ExtractionUnit::persons ? "persons" : "buildings") +
         "\npermit: " + permit.id + " (" + permit.purpose + ")\n";
  out += "reference date: " + reference_date.iso() + "\n";
  out += "register: change " + std::to_string(head.last_change_seq) +
         (head.current_to ? ", current to " + head.current_to->iso() : std::string()) + "\n";
  out +=
      "data: " + (request.package.empty() ? std::string("groups") : "package " + package.name()) +
      ": " + base::join(package.column_names(), ", ") + "\n";
  out += "criteria:\n";
  if (request.understood.empty()) out += "  every unit\n";
  for (const std::string& line : request.understood)
    out += "  " + line + "\n";
  return out;
}

StepOutputs run_extract(const StepEnvironment& env, StepContext& context) {
  const std::string name = context.input_file.filename().string();
  const ExtractionRequest request = read_request(context, name);
  if (request.sample) {
    Diagnostics unsupported;
    unsupported.error(name, request.sample->mark,
                      "samples are not drawn yet: leave sample out to receive every unit");
    refuse("the extraction request " + name + " cannot be run", unsupported);
  }
  Diagnostics problems;
  std::optional<registry::DataPackage> found;  // a copy: a reload may replace the configuration
  const auto find_package = [&env,
                             &found](std::string_view package) -> const registry::DataPackage* {
    found = env.package ? env.package(package) : std::nullopt;
    return found ? &*found : nullptr;
  };
  const std::optional<registry::DataPackage> package =
      requested_package(request, find_package, name, problems);
  if (!package) refuse("the extraction request " + name + " cannot be run", problems);

  if (!env.check_permit || !env.permit) internal(context, "permits cannot be checked here");
  registry::PermitRequest asked;
  asked.client = context.client_id;
  asked.service = registry::Service::extraction;
  asked.groups = package->groups();
  asked.day = registry::Date::today();
  asked.permit_id = request.permit_id;
  const registry::PermitDecision decision = env.check_permit(asked);
  if (!decision.allowed())
    throw StepError("permit check failed: " + decision.explanation(), false,
                    decision.explanation());
  const registry::Permit& permit = *decision.permit;
  check_against_permit(request, *package, permit, name, problems);
  if (problems.has_errors()) refuse("the permit does not allow " + name, problems);

  if (env.register_db.empty() || !fs::exists(env.register_db))
    internal(context, "no register at '" + env.register_db.string() + "'");
  auto store = store::SqliteRegisterStore::open(env.register_db.string(),
                                                store::SqliteRegisterStore::Mode::read_only);
  const std::unique_ptr<store::ReadSnapshot> snapshot = store->read_snapshot();
  const registry::Date reference_date = request.reference_date.value_or(registry::Date::today());
  const fs::path dir = context.work_dir / context.param("to");
  fs::create_directories(dir);
  OutputFile result(dir / "result.csv");
  OutputFile persons(context.work_dir / "persons.txt");
  std::string line;
  formats::append_csv_record(line, package->column_names());
  result.stream() << line;

  Tally tally;
  const std::vector<registry::DataGroup> groups = package->groups();
  registry::DisclosureContext disclosure;
  disclosure.permit = &permit;
  disclosure.day = registry::Date::today();
  disclosure.held_by_client = false;  // a search of the register
  std::int64_t since_check = 0;
  const auto stop_if_asked = [&] {
    if (++since_check % 4096 == 0 && context.should_stop())
      throw StepError("step " + context.step_id + ": stopped", true);
  };
  if (request.unit == ExtractionUnit::persons) {
    tally.selection = registry::select_persons(
        *store, request.persons, reference_date, [&](const registry::Person& person) {
          stop_if_asked();
          const registry::PersonDisclosure allowed = registry::disclose(person, groups, disclosure);
          if (!allowed.disclosed) {
            ++tally.left_out;
            ++tally.left_out_by_reason[allowed.reason];
            return true;
          }
          line.clear();
          formats::append_csv_record(line, package->row(person, allowed, reference_date));
          result.stream() << line;
          persons.stream() << person.hetu << '\n';
          ++tally.delivered;
          return true;
        });
  } else {
    tally.selection =
        registry::select_buildings(*store, request.buildings, [&](const registry::Building& b) {
          stop_if_asked();
          line.clear();
          formats::append_csv_record(line, package->row(b));
          result.stream() << line;
          ++tally.delivered;
          return true;
        });
  }
  result.commit();
  persons.commit();
  const std::string report =
      report_header(request, name, *package, permit, reference_date, store->head()) + tally.text();
  write_atomically(dir / "summary.txt", report);
  if (context.log) context.log(tally.text());
  return StepOutputs{{"result", context.param("to") + "/result.csv"},
                     {"summary", context.param("to") + "/summary.txt"},
                     {"persons", "persons.txt"},
                     {"rows", std::to_string(tally.delivered)},
                     {"permit", permit.id},
                     {"groups", list_output([&groups] {
                        std::vector<std::string> names;
                        for (const registry::DataGroup g : groups)
                          names.emplace_back(registry::to_string(g));
                        return names;
                      }())}};
}

}  // namespace

StepType extract_step(StepEnvironment env) {
  StepType type;
  type.name = "extract";
  type.summary = "Runs a client's extraction request: the persons or buildings it selects";
  type.description =
      "Reads the job's input as an extraction request (docs/client-guide.md), refuses it with "
      "every problem at its line and column when it is malformed or asks more than the permit "
      "allows (data groups, population), and otherwise selects the units in one pass over the "
      "register. Persons the permit or their disclosure bans keep out are left out and counted. "
      "Writes <to>/result.csv (the data package's columns), <to>/summary.txt (the report: "
      "criteria as understood, the register's state, the counts) and persons.txt (for "
      "`deliver`). Its outputs `permit` and `groups` go to the delivery's permit check.";
  type.params = {param_spec("to", ParamType::path, false, "result",
                            "The work-dir directory for result.csv and summary.txt.")};
  type.outputs = {{"result", "result.csv's path in the work dir."},
                  {"summary", "summary.txt's path in the work dir."},
                  {"persons", "persons.txt's path in the work dir."},
                  {"rows", "Units delivered."},
                  {"permit", "The permit that allows the extraction."},
                  {"groups", "The data groups of the result, a list.", true}};
  type.run = [env](StepContext& context) { return run_extract(env, context); };
  return type;
}

}  // namespace popgate::workflows::steps
