// `popgate lint --test`: config unit tests run through the real binary, on workflows written
// into a scratch directory, and on the shipped configuration.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/unit/test_support/cli_runner.h"

namespace popgate::cli {
namespace {

using Result = testing::CliResult;

// Copies the trigger file and publishes it as `name`.
std::string echo_workflow(const std::string& name, const std::string& tests) {
  return "name: echo\n"
         "trigger:\n"
         "  upload:\n"
         "    path: inbox/*\n"
         "steps:\n"
         "  - id: received\n"
         "    uses: copy\n"
         "    with:\n"
         "      to: received.dat\n"
         "  - id: publish\n"
         "    uses: publish\n"
         "    with:\n"
         "      file: ${steps.received.path}\n"
         "      name: " +
         name +
         "\n"
         "tests:\n" +
         tests;
}

class LintTestCli : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/popgate-lint-test-cli-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    write("in.txt", "hello\n");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name, std::ios::binary) << text;
  }

  // Writes `yaml` as w.yaml and runs `popgate lint --test` on it.
  Result lint_test(const std::string& yaml, std::vector<std::string> extra = {}) {
    write("w.yaml", yaml);
    std::vector<std::string> args{"lint", "--test", dir_ + "/w.yaml"};
    args.insert(args.end(), extra.begin(), extra.end());
    return testing::run_popgate(args, dir_);
  }

  std::string dir_;
};

TEST_F(LintTestCli, MatchingOutputPasses) {
  const Result r = lint_test(echo_workflow("out.dat",
                                           "  - name: same\n"
                                           "    client: acme\n"
                                           "    input: in.txt\n"
                                           "    expect:\n"
                                           "      outbox/out.dat: in.txt\n"));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("PASS echo/same\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("tests: 1 passed, 0 failed\n"), std::string::npos) << r.out;
}

TEST_F(LintTestCli, GlobKeyMatchesNameHoldingJobId) {
  const Result r = lint_test(echo_workflow("'${job.id}-out.dat'",
                                           "  - name: glob\n"
                                           "    client: acme\n"
                                           "    input: in.txt\n"
                                           "    expect:\n"
                                           "      outbox/*-out.dat: in.txt\n"));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("PASS echo/glob\n"), std::string::npos) << r.out;
}

TEST_F(LintTestCli, WrongBytesFailWithOffsetAndPosition) {
  write("expected.txt", "help\n");
  const Result r = lint_test(echo_workflow("out.dat",
                                           "  - name: differs\n"
                                           "    client: acme\n"
                                           "    input: in.txt\n"
                                           "    expect:\n"
                                           "      outbox/out.dat: expected.txt\n"));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("FAIL echo/differs: " + dir_ +
                       "/w.yaml:16:5: outbox/out.dat differs from expected.txt at byte 3 (6 "
                       "bytes, expected 5)\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("tests: 0 passed, 1 failed\n"), std::string::npos) << r.out;
}

TEST_F(LintTestCli, MissingAndUnexpectedOutboxFilesFail) {
  const Result r = lint_test(echo_workflow("out.dat",
                                           "  - name: elsewhere\n"
                                           "    client: acme\n"
                                           "    input: in.txt\n"
                                           "    expect:\n"
                                           "      outbox/other.dat: in.txt\n"));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find(": outbox/other.dat missing; unexpected file outbox/out.dat\n"),
            std::string::npos)
      << r.out;
}

TEST_F(LintTestCli, ExpectedFailurePassesWhenTheJobFails) {
  const Result r = lint_test(
      "name: refuse\n"
      "trigger: {upload: {path: inbox/*}}\n"
      "steps:\n"
      "  - id: no\n"
      "    uses: fail\n"
      "tests:\n"
      "  - {name: fails, client: acme, input: in.txt, expect: {failure: true}}\n");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("PASS refuse/fails\n"), std::string::npos) << r.out;
}

TEST_F(LintTestCli, ExpectedFailureFailsWhenTheJobSucceeds) {
  const Result r = lint_test(echo_workflow("out.dat",
                                           "  - name: should-fail\n"
                                           "    client: acme\n"
                                           "    input: in.txt\n"
                                           "    expect: {failure: true}\n"));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("FAIL echo/should-fail: " + dir_ +
                       "/w.yaml:16:5: expected the job to fail, but it succeeded\n"),
            std::string::npos)
      << r.out;
}

TEST_F(LintTestCli, MissingFixtureIsALintErrorAndRunsNoTests) {
  const Result r = lint_test(echo_workflow("out.dat",
                                           "  - name: lost\n"
                                           "    client: acme\n"
                                           "    input: nowhere.txt\n"
                                           "    expect:\n"
                                           "      outbox/out.dat: in.txt\n"));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find(dir_ + "/w.yaml:18:12: error: fixture 'nowhere.txt' does not exist"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("tests: not run, the configuration has errors\n"), std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("PASS"), std::string::npos) << r.out;
}

TEST_F(LintTestCli, JsonHoldsDiagnosticsAndTests) {
  const Result r = lint_test(echo_workflow("out.dat",
                                           "  - name: same\n"
                                           "    client: acme\n"
                                           "    input: in.txt\n"
                                           "    expect:\n"
                                           "      outbox/out.dat: in.txt\n"),
                             {"--format", "json"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.rfind("{\"diagnostics\": []", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("{\"workflow\": \"echo\", \"test\": \"same\", \"file\": \"" + dir_ +
                       "/w.yaml\", \"line\": 16, \"column\": 5, \"passed\": true, "
                       "\"message\": \"\"}"),
            std::string::npos)
      << r.out;
}

TEST_F(LintTestCli, WithoutTestFlagTestsDoNotRun) {
  write("expected.txt", "help\n");
  write("w.yaml", echo_workflow("out.dat",
                                "  - name: differs\n"
                                "    client: acme\n"
                                "    input: in.txt\n"
                                "    expect:\n"
                                "      outbox/out.dat: expected.txt\n"));
  const Result r = testing::run_popgate({"lint", dir_ + "/w.yaml"}, dir_);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find("FAIL"), std::string::npos) << r.out;
}

TEST_F(LintTestCli, ShippedConfigTestsPass) {
  const Result r =
      testing::run_popgate({"lint", "--test", std::string(POPGATE_SOURCE_DIR) + "/config"}, dir_);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("PASS checksum-to-outbox/returns-the-upload\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("tests: 1 passed, 0 failed\n"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace popgate::cli
