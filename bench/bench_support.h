// What the benchmarks share: wall-clock timing, the process's peak RSS, shell commands.
#ifndef POPGATE_BENCH_BENCH_SUPPORT_H_
#define POPGATE_BENCH_BENCH_SUPPORT_H_

#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>

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

// A shell command's exit status (-1 when it did not exit).
inline int run_command(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace popgate::bench

#endif  // POPGATE_BENCH_BENCH_SUPPORT_H_
