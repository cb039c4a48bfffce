// The write_table step on real files: by itself as the engine calls it, and in a workflow
// loaded from YAML and run by the engine.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>

#include "adapters/crypto/sha256.h"
#include "adapters/store/sqlite_job_store.h"
#include "steps/builtin_steps.h"
#include "tests/unit/test_support/register_samples.h"
#include "workflows/config/workflow_loader.h"
#include "workflows/engine/engine.h"

namespace popgate::workflows::steps {
namespace {

namespace fs = std::filesystem;
using testing::read_file;
using testing::TempDir;
using testing::write_file;

// A result as match_persons writes it.
constexpr char kResult[] =
    "client_ref;outcome;score;reason;names.last_name;names.first_names;changed\r\n"
    "1;MATCHED_HETU;1.000;HETU;Mäkinen;Anna;\r\n"
    "2;NOT_FOUND;0.000;\"no person; \"\"x\"\"\";;;\r\n"
    "3;MATCHED_HETU;1.000;HETU;Wałęsa;Lech;last_name\r\n";

class WriteTableStepTest : public ::testing::Test {
 protected:
  WriteTableStepTest() : registry_(builtin_steps()) {
    fs::create_directories(work() / "result");
    write_file((work() / "result/result.csv").string(), kResult);
    context_.job_id = "job-1";
    context_.client_id = "acme";
    context_.step_id = "table";
    context_.work_dir = work();
    context_.cancelled = &cancelled_;
  }

  // Runs the step as the engine would: declared defaults for the parameters not given.
  StepOutputs run(std::map<std::string, std::string> params,
                  std::map<std::string, std::vector<std::string>> lists = {}) {
    const StepType& type = *registry_.find("write_table");
    params.emplace("file", "result/result.csv");
    for (const ParamSpec& spec : type.params) {
      if (spec.type == ParamType::string_list) {
        lists.emplace(spec.name, std::vector<std::string>{});
      } else {
        params.emplace(spec.name, spec.default_value);
      }
    }
    context_.params = std::move(params);
    context_.lists = std::move(lists);
    return type.run(context_);
  }

  StepError error_of(std::map<std::string, std::string> params,
                     std::map<std::string, std::vector<std::string>> lists = {}) {
    try {
      run(std::move(params), std::move(lists));
    } catch (const StepError& e) {
      return e;
    }
    ADD_FAILURE() << "the step succeeded";
    return StepError("", true);
  }

  // The work dir's files, temporary ones included.
  std::vector<std::string> files() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::recursive_directory_iterator(work())) {
      if (entry.is_regular_file()) names.push_back(fs::relative(entry.path(), work()).string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path work() const { return dir_.path() / "work"; }

  TempDir dir_;
  StepRegistry registry_;
  StepContext context_;
  std::atomic<bool> cancelled_{false};
};

TEST_F(WriteTableStepTest, TheDefaultsWriteTheResultAsItIs) {
  const StepOutputs out = run({});
  EXPECT_EQ(
      out,
      (StepOutputs{
          {"path", "table/result.csv"}, {"rows", "3"}, {"replaced", "0"}, {"truncated", "0"}}));
  EXPECT_EQ(read_file((work() / "table/result.csv").string()), kResult);
  EXPECT_EQ(files(), (std::vector<std::string>{"result/result.csv", "table/result.csv"}))
      << "no temporary file left";
}

TEST_F(WriteTableStepTest, ALegacyFormatWithTransliterationCountsWhatItReplaced) {
  const StepOutputs out =
      run({{"encoding", "windows-1252"},
           {"unmappable", "transliterate"},
           {"separator", ","},
           {"line_ending", "crlf"},
           {"to", "legacy/tulos.csv"}},
          {{"columns", {"client_ref=Asiakasnro", "names.last_name=Sukunimi", "reason"}}});
  EXPECT_EQ(out.at("path"), "legacy/tulos.csv");
  EXPECT_EQ(out.at("rows"), "3");
  EXPECT_EQ(out.at("replaced"), "1");
  EXPECT_EQ(read_file((work() / "legacy/tulos.csv").string()),
            "Asiakasnro,Sukunimi,reason\r\n"
            "1,M\xE4kinen,HETU\r\n"
            "2,,\"no person; \"\"x\"\"\"\r\n"
            "3,Walesa,HETU\r\n");
}

TEST_F(WriteTableStepTest, AnUnmappableCharacterFailsWithAReasonForTheClientAndLeavesNoFile) {
  const StepError e = error_of({{"encoding", "iso-8859-1"}},
                               {{"columns", {"client_ref", "names.last_name=Sukunimi"}}});
  EXPECT_FALSE(e.retryable());
  EXPECT_EQ(std::string(e.what()),
            "step table: result/result.csv: row 3 (input line 4), column 'Sukunimi': the "
            "character 'ł' (U+0142) cannot be written in iso-8859-1");
  EXPECT_EQ(e.client_message(),
            "your result cannot be written in the format set for you: row 3 of the result, "
            "column 'Sukunimi': the character 'ł' (U+0142) cannot be written in iso-8859-1. Ask "
            "the register authority to change the format (e.g. UTF-8, replacing such "
            "characters, or wider fields).");
  EXPECT_EQ(files(), (std::vector<std::string>{"result/result.csv"}));
}

TEST_F(WriteTableStepTest, FixedWidthOverflowFailsOrTruncates) {
  const std::map<std::string, std::vector<std::string>> layout = {
      {"fixed_width", {"client_ref:1:3", "names.last_name:4:5"}}};
  const StepError e = error_of({}, layout);
  EXPECT_EQ(e.client_message(),
            "your result cannot be written in the format set for you: row 1 of the result, "
            "column 'names.last_name': the value has 7 characters, the field holds 5. Ask the "
            "register authority to change the format (e.g. UTF-8, replacing such characters, "
            "or wider fields).");
  const StepOutputs out = run({{"overflow", "truncate"}, {"line_ending", "lf"}}, layout);
  EXPECT_EQ(out.at("truncated"), "2");
  EXPECT_EQ(read_file((work() / "table/result.csv").string()), "1  Mäkin\n2       \n3  Wałęs\n");
}

TEST_F(WriteTableStepTest, AnUnknownColumnIsTheOperatorsErrorWithASuggestion) {
  const StepError e = error_of({}, {{"columns", {"client_ref", "names.lastname"}}});
  EXPECT_FALSE(e.retryable());
  EXPECT_EQ(std::string(e.what()),
            "step table: no column 'names.lastname' in result/result.csv (did you mean "
            "'names.last_name'?); its columns: client_ref outcome score reason names.last_name "
            "names.first_names changed");
  EXPECT_EQ(e.client_message(), "") << "not the client's doing: internal";
}

TEST_F(WriteTableStepTest, BadParametersAreRefusedBeforeAnythingIsWritten) {
  EXPECT_EQ(std::string(error_of({}, {{"fixed_width", {"client_ref:1"}}}).what()),
            "step table: fixed_width item 'client_ref:1' is not COLUMN:START:LENGTH (characters, "
            "from 1)");
  EXPECT_EQ(std::string(error_of({}, {{"fixed_width", {"a:1:5", "b:3:2"}}}).what()),
            "step table: fixed_width: fields a (characters 1-5) and b (from 3) overlap");
  EXPECT_EQ(std::string(error_of({}, {{"columns", {"outcome="}}}).what()),
            "step table: columns item 'outcome=' gives no name after '=' (write COLUMN or "
            "COLUMN=Header)");
  EXPECT_EQ(std::string(error_of({{"to", "result/result.csv"}}).what()),
            "step table: 'to' is the file being read: give it another name");
  EXPECT_EQ(files(), (std::vector<std::string>{"result/result.csv"}));
}

TEST_F(WriteTableStepTest, AMalformedInputFailsWithItsLine) {
  write_file((work() / "result/result.csv").string(), "a;b\r\n1;2\r\n\"3;4\r\n");
  const StepError e = error_of({});
  EXPECT_EQ(std::string(e.what()),
            "step table: result/result.csv is not a CSV we can convert: line 3: the quote that "
            "opens field 1 at column 1 is never closed before the end of the file");
  EXPECT_FALSE(e.retryable());
  EXPECT_EQ(files(), (std::vector<std::string>{"result/result.csv"}));
}

TEST_F(WriteTableStepTest, ARunAfterACrashWritesTheSameFileOverTheStaleTemporaryOne) {
  fs::create_directories(work() / "table");
  write_file((work() / "table/.result.csv.tmp").string(), "half a fi");
  run({{"encoding", "utf-8-bom"}});
  const std::string first = read_file((work() / "table/result.csv").string());
  EXPECT_EQ(first, std::string("\xEF\xBB\xBF") + kResult);
  run({{"encoding", "utf-8-bom"}});
  EXPECT_EQ(read_file((work() / "table/result.csv").string()), first);
  EXPECT_EQ(files(), (std::vector<std::string>{"result/result.csv", "table/result.csv"}));
}

TEST_F(WriteTableStepTest, ACancelledRunStopsAndLeavesNoFile) {
  cancelled_ = true;
  const StepError e = error_of({});
  EXPECT_EQ(std::string(e.what()), "step table: stopped");
  EXPECT_EQ(files(), (std::vector<std::string>{"result/result.csv"}));
}

// The step in a workflow as an operator writes it: YAML checked by the loader, ${...}
// references substituted and parameters checked by the engine.
class WriteTableWorkflowTest : public ::testing::Test {
 protected:
  WriteTableWorkflowTest() : store_(dir_.file("state.db")), steps_(builtin_steps()) {
    write_file(dir_.file("input.csv"), kResult);
  }

  Job run(const std::string& yaml) {
    Diagnostics diagnostics;
    const std::optional<Workflow> workflow =
        load_workflow(yaml, "legacy.yaml", steps_, diagnostics);
    EXPECT_TRUE(workflow) << format_text(diagnostics.sorted());
    if (!workflow) return {};
    EngineOptions options;
    options.workers = 1;
    options.work_root = dir_.path() / "work";
    options.poll_interval = std::chrono::milliseconds(5);
    options.monitor_interval = std::chrono::milliseconds(5);
    options.log = [](const std::string&, const std::string&) {};
    Engine engine(store_, steps_, options);
    const std::string hash = crypto::sha256_hex(workflow->source_text);
    engine.add_workflow(*workflow, hash);
    NewJob job;
    job.workflow = workflow->name;
    job.workflow_hash = hash;
    job.workflow_text = workflow->source_text;
    job.client_id = "acme";
    job.client_root = (dir_.path() / "client").string();
    job.input_path = dir_.file("input.csv");
    job.intake_key = crypto::sha256_file(job.input_path).sha256 + hash;
    const std::string id = engine.submit(job).job.id;
    engine.start();
    const std::optional<Job> done = engine.wait(id, std::chrono::seconds(30));
    engine.stop();
    EXPECT_TRUE(done);
    return done.value_or(Job{});
  }

  static const StepOutputs& outputs_of(const Job& job, const std::string& step) {
    for (const StepAttempt& attempt : job.attempts) {
      if (attempt.step_id == step && attempt.state == AttemptState::succeeded)
        return attempt.outputs;
    }
    static const StepOutputs kNone;
    ADD_FAILURE() << "no successful attempt of " << step;
    return kNone;
  }

  TempDir dir_;
  store::SqliteJobStore store_;
  StepRegistry steps_;
};

TEST_F(WriteTableWorkflowTest, ALaterStepTakesTheWrittenFileByItsOutput) {
  const Job job = run(R"(name: legacy
trigger:
  manual: {}
steps:
  - id: table
    uses: write_table
    with:
      encoding: windows-1252
      unmappable: replace
      separator: tab
      line_ending: lf
      columns: [client_ref=Asiakasnro, names.last_name=Sukunimi]
      to: out/${client.id}.txt
  - id: sum
    uses: checksum
    with:
      file: ${steps.table.path}
)");
  ASSERT_EQ(job.state, JobState::succeeded) << job.error;
  const StepOutputs& table = outputs_of(job, "table");
  EXPECT_EQ(table.at("path"), "out/acme.txt");
  EXPECT_EQ(table.at("rows"), "3");
  EXPECT_EQ(table.at("replaced"), "1");
  const std::string expected = "Asiakasnro\tSukunimi\n1\tM\xE4kinen\n2\t\n3\tWa??sa\n";
  EXPECT_EQ(outputs_of(job, "sum").at("sha256"), crypto::sha256_hex(expected));
}

TEST_F(WriteTableWorkflowTest, AnUnmappableCharacterFailsTheJobWithTheClientsReason) {
  const Job job = run(R"(name: legacy
trigger:
  manual: {}
steps:
  - id: table
    uses: write_table
    with:
      encoding: windows-1252
)");
  EXPECT_EQ(job.state, JobState::failed);
  EXPECT_EQ(job.client_error,
            "your result cannot be written in the format set for you: row 3 of the result, "
            "column 'names.last_name': the character 'ł' (U+0142) cannot be written in "
            "windows-1252. Ask the register authority to change the format (e.g. UTF-8, "
            "replacing such characters, or wider fields).")
      << job.error;
}

TEST_F(WriteTableWorkflowTest, LintRefusesAValueThatIsNotAnAllowedOne) {
  Diagnostics diagnostics;
  EXPECT_FALSE(load_workflow(R"(name: legacy
trigger:
  manual: {}
steps:
  - id: table
    uses: write_table
    with:
      encoding: cp1252
)",
                             "legacy.yaml", steps_, diagnostics));
  EXPECT_NE(format_text(diagnostics.sorted()).find("'cp1252' is not a valid value for 'encoding'"),
            std::string::npos)
      << format_text(diagnostics.sorted());
}

// The layouts and column lists of write_table and match_persons are checked by lint, at the
// item's line and column, not only when a job runs; a reference is left for run time.
TEST_F(WriteTableWorkflowTest, LintRefusesMalformedColumnsAndLayoutsWhereTheyAre) {
  Diagnostics diagnostics;
  EXPECT_FALSE(load_workflow(R"(name: legacy
trigger:
  manual: {}
steps:
  - id: match
    uses: match_persons
    with:
      permit: P/1
      groups: [identity]
      columns: [client_ref=AsNro, hetu, nosuchfield=X, "${job.id}"]
      fixed_width: [hetu:1:11, hetu:0:11]
  - id: table
    uses: write_table
    with:
      columns: [client_ref, "=Nimi"]
      fixed_width: [client_ref:1:10, outcome:11]
)",
                             "legacy.yaml", steps_, diagnostics));
  const std::string text = format_text(diagnostics.sorted());
  EXPECT_NE(text.find("legacy.yaml:10:35: error: 'hetu' is not a valid value for 'columns': not "
                      "FIELD=Header"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("legacy.yaml:10:41: error: 'nosuchfield=X' is not a valid value"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("legacy.yaml:11:32: error: 'hetu:0:11' is not a valid value for "
                      "'fixed_width': not FIELD:START:LENGTH"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("legacy.yaml:15:29: error: '=Nimi' is not a valid value for 'columns'"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("'outcome:11' is not a valid value for 'fixed_width'"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("client_ref=AsNro'"), std::string::npos) << text;
  EXPECT_EQ(text.find("job.id"), std::string::npos) << text;
  EXPECT_EQ(text.find("'client_ref:1:10'"), std::string::npos) << text;
}

}  // namespace
}  // namespace popgate::workflows::steps
