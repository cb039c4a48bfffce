// `popgate run` and `popgate jobs` as an operator uses them.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "tests/unit/test_support/cli_runner.h"
#include "tests/unit/test_support/register_samples.h"

namespace popgate {
namespace {

using testing::run_popgate;

constexpr const char* kFailing = R"(name: always-fails
trigger:
  manual:
steps:
  - id: boom
    uses: fail
    with:
      message: no permit for this client
on_failure:
  - id: report
    uses: copy
    with:
      to: error-report.txt
)";

TEST(JobsCli, RunFailsShowRetryAndCancel) {
  testing::TempDir dir;
  std::ofstream(dir.file("wf.yaml")) << kFailing;
  std::ofstream(dir.file("in.csv")) << "x\n";
  const std::string data = dir.file("data");
  const std::string scratch = dir.path().string();
  auto run = run_popgate({"run", dir.file("wf.yaml"), "--client", "c1", "--input",
                          dir.file("in.csv"), "--data-dir", data},
                         scratch);
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_NE(run.out.find("step boom attempt 1: failed"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("on_failure step report attempt 1: succeeded"), std::string::npos);
  const std::string id = run.out.substr(4, run.out.find('\n') - 4);

  auto list = run_popgate({"jobs", "list", "--data-dir", data}, scratch);
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_TRUE(list.out.starts_with("id  state  workflow  client  created\n")) << list.out;
  EXPECT_NE(list.out.find(id + "  failed  always-fails  c1"), std::string::npos) << list.out;

  // For scripts: JSON with stable field names, read back here by Python's json module.
  const auto python_reads = [&](const std::vector<std::string>& args, const std::string& check) {
    const testing::CliResult out = run_popgate(args, scratch);
    EXPECT_EQ(out.exit_code, 0) << out.err;
    EXPECT_TRUE(testing::python_json_check(out.out, check, scratch)) << check << "\n" << out.out;
  };
  python_reads({"jobs", "list", "--format", "json", "--data-dir", data},
               "len(d) == 1 and d[0]['id'] == '" + id +
                   "' and d[0]['state'] == 'failed' and d[0]['workflow'] == 'always-fails' and "
                   "d[0]['client'] == 'c1' and d[0]['created'].endswith('Z')");
  python_reads({"jobs", "show", id, "--format", "json", "--data-dir", data},
               "d['id'] == '" + id +
                   "' and d['error'] == 'no permit for this client' and d['input_sha256'] == "
                   "'73cb3858a687a8494ca3323053016282f3dad39d42cf62ca4e79dda2aac7d9ac' and "
                   "[a['step'] for a in d['attempts']] == ['boom', 'report'] and "
                   "d['attempts'][1]['phase'] == 'on_failure' and "
                   "d['attempts'][0]['state'] == 'failed'");
  EXPECT_EQ(
      run_popgate({"jobs", "list", "--format", "yaml", "--data-dir", data}, scratch).exit_code, 2);

  auto show = run_popgate({"jobs", "show", id, "--data-dir", data}, scratch);
  EXPECT_EQ(show.exit_code, 0);
  EXPECT_NE(show.out.find("error: no permit for this client"), std::string::npos) << show.out;
  // The input file's own SHA-256 (sha256sum in.csv), as in the audit record.
  EXPECT_NE(show.out.find("\n  sha256:   "
                          "73cb3858a687a8494ca3323053016282f3dad39d42cf62ca4e79dda2aac7d9ac"),
            std::string::npos)
      << show.out;

  EXPECT_EQ(run_popgate({"jobs", "cancel", id, "--data-dir", data}, scratch).exit_code, 1);
  auto retry = run_popgate({"jobs", "retry", id, "--data-dir", data}, scratch);
  EXPECT_EQ(retry.exit_code, 0) << retry.err;
  show = run_popgate({"jobs", "show", id, "--data-dir", data}, scratch);
  EXPECT_NE(show.out.find(": queued"), std::string::npos) << show.out;
  auto cancel = run_popgate({"jobs", "cancel", id, "--data-dir", data}, scratch);
  EXPECT_EQ(cancel.exit_code, 0) << cancel.err;
  show = run_popgate({"jobs", "show", id, "--data-dir", data}, scratch);
  EXPECT_NE(show.out.find(": cancelled"), std::string::npos) << show.out;

  EXPECT_EQ(run_popgate({"jobs", "show", "nope", "--data-dir", data}, scratch).exit_code, 1);
  EXPECT_EQ(run_popgate({"jobs", "frobnicate", "--data-dir", data}, scratch).exit_code, 2);
  EXPECT_EQ(run_popgate({"run", dir.file("wf.yaml"), "--data-dir", data}, scratch).exit_code, 2);
}

TEST(JobsCli, RunRefusesAnInvalidWorkflowWithItsDiagnostics) {
  testing::TempDir dir;
  std::ofstream(dir.file("wf.yaml")) << "name: x\ntrigger:\n  manual:\nsteps:\n"
                                        "  - id: a\n    uses: chekcsum\n";
  std::ofstream(dir.file("in.csv")) << "x\n";
  auto run = run_popgate({"run", dir.file("wf.yaml"), "--client", "c", "--input",
                          dir.file("in.csv"), "--data-dir", dir.file("data")},
                         dir.path().string());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("wf.yaml:6:"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace popgate
