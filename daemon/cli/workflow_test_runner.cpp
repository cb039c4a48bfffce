#include "daemon/cli/workflow_test_runner.h"

#include <stdlib.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

#include "base/json_text.h"
#include "base/strings.h"
#include "daemon/foreground_engine.h"
#include "daemon/outbox_check.h"
#include "workflows/config/diagnostics.h"

namespace popgate::cli {
namespace {

namespace fs = std::filesystem;
namespace wf = workflows;

// A fresh directory, removed (with all the test left in it) when this goes out of scope.
class TempDir {
 public:
  explicit TempDir(const fs::path& root) {
    std::string pattern = (root / "popgate-lint-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// What is wrong with how the job ended, or empty. `failure: true` tests pass on any failure;
// a cancelled or unfinished job is never what a test expects.
std::string check_outcome(const wf::WorkflowTest& test, const std::optional<wf::Job>& job,
                          const fs::path& client_root, const fs::path& fixture_dir) {
  if (!job || !wf::is_terminal(job->state)) return "the job did not finish in time";
  const bool failed = job->state == wf::JobState::failed;
  if (test.expect_failure) {
    return failed ? ""
                  : "expected the job to fail, but it " + std::string(wf::to_string(job->state));
  }
  if (job->state != wf::JobState::succeeded) {
    return "the job " + std::string(wf::to_string(job->state)) +
           (job->error.empty() ? "" : ": " + job->error);
  }
  return base::join(check_outbox(client_root, test.expect, fixture_dir), "; ");
}

// One test in its own data dir, so tests cannot see each other's jobs or outboxes, and a
// rerun is never answered with a job that dedup found in an earlier run.
std::string run_one(const wf::Workflow& workflow, const wf::WorkflowTest& test,
                    const wf::StepRegistry& steps, const WorkflowTestOptions& options) {
  const TempDir data(options.temp_root);
  const fs::path client_root = data.path() / "exchange" / test.client;
  fs::create_directories(client_root / "inbox");
  fs::create_directories(client_root / "outbox");
  const fs::path fixture_dir = fs::path(workflow.source_file).parent_path();

  // The fixture becomes the upload: the trigger file lies in the inbox, as after SFTP.
  const fs::path input = client_root / "inbox" / fs::path(test.input).filename();
  fs::copy_file(fixture_dir / test.input, input);

  // Steps' log lines would bury the PASS/FAIL report; the job's error is in the result.
  ForegroundEngine foreground(data.path(), steps, [](const std::string&, const std::string&) {});
  const wf::NewJob request = foreground_job(workflow, test.client, client_root, input);
  foreground.engine().add_workflow(workflow, request.workflow_hash);
  const std::string id = foreground.engine().submit(request).job.id;
  return check_outcome(test, foreground.run(id, options.job_timeout), client_root, fixture_dir);
}

WorkflowTestResult run_test(const wf::Workflow& workflow, const wf::WorkflowTest& test,
                            const wf::StepRegistry& steps, const WorkflowTestOptions& options) {
  WorkflowTestResult result;
  result.workflow = workflow.name;
  result.test = test.name;
  result.file = workflow.source_file;
  result.mark = test.mark;
  try {
    result.why = run_one(workflow, test, steps, options);
  } catch (const std::exception& e) {
    // A broken test set-up (unreadable fixture, full disk) fails this test, not the others.
    result.why = e.what();
  }
  result.passed = result.why.empty();
  return result;
}

}  // namespace

std::vector<WorkflowTestResult> run_workflow_tests(const wf::ConfigSet& set,
                                                   const wf::StepRegistry& steps,
                                                   const WorkflowTestOptions& options) {
  std::vector<WorkflowTestResult> results;
  for (const wf::Workflow& workflow : set.workflows) {
    for (const wf::WorkflowTest& test : workflow.tests)
      results.push_back(run_test(workflow, test, steps, options));
  }
  return results;
}

std::string format_test_line(const WorkflowTestResult& result) {
  const std::string name = result.workflow + "/" + result.test;
  if (result.passed) return "PASS " + name;
  return "FAIL " + name + ": " + result.file + ":" + std::to_string(result.mark.line) + ":" +
         std::to_string(result.mark.column) + ": " + result.why;
}

std::string format_test_summary(const std::vector<WorkflowTestResult>& results) {
  std::size_t passed = 0;
  for (const WorkflowTestResult& r : results)
    passed += r.passed ? 1 : 0;
  return "tests: " + std::to_string(passed) + " passed, " +
         std::to_string(results.size() - passed) + " failed";
}

std::string format_tests_json(const std::vector<WorkflowTestResult>& results) {
  std::string out = "[";
  for (std::size_t i = 0; i < results.size(); ++i) {
    const WorkflowTestResult& r = results[i];
    out += std::string(i == 0 ? "\n" : ",\n") + "{\"workflow\": " + base::json_string(r.workflow) +
           ", \"test\": " + base::json_string(r.test) + ", \"file\": " + base::json_string(r.file) +
           ", \"line\": " + std::to_string(r.mark.line) +
           ", \"column\": " + std::to_string(r.mark.column) +
           ", \"passed\": " + (r.passed ? "true" : "false") +
           ", \"message\": " + base::json_string(r.why) + "}";
  }
  return out + (results.empty() ? "]" : "\n]");
}

}  // namespace popgate::cli
