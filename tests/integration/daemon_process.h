// `popgate serve` as a real child process for integration tests, and small file helpers.
#ifndef POPGATE_TESTS_INTEGRATION_DAEMON_PROCESS_H_
#define POPGATE_TESTS_INTEGRATION_DAEMON_PROCESS_H_

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace popgate::testing_support {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

inline std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// A shell command's exit status (-1 when it did not exit).
inline int run(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A shell command's standard output.
inline std::string capture(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0)
    out.append(buffer, n);
  ::pclose(pipe);
  return out;
}

// A daemon under test: its stderr goes to a file that the test reads as it grows.
class Daemon {
 public:
  Daemon(const fs::path& config, const fs::path& data, const fs::path& log) : log_(log) {
    pid_ = fork();
    if (pid_ == 0) {
      FILE* err = std::freopen(log.c_str(), "w", stderr);
      (void)err;
      execl(POPGATE_BINARY, POPGATE_BINARY, "serve", "--config", config.c_str(), "--data-dir",
            data.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~Daemon() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  // Waits until the log contains `text` `times` times; false on timeout or early exit.
  bool wait_for(const std::string& text, int times = 1, std::chrono::seconds limit = 60s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (count(text) >= times) return true;
      if (exited()) return count(text) >= times;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }
  int count(const std::string& text) const {
    const std::string log = slurp(log_);
    int n = 0;
    for (size_t at = log.find(text); at != std::string::npos; at = log.find(text, at + 1))
      ++n;
    return n;
  }
  void signal(int sig) const { kill(pid_, sig); }
  // Waits for the process to end; its exit code, or -1 on timeout or a signal death.
  int wait_exit(std::chrono::seconds limit = 60s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (exited()) return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
      std::this_thread::sleep_for(50ms);
    }
    return -1;
  }
  std::string log() const { return slurp(log_); }
  pid_t pid() const { return pid_; }

  // The SFTP port from the "listening on ADDRESS:PORT" line; 0 if not (yet) logged.
  int sftp_port() const { return logged_port("ssh server listening on "); }
  // The admin listener's port (listen.http) from its "admin listener on" line; 0 if not logged.
  int admin_port() const { return logged_port("admin listener on "); }

 private:
  int logged_port(const std::string& marker) const {
    const std::string text = log();
    const std::size_t at = text.find(marker);
    if (at == std::string::npos) return 0;
    const std::size_t colon = text.find(':', at + marker.size());
    return colon == std::string::npos ? 0 : std::atoi(text.c_str() + colon + 1);
  }

  bool exited() {
    if (exited_) return true;
    if (waitpid(pid_, &status_, WNOHANG) == pid_) exited_ = true;
    return exited_;
  }
  fs::path log_;
  pid_t pid_ = -1;
  int status_ = 0;
  bool exited_ = false;
};

}  // namespace popgate::testing_support

#endif  // POPGATE_TESTS_INTEGRATION_DAEMON_PROCESS_H_
