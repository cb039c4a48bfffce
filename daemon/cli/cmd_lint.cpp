// popgate lint: checks the configuration (workflows, clients, permits, popgate.yaml) and
// explains the step types workflows are built from.
#include <iostream>
#include <string>
#include <vector>

#include "daemon/cli/cli.h"
#include "daemon/cli/commands.h"
#include "daemon/cli/workflow_test_runner.h"
#include "daemon/config_checks.h"
#include "steps/builtin_steps.h"
#include "workflows/config/did_you_mean.h"
#include "workflows/config/lint.h"
#include "workflows/engine/step_reference.h"

namespace popgate::cli {
namespace {

namespace wf = workflows;

std::string plural(std::size_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

// The last line of a text report: what was checked and what was found.
std::string summary(const wf::ConfigSet& set, const std::vector<wf::Diagnostic>& found) {
  std::size_t errors = 0;
  for (const wf::Diagnostic& d : found)
    errors += d.severity == wf::Severity::error ? 1 : 0;
  const std::size_t warnings = found.size() - errors;
  return (errors == 0 ? "ok: " : "failed: ") + plural(errors, "error") + ", " +
         plural(warnings, "warning") + " in " + plural(set.files, "file") + " (" +
         plural(set.workflows.size(), "workflow") + ", " + plural(set.clients.size(), "client") +
         ", " + plural(set.permits.size(), "permit") +
         (set.packages.empty() ? "" : ", " + plural(set.packages.size(), "package")) + " valid)";
}

void print_lint(const std::string& format, const wf::ConfigSet& set,
                const std::vector<wf::Diagnostic>& found) {
  if (format == "json") {
    std::cout << wf::format_json(found);
  } else {
    std::cout << wf::format_text(found) << summary(set, found) << "\n";
  }
}

// With --test the JSON becomes an object, {"diagnostics": [...], "tests": [...]}: plain lint
// keeps printing the bare array tools already parse.
void print_lint_and_tests(const std::string& format, const wf::ConfigSet& set,
                          const std::vector<wf::Diagnostic>& found,
                          const std::vector<WorkflowTestResult>& results, bool ran) {
  if (format == "json") {
    std::string diagnostics = wf::format_json(found);
    if (diagnostics.ends_with('\n')) diagnostics.pop_back();
    std::cout << "{\"diagnostics\": " << diagnostics
              << ",\n\"tests\": " << format_tests_json(results) << "}\n";
    return;
  }
  print_lint(format, set, found);
  if (!ran) {
    std::cout << "tests: not run, the configuration has errors\n";
    return;
  }
  for (const WorkflowTestResult& result : results)
    std::cout << format_test_line(result) << "\n";
  std::cout << format_test_summary(results) << "\n";
}

int explain(const wf::StepRegistry& steps, const std::string& name) {
  if (const wf::StepType* type = steps.find(name)) {
    std::cout << wf::explain_step(*type);
    return kExitOk;
  }
  const std::vector<std::string_view> names = steps.names();
  std::cerr << "popgate lint: unknown step type '" << name << "'";
  if (auto best = wf::did_you_mean(name, names)) std::cerr << " (did you mean '" << *best << "'?)";
  std::cerr << "\n";
  return kExitFailure;
}

}  // namespace

int run_lint(CommandArgs args) {
  ArgParser parser(
      "lint [PATH...] [--test] [--format text|json] [--explain STEP] [--reference]",
      "Checks popgate's configuration: popgate.yaml, workflows/, clients/ and permits/,\n"
      "each file on its own and all of them together. Every problem is reported as\n"
      "file:line:column, all at once. A PATH is a configuration directory (default\n"
      "/etc/popgate), one of its subdirectories or a single file.\n"
      "With --test, a configuration without errors then runs the workflows' tests:\n"
      "each on the real engine in a temporary data dir, comparing the outbox.\n"
      "Exit 0 when there are no errors (warnings alone pass) and no test failed, 1 otherwise.");
  parser.option({"format", "FORMAT", "text, or json for tools", "text"})
      .option({"explain", "STEP", "print a step type's parameters and outputs", ""})
      .option({"reference", "", "print the Markdown reference of every step type", ""})
      .option({"test", "", "also run the workflows' tests: (config unit tests)", ""})
      .positional_range(0, 1000);
  int exit_code = kExitOk;
  auto parsed = parse_or_exit(parser, args, &exit_code);
  if (!parsed) return exit_code;
  const std::string format = parsed->get_or("format", "text");
  if (format != "text" && format != "json") {
    throw UsageError("--format: '" + format + "' is not text or json");
  }

  const wf::StepRegistry steps = wf::steps::builtin_steps();
  if (parsed->has("reference")) {
    std::cout << wf::reference_markdown(steps);
    return kExitOk;
  }
  if (const auto step = parsed->get("explain"); step && parsed->has("explain")) {
    return explain(steps, *step);
  }

  std::vector<std::string> paths = parsed->positional();
  if (paths.empty()) paths.emplace_back(wf::kDefaultConfigDir);
  wf::Diagnostics diagnostics;
  const wf::ConfigSet set = cli::lint_with_adapters(paths, steps, diagnostics);
  const std::vector<wf::Diagnostic> found = diagnostics.sorted();
  if (!parsed->has("test")) {
    print_lint(format, set, found);
    return diagnostics.has_errors() ? kExitFailure : kExitOk;
  }
  // Tests run only on a configuration the daemon would accept: a broken one fails as is.
  std::vector<WorkflowTestResult> results;
  if (!diagnostics.has_errors()) results = run_workflow_tests(set, steps);
  print_lint_and_tests(format, set, found, results, !diagnostics.has_errors());
  if (diagnostics.has_errors()) return kExitFailure;
  for (const WorkflowTestResult& result : results)
    if (!result.passed) return kExitFailure;
  return kExitOk;
}

}  // namespace popgate::cli
