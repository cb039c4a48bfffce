#include "workflows/config/workflow_loader.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/unit/workflows/lint_test_registry.h"
#include "workflows/engine/path_glob.h"

namespace popgate::workflows {
namespace {

constexpr const char* kFile = "w.yaml";

std::string problems(std::string_view yaml) {
  Diagnostics out;
  load_workflow(yaml, kFile, testing::lint_test_registry(), out);
  return format_text(out.sorted());
}

// The header every catalogue entry starts from: a valid upload workflow up to "steps:".
constexpr std::string_view kHead =
    "name: demo\n"
    "trigger:\n"
    "  upload:\n"
    "    path: inbox/*.csv\n"
    "steps:\n";

// A broken workflow and exactly what lint must say about it.
struct Broken {
  const char* name;
  std::string yaml;
  const char* expected;
};

std::string with_head(std::string_view steps) {
  return std::string(kHead) + std::string(steps);
}

const Broken kCatalogue[] = {
    {"unknown_key_with_suggestion",
     "name: demo\ntrigger: {manual: {}}\nstesp:\n  - id: a\n    uses: checksum\n",
     "w.yaml:1:1: error: missing required key 'steps'\n"
     "w.yaml:3:1: error: unknown key 'stesp' (did you mean 'steps'?)\n"},
    {"missing_name", "trigger: {manual: {}}\nsteps:\n  - id: a\n    uses: checksum\n",
     "w.yaml:1:1: error: missing required key 'name'\n"},
    {"bad_name", "name: Demo Flow\ntrigger: {manual: {}}\nsteps:\n  - id: a\n    uses: checksum\n",
     "w.yaml:1:7: error: workflow name 'Demo Flow' may hold only lower-case letters, digits, '_' "
     "and '-'\n"},
    {"unknown_step_type", with_head("  - id: a\n    uses: chcksum\n"),
     "w.yaml:7:11: error: unknown step type 'chcksum' (did you mean 'checksum'?)\n"},
    {"unknown_step_type_without_suggestion", with_head("  - id: a\n    uses: zzzzzz\n"),
     "w.yaml:7:11: error: unknown step type 'zzzzzz' (step types: checksum, deliver, "
     "error_report, permit, publish, tune)\n"},
    {"unknown_param", with_head("  - id: a\n    uses: checksum\n    with:\n      fiel: x\n"),
     "w.yaml:9:7: error: unknown parameter 'fiel' for step type 'checksum' (did you mean "
     "'file'?)\n"},
    {"missing_required_param",
     with_head("  - id: a\n    uses: publish\n    with:\n      name: x\n"),
     "w.yaml:9:7: error: missing required parameter 'file' for step type 'publish'\n"},
    {"missing_required_param_without_with", with_head("  - id: a\n    uses: publish\n"),
     "w.yaml:6:5: error: missing required parameter 'file' for step type 'publish'\n"},
    {"wrong_param_type_integer",
     with_head("  - id: a\n    uses: tune\n    with:\n      level: \"3\"\n"),
     "w.yaml:9:14: error: expected an integer, got the string \"3\" (remove the quotes)\n"},
    {"integer_out_of_range", with_head("  - id: a\n    uses: tune\n    with:\n      level: 11\n"),
     "w.yaml:9:14: error: 11 is out of range 1-10\n"},
    {"wrong_param_type_boolean",
     with_head("  - id: a\n    uses: tune\n    with:\n      strict: yes\n"),
     "w.yaml:9:15: error: expected true or false, got 'yes' (yes/no/on/off are not booleans "
     "here; write true or false)\n"},
    {"wrong_param_type_list", with_head("  - id: a\n    uses: tune\n    with:\n      tags: x\n"),
     "w.yaml:9:13: error: expected a sequence of strings, got 'x'\n"},
    {"param_not_allowed", with_head("  - id: a\n    uses: tune\n    with:\n      mode: fats\n"),
     "w.yaml:9:13: error: 'fats' is not a valid value for 'mode' (did you mean 'fast'?)\n"},
    {"bad_duration_param", with_head("  - id: a\n    uses: tune\n    with:\n      wait: 30\n"),
     "w.yaml:9:13: error: '30' needs a unit, e.g. '30s' (units: d, h, m, s, ms)\n"},
    {"size_without_unit", with_head("  - id: a\n    uses: tune\n    with:\n      limit: 10\n"),
     "w.yaml:9:14: error: '10' needs a unit, e.g. '10MB' (units: B, kB, MB, GB, TB, KiB, MiB, GiB, "
     "TiB)\n"},
    {"size_out_of_range", with_head("  - id: a\n    uses: tune\n    with:\n      limit: 1kB\n"),
     "w.yaml:9:14: error: '1kB' is out of range for 'limit' (at least 1024 bytes)\n"},
    {"bad_timeout", with_head("  - id: a\n    uses: checksum\n    timeout: 5 min\n"),
     "w.yaml:8:14: error: '5 min' is not a duration; write whole numbers with units, e.g. "
     "'250ms', '30s' or '1h30m'\n"},
    {"retry_attempts_out_of_range",
     with_head("  - id: a\n    uses: checksum\n    retry: {attempts: 21, backoff: 1s}\n"),
     "w.yaml:8:23: error: 21 is out of range 1-20\n"},
    {"path_param_escapes", with_head("  - id: a\n    uses: checksum\n    with: {file: ../x}\n"),
     "w.yaml:8:18: error: path '../x' contains '..'\n"},
    {"bad_cron",
     "name: demo\ntrigger:\n  schedule:\n    cron: 0 24 * * *\n    for_each: subscription\n"
     "steps:\n  - id: a\n    uses: checksum\n",
     "w.yaml:4:11: error: invalid cron expression: hour: 24 is out of range 0-23\n"},
    {"unknown_time_zone",
     "name: demo\ntrigger:\n  schedule:\n    cron: 0 6 * * *\n    timezone: Europe/Helsinky\n"
     "    for_each: subscription\nsteps:\n  - id: a\n    uses: checksum\n",
     "w.yaml:5:15: error: unknown time zone 'Europe/Helsinky' (no file "
     "/usr/share/zoneinfo/Europe/Helsinky)\n"},
    {"schedule_without_targets",
     "name: demo\ntrigger:\n  schedule:\n    cron: '@daily'\nsteps:\n  - id: a\n    uses: "
     "checksum\n",
     "w.yaml:4:5: error: a schedule needs for_each: subscription or a clients list\n"},
    {"bad_glob_parent", "name: demo\ntrigger:\n  upload:\n    path: inbox/../x\nsteps: []\n",
     "w.yaml:4:11: error: '..' is not allowed in a glob (it would leave the client's root)\n"
     "w.yaml:5:8: error: a workflow needs at least one step\n"},
    {"bad_glob_bracket",
     "name: demo\ntrigger:\n  upload:\n    path: inbox/[a-z.csv\nsteps:\n  - id: a\n"
     "    uses: checksum\n",
     "w.yaml:4:11: error: '[' in glob has no closing ']'\n"},
    {"reference_to_undefined_step",
     with_head("  - id: sum\n    uses: checksum\n  - id: out\n    uses: publish\n    with:\n"
               "      file: ${steps.summ.sha256}\n"),
     "w.yaml:11:13: error: reference to undefined step 'summ' (did you mean 'sum'?)\n"},
    {"reference_to_later_step",
     with_head("  - id: out\n    uses: publish\n    with:\n      file: x-${steps.sum.size}\n"
               "  - id: sum\n    uses: checksum\n"),
     "w.yaml:9:15: error: step 'sum' runs after this one; only earlier steps' outputs can be "
     "used\n"},
    {"reference_to_undeclared_output",
     with_head("  - id: sum\n    uses: checksum\n  - id: out\n    uses: publish\n    with:\n"
               "      file: \"${job.id}-${steps.sum.sha}\"\n"),
     "w.yaml:11:24: error: step 'sum' (checksum) has no output 'sha' (outputs: "
     "sha256, size)\n"},
    {"trigger_file_without_upload",
     "name: demo\ntrigger:\n  manual: {}\nsteps:\n  - id: a\n    uses: checksum\n"
     "    with: {file: '${trigger.file}'}\n",
     "w.yaml:7:19: error: ${trigger.file} is only set for an upload trigger\n"},
    {"unknown_reference",
     with_head("  - id: a\n    uses: checksum\n    with: {file: '${job.di}'}\n"),
     "w.yaml:8:19: error: unknown reference '${job.di}' (did you mean 'job.id'?)\n"},
    {"unclosed_reference",
     with_head("  - id: a\n    uses: checksum\n    with: {file: \"${job.id\"}\n"),
     "w.yaml:8:19: error: reference '${job.id' has no closing '}'\n"},
    {"duplicate_step_id",
     with_head("  - id: a\n    uses: checksum\n  - id: a\n    uses: checksum\n"),
     "w.yaml:8:9: error: duplicate step id 'a' (first at 6:9)\n"},
    {"duplicate_step_id_in_on_failure",
     with_head("  - id: a\n    uses: checksum\non_failure:\n  - id: a\n    uses: checksum\n"),
     "w.yaml:9:9: error: duplicate step id 'a' (first at 6:9)\n"},
    {"on_failure_uses_main_step",
     with_head("  - id: a\n    uses: checksum\non_failure:\n  - id: b\n    uses: publish\n"
               "    with: {file: '${steps.a.size}'}\n"),
     "w.yaml:11:19: error: on_failure steps cannot use '${steps.a.size}': step 'a' may not have "
     "run when the workflow failed\n"},
    {"duplicate_key",
     "name: demo\nname: other\ntrigger: {manual: {}}\nsteps:\n  - id: a\n"
     "    uses: checksum\n",
     "w.yaml:2:1: error: duplicate key 'name' (first at 1:1)\n"},
    {"two_triggers",
     "name: demo\ntrigger:\n  upload: {path: 'inbox/*'}\n  manual: {}\nsteps:\n  - id: a\n"
     "    uses: checksum\n",
     "w.yaml:4:3: error: a trigger has exactly one of upload, schedule or manual; 'manual' "
     "follows 'upload' at 3:3\n"},
    {"no_trigger_kind", "name: demo\ntrigger: {}\nsteps:\n  - id: a\n    uses: checksum\n",
     "w.yaml:2:10: error: the trigger needs one of upload, schedule or manual\n"},
    {"unknown_service",
     "name: demo\nservice: updte\ntrigger: {manual: {}}\nsteps:\n  - id: a\n"
     "    uses: checksum\n",
     "w.yaml:2:10: error: unknown service 'updte' (did you mean 'update'?)\n"},
    {"bad_test_expectation",
     "name: demo\ntrigger: {manual: {}}\nsteps:\n  - id: a\n    uses: checksum\ntests:\n"
     "  - name: t\n    client: c\n    input: in.csv\n    expect: {inbox/x: y}\n",
     "w.yaml:10:14: error: unknown expectation 'inbox/x' (write 'outbox/<file>: <fixture>' or "
     "'failure: true')\n"},
};

class BrokenWorkflow : public ::testing::TestWithParam<Broken> {};

TEST_P(BrokenWorkflow, ReportsExactPosition) {
  EXPECT_EQ(problems(GetParam().yaml), GetParam().expected) << GetParam().yaml;
}

INSTANTIATE_TEST_SUITE_P(Catalogue, BrokenWorkflow, ::testing::ValuesIn(kCatalogue),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(WorkflowLoader, LoadsAValidWorkflow) {
  const std::string yaml =
      "name: demo\n"
      "description: d\n"
      "service: update\n"
      "trigger:\n"
      "  schedule: {cron: '0 6 * * MON-FRI', clients: [a, b]}\n"
      "steps:\n"
      "  - {id: allowed, uses: permit, with: {groups: [identity, names]}}\n"
      "  - id: sum\n"
      "    uses: checksum\n"
      "    retry: {attempts: 3, backoff: 2s, max_backoff: 1m}\n"
      "    timeout: 5m\n"
      "  - {id: still_allowed, uses: permit, with: {groups: [identity, names]}}\n"
      "  - id: out\n"
      "    uses: deliver\n"
      "    with: {dir: 'x', persons: '${job.id}-${steps.sum.sha256}-${date}-${client.id}'}\n"
      "  - id: t\n"
      "    uses: tune\n"
      "    with: {level: 3, strict: true, wait: 1s, mode: safe, tags: [a, b], limit: 64KiB}\n"
      "on_failure:\n"
      "  - id: report\n"
      "    uses: error_report\n"
      "concurrency: {max_running: 4, max_running_per_client: 1}\n"
      "tests:\n"
      "  - {name: t1, client: a, input: in.csv, expect: {outbox/r.csv: r.csv}}\n"
      "  - {name: t2, client: a, input: bad.csv, expect: {failure: true}}\n";
  Diagnostics out;
  const std::optional<Workflow> w = load_workflow(yaml, kFile, testing::lint_test_registry(), out);
  ASSERT_TRUE(w.has_value()) << format_text(out.sorted());
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(w->name, "demo");
  EXPECT_EQ(w->service, Service::update);
  const auto& schedule = std::get<ScheduleTrigger>(w->trigger);
  EXPECT_EQ(schedule.timezone, "Europe/Helsinki");
  EXPECT_EQ(schedule.clients, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(w->steps.size(), 5u);
  EXPECT_EQ(w->steps[1].retry.attempts, 3);
  EXPECT_EQ(w->steps[1].retry.max_backoff, std::chrono::minutes(1));
  EXPECT_EQ(w->steps[1].timeout, std::chrono::minutes(5));
  EXPECT_EQ(w->steps[3].with.at("persons").text,
            "${job.id}-${steps.sum.sha256}-${date}-${client.id}");
  EXPECT_TRUE(w->steps[4].with.at("tags").is_list);
  EXPECT_EQ(w->steps[4].with.at("tags").items, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(w->on_failure.size(), 1u);
  EXPECT_EQ(w->concurrency.max_running, 4);
  ASSERT_EQ(w->tests.size(), 2u);
  EXPECT_EQ(w->tests[0].expect.at("outbox/r.csv"), "r.csv");
  EXPECT_TRUE(w->tests[1].expect_failure);
  EXPECT_EQ(w->source_text, yaml);
}

TEST(WorkflowLoader, AServiceChecksItsPermitFirstAndBeforeEachDelivery) {
  const auto load = [](const std::string& service, const std::string& steps) {
    Diagnostics out;
    const std::string report =
        service == "none" ? "" : "on_failure:\n  - {id: r, uses: error_report}\n";
    load_workflow(
        "name: w\nservice: " + service + "\ntrigger: {manual: {}}\nsteps:\n" + steps + report,
        kFile, testing::lint_test_registry(), out);
    return format_text(out.sorted());
  };
  const std::string permit = "  - {id: p, uses: permit, with: {groups: [names]}}\n";
  const std::string sum = "  - {id: s, uses: checksum}\n";
  const std::string out = "  - {id: o, uses: deliver, with: {dir: x}}\n";
  const std::string publish = "  - {id: o, uses: publish, with: {file: x}}\n";
  EXPECT_EQ(
      load("update", permit + sum + "  - {id: p2, uses: permit, with: {groups: [names]}}\n" + out),
      "");
  EXPECT_EQ(load("update", sum + out),
            "w.yaml:5:5: error: a workflow with service 'update' must start with a `permit` step "
            "(deny by default)\n"
            "w.yaml:6:5: error: delivery step 'o' must come right after a `permit` step, so that "
            "a permit revoked while the job runs stops the delivery\n");
  EXPECT_EQ(load("extraction", permit + sum + out),
            "w.yaml:7:5: error: delivery step 'o' must come right after a `permit` step, so that "
            "a permit revoked while the job runs stops the delivery\n");
  EXPECT_EQ(load("none", permit + sum),
            "w.yaml:5:5: error: step 'p' checks a permit, but the workflow has no service (set "
            "service: update, extraction, change or query)\n");
  EXPECT_EQ(load("none", sum + out), "");
  EXPECT_EQ(load("none", sum + publish), "");
  // A service delivers only through `deliver`, which records the disclosure first.
  EXPECT_EQ(load("update",
                 permit + sum + "  - {id: p2, uses: permit, with: {groups: [names]}}\n" + publish),
            "w.yaml:8:5: error: step 'o' uses `publish`, which does not record the disclosure: a "
            "workflow with service 'update' delivers with `deliver`\n");
  // ... and tells its client why a job failed.
  Diagnostics without_report;
  load_workflow("name: w\nservice: update\ntrigger: {manual: {}}\nsteps:\n" + permit + sum, kFile,
                testing::lint_test_registry(), without_report);
  EXPECT_EQ(format_text(without_report.sorted()),
            "w.yaml:5:5: error: a workflow with service 'update' must tell its client why a job "
            "failed: add an `error_report` step to on_failure\n");
  // Each item of a list parameter with allowed values is checked at its own position.
  EXPECT_EQ(
      load("update", "  - {id: p, uses: permit, with: {groups: [names, adress, '${date}']}}\n"),
      "w.yaml:5:50: error: 'adress' is not a valid value for 'groups' (one of: identity, "
      "names, permanent_address)\n");
}

TEST(WorkflowLoader, AListOutputIsOnlyEverTheWholeValueOfAListParameter) {
  const auto load = [](const std::string& with) {
    Diagnostics out;
    load_workflow(
        "name: w\nservice: update\ntrigger: {manual: {}}\nsteps:\n"
        "  - {id: p, uses: permit, with: {groups: [names]}}\n"
        "  - {id: s, uses: checksum}\n"
        "  - id: t\n    uses: tune\n    with:\n      " +
            with + "\non_failure:\n  - {id: r, uses: error_report}\n",
        kFile, testing::lint_test_registry(), out);
    return format_text(out.sorted());
  };
  EXPECT_EQ(load("tags: ${steps.p.groups}"), "");
  EXPECT_EQ(load("tags: ${steps.s.sha256}"),
            "w.yaml:10:13: error: parameter 'tags' takes a list, and '${steps.s.sha256}' is a "
            "single value (write [${steps.s.sha256}] for a list of one)\n");
  EXPECT_EQ(load("tags: ${date}"),
            "w.yaml:10:13: error: parameter 'tags' takes a list, and '${date}' is a single value "
            "(write [${date}] for a list of one)\n");
  // A reference that does not resolve is reported once, as such.
  EXPECT_EQ(load("tags: ${steps.q.groups}"),
            "w.yaml:10:13: error: reference to undefined step 'q' (did you mean 'p'?)\n");
  // Spliced into text or made one item of a list, its items would pass for one value.
  EXPECT_EQ(load("mode: ${steps.p.groups}"),
            "w.yaml:10:13: error: '${steps.p.groups}' is a list: it can only be the whole value "
            "of a list parameter\n");
  EXPECT_EQ(load("tags: [\"${steps.p.groups}\"]"),
            "w.yaml:10:15: error: '${steps.p.groups}' is a list: it can only be the whole value "
            "of a list parameter\n");
}

TEST(WorkflowLoader, ReportsAllErrorsAtOnce) {
  const std::string text = problems(with_head(
      "  - id: a\n    uses: chcksum\n  - id: b\n    uses: publish\n    with: {fiel: x}\n"));
  EXPECT_EQ(text,
            "w.yaml:7:11: error: unknown step type 'chcksum' (did you mean 'checksum'?)\n"
            "w.yaml:10:11: error: missing required parameter 'file' for step type 'publish'\n"
            "w.yaml:10:12: error: unknown parameter 'fiel' for step type 'publish' (did you mean "
            "'file'?)\n");
}

TEST(WorkflowLoader, ReferenceColumnsCountCodePoints) {
  // "ä" is two bytes but one column.
  EXPECT_EQ(problems(with_head("  - id: a\n    uses: checksum\n    with: {file: \"ä${nope}\"}\n")),
            "w.yaml:8:20: error: unknown reference '${nope}' (references: ${job.id}, "
            "${client.id}, ${trigger.file}, ${date}, ${steps.<id>.<output>})\n");
}

TEST(WorkflowLoader, UnreadableFileIsADiagnostic) {
  Diagnostics out;
  EXPECT_FALSE(load_workflow_file("/nonexistent/w.yaml", testing::lint_test_registry(), out));
  ASSERT_EQ(out.sorted().size(), 1u);
  EXPECT_EQ(out.sorted()[0].file, "/nonexistent/w.yaml");
}

TEST(PathGlob, AcceptsAndRejects) {
  for (const char* good : {"inbox/*", "inbox/*.csv", "inbox/[a-z]?.txt", "inbox/sub/*.zip",
                           "inbox/[!.]*", "inbox/\\*"}) {
    EXPECT_TRUE(check_path_glob(good).ok()) << good << ": " << check_path_glob(good).message;
  }
  for (const char* bad : {"", "/inbox/*", "outbox/*", "inbox/", "inbox/../x", "inbox//x",
                          "inbox/a]", "inbox/[a/b]", "inbox/x\\"}) {
    EXPECT_FALSE(check_path_glob(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace popgate::workflows
