#include <gtest/gtest.h>

#include <atomic>
#include <fstream>

#include "adapters/crypto/sha256.h"
#include "steps/builtin_steps.h"
#include "tests/unit/test_support/register_samples.h"

namespace popgate::workflows::steps {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

class StepsTest : public ::testing::Test {
 protected:
  StepsTest() : registry_(builtin_steps()) {
    fs::create_directories(dir_.path() / "work");
    std::ofstream(dir_.file("input.csv")) << "abc";
    context_.job_id = "job-1";
    context_.step_id = "s";
    context_.work_dir = dir_.path() / "work";
    context_.client_root = dir_.path() / "client";
    context_.input_file = dir_.file("input.csv");
    context_.cancelled = &cancelled_;
  }

  StepOutputs run(const std::string& type, std::map<std::string, std::string> params) {
    context_.params = std::move(params);
    return registry_.find(type)->run(context_);
  }

  TempDir dir_;
  StepRegistry registry_;
  StepContext context_;
  std::atomic<bool> cancelled_{false};
};

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(crypto::sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(crypto::sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  crypto::Sha256 streaming;
  streaming.update("a");
  streaming.update("bc");
  EXPECT_EQ(streaming.finish_hex(), crypto::sha256_hex("abc"));
}

TEST(Sha256, AFileLargerThanOneBlock) {
  TempDir dir;
  const std::string big(200'000, 'x');
  std::ofstream(dir.file("big")) << big;
  const crypto::FileDigest digest = crypto::sha256_file(dir.file("big"));
  EXPECT_EQ(digest.size, big.size());
  EXPECT_EQ(digest.sha256, crypto::sha256_hex(big));
  EXPECT_THROW(crypto::sha256_file(dir.file("missing")), crypto::CryptoError);
}

TEST(BuiltinSteps, EveryParameterAndOutputIsDescribed) {
  const StepRegistry registry = builtin_steps();
  for (const StepType& type : registry.types()) {
    EXPECT_FALSE(type.summary.empty()) << type.name;
    EXPECT_FALSE(type.description.empty()) << type.name;
    for (const ParamSpec& p : type.params)
      EXPECT_FALSE(p.description.empty()) << type.name << "." << p.name;
    for (const OutputSpec& o : type.outputs)
      EXPECT_FALSE(o.description.empty()) << type.name << "." << o.name;
  }
}

TEST_F(StepsTest, ChecksumReadsTheInputOrAWorkFile) {
  auto out = run("checksum", {});
  EXPECT_EQ(out.at("sha256"), crypto::sha256_hex("abc"));
  EXPECT_EQ(out.at("size"), "3");
  std::ofstream(dir_.path() / "work/w.txt") << "hello";
  EXPECT_EQ(run("checksum", {{"file", "w.txt"}}).at("size"), "5");
  EXPECT_THROW(run("checksum", {{"file", "missing"}}), StepError);
}

TEST_F(StepsTest, CopyThenPublishLeavesOneWholeFileAndNoTempFile) {
  EXPECT_EQ(run("copy", {{"to", "sub/x.csv"}}).at("path"), "sub/x.csv");
  // Twice, as after a crash: the same single file.
  for (int i = 0; i < 2; ++i) {
    auto out = run("publish", {{"file", "sub/x.csv"}, {"name", "job-1-x.csv"}});
    EXPECT_EQ(out.at("path"), "outbox/job-1-x.csv");
  }
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir_.path() / "client/outbox"))
    names.push_back(entry.path().filename().string());
  EXPECT_EQ(names, std::vector<std::string>{"job-1-x.csv"});
  EXPECT_EQ(testing::read_file((dir_.path() / "client/outbox/job-1-x.csv").string()), "abc");
  EXPECT_EQ(run("publish", {{"file", "sub/x.csv"}}).at("path"), "outbox/x.csv");
}

TEST_F(StepsTest, PublishRefusesNamesOutsideTheOutbox) {
  run("copy", {{"to", "x"}});
  EXPECT_THROW(run("publish", {{"file", "x"}, {"name", "a/b"}}), StepError);
  EXPECT_THROW(run("publish", {{"file", "x"}, {"name", ".hidden"}}), StepError);
}

TEST_F(StepsTest, FailIsRetryableOnRequestAndCanRecover) {
  const std::map<std::string, std::string> params = {
      {"message", "down"}, {"retryable", "true"}, {"succeed_from_attempt", "2"}};
  try {
    run("fail", params);
    FAIL();
  } catch (const StepError& e) {
    EXPECT_STREQ(e.what(), "down");
    EXPECT_TRUE(e.retryable());
  }
  context_.attempt = 2;
  EXPECT_NO_THROW(run("fail", params));
}

TEST_F(StepsTest, SleepStopsWhenCancelled) {
  cancelled_ = true;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(run("sleep", {{"duration", "30s"}}), StepError);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

}  // namespace
}  // namespace popgate::workflows::steps
