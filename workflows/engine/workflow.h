// A workflow as operators write it in YAML (config/workflows/*.yaml) after loading and lint:
// which service it discloses under, what starts it, its steps and what to do on failure.
#ifndef POPGATE_WORKFLOWS_ENGINE_WORKFLOW_H_
#define POPGATE_WORKFLOWS_ENGINE_WORKFLOW_H_

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "registry/permit.h"
#include "workflows/engine/mark.h"

namespace popgate::workflows {

// The permit service a workflow discloses under.
enum class Service { none, update, extraction, change, query };

struct ManualTrigger {};

// A file completed in the client's root (e.g. "inbox/*.csv") starts a job for that client.
struct UploadTrigger {
  std::string path_glob;
};

// A cron schedule starts one job per subscription (for_each_subscription) or per listed client.
struct ScheduleTrigger {
  std::string cron;  // 5-field cron or @daily etc.
  std::string timezone = "Europe/Helsinki";
  bool for_each_subscription = false;
  std::vector<std::string> clients;
};

using Trigger = std::variant<ManualTrigger, UploadTrigger, ScheduleTrigger>;

struct RetryPolicy {
  int attempts = 1;                              // total runs of the step, the first included
  std::chrono::milliseconds backoff{1000};       // before the 2nd attempt; doubles each time
  std::chrono::milliseconds max_backoff{60000};  // cap; the engine adds up to 20% jitter
};

// A parameter as written: text that may hold ${...} references, or a list of them.
struct ParamValue {
  std::string text;
  std::vector<std::string> items;
  bool is_list = false;
  Mark mark;
};

struct StepSpec {
  std::string id;
  std::string uses;  // step type name
  std::map<std::string, ParamValue> with;
  RetryPolicy retry;
  std::optional<std::chrono::milliseconds> timeout;
  Mark mark;  // of the step's "- id:" entry
};

struct Concurrency {
  int max_running = 0;  // jobs of this workflow at once; 0 = only the global limit
  int max_running_per_client = 1;
};

// A config unit test: run the workflow on a fixture and compare outputs (`popgate lint --test`).
struct WorkflowTest {
  std::string name;
  std::string client;
  std::string input;                          // fixture path, relative to the workflow file
  std::map<std::string, std::string> expect;  // e.g. "outbox/<name>" -> expected file
  bool expect_failure = false;
  Mark mark;
};

struct Workflow {
  std::string name;
  std::string description;
  Service service = Service::none;
  Trigger trigger = ManualTrigger{};
  std::vector<StepSpec> steps;
  std::vector<StepSpec> on_failure;
  Concurrency concurrency;
  std::vector<WorkflowTest> tests;
  std::string source_file;  // where it was loaded from
  std::string source_text;  // the file as loaded: jobs store its hash and keep running the
                            // version they started with after a reload
};

std::string_view to_string(Service service);
std::optional<Service> parse_service(std::string_view text);
// The permit service a workflow's service needs; nullopt for Service::none.
std::optional<registry::Service> permit_service(Service service);

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_ENGINE_WORKFLOW_H_
