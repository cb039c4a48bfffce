// Runs the real `popgate` binary through /bin/sh, as an operator would, and captures what it
// printed. Shared by every test that drives the command line.
#ifndef POPGATE_TESTS_UNIT_TEST_SUPPORT_CLI_RUNNER_H_
#define POPGATE_TESTS_UNIT_TEST_SUPPORT_CLI_RUNNER_H_

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace popgate::testing {

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// `arg` as one word for sh.
inline std::string shell_quoted(const std::string& arg) {
  std::string q = "'";
  for (char c : arg)
    q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs `popgate ARGS` with stdin from `stdin_source` (a shell redirection or a pipeline
// prefix: "< FILE", "printf x |"; default /dev/null). stdout and stderr go to files in
// `scratch_dir` and are read back.
inline CliResult run_popgate(const std::vector<std::string>& args, const std::string& scratch_dir,
                             const std::string& stdin_source = "< /dev/null") {
  const bool pipeline = !stdin_source.empty() && stdin_source.back() == '|';
  std::string command = pipeline ? stdin_source + " " : "";
  command += shell_quoted(POPGATE_BINARY);
  for (const std::string& arg : args)
    command += " " + shell_quoted(arg);
  const std::string out = scratch_dir + "/stdout";
  const std::string err = scratch_dir + "/stderr";
  command += " >" + shell_quoted(out) + " 2>" + shell_quoted(err);
  if (!pipeline) command += " " + stdin_source;
  const int status = std::system(command.c_str());
  CliResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = slurp(out);
  result.err = slurp(err);
  return result;
}

// Whether Python's json module reads `json` and `check` (a Python expression over it, `d`)
// holds: a real JSON parser checks what popgate's --format json prints.
inline bool python_json_check(const std::string& json, const std::string& check,
                              const std::string& scratch_dir) {
  const std::string file = scratch_dir + "/checked.json";
  std::ofstream(file, std::ios::binary) << json;
  const std::string command =
      "python3 -c " +
      shell_quoted("import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if (" + check +
                   ") else 1)") +
      " " + shell_quoted(file);
  return std::system(command.c_str()) == 0;
}

}  // namespace popgate::testing

#endif  // POPGATE_TESTS_UNIT_TEST_SUPPORT_CLI_RUNNER_H_
