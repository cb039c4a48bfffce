// What a workflow step type is: its parameter schema, its outputs and the code that runs it.
//
// The schema is declared once, in code, next to the step's implementation, and drives three
// things: `popgate lint` (unknown, missing and mistyped parameters), the reference docs
// (`popgate lint --explain STEP`, docs/workflow-reference.md) and the checks the engine makes
// before running a step. Step implementations live in workflows/steps/, one file per type.
#ifndef POPGATE_WORKFLOWS_ENGINE_STEP_TYPE_H_
#define POPGATE_WORKFLOWS_ENGINE_STEP_TYPE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace popgate::workflows {

enum class ParamType {
  string,       // any text (after ${...} substitution)
  integer,      // whole number within [min, max]
  boolean,      // true or false
  duration,     // "30s", "5m", "1h30m", "250ms"
  string_list,  // a YAML sequence of strings
  path,         // a relative path inside the job's work dir or the client's root: no "..",
                // no absolute path (checked at run time after substitution)
  size,         // a byte size with its unit, "256MiB", "1GB" (parse_size), within [min, max]
};

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::string;
  bool required = false;
  std::string default_value;  // used when not given (empty: none)
  std::string description;
  // For strings and each item of a string list: the only accepted values (empty: any).
  std::vector<std::string> allowed;
  std::int64_t min = INT64_MIN;  // for integers, and sizes in bytes
  std::int64_t max = INT64_MAX;
  // For strings and each item of a string list: the value's form beyond `allowed` (e.g.
  // FIELD=Header); returns why it is wrong, "" when it is fine. Lint runs it on literal values
  // and reports file:line:column; the engine runs it again after substitution.
  std::function<std::string(const std::string&)> check;
};

struct OutputSpec {
  std::string name;
  std::string description;
  // A list of names rather than one value (the permit step's `groups`). It is written with
  // list_output() and read by a later step as a string_list parameter given exactly
  // ${steps.<id>.<output>}, which takes its items; lint allows it nowhere else.
  bool list = false;
};

// Whether a step hands data to the client, and whether it records the disclosure first. Lint's
// deny-by-default check of a workflow's shape reads it (workflow_loader.cpp): a disclosing step
// must come right after a `permit` step, and a workflow with a service may disclose only
// through steps that record the disclosure in the audit log before the client sees anything.
enum class ClientDisclosure {
  none,        // nothing this step does reaches the client
  unrecorded,  // hands files to the client without an audit record (publish, sftp_push)
  recorded,    // records the disclosure, then hands the files over (deliver)
};

// Thrown by a step. `retryable` failures (a remote host down, a busy database) are retried
// per the step's retry policy; others fail the job at once. `client_message` is what an error
// report to the client may say (never internal paths or personal data); empty for "internal
// error".
class StepError : public std::runtime_error {
 public:
  StepError(const std::string& message, bool retryable, std::string client_message = {})
      : std::runtime_error(message),
        retryable_(retryable),
        client_message_(std::move(client_message)) {}
  bool retryable() const { return retryable_; }
  const std::string& client_message() const { return client_message_; }

 private:
  bool retryable_;
  std::string client_message_;
};

// Everything a running step may see. A step writes only inside work_dir (and publishes into
// the client's outbox by atomic rename), and must give the same result when re-run after a
// crash: the engine re-runs the step that was running.
struct StepContext {
  std::string job_id;
  std::string workflow;
  std::string workflow_hash;  // SHA-256 of the workflow text the job runs (its manifest names it)
  std::string service;        // the workflow's service: "update", "extraction", ... or "none"
  std::string client_id;
  std::string step_id;
  std::int64_t job_created_ms = 0;    // when the job was created (stable across re-runs)
  int attempt = 1;                    // 1 on the first run of this step in this job
  std::filesystem::path work_dir;     // work/<job-id>/, created by the engine
  std::filesystem::path client_root;  // exchange/<client>/ (inbox/, outbox/)
  std::filesystem::path input_file;   // the triggering file (upload or --input), if any
  // In on_failure steps: what the client may be told about the failure (the failing step's
  // StepError::client_message); empty when the failure was internal.
  std::string client_error;
  std::map<std::string, std::string> params;              // after defaults and ${...}
  std::map<std::string, std::vector<std::string>> lists;  // string_list parameters
  const std::atomic<bool>* cancelled = nullptr;           // set on cancel or timeout
  std::function<void(const std::string&)> log;            // a line to the job's log

  bool should_stop() const { return cancelled != nullptr && cancelled->load(); }
  const std::string& param(const std::string& name) const;  // throws StepError if absent
};

// A step's outputs, referable by later steps as ${steps.<id>.<name>}. Text, because state.db
// keeps them (a job resumed after a restart reads its earlier steps' outputs from there).
using StepOutputs = std::map<std::string, std::string>;

// A list output's text: the items joined by ','. Throws StepError (not retryable) for an item
// that is empty or holds a ',': list outputs carry names, which never do.
std::string list_output(const std::vector<std::string>& items);
// The items of a list output's text, in order ("" has none).
std::vector<std::string> list_output_items(std::string_view text);

struct StepType {
  std::string name;         // what `uses:` names: "checksum"
  std::string summary;      // one line
  std::string description;  // a paragraph for the reference docs
  std::vector<ParamSpec> params;
  std::vector<OutputSpec> outputs;
  ClientDisclosure discloses = ClientDisclosure::none;
  std::function<StepOutputs(StepContext&)> run;

  const ParamSpec* param(std::string_view name) const;
  const OutputSpec* output(std::string_view output_name) const;  // null: it has no such output
  bool has_output(std::string_view output_name) const { return output(output_name) != nullptr; }
};

std::string_view param_type_name(ParamType type);

// For size parameters: whether `bytes` is within the spec's [min, max], and that range as
// text ("at least 1048576 bytes").
bool size_in_range(std::uint64_t bytes, const ParamSpec& spec);
std::string size_range_text(const ParamSpec& spec);

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_ENGINE_STEP_TYPE_H_
