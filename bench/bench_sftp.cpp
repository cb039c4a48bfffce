// SFTP throughput and concurrency: popgate's SshServer against OpenSSH's sshd (internal-sftp),
// both driven by the same OpenSSH `sftp -b` client over loopback with the same options.
//
// Every transfer gets a server process of its own, started before and stopped after it, so
// that wait4 gives the server's whole CPU time (sshd's includes the connection processes it
// reaped): CPU seconds per GiB for both servers, beside the wall time.
//
// 1. Throughput: upload and download of one --size-mib (default 512) MiB file, per cipher
//    (aes128-gcm, chacha20-poly1305), --rounds (default 3) interleaved rounds whose first
//    server alternates (sshd first in odd rounds, popgate first in even ones), each transfer
//    after a sync(2) so that none pays for the previous one's write-back. Each round's
//    figures are printed, then the median per cipher and direction, against a target of 1.0:
//    - popgate/OpenSSH as OpenSSH's users see it: popgate's upload is on disk when its CLOSE is
//      answered (fsync), OpenSSH's is in the page cache;
//    - for uploads also popgate/(OpenSSH + `sync FILE`), the like-for-like durable figure.
//    Every transferred file's SHA-256 is checked against the source's, and popgate's
//    completion event against both.
// 2. Concurrency: --clients (default 20) `sftp -b` processes started at once, each uploading a
//    distinct --client-mib (default 20) MiB file, per cipher, the same rounds against popgate
//    and sshd interleaved: every file must arrive with the right SHA-256, popgate's
//    on_upload_complete must fire exactly once per file with the right size and digest, and
//    popgate's peak RSS (wait4) is held against 300 MB. Printed: the elapsed-time ratio
//    sshd/popgate as sshd's users see it and with a `sync` of its files, and both servers' CPU.
//
// popgate's server is a forked child (this process never starts a thread: clients and sshd are
// spawned processes); it reports its port and its completion events back through a pipe and a
// file. Prints figures; exits 1 only when a check of correctness fails or a server cannot be
// started (timings are never asserted).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "adapters/crypto/sha256.h"
#include "adapters/sftp/ssh_server.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kMiB = 1024 * 1024;
constexpr double kGiB = 1024.0 * 1024 * 1024;
constexpr double kRssLimitBytes = 300e6;  // 300 MB
constexpr double kTarget = 1.0;           // popgate at least as fast as OpenSSH

struct Options {
  std::uint64_t size_mib = 512;
  int clients = 20;
  std::uint64_t client_mib = 20;
  int rounds = 3;
  fs::path dir;
  std::vector<std::string> ciphers = {"aes128-gcm@openssh.com", "chacha20-poly1305@openssh.com"};
  bool sshd_concurrency = true;
  // For profiling one side: which servers and directions the throughput part runs.
  bool run_sshd = true, run_popgate = true, run_upload = true, run_download = true;
  std::string sshd = "/usr/sbin/sshd";
};

// What die() cleans up: sshd processes still running and the work directory. (popgate's
// server child stops by itself when this process exits and its control pipe closes.)
std::vector<pid_t> g_sshd_pids;
fs::path g_work;

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "bench_sftp: %s\n", message.c_str());
  for (const pid_t pid : g_sshd_pids)
    ::kill(pid, SIGTERM);
  if (!g_work.empty()) {
    std::error_code ignored;
    fs::remove_all(g_work, ignored);
  }
  std::exit(1);
}

double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

double cpu_seconds(const rusage& usage) {
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void spit(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) die("cannot write " + path.string());
}

// Deterministic incompressible bytes (splitmix64), hashed on the way out.
std::string write_random_file(const fs::path& path, std::uint64_t bytes, std::uint64_t seed) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) die("cannot create " + path.string());
  std::vector<std::uint64_t> block(kMiB / 8);
  popgate::crypto::Sha256 sha;
  std::uint64_t state = seed * 0x9e3779b97f4a7c15ULL + 1;
  for (std::uint64_t done = 0; done < bytes;) {
    for (auto& word : block) {
      std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      word = z ^ (z >> 31);
    }
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kMiB, bytes - done));
    if (std::fwrite(block.data(), 1, n, f) != n) die("cannot write " + path.string());
    sha.update(std::string_view(reinterpret_cast<const char*>(block.data()), n));
    done += n;
  }
  if (std::fclose(f) != 0) die("cannot write " + path.string());
  return sha.finish_hex();
}

std::string file_sha(const fs::path& path) {
  return popgate::crypto::sha256_file(path).sha256;
}

// Starts `argv` with stdout and stderr going to `log` (stdin from /dev/null).
pid_t spawn(const std::vector<std::string>& argv, const fs::path& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> args;
  for (const std::string& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) die("cannot start " + argv[0] + ": " + std::strerror(rc));
  return pid;
}

int wait_exit(pid_t pid, rusage* usage = nullptr) {
  int status = 0;
  rusage local{};
  while (::wait4(pid, &status, 0, usage ? usage : &local) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int run(const std::vector<std::string>& argv, const fs::path& log) {
  return wait_exit(spawn(argv, log));
}

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    die("cannot find a free port");
  ::close(fd);
  return ntohs(a.sin_port);
}

bool port_open(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// What wait4 says about a server process that has exited.
struct ServerCost {
  double cpu = 0;         // user + system seconds, reaped children included
  long peak_rss_kib = 0;  // ru_maxrss
};

// ---------------------------------------------------------------------------------------------
// popgate's server, in a child process.

struct PopgateServer {
  pid_t pid = -1;
  int control = -1;  // closing it asks the child to stop
  std::uint16_t port = 0;
  fs::path events;  // one line per on_upload_complete: "path size sha256"
};

[[noreturn]] void popgate_child(const fs::path& base, const fs::path& root,
                                const std::string& authorized, int report_fd, int control_fd) {
  int code = 0;
  try {
    std::mutex mu;
    std::FILE* events = std::fopen((base / "events").c_str(), "a");
    std::FILE* log = std::fopen((base / "server.log").c_str(), "a");
    if (events == nullptr || log == nullptr) throw std::runtime_error("cannot open event files");
    popgate::sftp::SshServerOptions options;
    options.bind_address = "127.0.0.1";
    options.port = 0;
    options.host_key_dir = base / "hostkeys";
    popgate::sftp::ClientAccount account;
    account.authorized_keys = {authorized};
    account.root = root;
    options.account = [account](const std::string& user) {
      return user == "bench" ? std::optional(account) : std::nullopt;
    };
    options.on_upload_complete = [&](const std::string&, const std::string& path,
                                     std::uint64_t size, const std::string& sha) {
      std::lock_guard<std::mutex> lock(mu);
      std::fprintf(events, "%s %llu %s\n", path.c_str(), static_cast<unsigned long long>(size),
                   sha.c_str());
      std::fflush(events);
    };
    options.log = [&](const std::string& line) {
      std::lock_guard<std::mutex> lock(mu);
      std::fprintf(log, "%s\n", line.c_str());
    };
    popgate::sftp::SshServer server(std::move(options));
    server.start();
    const std::uint16_t port = server.port();
    if (::write(report_fd, &port, sizeof port) != sizeof port) throw std::runtime_error("pipe");
    ::close(report_fd);
    // Serve until the parent closes the control pipe (or exits).
    char c;
    while (::read(control_fd, &c, 1) < 0 && errno == EINTR) {
    }
    server.stop();
    std::fclose(events);
    std::fclose(log);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_sftp: popgate server: %s\n", e.what());
    code = 1;
  }
  std::fflush(nullptr);
  ::_exit(code);
}

PopgateServer start_popgate(const fs::path& base, const fs::path& root,
                            const std::string& authorized) {
  fs::create_directories(base);
  int report[2], control[2];
  if (::pipe2(report, O_CLOEXEC) != 0 || ::pipe2(control, O_CLOEXEC) != 0) die("pipe");
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    ::close(report[0]);
    ::close(control[1]);
    popgate_child(base, root, authorized, report[1], control[0]);
  }
  ::close(report[1]);
  ::close(control[0]);
  std::uint16_t port = 0;
  if (::read(report[0], &port, sizeof port) != sizeof port || port == 0)
    die("popgate server did not start (see " + (base / "server.log").string() + ")");
  ::close(report[0]);
  return PopgateServer{pid, control[1], port, base / "events"};
}

ServerCost stop_popgate(PopgateServer& server) {
  ::close(server.control);
  rusage usage{};
  const int code = wait_exit(server.pid, &usage);
  if (code != 0) die("popgate server exited with " + std::to_string(code));
  return ServerCost{cpu_seconds(usage), usage.ru_maxrss};
}

struct Event {
  std::string path;
  std::uint64_t size = 0;
  std::string sha;
};

std::vector<Event> read_events(const fs::path& path) {
  std::vector<Event> events;
  std::ifstream in(path);
  Event e;
  while (in >> e.path >> e.size >> e.sha)
    events.push_back(e);
  return events;
}

// ---------------------------------------------------------------------------------------------
// OpenSSH's sshd with internal-sftp, in a child process.

struct Sshd {
  pid_t pid = -1;
  std::uint16_t port = 0;
};

// Writes base/sshd_config for a fresh port (the host key is made on the first call).
void configure_sshd(const fs::path& base, const std::string& authorized, std::uint16_t port) {
  fs::create_directories(base);
  if (::geteuid() == 0) fs::create_directories("/run/sshd");  // privilege separation directory
  const fs::path host_key = base / "ssh_host_ed25519_key";
  if (!fs::exists(host_key) &&
      run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", host_key.string()},
          base / "keygen.log") != 0)
    die("ssh-keygen failed for the sshd host key");
  spit(base / "authorized_keys", authorized);
  const passwd* pw = ::getpwuid(::getuid());
  if (pw == nullptr) die("no passwd entry for the current user");
  std::ostringstream config;
  config << "Port " << port << "\n"
         << "ListenAddress 127.0.0.1\n"
         << "HostKey " << host_key.string() << "\n"
         << "PidFile none\n"
         << "UsePAM no\n"
         << "StrictModes no\n"
         << "AuthorizedKeysFile " << (base / "authorized_keys").string() << "\n"
         << "AllowUsers " << pw->pw_name << "\n"
         << "PubkeyAuthentication yes\n"
         << "PasswordAuthentication no\n"
         << "KbdInteractiveAuthentication no\n"
         << "PermitRootLogin prohibit-password\n"
         << "MaxStartups 1000\n"
         << "MaxSessions 1000\n"
         << "LogLevel ERROR\n"
         << "Subsystem sftp internal-sftp\n";
  spit(base / "sshd_config", config.str());
}

Sshd start_sshd(const Options& o, const fs::path& base, const std::string& authorized) {
  const std::uint16_t port = free_port();
  configure_sshd(base, authorized, port);
  const pid_t pid =
      spawn({o.sshd, "-D", "-e", "-f", (base / "sshd_config").string()}, base / "sshd.log");
  g_sshd_pids.push_back(pid);
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (!port_open(port)) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) die("sshd exited: " + slurp(base / "sshd.log"));
    if (Clock::now() > deadline) die("sshd did not start listening on " + std::to_string(port));
    ::usleep(20000);
  }
  return Sshd{pid, port};
}

bool has_children(pid_t pid) {
  const std::string task = "/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid);
  return !slurp(task + "/children").empty();
}

// Stops sshd once it has reaped its connection processes (their CPU time reaches wait4 only
// through that), then reaps it.
ServerCost stop_sshd(Sshd& sshd) {
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (has_children(sshd.pid) && Clock::now() < deadline)
    ::usleep(5000);
  ::kill(sshd.pid, SIGTERM);
  rusage usage{};
  wait_exit(sshd.pid, &usage);
  std::erase(g_sshd_pids, sshd.pid);
  return ServerCost{cpu_seconds(usage), usage.ru_maxrss};
}

// ---------------------------------------------------------------------------------------------
// The client.

struct Client {
  fs::path key;
  std::string authorized;  // the key's public line
  std::string user;        // for sshd; popgate's user is "bench"
};

std::vector<std::string> sftp_argv(const Client& c, const std::string& user, std::uint16_t port,
                                   const std::string& cipher, const fs::path& batch) {
  return {"sftp",
          "-F",
          "/dev/null",
          "-b",
          batch.string(),
          "-i",
          c.key.string(),
          "-P",
          std::to_string(port),
          "-o",
          "Ciphers=" + cipher,
          "-o",
          "Compression=no",
          "-o",
          "BatchMode=yes",
          "-o",
          "IdentitiesOnly=yes",
          "-o",
          "StrictHostKeyChecking=no",
          "-o",
          "UserKnownHostsFile=/dev/null",
          "-o",
          "GlobalKnownHostsFile=/dev/null",
          "-o",
          "LogLevel=ERROR",
          user + "@127.0.0.1"};
}

// One transfer as measured: the client's wall and CPU time, then (for OpenSSH uploads) how
// long `sync FILE` took, and the server's CPU time from wait4.
struct Sample {
  double wall = 0;
  double sync = 0;
  double server_cpu = 0;
  double client_cpu = 0;
};

// One `sftp -b` run of `command`; dies if it failed. Fills wall and client_cpu.
Sample transfer(const Client& c, const std::string& user, std::uint16_t port,
                const std::string& cipher, const std::string& command, const fs::path& work,
                const std::string& what) {
  const fs::path batch = work / "batch";
  spit(batch, command + "\n");
  const auto start = Clock::now();
  rusage usage{};
  const int code =
      wait_exit(spawn(sftp_argv(c, user, port, cipher, batch), work / "sftp.log"), &usage);
  Sample s;
  s.wall = seconds(Clock::now() - start);
  s.client_cpu = cpu_seconds(usage);
  if (code != 0)
    die(what + ": sftp exited with " + std::to_string(code) + ": " + slurp(work / "sftp.log"));
  return s;
}

// How long coreutils' `sync FILE...` takes (an fsync of each file): what an OpenSSH upload
// still needs to be on disk.
double sync_files(const std::vector<fs::path>& files, const fs::path& work) {
  std::vector<std::string> argv = {"sync"};
  for (const fs::path& f : files)
    argv.push_back(f.string());
  const auto start = Clock::now();
  if (run(argv, work / "sync.log") != 0) die("sync failed: " + slurp(work / "sync.log"));
  return seconds(Clock::now() - start);
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
}

double m_bps(double bytes, double secs) {
  return secs > 0 ? bytes / 1e6 / secs : 0;
}

// ---------------------------------------------------------------------------------------------

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_sftp: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--size-mib") {
      o.size_mib = std::max<std::uint64_t>(1, std::stoull(value()));
    } else if (a == "--clients") {
      o.clients = std::max(1, std::stoi(value()));
    } else if (a == "--client-mib") {
      o.client_mib = std::max<std::uint64_t>(1, std::stoull(value()));
    } else if (a == "--rounds") {
      o.rounds = std::max(1, std::stoi(value()));
    } else if (a == "--dir") {
      o.dir = value();
    } else if (a == "--ciphers") {
      o.ciphers.clear();
      std::stringstream s(value());
      for (std::string c; std::getline(s, c, ',');)
        if (!c.empty()) o.ciphers.push_back(c);
    } else if (a == "--no-sshd-concurrency") {
      o.sshd_concurrency = false;
    } else if (a == "--only") {
      const std::string what = value();  // sshd, popgate, upload, download (comma list)
      const bool server =
          what.find("sshd") != std::string::npos || what.find("popgate") != std::string::npos;
      const bool dir =
          what.find("upload") != std::string::npos || what.find("download") != std::string::npos;
      if (server) {
        o.run_sshd = what.find("sshd") != std::string::npos;
        o.run_popgate = what.find("popgate") != std::string::npos;
      }
      if (dir) {
        o.run_upload = what.find("upload") != std::string::npos;
        o.run_download = what.find("download") != std::string::npos;
      }
    } else if (a == "--sshd") {
      o.sshd = value();
    } else {
      std::fprintf(stderr,
                   "usage: bench_sftp [--size-mib N] [--clients N] [--client-mib N] [--rounds N]\n"
                   "                  [--ciphers c1,c2] [--dir D] [--sshd PATH]"
                   " [--no-sshd-concurrency]\n"
                   "                  [--only sshd|popgate|upload|download[,...]] (profiling)\n");
      std::exit(2);
    }
  }
  if (o.ciphers.empty()) o.ciphers = Options().ciphers;
  if (o.dir.empty()) o.dir = fs::path("build") / "bench-work";
  return o;
}

// ---------------------------------------------------------------------------------------------
// 1. Throughput.

enum class Direction { upload, download };

const char* name_of(Direction d) {
  return d == Direction::upload ? "upload" : "download";
}

// The samples of one cipher and direction, one per round and server.
struct Series {
  std::vector<Sample> sshd, popgate;
};

class Throughput {
 public:
  Throughput(const Options& o, const Client& client, const fs::path& work)
      : o_(o), client_(client), work_(work), bytes_(o.size_mib * kMiB) {}

  void run() {
    prepare();
    for (int round = 1; round <= o_.rounds; ++round)
      for (const std::string& cipher : o_.ciphers)
        run_round(round, cipher);
    summarize();
    fs::remove_all(root_);
    fs::remove_all(sshd_files_);
    fs::remove(source_);
  }

 private:
  void prepare() {
    root_ = work_ / "popgate-root";
    sshd_files_ = work_ / "sshd-files";
    fs::create_directories(root_ / "inbox");
    fs::create_directories(root_ / "outbox");
    fs::create_directories(sshd_files_);
    std::printf("\n== throughput: %llu MiB over loopback, OpenSSH sftp -b client\n",
                static_cast<unsigned long long>(o_.size_mib));
    source_ = work_ / "source.bin";
    source_sha_ = write_random_file(source_, bytes_, 1);
    fs::copy_file(source_, root_ / "outbox" / "big.bin");
    fs::copy_file(source_, sshd_files_ / "big.bin");
    // The first start makes the host keys (RSA 3072 among them): not a transfer's cost.
    PopgateServer warm = start_popgate(work_ / "popgate-server", root_, client_.authorized);
    stop_popgate(warm);
    std::printf(
        "%d interleaved rounds (odd: sshd first, even: popgate first), a fresh server process "
        "per transfer\n",
        o_.rounds);
  }

  // Dirty pages left by the previous transfer (a downloaded copy, an upload, the prepared
  // files) are written back while the next one runs, and the first transfer of each round was
  // up to 2.4x slower than the second, whichever server it was: every transfer starts from a
  // clean page cache.
  static void settle_page_cache() { ::sync(); }

  void run_round(int round, const std::string& cipher) {
    const bool sshd_first = round % 2 == 1;
    for (const Direction d : {Direction::upload, Direction::download}) {
      if (!(d == Direction::upload ? o_.run_upload : o_.run_download)) continue;
      Series& series = results_[{cipher, d}];
      for (int turn = 0; turn < 2; ++turn) {
        const bool sshd = (turn == 0) == sshd_first;
        settle_page_cache();
        if (sshd && o_.run_sshd) series.sshd.push_back(sshd_transfer(round, cipher, d));
        if (!sshd && o_.run_popgate) series.popgate.push_back(popgate_transfer(round, cipher, d));
      }
      print_round(round, cipher, d, series);
    }
  }

  std::string tag(int round, const std::string& cipher, Direction d, const char* server) const {
    return std::string(server) + " " + name_of(d) + " [" + cipher + ", round " +
           std::to_string(round) + "]";
  }

  void check(const fs::path& path, const std::string& what) const {
    const std::string sha = file_sha(path);
    if (sha != source_sha_) die(what + ": SHA-256 mismatch (" + sha + ")");
  }

  Sample sshd_transfer(int round, const std::string& cipher, Direction d) {
    const std::string what = tag(round, cipher, d, "sshd");
    Sshd sshd = start_sshd(o_, work_ / "sshd", client_.authorized);
    const fs::path up = sshd_files_ / "up.bin";
    const fs::path local = work_ / "download.bin";
    Sample s = d == Direction::upload
                   ? transfer(client_, client_.user, sshd.port, cipher,
                              "put " + source_.string() + " " + up.string(), work_, what)
                   : transfer(client_, client_.user, sshd.port, cipher,
                              "get " + (sshd_files_ / "big.bin").string() + " " + local.string(),
                              work_, what);
    if (d == Direction::upload) s.sync = sync_files({up}, work_);
    s.server_cpu = stop_sshd(sshd).cpu;
    const fs::path& arrived = d == Direction::upload ? up : local;
    check(arrived, what);
    fs::remove(arrived);
    return s;
  }

  Sample popgate_transfer(int round, const std::string& cipher, Direction d) {
    const std::string what = tag(round, cipher, d, "popgate");
    PopgateServer server = start_popgate(work_ / "popgate-server", root_, client_.authorized);
    const fs::path local = work_ / "download.bin";
    Sample s = d == Direction::upload
                   ? transfer(client_, "bench", server.port, cipher,
                              "put " + source_.string() + " inbox/up.bin", work_, what)
                   : transfer(client_, "bench", server.port, cipher,
                              "get outbox/big.bin " + local.string(), work_, what);
    const ServerCost cost = stop_popgate(server);
    s.server_cpu = cost.cpu;
    peak_rss_kib_ = std::max(peak_rss_kib_, cost.peak_rss_kib);
    if (d == Direction::upload) {
      check(root_ / "inbox" / "up.bin", what);
      check_event(what);
      fs::remove(root_ / "inbox" / "up.bin");
    } else {
      check(local, what);
      fs::remove(local);
    }
    return s;
  }

  void check_event(const std::string& what) {
    ++expected_events_;
    const std::vector<Event> events = read_events(work_ / "popgate-server" / "events");
    if (events.size() != expected_events_ || events.back().path != "inbox/up.bin" ||
        events.back().size != bytes_ || events.back().sha != source_sha_)
      die(what + ": the completion event is missing or wrong");
  }

  double per_gib(double cpu) const { return cpu / (static_cast<double>(bytes_) / kGiB); }

  void print_round(int round, const std::string& cipher, Direction d, const Series& s) const {
    const double b = static_cast<double>(bytes_);
    const Sample none;
    const Sample& a = s.sshd.empty() ? none : s.sshd.back();
    const Sample& p = s.popgate.empty() ? none : s.popgate.back();
    std::printf("  round %d %-29s %-8s OpenSSH %6.1f MB/s", round, cipher.c_str(), name_of(d),
                m_bps(b, a.wall));
    if (d == Direction::upload)
      std::printf(" (+sync %5.2f s: %6.1f)", a.sync, m_bps(b, a.wall + a.sync));
    std::printf("  popgate %6.1f MB/s  ratio %5.2f", m_bps(b, p.wall), ratio(a.wall, p.wall));
    if (d == Direction::upload) std::printf(" vs +sync %5.2f", ratio(a.wall + a.sync, p.wall));
    std::printf("  | server CPU s/GiB OpenSSH %5.2f popgate %5.2f\n", per_gib(a.server_cpu),
                per_gib(p.server_cpu));
    std::fflush(stdout);
  }

  static double ratio(double sshd_seconds, double popgate_seconds) {
    return popgate_seconds > 0 ? sshd_seconds / popgate_seconds : 0;
  }

  // Per-round ratios, paired by round (both servers ran in it).
  static std::vector<double> ratios(const Series& s, bool with_sync) {
    std::vector<double> r;
    for (std::size_t i = 0; i < std::min(s.sshd.size(), s.popgate.size()); ++i)
      r.push_back(ratio(s.sshd[i].wall + (with_sync ? s.sshd[i].sync : 0), s.popgate[i].wall));
    return r;
  }

  static std::vector<double> field(const std::vector<Sample>& v, double Sample::*member) {
    std::vector<double> out;
    for (const Sample& s : v)
      out.push_back(s.*member);
    return out;
  }

  static std::string range_of(const std::vector<double>& v) {
    if (v.empty()) return "n/a";
    char text[64];
    std::snprintf(text, sizeof text, "%.2f (%.2f-%.2f)", median(v),
                  *std::min_element(v.begin(), v.end()), *std::max_element(v.begin(), v.end()));
    return text;
  }

  static const char* verdict(const std::vector<double>& v) {
    return v.empty() ? "" : median(v) >= kTarget ? "met" : "NOT met";
  }

  void summarize() const {
    const double b = static_cast<double>(bytes_);
    std::printf(
        "\nmedian of %d interleaved rounds (MB/s = 10^6 bytes/s, whole sftp run incl. login; "
        "every file's SHA-256 verified); ratio = popgate speed / OpenSSH speed, median "
        "(min-max), target >= %.1f\n",
        o_.rounds, kTarget);
    std::printf("  %-29s %-8s %8s %8s  %-18s %-7s | %-26s | %s\n", "cipher", "dir", "OpenSSH",
                "popgate", "ratio as users see", "target", "ratio vs OpenSSH + sync",
                "CPU s/GiB server OpenSSH, popgate; client");
    for (const auto& [key, s] : results_) {
      const auto& [cipher, d] = key;
      const std::vector<double> plain = ratios(s, false);
      const std::vector<double> synced = ratios(s, true);
      const std::string sync_text =
          d == Direction::upload ? range_of(synced) + " " + verdict(synced) : "-";
      std::printf("  %-29s %-8s %8.1f %8.1f  %-18s %-7s | %-26s | %5.2f %5.2f; %5.2f %5.2f\n",
                  cipher.c_str(), name_of(d), m_bps(b, median(field(s.sshd, &Sample::wall))),
                  m_bps(b, median(field(s.popgate, &Sample::wall))), range_of(plain).c_str(),
                  verdict(plain), sync_text.c_str(),
                  per_gib(median(field(s.sshd, &Sample::server_cpu))),
                  per_gib(median(field(s.popgate, &Sample::server_cpu))),
                  per_gib(median(field(s.sshd, &Sample::client_cpu))),
                  per_gib(median(field(s.popgate, &Sample::client_cpu))));
    }
    std::printf("  popgate server peak RSS (wait4 ru_maxrss): %.1f MB\n",
                static_cast<double>(peak_rss_kib_) * 1024 / 1e6);
  }

  const Options& o_;
  const Client& client_;
  const fs::path work_;
  const std::uint64_t bytes_;
  fs::path root_, sshd_files_, source_;
  std::string source_sha_;
  std::size_t expected_events_ = 0;
  long peak_rss_kib_ = 0;
  std::map<std::pair<std::string, Direction>, Series> results_;
};

// ---------------------------------------------------------------------------------------------
// 2. Concurrency.

// One storm: every client started at once against one fresh server.
struct Storm {
  double elapsed = 0;  // first client started .. last client exited
  double sync = 0;     // sshd: `sync` of every uploaded file afterwards
  ServerCost cost;
  int failures = 0;  // clients that exited non-zero
  bool correct = false;
};

class Concurrency {
 public:
  Concurrency(const Options& o, const Client& client, const fs::path& work)
      : o_(o), client_(client), work_(work), bytes_(o.client_mib * kMiB) {}

  // False when a check of correctness failed.
  bool run() {
    prepare();
    for (int round = 1; round <= o_.rounds; ++round)
      for (const std::string& cipher : o_.ciphers)
        run_round(round, cipher);
    summarize();
    fs::remove_all(sources_);
    return all_correct_;
  }

 private:
  void prepare() {
    std::printf(
        "\n== concurrency: %d clients at once, each uploading a distinct %llu MiB file; "
        "%d interleaved rounds, a fresh server per storm\n",
        o_.clients, static_cast<unsigned long long>(o_.client_mib), o_.rounds);
    sources_ = work_ / "sources";
    fs::create_directories(sources_);
    for (int i = 0; i < o_.clients; ++i)
      shas_.push_back(write_random_file(source(i), bytes_, 1000 + static_cast<std::uint64_t>(i)));
  }

  fs::path source(int i) const { return sources_ / ("f" + std::to_string(i) + ".bin"); }

  void run_round(int round, const std::string& cipher) {
    const bool sshd_first = round % 2 == 0;  // the other way round from the throughput part
    Storm p, s;
    for (int turn = 0; turn < 2; ++turn) {
      const bool sshd = (turn == 0) == sshd_first;
      if (sshd && o_.sshd_concurrency) s = sshd_storm(cipher);
      if (!sshd) p = popgate_storm(cipher);
    }
    all_correct_ = all_correct_ && p.correct && (!o_.sshd_concurrency || s.correct);
    const double gib = static_cast<double>(bytes_) * o_.clients / kGiB;
    std::printf("  round %d %-29s popgate %6.2f s (%s, peak RSS %.1f MB)", round, cipher.c_str(),
                p.elapsed, p.correct ? "all correct" : "NOT all correct",
                static_cast<double>(p.cost.peak_rss_kib) * 1024 / 1e6);
    if (o_.sshd_concurrency)
      std::printf(
          "  OpenSSH %6.2f s +sync %5.2f s (%s)  ratio %5.2f vs +sync %5.2f | server CPU s/GiB "
          "OpenSSH %5.2f popgate %5.2f",
          s.elapsed, s.sync, s.correct ? "all correct" : "NOT all correct", s.elapsed / p.elapsed,
          (s.elapsed + s.sync) / p.elapsed, s.cost.cpu / gib, p.cost.cpu / gib);
    std::printf("\n");
    std::fflush(stdout);
    Row& row = rows_[cipher];
    row.plain.push_back(s.elapsed / p.elapsed);
    row.synced.push_back((s.elapsed + s.sync) / p.elapsed);
    row.sshd_cpu.push_back(s.cost.cpu / gib);
    row.popgate_cpu.push_back(p.cost.cpu / gib);
    row.popgate_elapsed.push_back(p.elapsed);
    row.sshd_elapsed.push_back(s.elapsed);
    peak_rss_kib_ = std::max(peak_rss_kib_, p.cost.peak_rss_kib);
  }

  // Starts every client at once, waits for all; fills elapsed and failures.
  Storm storm(const std::string& user, std::uint16_t port, const std::string& cipher,
              const std::function<std::string(int)>& target) const {
    const fs::path batches = work_ / "batches";
    fs::create_directories(batches);
    for (int i = 0; i < o_.clients; ++i)
      spit(batches / ("b" + std::to_string(i)),
           "put " + source(i).string() + " " + target(i) + "\n");
    std::vector<pid_t> pids;
    const auto start = Clock::now();
    for (int i = 0; i < o_.clients; ++i)
      pids.push_back(
          spawn(sftp_argv(client_, user, port, cipher, batches / ("b" + std::to_string(i))),
                batches / ("log" + std::to_string(i))));
    Storm result;
    for (int i = 0; i < o_.clients; ++i)
      if (wait_exit(pids[static_cast<std::size_t>(i)]) != 0 && result.failures++ < 3)
        std::printf("  client %d failed: %s", i,
                    slurp(batches / ("log" + std::to_string(i))).c_str());
    result.elapsed = seconds(Clock::now() - start);
    fs::remove_all(batches);
    return result;
  }

  bool file_ok(const fs::path& path, int i) const {
    return fs::exists(path) && fs::file_size(path) == bytes_ &&
           file_sha(path) == shas_[static_cast<std::size_t>(i)];
  }

  Storm popgate_storm(const std::string& cipher) const {
    const fs::path base = work_ / "popgate-storm";
    const fs::path root = work_ / "popgate-storm-root";
    fs::create_directories(root / "inbox");
    fs::create_directories(root / "outbox");
    PopgateServer server = start_popgate(base, root, client_.authorized);
    Storm result = storm("bench", server.port, cipher,
                         [](int i) { return "inbox/u" + std::to_string(i) + ".bin"; });
    result.cost = stop_popgate(server);
    const std::vector<Event> events = read_events(server.events);
    int right_files = 0, right_events = 0;
    for (int i = 0; i < o_.clients; ++i) {
      const std::string rel = "inbox/u" + std::to_string(i) + ".bin";
      right_files += file_ok(root / rel, i) ? 1 : 0;
      right_events +=
          static_cast<int>(std::count_if(events.begin(), events.end(), [&](const Event& e) {
            return e.path == rel && e.size == bytes_ && e.sha == shas_[static_cast<std::size_t>(i)];
          }));
    }
    // Nothing else in the inbox: no temporary files left behind, nothing unexpected.
    int stray = 0;
    for (const auto& entry : fs::directory_iterator(root / "inbox"))
      stray += entry.path().filename().string().rfind("u", 0) == 0 ? 0 : 1;
    result.correct = result.failures == 0 && right_files == o_.clients &&
                     right_events == o_.clients &&
                     events.size() == static_cast<std::size_t>(o_.clients) && stray == 0;
    if (!result.correct)
      std::printf(
          "  popgate storm: clients failed %d, right files %d/%d, right events %d/%d of "
          "%zu, stray files %d\n",
          result.failures, right_files, o_.clients, right_events, o_.clients, events.size(), stray);
    fs::remove_all(root);
    fs::remove_all(base / "events");
    return result;
  }

  Storm sshd_storm(const std::string& cipher) const {
    const fs::path up_dir = work_ / "sshd-uploads";
    fs::create_directories(up_dir);
    const auto target = [&](int i) { return up_dir / ("u" + std::to_string(i) + ".bin"); };
    Sshd sshd = start_sshd(o_, work_ / "sshd-storm", client_.authorized);
    Storm result =
        storm(client_.user, sshd.port, cipher, [&](int i) { return target(i).string(); });
    std::vector<fs::path> files;
    for (int i = 0; i < o_.clients; ++i)
      files.push_back(target(i));
    result.sync = sync_files(files, work_);
    result.cost = stop_sshd(sshd);
    int right_files = 0;
    for (int i = 0; i < o_.clients; ++i)
      right_files += file_ok(target(i), i) ? 1 : 0;
    result.correct = result.failures == 0 && right_files == o_.clients;
    if (!result.correct)
      std::printf("  sshd storm: clients failed %d, right files %d/%d\n", result.failures,
                  right_files, o_.clients);
    fs::remove_all(up_dir);
    return result;
  }

  void summarize() const {
    std::printf(
        "\nmedian of %d rounds; ratio = OpenSSH elapsed / popgate elapsed, median (min-max), "
        "target >= %.1f\n",
        o_.rounds, kTarget);
    std::printf("  %-29s %9s %9s  %-18s %-7s | %-24s | %s\n", "cipher", "popgate s", "OpenSSH s",
                "ratio as users see", "target", "ratio vs OpenSSH + sync",
                "server CPU s/GiB OpenSSH, popgate");
    for (const auto& [cipher, row] : rows_) {
      const auto text = [](const std::vector<double>& v) {
        char out[64];
        std::snprintf(out, sizeof out, "%.2f (%.2f-%.2f)", median(v),
                      *std::min_element(v.begin(), v.end()), *std::max_element(v.begin(), v.end()));
        return std::string(out);
      };
      if (!o_.sshd_concurrency) {
        std::printf("  %-29s %9.2f\n", cipher.c_str(), median(row.popgate_elapsed));
        continue;
      }
      std::printf("  %-29s %9.2f %9.2f  %-18s %-7s | %-24s | %5.2f %5.2f\n", cipher.c_str(),
                  median(row.popgate_elapsed), median(row.sshd_elapsed), text(row.plain).c_str(),
                  median(row.plain) >= kTarget ? "met" : "NOT met", text(row.synced).c_str(),
                  median(row.sshd_cpu), median(row.popgate_cpu));
    }
    std::printf("  popgate server peak RSS (wait4 ru_maxrss): %.1f MB (limit 300 MB) -> %s\n",
                static_cast<double>(peak_rss_kib_) * 1024 / 1e6,
                static_cast<double>(peak_rss_kib_) * 1024 <= kRssLimitBytes ? "met" : "NOT met");
  }

  struct Row {
    std::vector<double> plain, synced, sshd_cpu, popgate_cpu, popgate_elapsed, sshd_elapsed;
  };

  const Options& o_;
  const Client& client_;
  const fs::path work_;
  const std::uint64_t bytes_;
  fs::path sources_;
  std::vector<std::string> shas_;
  std::map<std::string, Row> rows_;
  long peak_rss_kib_ = 0;
  bool all_correct_ = true;
};

Client make_client(const fs::path& work) {
  Client client;
  client.key = work / "client_key";
  if (run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", client.key.string()},
          work / "keygen.log") != 0)
    die("ssh-keygen failed");
  client.authorized = slurp(client.key.string() + ".pub");
  const passwd* pw = ::getpwuid(::getuid());
  if (pw == nullptr) die("no passwd entry for the current user");
  client.user = pw->pw_name;
  return client;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  if (!fs::exists(o.sshd))
    die(o.sshd + " is missing: run scripts/install-deps --bench (package openssh-server)");
  const fs::path work = fs::absolute(o.dir) / ("sftp-" + std::to_string(::getpid()));
  fs::create_directories(work);
  g_work = work;
  std::printf("bench_sftp: work dir %s (removed afterwards)\n", work.c_str());
  const Client client = make_client(work);

  Throughput(o, client, work).run();
  const bool correct = Concurrency(o, client, work).run();

  fs::remove_all(work);
  if (!correct) {
    std::printf("\nbench_sftp: correctness check FAILED\n");
    return 1;
  }
  return 0;
}
