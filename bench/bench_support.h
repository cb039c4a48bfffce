// What the benchmarks share: wall-clock timing, the process's peak RSS, child processes, shell
// commands.
#ifndef POPGATE_BENCH_BENCH_SUPPORT_H_
#define POPGATE_BENCH_BENCH_SUPPORT_H_

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace popgate::bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// This process's peak resident set so far (VmHWM), KiB.
inline long peak_rss_kib_self() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

struct ChildRun {
  double seconds = 0;
  long peak_rss_kib = 0;
  int status = -1;  // the exit status; -1 when it did not exit
};

// Runs `args` (args[0] a path) as a new process: its wall time and peak RSS (wait4). The peak
// counts the pages the child shared with this process until its exec (measured: a parent of
// 500 MiB gives /bin/true a peak of 500 MiB, with posix_spawn too), so a benchmark that grew
// large before has its child report its own peak (peak_rss_kib_self) instead.
inline ChildRun in_child(std::vector<std::string> args) {
  const auto start = Clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (std::string& arg : args)
      argv.push_back(arg.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  ::wait4(pid, &status, 0, &usage);
  ChildRun run;
  run.seconds = seconds_since(start);
  run.peak_rss_kib = usage.ru_maxrss;
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// A shell command's exit status (-1 when it did not exit).
inline int run_command(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace popgate::bench

#endif  // POPGATE_BENCH_BENCH_SUPPORT_H_
