// `popgate lint --test`: runs the config unit tests (`tests:`) workflow files carry, each on
// the real engine and builtin steps in a throw-away data dir, and compares the outbox.
#ifndef POPGATE_DAEMON_CLI_WORKFLOW_TEST_RUNNER_H_
#define POPGATE_DAEMON_CLI_WORKFLOW_TEST_RUNNER_H_

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "workflows/config/lint.h"
#include "workflows/engine/mark.h"
#include "workflows/engine/step_registry.h"

namespace popgate::cli {

struct WorkflowTestResult {
  std::string workflow;
  std::string test;
  std::string file;  // the workflow file, and the test's position in it
  workflows::Mark mark;
  bool passed = false;
  std::string why;  // when failed: every problem found, joined by "; "
};

struct WorkflowTestOptions {
  // Where each test's data dir (state.db, work/, exchange/<client>/) is made and removed.
  std::filesystem::path temp_root = std::filesystem::temp_directory_path();
  // A job still running after this fails its test (a step stuck in retries, say).
  std::chrono::milliseconds job_timeout = std::chrono::minutes(5);
};

// Runs every test of every workflow in `set`, in file order. Use only a set lint accepted:
// it relies on fixtures existing and tests being well-formed.
std::vector<WorkflowTestResult> run_workflow_tests(const workflows::ConfigSet& set,
                                                   const workflows::StepRegistry& steps,
                                                   const WorkflowTestOptions& options = {});

// "PASS workflow/test" or "FAIL workflow/test: file:line:column: why".
std::string format_test_line(const WorkflowTestResult& result);
// "tests: 3 passed, 1 failed".
std::string format_test_summary(const std::vector<WorkflowTestResult>& results);
// A JSON array of {"workflow", "test", "file", "line", "column", "passed", "message"}.
std::string format_tests_json(const std::vector<WorkflowTestResult>& results);

}  // namespace popgate::cli

#endif  // POPGATE_DAEMON_CLI_WORKFLOW_TEST_RUNNER_H_
