#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "adapters/crypto/sha256.h"
#include "steps/builtin_steps.h"
#include "tests/unit/archive/archive_test_support.h"

namespace popgate::workflows::steps {
namespace {

namespace fs = std::filesystem;
using testing::read_file;
using testing::run_shell;
using testing::TempDir;
using testing::write_file;

constexpr char kResultCsv[] = "hetu;nimi\r\n010101-123N;\"Virtanen\nMatti\"\r\n020202A456B;Aho\r\n";

class ArchiveStepsTest : public ::testing::Test {
 protected:
  ArchiveStepsTest() : registry_(builtin_steps()) {
    fs::create_directories(work() / "out");
    write_file((work() / "out/result.csv").string(), kResultCsv);
    write_file((work() / "notes.txt").string(), "no personal data\n");
    context_.job_id = "job-7";
    context_.workflow = "address-update";
    context_.workflow_hash = std::string(64, 'a');
    context_.service = "update";
    context_.client_id = "acme";
    context_.step_id = "s";
    context_.job_created_ms = 1767323045'123;  // 2026-01-02T03:04:05.123Z
    context_.work_dir = work();
    context_.client_root = dir_.path() / "client";
    context_.cancelled = &cancelled_;
  }

  // Runs a step as the engine would: declared defaults for the parameters not given.
  StepOutputs run(const std::string& type_name, std::map<std::string, std::string> params,
                  std::map<std::string, std::vector<std::string>> lists = {}) {
    const StepType& type = *registry_.find(type_name);
    for (const ParamSpec& spec : type.params)
      if (spec.type != ParamType::string_list && !params.count(spec.name))
        params[spec.name] = spec.default_value;
    context_.params = std::move(params);
    context_.lists = std::move(lists);
    return type.run(context_);
  }

  StepOutputs archive(std::map<std::string, std::string> params = {}) {
    return run("archive", std::move(params), {{"files", {"out/result.csv", "notes.txt"}}});
  }

  // The StepError a run throws; fails the test if it succeeds.
  template <typename Run>
  StepError error_of(Run step) {
    try {
      step();
    } catch (const StepError& e) {
      return e;
    }
    ADD_FAILURE() << "the step succeeded";
    return StepError("", true);
  }

  void python(const std::string& script) {
    const auto result =
        testing::run_python(dir_.path(), testing::k_python_archive_helpers + script);
    ASSERT_EQ(result.exit_code, 0) << result.out;
  }

  fs::path work() const { return dir_.path() / "work"; }

  TempDir dir_;
  StepRegistry registry_;
  StepContext context_;
  std::atomic<bool> cancelled_{false};
};

TEST_F(ArchiveStepsTest, ArchiveWritesTheManifestFirstWithHashesAndRows) {
  const StepOutputs out = archive({{"permit", "P-2026-01"}});
  EXPECT_EQ(out.at("path"), "result.zip");
  EXPECT_EQ(out.at("files"), "2");
  EXPECT_EQ(out.at("rows"), "2");  // the quoted line break does not make a third
  const crypto::FileDigest digest = crypto::sha256_file(work() / "result.zip");
  EXPECT_EQ(out.at("sha256"), digest.sha256);
  EXPECT_EQ(out.at("bytes"), std::to_string(digest.size));

  EXPECT_EQ(run_shell(work(), "bsdtar -tf result.zip").out,
            "manifest.json\nresult.csv\nnotes.txt\n");
  EXPECT_EQ(run_shell(work(), "bsdtar -xOf result.zip result.csv").out, kResultCsv);
  const std::string manifest = run_shell(work(), "bsdtar -xOf result.zip manifest.json").out;
  EXPECT_EQ(manifest, R"({
  "format": 1,
  "job": "job-7",
  "workflow": {
    "name": "address-update",
    "sha256": ")" + std::string(64, 'a') +
                          R"("
  },
  "client": "acme",
  "permit": "P-2026-01",
  "service": "update",
  "created": "2026-01-02T03:04:05Z",
  "files": [
    {
      "name": "result.csv",
      "bytes": )" + std::to_string(std::string(kResultCsv).size()) +
                          R"(,
      "sha256": ")" + crypto::sha256_hex(kResultCsv) +
                          R"(",
      "rows": 2
    },
    {
      "name": "notes.txt",
      "bytes": 17,
      "sha256": ")" + crypto::sha256_hex("no personal data\n") +
                          R"("
    }
  ]
}
)");
}

TEST_F(ArchiveStepsTest, ArchiveWithoutPermitSaysNull) {
  archive();
  EXPECT_NE(run_shell(work(), "bsdtar -xOf result.zip manifest.json").out.find("\"permit\": null"),
            std::string::npos);
}

TEST_F(ArchiveStepsTest, ArchiveReRunGivesTheSameBytes) {
  for (const std::string format : {"zip", "tar.zst"}) {
    const StepOutputs first = archive({{"format", format}, {"name", "out/r"}});
    EXPECT_EQ(first.at("path"), "out/r." + format);
    // Later, the sources touched: a re-run after a crash must not notice.
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    fs::last_write_time(work() / "notes.txt", fs::file_time_type::clock::now());
    const StepOutputs again = archive({{"format", format}, {"name", "out/r." + format}});
    EXPECT_EQ(again.at("path"), "out/r." + format);
    EXPECT_EQ(first.at("sha256"), again.at("sha256")) << format;
    EXPECT_EQ(run_shell(work(), "bsdtar -tf out/r." + format).out,
              "manifest.json\nresult.csv\nnotes.txt\n");
  }
}

TEST_F(ArchiveStepsTest, ArchiveRefusesClashingNamesAndMissingFiles) {
  write_file((work() / "result.csv").string(), "x\n");
  const StepError clash = error_of([&] {
    run("archive", {}, {{"files", {"out/result.csv", "result.csv"}}});
  });
  EXPECT_FALSE(clash.retryable());
  EXPECT_NE(std::string(clash.what()).find("would both be stored as 'result.csv'"),
            std::string::npos)
      << clash.what();
  const StepError missing = error_of([&] { run("archive", {}, {{"files", {"gone.csv"}}}); });
  EXPECT_FALSE(missing.retryable());
  EXPECT_NE(std::string(missing.what()).find("gone.csv"), std::string::npos);
  EXPECT_FALSE(error_of([&] { run("archive", {}, {{"files", {"../x"}}}); }).retryable());
  EXPECT_FALSE(fs::exists(work() / "result.zip"));
}

TEST_F(ArchiveStepsTest, ArchivedResultUnpacksAgain) {
  archive();
  const StepOutputs out = run("unpack", {{"file", "result.zip"}, {"to", "back"}});
  EXPECT_EQ(out.at("dir"), "back");
  EXPECT_EQ(out.at("files"), "3");
  EXPECT_EQ(out.at("first"), "back/manifest.json");
  EXPECT_EQ(read_file((work() / "back/result.csv").string()), kResultCsv);
}

TEST_F(ArchiveStepsTest, UnpackTakesTheJobsInputAndNamesTheFirstFile) {
  write_file(dir_.file("data.csv"), "a;b\n1;2\n");
  ASSERT_EQ(run_shell(dir_.path(), "bsdtar --format zip -cf upload.zip data.csv").exit_code, 0);
  context_.input_file = dir_.path() / "upload.zip";
  const StepOutputs out = run("unpack", {});
  EXPECT_EQ(out.at("dir"), "unpacked");
  EXPECT_EQ(out.at("files"), "1");
  EXPECT_EQ(out.at("bytes"), "8");
  EXPECT_EQ(out.at("first"), "unpacked/data.csv");
  EXPECT_EQ(read_file((work() / out.at("first")).string()), "a;b\n1;2\n");

  // A re-run starts from an empty destination.
  write_file((work() / "unpacked/stale.csv").string(), "old");
  EXPECT_EQ(run("unpack", {}).at("files"), "1");
  EXPECT_FALSE(fs::exists(work() / "unpacked/stale.csv"));
}

TEST_F(ArchiveStepsTest, UnpackRefusalsTellTheClientAndAreNotRetried) {
  python("write_tar('evil.tar', [tar_entry('ok.csv'), tar_entry('../escape.csv')])\n");
  context_.input_file = dir_.path() / "evil.tar";
  const StepError e = error_of([&] { run("unpack", {}); });
  EXPECT_FALSE(e.retryable());
  EXPECT_EQ(e.client_message(), "entry '../escape.csv': '..' components are not allowed");
  EXPECT_EQ(e.client_message().find(dir_.path().string()), std::string::npos);
  EXPECT_FALSE(fs::exists(work() / "unpacked"));
  EXPECT_FALSE(fs::exists(work() / "escape.csv"));
}

TEST_F(ArchiveStepsTest, UnpackLimitsComeFromTheParameters) {
  write_file(dir_.file("big.csv"), std::string(5000, 'x'));
  ASSERT_EQ(run_shell(dir_.path(), "bsdtar --format zip -cf big.zip big.csv").exit_code, 0);
  context_.input_file = dir_.path() / "big.zip";
  const StepError bytes = error_of([&] { run("unpack", {{"max_bytes", "4kB"}}); });
  EXPECT_FALSE(bytes.retryable());
  EXPECT_EQ(bytes.client_message(),
            "entry 'big.csv': the archive expands to more than 4000 bytes (limit max_bytes)");
  EXPECT_EQ(run("unpack", {{"max_bytes", "5kB"}}).at("bytes"), "5000");
  const StepError entries = error_of([&] { run("unpack", {{"max_entries", "0"}}); });
  EXPECT_FALSE(entries.retryable());
  EXPECT_FALSE(error_of([&] { run("unpack", {{"max_bytes", "5000"}}); }).retryable());
}

TEST_F(ArchiveStepsTest, UnpackOfAPlainFileFailsOrCopiesIt) {
  write_file(dir_.file("input.csv"), "a;b\n1;2\n");
  context_.input_file = dir_.file("input.csv");
  const StepError e = error_of([&] { run("unpack", {}); });
  EXPECT_FALSE(e.retryable());
  EXPECT_EQ(e.client_message(), "not an archive (zip, tar, tar.gz or tar.zst)");
  const StepOutputs out = run("unpack", {{"not_archive", "copy"}});
  EXPECT_EQ(out.at("files"), "1");
  EXPECT_EQ(out.at("first"), "unpacked/input.csv");
  EXPECT_EQ(read_file((work() / "unpacked/input.csv").string()), "a;b\n1;2\n");
}

TEST_F(ArchiveStepsTest, UnpackOfAMissingFileOrOneInsideItsDestinationIsNotRetried) {
  const StepError missing = error_of([&] { run("unpack", {{"file", "gone.zip"}}); });
  EXPECT_FALSE(missing.retryable());
  EXPECT_NE(std::string(missing.what()).find("gone.zip is not a file"), std::string::npos);
  archive({{"name", "unpacked/r"}});
  EXPECT_FALSE(error_of([&] {
                 run("unpack", {{"file", "unpacked/r.zip"}, {"to", "unpacked"}});
               }).retryable());
  EXPECT_TRUE(fs::exists(work() / "unpacked/r.zip"));
}

TEST_F(ArchiveStepsTest, UnpackNeverEmptiesTheWorkDirItself) {
  for (const std::string to : {".", "./", "a/.."}) {
    EXPECT_FALSE(error_of([&] { run("unpack", {{"file", "notes.txt"}, {"to", to}}); }).retryable());
  }
  EXPECT_TRUE(fs::exists(work() / "notes.txt"));
}

}  // namespace
}  // namespace popgate::workflows::steps
