// The command line as a new operator meets it: help for one command, and a mistyped command or
// option answered with the nearest one.
#include <gtest/gtest.h>

#include "tests/unit/test_support/cli_runner.h"
#include "tests/unit/test_support/register_samples.h"

namespace popgate {
namespace {

using testing::run_popgate;

TEST(HelpCli, HelpCommandShowsThatCommandsHelp) {
  testing::TempDir dir;
  const testing::CliResult help = run_popgate({"help", "keys"}, dir.path().string());
  EXPECT_EQ(help.exit_code, 0) << help.err;
  EXPECT_EQ(help.out, run_popgate({"keys", "--help"}, dir.path().string()).out);
  EXPECT_NE(help.out.find("rotate"), std::string::npos) << help.out;

  const testing::CliResult overview = run_popgate({"help"}, dir.path().string());
  EXPECT_EQ(overview.exit_code, 0);
  EXPECT_NE(overview.out.find("'popgate help <command>'"), std::string::npos) << overview.out;
}

TEST(HelpCli, AMistypedCommandOrOptionGetsTheNearestOne) {
  testing::TempDir dir;
  const testing::CliResult command = run_popgate({"jbos", "list"}, dir.path().string());
  EXPECT_EQ(command.exit_code, 2);
  EXPECT_EQ(command.err, "popgate: unknown command 'jbos' (did you mean 'jobs'?)\n");

  const testing::CliResult far = run_popgate({"frobnicate"}, dir.path().string());
  EXPECT_EQ(far.exit_code, 2);
  EXPECT_NE(far.err.find("unknown command 'frobnicate'\n\nusage: popgate"), std::string::npos)
      << far.err;

  const testing::CliResult option =
      run_popgate({"keys", "show", "--data-dri", dir.path().string()}, dir.path().string());
  EXPECT_EQ(option.exit_code, 2);
  EXPECT_NE(option.err.find(": unknown option '--data-dri' (did you mean '--data-dir'?)\n"),
            std::string::npos)
      << option.err;
  const testing::CliResult unknown = run_popgate({"keys", "show", "--colour"}, dir.path().string());
  EXPECT_NE(unknown.err.find(": unknown option '--colour'\n"), std::string::npos) << unknown.err;
}

}  // namespace
}  // namespace popgate
