// deliver: a job's finished result files into the client's outbox, recorded in the audit log
// first, with a status file last, and remembered for retention.
//
// The order is what makes a delivery safe to interrupt at any point:
//   1. the plan (names, sizes, SHA-256) is written to the work dir once, so a re-run after a
//      crash delivers exactly the same files, even those already moved;
//   2. the disclosure is recorded (AuditSink::record is idempotent for the same disclosure),
//      so nothing reaches the client without a trace;
//   3. each file is moved into the outbox by rename: the client sees it whole or not at all;
//   4. the status file comes last: its presence says every part is there.
// Published files are immutable: a run whose files differ from what the outbox already holds
// under the same names (a job set back to `queued` by a bug or a manual edit re-ran and made
// new ones) delivers nothing and records nothing, and the status file stays as it was.
#include <algorithm>
#include <fstream>

#include "adapters/crypto/sha256.h"
#include "adapters/formats/json_writer.h"
#include "base/time_text.h"
#include "steps/builtin_steps.h"
#include "steps/data_groups_param.h"
#include "steps/param_spec.h"
#include "steps/step_files.h"
#include "workflows/engine/job.h"

namespace popgate::workflows::steps {
namespace {

namespace fs = std::filesystem;

struct PlannedFile {
  std::string name;
  std::string sha256;
  std::uint64_t bytes = 0;
};

[[noreturn]] void fail(const StepContext& context, const std::string& why) {
  throw StepError("step " + context.step_id + ": " + why, false, "internal error");
}

std::vector<PlannedFile> read_plan(const fs::path& path) {
  std::vector<PlannedFile> plan;
  std::ifstream in(path);
  PlannedFile file;
  while (in >> file.sha256 >> file.bytes && std::getline(in >> std::ws, file.name))
    plan.push_back(file);
  return plan;
}

std::string plan_text(const std::vector<PlannedFile>& plan) {
  std::string text;
  for (const PlannedFile& f : plan)
    text += f.sha256 + " " + std::to_string(f.bytes) + " " + f.name + "\n";
  return text;
}

// The files of `dir` in name order (parts .001, .002, ... stay in sequence), hashed.
std::vector<PlannedFile> plan_from(const StepContext& context, const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) fail(context, "'" + dir.string() + "' is not a directory");
  std::vector<std::string> names;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || name.starts_with(".")) {
      fail(context, "'" + name + "' in " + dir.string() + " is not a plain file to deliver");
    }
    names.push_back(name);
  }
  if (names.empty()) fail(context, dir.string() + " holds no file to deliver");
  std::sort(names.begin(), names.end());
  std::vector<PlannedFile> plan;
  for (const std::string& name : names) {
    const crypto::FileDigest digest = crypto::sha256_file(dir / name);
    plan.push_back(PlannedFile{name, digest.sha256, digest.size});
  }
  return plan;
}

std::vector<PlannedFile> load_or_make_plan(const StepContext& context, const fs::path& dir,
                                           bool* from_earlier_run) {
  const fs::path plan_path = context.work_dir / ("." + context.step_id + ".deliveries");
  *from_earlier_run = fs::exists(plan_path);
  if (*from_earlier_run) return read_plan(plan_path);
  std::vector<PlannedFile> plan = plan_from(context, dir);
  write_atomically(plan_path, plan_text(plan));
  return plan;
}

std::vector<std::string> read_persons(const StepContext& context, const fs::path& path) {
  std::ifstream in(path);
  if (!in) fail(context, "cannot read the persons file " + path.string());
  std::vector<std::string> persons;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) persons.push_back(line);
  }
  return persons;
}

std::string optional_param(const StepContext& context, const std::string& name) {
  auto it = context.params.find(name);
  return it == context.params.end() ? std::string() : it->second;
}

// Records the disclosure, unless the workflow has no service (nothing from the register).
std::string record_disclosure(const StepEnvironment& env, const StepContext& context,
                              const std::vector<PlannedFile>& plan) {
  const std::optional<registry::Service> service = registry::parse_service(context.service);
  if (!service) return "";
  if (env.audit == nullptr) fail(context, "no audit log here: nothing is delivered unrecorded");
  const std::string persons = optional_param(context, "persons");
  const std::string permit = optional_param(context, "permit");
  if (persons.empty() || permit.empty()) {
    fail(context, "a workflow with a service must give `persons` and `permit` to deliver");
  }
  registry::Disclosure disclosure;
  disclosure.job_id = context.job_id;
  disclosure.client = context.client_id;
  disclosure.permit = permit;
  disclosure.service = *service;
  disclosure.data_groups = data_groups(context, "groups");
  if (disclosure.data_groups.empty()) {
    fail(context, "groups is empty: a disclosure names its data groups");
  }
  for (const PlannedFile& f : plan)
    disclosure.files.push_back({f.name, f.sha256, f.bytes});
  disclosure.persons = read_persons(context, context.work_dir / persons);
  disclosure.run_by = env.run_by;
  return std::to_string(env.audit->record(disclosure));
}

// Whether outbox/<name> is there, and is this plan's file.
enum class InOutbox { absent, as_planned, other };

InOutbox in_outbox(const StepContext& context, const PlannedFile& file) {
  const fs::path path = context.client_root / "outbox" / file.name;
  std::error_code ec;
  if (!fs::exists(path, ec)) return InOutbox::absent;
  const crypto::FileDigest digest = crypto::sha256_file(path);
  return digest.size == file.bytes && digest.sha256 == file.sha256 ? InOutbox::as_planned
                                                                   : InOutbox::other;
}

[[noreturn]] void refuse_redelivery(const StepContext& context, const std::string& why) {
  const std::string line = "job " + context.job_id + " was delivered already (" + why +
                           "): a delivered file is never replaced, so this run delivers and "
                           "records nothing";
  if (context.log) context.log(line);
  throw StepError("step " + context.step_id + ": " + line, false, "internal error");
}

// Before anything is recorded: true when this very plan was delivered already, status file
// and all (a re-run after a crash that came after the status file); refuses a run whose files
// are not the ones the outbox holds.
bool delivered_before(const StepContext& context, const std::vector<PlannedFile>& plan,
                      const std::string& status) {
  const bool status_delivered =
      !status.empty() && status_says_delivered(context.client_root / status);
  bool all_there = true;
  for (const PlannedFile& file : plan) {
    const InOutbox there = in_outbox(context, file);
    if (there == InOutbox::other)
      refuse_redelivery(context, "outbox/" + file.name + " holds an earlier run's file");
    all_there = all_there && there == InOutbox::as_planned;
  }
  if (status_delivered && !all_there)
    refuse_redelivery(context, status + " lists other files than this run's");
  return status_delivered;
}

// Moves one planned file into the outbox, unless an earlier run of this step moved it already.
// The file moved must be the planned one: the plan is what the audit record says was
// disclosed, and a file made again after the plan (the steps before re-run) is not it.
void move_into_outbox(const StepContext& context, const fs::path& dir, const PlannedFile& file,
                      bool plan_from_earlier_run) {
  if (in_outbox(context, file) == InOutbox::as_planned) return;
  const fs::path from = dir / file.name;
  if (!fs::exists(from))
    fail(context, "'" + file.name + "' is neither in " + dir.string() + " nor in the outbox");
  if (plan_from_earlier_run) {
    const crypto::FileDigest digest = crypto::sha256_file(from);
    if (digest.size != file.bytes || digest.sha256 != file.sha256)
      fail(context, "'" + file.name + "' in " + dir.string() +
                        " is not the file an earlier run of this step planned and recorded (it "
                        "was made again after the plan)");
  }
  move_atomically(from, context.client_root / "outbox" / file.name);
}

std::string delivered_status(const StepContext& context, const std::vector<PlannedFile>& plan,
                             std::int64_t delivered_ms) {
  std::string json;
  formats::JsonWriter out(json, 2);
  begin_status_file(out, context.job_id, context.workflow, "delivered");
  out.field("delivered", base::iso_utc_ms(delivered_ms));
  const std::string rows = optional_param(context, "rows");
  if (!rows.empty()) out.field_number("rows", std::stoll(rows));
  out.key("files");
  out.begin_array();
  for (const PlannedFile& f : plan) {
    out.begin_object();
    out.field("name", f.name);
    out.field_number("bytes", static_cast<std::int64_t>(f.bytes));
    out.field("sha256", f.sha256);
    out.end_object();
  }
  out.end_array();
  out.end_object();
  json += '\n';
  return json;
}

void remember_deliveries(const StepEnvironment& env, const StepContext& context,
                         const std::vector<std::string>& paths, std::int64_t delivered_ms) {
  if (!env.record_deliveries) return;
  const std::int64_t keep_days = std::stoll(context.param("keep_days"));
  std::vector<DeliveredFile> delivered;
  for (const std::string& path : paths) {
    DeliveredFile d;
    d.client_id = context.client_id;
    d.job_id = context.job_id;
    d.service = context.service;
    d.path = path;
    d.delivered_ms = delivered_ms;
    d.delete_after_download = context.param("delete_after_download") == "true";
    if (keep_days > 0) d.expires_ms = delivered_ms + keep_days * 24 * 3600 * 1000;
    delivered.push_back(std::move(d));
  }
  env.record_deliveries(delivered);
}

std::vector<ParamSpec> deliver_params() {
  ParamSpec rows = param_spec("rows", ParamType::integer, false, "",
                              "Result rows, for the status file (e.g. ${steps.archive.rows}).");
  rows.min = 0;
  ParamSpec keep_days = param_spec("keep_days", ParamType::integer, false, "30",
                                   "Days the files stay in the outbox; 0: until removed.");
  keep_days.min = 0;
  keep_days.max = 3650;
  return {param_spec("dir", ParamType::path, true, "",
                     "The work-dir directory whose files are delivered, in name order (e.g. "
                     "${steps.encrypt.dir}); it must hold nothing else."),
          param_spec("persons", ParamType::path, false, "",
                     "A work-dir file with the HETU of every person the files disclose, one per "
                     "line. Required when the workflow has a service."),
          param_spec("permit", ParamType::string, false, "",
                     "The permit that allows the disclosure (${steps.<permit step>.permit}). "
                     "Required when the workflow has a service."),
          data_groups_param("groups", DataGroupKinds::persons_and_buildings, false,
                            "The disclosed data groups: ${steps.<permit step>.groups}. Required "
                            "when the workflow has a service."),
          std::move(rows),
          param_spec("status", ParamType::boolean, false, "true",
                     "Write outbox/<job>-status.json (no personal data) after the files."),
          param_spec("delete_after_download", ParamType::boolean, false, "false",
                     "Remove each file once the client has downloaded it whole."),
          std::move(keep_days)};
}

}  // namespace

StepType deliver_step(StepEnvironment env) {
  StepType type;
  type.name = "deliver";
  type.summary = "Records the disclosure, then moves the result files into the client's outbox";
  type.description =
      "Hashes the files of `dir`, appends the disclosure (client, permit, data groups, files "
      "with SHA-256, persons) to the audit log, moves each file into outbox/ by rename (the "
      "client never sees a partial file) and then writes outbox/<job>-status.json with the "
      "job id, the files with their sizes and SHA-256 and the row count: no personal data. "
      "Delivered files are removed after `keep_days`, or once downloaded with "
      "`delete_after_download`. A re-run after a crash delivers and records the same files "
      "once; a delivered file is never replaced: a run whose files differ from those the "
      "outbox holds under the same names (a job set back to queued) fails and delivers and "
      "records nothing. It must come right after a `permit` step.";
  type.params = deliver_params();
  type.outputs = {{"files", "The delivered file names, comma-separated, in order."},
                  {"status", "The status file, relative to the client's root (empty if none)."},
                  {"audit", "The audit record's number (empty when the workflow has no service)."}};
  type.discloses = ClientDisclosure::recorded;
  type.run = [env](StepContext& context) {
    const fs::path dir = context.work_dir / context.param("dir");
    bool plan_from_earlier_run = false;
    const std::vector<PlannedFile> plan = load_or_make_plan(context, dir, &plan_from_earlier_run);
    const std::string status =
        context.param("status") == "true" ? "outbox/" + status_file_name(context.job_id) : "";
    const bool done_before = delivered_before(context, plan, status);
    if (done_before && context.log)
      context.log("job " + context.job_id + " was delivered already (" + status +
                  " lists the files the outbox holds): nothing is delivered again");
    const std::string record = record_disclosure(env, context, plan);
    const std::int64_t delivered_ms = now_ms();
    std::vector<std::string> paths;
    std::string names;
    for (const PlannedFile& file : plan) {
      if (context.should_stop()) throw StepError("step " + context.step_id + ": stopped", true);
      move_into_outbox(context, dir, file, plan_from_earlier_run);
      paths.push_back("outbox/" + file.name);
      names += (names.empty() ? "" : ",") + file.name;
    }
    if (!status.empty()) {
      if (!done_before)
        write_atomically(context.client_root / status,
                         delivered_status(context, plan, delivered_ms));
      paths.push_back(status);
    }
    remember_deliveries(env, context, paths, delivered_ms);
    return StepOutputs{{"files", names}, {"status", status}, {"audit", record}};
  };
  return type;
}

}  // namespace popgate::workflows::steps
