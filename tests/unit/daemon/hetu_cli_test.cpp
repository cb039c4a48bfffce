// Runs the real `popgate hetu` binary through the shell, as an operator would.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "registry/hetu.h"
#include "tests/unit/test_support/cli_runner.h"

namespace popgate::cli {
namespace {

using Result = testing::CliResult;
using testing::shell_quoted;

// A scratch directory for one test's stdin and stderr files, removed afterwards.
class HetuCli : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/popgate-hetu-cli-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs `popgate hetu ARGS` with `input` on stdin (or `stdin_command`'s output when set).
  Result run(const std::vector<std::string>& args, const std::string& input = "",
             const std::string& stdin_command = "") {
    const std::string in_path = dir_ + "/stdin";
    std::ofstream(in_path, std::ios::binary) << input;
    std::vector<std::string> full{"hetu"};
    full.insert(full.end(), args.begin(), args.end());
    return testing::run_popgate(
        full, dir_, stdin_command.empty() ? "< " + shell_quoted(in_path) : stdin_command + " |");
  }

  Result generate(std::vector<std::string> args) {
    args.insert(args.begin(), "generate");
    return run(args);
  }

  std::string dir_;
};

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

TEST_F(HetuCli, ValidateArgumentsAllValid) {
  const Result r = run({"validate", "131052-308T", "010190-999W", "010190Y999W"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "131052-308T\tvalid\n"
            "010190-999W\tvalid\ttemporary\n"
            "010190Y999W\tvalid\ttemporary\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(HetuCli, ValidateArgumentsWithAnInvalidOne) {
  const Result r = run({"validate", "131052-308T", "300290-123A", "131052-308t"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out,
            "131052-308T\tvalid\n"
            "300290-123A\tinvalid\tbad date: 30.02.1990 does not exist\n"
            "131052-308t\tinvalid\tcheck character 't' must be upper case\n");
}

TEST_F(HetuCli, ValidateStdinMix) {
  // CRLF, an empty line, a space, a tab inside a line, and no newline after the last line.
  const Result r = run({"validate"},
                       "131052-308T\r\n"
                       "\n"
                       " \n"
                       "131052-308A\n"
                       "1310\t52-308\n"
                       "010190Y999W\n"
                       "131052G308T\n"
                       "131052-308T");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.out,
            "131052-308T\tvalid\n"
            "\tinvalid\tbad length: 0 characters, expected 11\n"
            " \tinvalid\tbad length: 1 characters, expected 11\n"
            "131052-308A\tinvalid\tcheck character A, expected T\n"
            "1310\\x0952-308\tinvalid\tbad character 0x09 at position 5\n"
            "010190Y999W\tvalid\ttemporary\n"
            "131052G308T\tinvalid\tbad century sign 'G'\n"
            "131052-308T\tvalid\n");
}

TEST_F(HetuCli, ValidateStdinAllValidExitsZero) {
  const Result r = run({"validate"}, "131052-308T\n290200A002C\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "131052-308T\tvalid\n290200A002C\tvalid\n");
  EXPECT_EQ(run({"validate"}, "290200-002C\n").out,
            "290200-002C\tinvalid\tbad date: 29.02.1900 does not exist\n");
}

TEST_F(HetuCli, ValidateEmptyStdinIsNoFailure) {
  const Result r = run({"validate"}, "");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
}

TEST_F(HetuCli, ValidateCutsOverlongLines) {
  const std::string long_line(100'000, '7');
  const Result r = run({"validate"}, long_line + "\n131052-308T\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, std::string(1024, '7') +
                       "...\tinvalid\tbad length: over 1024 bytes, expected 11 characters\n"
                       "131052-308T\tvalid\n");
}

TEST_F(HetuCli, ValidateStreamsAGeneratedMillion) {
  const std::string generator =
      shell_quoted(POPGATE_BINARY) + " hetu generate --count 1000000 --seed 5 --born-to 2024-12-31";
  const Result r = run({"validate"}, "", generator);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1'000'000);
  EXPECT_EQ(r.out.find("invalid"), std::string::npos);
}

TEST_F(HetuCli, GenerateIsDeterministicForASeed) {
  const std::vector<std::string> args = {"--count", "1000",      "--seed",
                                         "12345",   "--born-to", "2024-12-31"};
  const Result a = generate(args);
  const Result b = generate(args);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  const std::vector<std::string> codes = lines(a.out);
  ASSERT_EQ(codes.size(), 1000u);
  for (const std::string& code : codes) {
    const registry::HetuParse parsed = registry::parse_hetu(code);
    ASSERT_TRUE(parsed.ok()) << code << ": " << parsed.error;
    EXPECT_GE(parsed.hetu->birth_date, (registry::Date{1920, 1, 1}));
    EXPECT_LE(parsed.hetu->birth_date, (registry::Date{2024, 12, 31}));
    EXPECT_FALSE(parsed.hetu->temporary);
  }
  const Result other = generate({"--count", "1000", "--seed", "12346", "--born-to", "2024-12-31"});
  EXPECT_NE(a.out, other.out);
  // Without --seed every run differs.
  EXPECT_NE(generate({"--count", "20"}).out, generate({"--count", "20"}).out);
}

TEST_F(HetuCli, GenerateHonoursOptions) {
  const Result r =
      generate({"--count", "500", "--seed", "1", "--born-from", "01.06.2010", "--born-to",
                "2010-06-30", "--sex", "female", "--temporary", "--sign", "B"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> codes = lines(r.out);
  ASSERT_EQ(codes.size(), 500u);
  for (const std::string& code : codes) {
    const registry::HetuParse parsed = registry::parse_hetu(code);
    ASSERT_TRUE(parsed.ok()) << code;
    EXPECT_EQ(parsed.hetu->sex, registry::Sex::female);
    EXPECT_TRUE(parsed.hetu->temporary);
    EXPECT_EQ(parsed.hetu->century_sign, 'B');
    EXPECT_EQ(parsed.hetu->birth_date.year, 2010);
    EXPECT_EQ(parsed.hetu->birth_date.month, 6);
  }
}

TEST_F(HetuCli, GenerateSignNarrowsTheDefaultDates) {
  for (const char* sign : {"+", "-", "A", "F"}) {
    const Result r = generate({"--count", "300", "--seed", "3", "--sign", sign});
    ASSERT_EQ(r.exit_code, 0) << sign << ": " << r.err;
    const int century = registry::hetu_century(sign[0]);
    for (const std::string& code : lines(r.out)) {
      const registry::HetuParse parsed = registry::parse_hetu(code);
      ASSERT_TRUE(parsed.ok()) << code;
      EXPECT_EQ(parsed.hetu->century_sign, sign[0]);
      EXPECT_EQ(parsed.hetu->birth_date.year / 100 * 100, century) << code;
    }
  }
}

TEST_F(HetuCli, GenerateUniqueExhaustsASmallSpace) {
  // One day, one sign, the 50 odd temporary numbers: exactly 50 codes exist.
  const std::vector<std::string> base = {
      "--seed", "9",     "--born-from", "2001-01-01",  "--born-to", "2001-01-01", "--sign",
      "A",      "--sex", "male",        "--temporary", "--unique",  "--count"};
  std::vector<std::string> args = base;
  args.push_back("50");
  const Result r = generate(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> codes = lines(r.out);
  EXPECT_EQ(codes.size(), 50u);
  EXPECT_EQ(std::set<std::string>(codes.begin(), codes.end()).size(), 50u);
  args.back() = "51";
  const Result too_many = generate(args);
  EXPECT_EQ(too_many.exit_code, 2);
  EXPECT_NE(too_many.err.find("exceeds the 50 different codes"), std::string::npos) << too_many.err;
}

TEST_F(HetuCli, UsageErrorsExitTwo) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{}, "usage: popgate hetu"},
      {{"frobnicate"}, "unknown subcommand 'frobnicate'"},
      {{"validate", "--bogus"}, "unknown option '--bogus'"},
      {{"generate", "--count", "x"}, "--count: 'x' is not a whole number"},
      {{"generate", "--count", "-1"}, "out of range"},
      {{"generate", "--seed", "seven"}, "--seed: 'seven' is not a whole number"},
      {{"generate", "--sex", "other"}, "--sex: 'other' is not male or female"},
      {{"generate", "--sign", "G"}, "--sign: 'G' is not a century sign"},
      {{"generate", "--sign", "AB"}, "--sign: 'AB' is not a century sign"},
      {{"generate", "--born-from", "31.02.1990"}, "--born-from: '31.02.1990' is not a date"},
      {{"generate", "--born-from", "2000-01-01", "--born-to", "1990-01-01"},
       "empty birth date range 2000-01-01..1990-01-01"},
      {{"generate", "--born-from", "1700-01-01"}, "reach outside 1800..2099"},
      {{"generate", "--sign", "A", "--born-from", "1990-01-01"},
       "century sign A is for birth years 2000..2099"},
      {{"generate", "--temporary=yes"}, "takes no value"},
      {{"generate", "extra"}, "unexpected argument 'extra'"},
  };
  for (const Case& c : cases) {
    const Result r = run(c.args);
    std::string joined;
    for (const std::string& a : c.args)
      joined += a + " ";
    EXPECT_EQ(r.exit_code, 2) << joined;
    EXPECT_EQ(r.out, "") << joined;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << joined << "\n" << r.err;
  }
}

TEST_F(HetuCli, HelpExitsZeroAndDocumentsTheOutput) {
  const Result hetu = run({"--help"});
  EXPECT_EQ(hetu.exit_code, 0);
  EXPECT_NE(hetu.out.find("validate"), std::string::npos);
  EXPECT_NE(hetu.out.find("generate"), std::string::npos);
  const Result validate = run({"validate", "--help"});
  EXPECT_EQ(validate.exit_code, 0);
  EXPECT_NE(validate.out.find("CODE<TAB>valid<TAB>temporary"), std::string::npos);
  EXPECT_NE(validate.out.find("CODE<TAB>invalid<TAB>REASON"), std::string::npos);
  const Result generate_help = run({"generate", "--help"});
  EXPECT_EQ(generate_help.exit_code, 0);
  EXPECT_NE(generate_help.out.find("--seed"), std::string::npos);
}

}  // namespace
}  // namespace popgate::cli
