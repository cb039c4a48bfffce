// The encrypt and decrypt steps with a real keys directory and client certificates made by
// stock openssl; results opened, and uploads made, with stock `openssl cms`.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>

#include "adapters/crypto/exchange_identity.h"
#include "steps/builtin_steps.h"
#include "tests/unit/test_support/openssl_tool.h"
#include "workflows/engine/params.h"

namespace popgate::workflows::steps {
namespace {

namespace fs = std::filesystem;
using popgate::testing::KeyPair;
using popgate::testing::make_certificate;
using popgate::testing::read_bytes;
using popgate::testing::shell;
using popgate::testing::ShellResult;

class CryptoStepsTest : public ::testing::Test {
 protected:
  CryptoStepsTest() {
    fs::create_directories(dir_.path() / "work");
    fs::create_directories(dir_.path() / "clients");
    client_.id = "acme";
    client_.source_file = (dir_.path() / "clients" / "acme.yaml").string();
    env_.keys_dir = dir_.path() / "keys";
    env_.client = [this](const std::string& id) -> std::optional<ClientConfig> {
      if (id == client_.id) return client_;
      return std::nullopt;
    };
    registry_ = builtin_steps(env_);
    context_.job_id = "job-1";
    context_.client_id = "acme";
    context_.step_id = "s";
    context_.work_dir = dir_.path() / "work";
    context_.client_root = dir_.path() / "client";
    context_.cancelled = &cancelled_;
  }

  // A certificate for the client, in clients/ and named relative to its YAML file.
  KeyPair add_client_certificate(const std::string& name, const std::string& type = "rsa",
                                 const std::string& extra = "") {
    const KeyPair pair = make_certificate(dir_.path() / "clients", name, type, extra);
    client_.certificates.push_back(name + ".crt");
    return pair;
  }

  // Runs a step as the engine would: the parameters given, the others at their defaults.
  StepOutputs run(const std::string& type, std::map<std::string, std::string> params) {
    const StepType* step = registry_.find(type);
    for (const ParamSpec& spec : step->params) {
      if (!params.contains(spec.name) && !spec.default_value.empty())
        params[spec.name] = spec.default_value;
    }
    context_.params = std::move(params);
    return step->run(context_);
  }

  StepError failure(const std::string& type, std::map<std::string, std::string> params) {
    try {
      run(type, std::move(params));
    } catch (const StepError& e) {
      return e;
    }
    ADD_FAILURE() << type << " did not fail";
    return StepError("", false);
  }

  fs::path exchange_certificate() const { return env_.keys_dir / "exchange.crt"; }

  // What the client runs on a result part.
  ShellResult client_opens(const fs::path& part, const KeyPair& key, const fs::path& out) {
    return shell("openssl cms -decrypt -inform DER -in " + part.string() + " -inkey " + key.key +
                 " -recip " + key.certificate + " | openssl cms -verify -inform DER -CAfile " +
                 exchange_certificate().string() + " -out " + out.string());
  }

  popgate::testing::ScratchDir dir_;
  ClientConfig client_;
  StepEnvironment env_;
  StepRegistry registry_;
  StepContext context_;
  std::atomic<bool> cancelled_{false};
};

TEST_F(CryptoStepsTest, EncryptFailsBeforeAnyOutputWithoutAUsableCertificate) {
  popgate::testing::write_bytes(dir_.path() / "work" / "result.zip", "zip");
  StepError none = failure("encrypt", {{"file", "result.zip"}});
  EXPECT_FALSE(none.retryable());
  EXPECT_NE(none.client_message().find("no certificate is configured"), std::string::npos)
      << none.client_message();

  add_client_certificate("weak", "rsa", "-newkey rsa:1024");
  client_.certificates.push_back("missing.crt");
  StepError unusable = failure("encrypt", {{"file", "result.zip"}});
  EXPECT_FALSE(unusable.retryable());
  EXPECT_NE(unusable.client_message().find("'CN=weak': the certificate's RSA key has 1024 bits"),
            std::string::npos)
      << unusable.client_message();
  EXPECT_NE(unusable.client_message().find("a configured certificate cannot be read"),
            std::string::npos)
      << unusable.client_message();
  // No local path reaches the client.
  EXPECT_EQ(unusable.client_message().find(dir_.path().string()), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_.path() / "work" / "encrypted"));
}

TEST_F(CryptoStepsTest, EncryptSplitsALargeFileIntoPartsThatEachOpen) {
  const KeyPair key = add_client_certificate("acme");
  const std::string archive = popgate::testing::random_bytes((5 << 19) + 12'345);  // 2.5 MiB+
  popgate::testing::write_bytes(dir_.path() / "work" / "result.zip", archive);
  const StepOutputs out =
      run("encrypt", {{"file", "result.zip"}, {"name", "job-1-result.zip"}, {"part_size", "1MiB"}});
  EXPECT_EQ(out.at("dir"), "encrypted");
  EXPECT_EQ(out.at("parts"), "3");
  EXPECT_EQ(out.at("files"),
            "job-1-result.zip.001.p7m,job-1-result.zip.002.p7m,job-1-result.zip.003.p7m");

  std::string joined;
  std::uint64_t bytes = 0;
  for (const char* part :
       {"job-1-result.zip.001.p7m", "job-1-result.zip.002.p7m", "job-1-result.zip.003.p7m"}) {
    const fs::path path = dir_.path() / "work" / "encrypted" / part;
    bytes += fs::file_size(path);
    const ShellResult opened = client_opens(path, key, dir_.path() / "part");
    ASSERT_EQ(opened.exit_code, 0) << part << ": " << opened.output;
    joined += read_bytes(dir_.path() / "part");
  }
  EXPECT_EQ(joined.size(), archive.size());
  EXPECT_TRUE(joined == archive);
  EXPECT_EQ(out.at("bytes"), std::to_string(bytes));

  // A re-run replaces the parts: one file now, under the default name.
  const StepOutputs again = run("encrypt", {{"file", "result.zip"}});
  EXPECT_EQ(again.at("files"), "result.zip.p7m");
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir_.path() / "work" / "encrypted"))
    names.push_back(entry.path().filename().string());
  EXPECT_EQ(names, std::vector<std::string>{"result.zip.p7m"});
}

TEST_F(CryptoStepsTest, EncryptUsesTheUsableCertificatesOfARollover) {
  add_client_certificate("expiring", "rsa", "-newkey rsa:1024");  // unusable: skipped
  const KeyPair next = add_client_certificate("next", "ec");
  popgate::testing::write_bytes(dir_.path() / "work" / "r.zip", "content");
  std::vector<std::string> logged;
  context_.log = [&logged](const std::string& line) { logged.push_back(line); };
  run("encrypt", {{"file", "r.zip"}, {"cipher", "aes-256-cbc"}});
  const ShellResult opened =
      client_opens(dir_.path() / "work" / "encrypted" / "r.zip.p7m", next, dir_.path() / "out");
  ASSERT_EQ(opened.exit_code, 0) << opened.output;
  EXPECT_EQ(read_bytes(dir_.path() / "out"), "content");
  ASSERT_FALSE(logged.empty());
  EXPECT_NE(logged.front().find("not encrypting to"), std::string::npos) << logged.front();
}

TEST_F(CryptoStepsTest, DecryptOpensASignedUploadAndRefusesWhatItMust) {
  const KeyPair key = add_client_certificate("acme");
  crypto::ExchangeKeys(env_.keys_dir).load_or_create();
  const fs::path csv = dir_.path() / "data.csv";
  popgate::testing::write_bytes(csv, "hetu;surname\n");
  const fs::path upload = dir_.path() / "data.csv.p7m";
  const ShellResult made =
      shell("openssl cms -sign -binary -nodetach -outform DER -in " + csv.string() + " -signer " +
            key.certificate + " -inkey " + key.key +
            " | openssl cms -encrypt -binary -aes-256-gcm -outform DER -out " + upload.string() +
            " " + exchange_certificate().string());
  ASSERT_EQ(made.exit_code, 0) << made.output;
  context_.input_file = upload;

  const StepOutputs out = run("decrypt", {{"require_signature", "true"}});
  EXPECT_EQ(out.at("path"), "data.csv");
  EXPECT_EQ(out.at("signed"), "true");
  EXPECT_EQ(out.at("signer"), "CN=acme");
  EXPECT_EQ(read_bytes(dir_.path() / "work" / "data.csv"), "hetu;surname\n");

  // Unsigned, where a signature is required.
  ASSERT_EQ(shell("openssl cms -encrypt -binary -outform DER -in " + csv.string() + " -out " +
                  upload.string() + " " + exchange_certificate().string())
                .exit_code,
            0);
  const StepError unsigned_upload =
      failure("decrypt", {{"require_signature", "true"}, {"to", "in/unsigned.csv"}});
  EXPECT_FALSE(unsigned_upload.retryable());
  EXPECT_NE(unsigned_upload.client_message().find("not signed"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_.path() / "work" / "in" / "unsigned.csv"));
  EXPECT_EQ(run("decrypt", {{"to", "in/unsigned.csv"}}).at("signed"), "false");

  // A plain file: refused by default, copied on request.
  context_.input_file = csv;
  const StepError plain = failure("decrypt", {{"to", "plain.csv"}});
  EXPECT_NE(plain.client_message().find("not a CMS message"), std::string::npos);
  const StepOutputs copied = run("decrypt", {{"to", "plain.csv"}, {"not_encrypted", "copy"}});
  EXPECT_EQ(copied.at("signed"), "false");
  EXPECT_EQ(read_bytes(dir_.path() / "work" / "plain.csv"), "hetu;surname\n");
}

// A size given through a reference is only known at run time, where it is checked as lint
// checks a literal one.
TEST(SizeParameters, AreCheckedAfterSubstitution) {
  const StepRegistry registry = builtin_steps();
  const StepType& encrypt = *registry.find("encrypt");
  StepSpec spec;
  spec.id = "e";
  spec.uses = "encrypt";
  spec.with["file"] = ParamValue{"r.zip", {}, false, {}};
  ParamScope scope;
  EXPECT_EQ(resolve_params(encrypt, spec, scope).params.at("part_size"), "256MiB");  // default
  spec.with["part_size"] = ParamValue{"${steps.plan.size}", {}, false, {}};
  scope.steps["plan"]["size"] = "2MiB";
  EXPECT_EQ(resolve_params(encrypt, spec, scope).params.at("part_size"), "2MiB");
  scope.steps["plan"]["size"] = "4096";
  EXPECT_THROW(resolve_params(encrypt, spec, scope), StepError);  // no unit
  scope.steps["plan"]["size"] = "4KiB";
  try {
    resolve_params(encrypt, spec, scope);
    FAIL() << "a part size below the minimum was accepted";
  } catch (const StepError& e) {
    EXPECT_NE(std::string(e.what()).find("at least 1048576 bytes"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace popgate::workflows::steps
