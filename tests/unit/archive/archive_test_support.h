// What the archive tests share: running the real tools (bsdtar, python3, zstd) that build and
// check archives, and small file helpers.
#ifndef POPGATE_TESTS_UNIT_ARCHIVE_ARCHIVE_TEST_SUPPORT_H_
#define POPGATE_TESTS_UNIT_ARCHIVE_ARCHIVE_TEST_SUPPORT_H_

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "tests/unit/test_support/cli_runner.h"
#include "tests/unit/test_support/register_samples.h"

namespace popgate::testing {

struct ShellResult {
  int exit_code = -1;
  std::string out;  // stdout and stderr together
};

// Runs `command` through /bin/sh in `dir`, capturing its output in a file there.
inline ShellResult run_shell(const std::filesystem::path& dir, const std::string& command) {
  const std::string out = (dir / ".shell-output").string();
  const std::string full =
      "cd " + shell_quoted(dir.string()) + " && (" + command + ") >" + shell_quoted(out) + " 2>&1";
  const int status = std::system(full.c_str());
  ShellResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = slurp(out);
  std::filesystem::remove(out);
  return result;
}

// Runs a Python 3 script in `dir` (written to a file, so quoting stays simple).
inline ShellResult run_python(const std::filesystem::path& dir, const std::string& script) {
  write_file((dir / ".script.py").string(), script);
  ShellResult result = run_shell(dir, "python3 .script.py");
  std::filesystem::remove(dir / ".script.py");
  return result;
}

inline bool have_program(const std::string& name) {
  return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

// Python helpers prepended to the scripts that craft hostile archives.
inline const char* k_python_archive_helpers = R"(
import io, sys, tarfile, zipfile
def tar_entry(name, kind=tarfile.REGTYPE, data=b"x", link=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    info.mode = 0o644
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    return (info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
def write_tar(path, entries):
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as t:
        for info, data in entries:
            t.addfile(info, data)
def write_zip(path, entries):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            z.writestr(zipfile.ZipInfo(name), data)
)";

}  // namespace popgate::testing

#endif  // POPGATE_TESTS_UNIT_ARCHIVE_ARCHIVE_TEST_SUPPORT_H_
