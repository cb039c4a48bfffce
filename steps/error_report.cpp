// error_report: tells the client that its job failed, and why as far as it may be told.
#include "adapters/formats/json_writer.h"
#include "base/time_text.h"
#include "steps/builtin_steps.h"
#include "steps/param_spec.h"
#include "steps/step_files.h"
#include "workflows/engine/job.h"

namespace popgate::workflows::steps {
namespace {

namespace fs = std::filesystem;

// Internal failures (a full disk, a bug) are not the client's to read about: it gets the job id
// to quote when it asks, and the operator finds the details under that id.
constexpr const char* kInternalFailure =
    "the job stopped because of an internal error; the operator can look it up by the job id";

std::string failure_status(const StepContext& context) {
  std::string json;
  formats::JsonWriter out(json, 2);
  begin_status_file(out, context.job_id, context.workflow, "failed");
  out.field("finished", base::iso_utc_ms(now_ms()));
  out.field("reason", context.client_error.empty() ? kInternalFailure : context.client_error);
  out.end_object();
  json += '\n';
  return json;
}

}  // namespace

StepType error_report_step() {
  StepType type;
  type.name = "error_report";
  type.summary = "Writes a failed job's status, with the reason the client may read, to its outbox";
  type.description =
      "For on_failure: writes outbox/<job>-status.json (state \"failed\", the job id, the "
      "workflow, the time and the reason) atomically. The reason is what the failing step "
      "says a client may be told (a permit rule that failed, a bad input file with its line); "
      "internal failures say only that the operator can look the job up by its id. The file "
      "holds no personal data. A status file that says delivered is left as it is (the client's "
      "status file describes what it can download). A workflow with a service must run it in "
      "on_failure.";
  type.params = {param_spec("name", ParamType::path, false, "${job.id}-status.json",
                            "The report's name in the outbox.")};
  type.outputs = {{"path", "Where the report was written, relative to the client's root."}};
  type.run = [](StepContext& context) {
    const std::string name = context.param("name");
    if (name.find('/') != std::string::npos || name.starts_with(".")) {
      throw StepError(
          "step " + context.step_id + ": outbox name '" + name + "' must be a plain file name",
          false);
    }
    const fs::path target = context.client_root / "outbox" / name;
    if (status_says_delivered(target)) {
      // The client's status file describes what it can download: a delivery made earlier
      // (this job, set back to queued and failed on the re-run) stays described as delivered.
      if (context.log)
        context.log("outbox/" + name + " says delivered: left as it is, not replaced by a failure");
      return StepOutputs{{"path", "outbox/" + name}};
    }
    write_atomically(target, failure_status(context));
    return StepOutputs{{"path", "outbox/" + name}};
  };
  return type;
}

}  // namespace popgate::workflows::steps
