// Every command finds the appliance the same way: --config DIR, else $POPGATE_CONFIG, else
// /etc/popgate; the data dir from --data-dir, else that configuration's data_dir.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tests/unit/test_support/cli_runner.h"
#include "tests/unit/test_support/register_samples.h"

namespace popgate {
namespace {

namespace fs = std::filesystem;
using testing::run_popgate;

constexpr const char* kWorkflow = R"(name: hello
trigger:
  manual:
steps:
  - id: copy
    uses: copy
    with:
      to: out.txt
)";

class ApplianceDirsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(config_);
    std::ofstream(config_ / "popgate.yaml") << "data_dir: " << data_.string() << "\n";
    std::ofstream(dir_.file("wf.yaml")) << kWorkflow;
    std::ofstream(dir_.file("in.txt")) << "x\n";
    // A job in the configured data dir, made by the bare engine there.
    const testing::CliResult ran =
        run_popgate({"run", dir_.file("wf.yaml"), "--client", "c1", "--input", dir_.file("in.txt"),
                     "--data-dir", data_.string()},
                    dir_.path().string());
    ASSERT_EQ(ran.exit_code, 0) << ran.out << ran.err;
    id_ = ran.out.substr(4, ran.out.find('\n') - 4);
  }
  void TearDown() override { ::unsetenv("POPGATE_CONFIG"); }

  testing::CliResult popgate(const std::vector<std::string>& args) {
    return run_popgate(args, dir_.path().string());
  }

  testing::TempDir dir_;
  fs::path config_ = dir_.path() / "etc-popgate";
  fs::path data_ = dir_.path() / "var-lib-popgate";
  std::string id_;
};

TEST_F(ApplianceDirsTest, TheDataDirComesFromTheConfigurationsDataDir) {
  const testing::CliResult by_option = popgate({"jobs", "list", "--config", config_.string()});
  EXPECT_EQ(by_option.exit_code, 0) << by_option.err;
  EXPECT_NE(by_option.out.find(id_ + "  succeeded  hello  c1"), std::string::npos) << by_option.out;

  ASSERT_EQ(::setenv("POPGATE_CONFIG", config_.c_str(), 1), 0);
  const testing::CliResult by_environment = popgate({"jobs", "show", id_});
  EXPECT_EQ(by_environment.exit_code, 0) << by_environment.err;
  EXPECT_NE(by_environment.out.find("job " + id_ + ": succeeded"), std::string::npos);

  // --data-dir still overrides, and a data dir without state.db says where it looked and why.
  const testing::CliResult elsewhere = popgate({"jobs", "list", "--data-dir", dir_.file("none")});
  EXPECT_EQ(elsewhere.exit_code, 1);
  EXPECT_NE(elsewhere.err.find("no " + dir_.file("none") + "/state.db (data dir from --data-dir"),
            std::string::npos)
      << elsewhere.err;
}

TEST_F(ApplianceDirsTest, WithoutAConfigurationTheDefaultIsNamed) {
  ASSERT_EQ(::setenv("POPGATE_CONFIG", dir_.file("no-such-config").c_str(), 1), 0);
  const testing::CliResult missing = popgate({"bans", "list"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no /var/lib/popgate/state.db (data dir from the default (no " +
                             dir_.file("no-such-config") + "/popgate.yaml"),
            std::string::npos)
      << missing.err;
}

TEST_F(ApplianceDirsTest, APopgateYamlWithErrorsIsReported) {
  std::ofstream(config_ / "popgate.yaml") << "data_dir: [not, a, path]\n";
  const testing::CliResult broken = popgate({"audit", "verify", "--config", config_.string()});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_NE(broken.err.find("popgate.yaml has errors, so its data_dir is not known"),
            std::string::npos)
      << broken.err;
  EXPECT_NE(broken.err.find("popgate.yaml:1:"), std::string::npos) << broken.err;
}

}  // namespace
}  // namespace popgate
