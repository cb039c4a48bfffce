// SFTP throughput and concurrency: popgate's SshServer against OpenSSH's sshd (internal-sftp),
// both driven by the same OpenSSH `sftp -b` client over loopback with the same options.
//
// 1. Throughput: upload and download of one large file (--size-mib, default 1 GiB), per cipher,
//    the two servers interleaved round by round (sshd, popgate, sshd, popgate, ...); the best
//    of each is reported with the ratio popgate/OpenSSH (target >= 0.9 both ways). Every
//    transferred file's SHA-256 is checked against the source's, and popgate's completion
//    event against both.
// 2. Concurrency: --clients (default 100) `sftp -b` processes started at once, each uploading a
//    distinct --client-mib (default 20) MiB file to a fresh popgate server process: every file
//    must arrive with the right SHA-256, the server's on_upload_complete must fire exactly once
//    per file with the right size and digest, and the server's peak RSS (wait4) must stay within
//    300 MB. The same load against sshd gives the elapsed-time ratio.
//
// The servers run in child processes: popgate's is forked before this process starts any
// thread (it never does: clients and sshd are spawned processes), and reports its port and its
// completion events back through a pipe and a file. Prints figures; exits 1 only when a check
// of correctness fails or a server cannot be started (timings are never asserted).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
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
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "adapters/crypto/sha256.h"
#include "adapters/sftp/ssh_server.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kMiB = 1024 * 1024;
constexpr double kRssLimitBytes = 300e6;  // 300 MB

struct Options {
  std::uint64_t size_mib = 1024;
  int clients = 100;
  std::uint64_t client_mib = 20;
  int rounds = 2;
  fs::path dir;
  std::vector<std::string> ciphers = {"aes128-gcm@openssh.com", "chacha20-poly1305@openssh.com"};
  bool sshd_concurrency = true;
  // For profiling one side: which servers and directions the throughput part runs.
  bool run_sshd = true, run_popgate = true, run_upload = true, run_download = true;
  std::string sshd = "/usr/sbin/sshd";
};

// What Die() cleans up: sshd processes still running and the work directory. (popgate's
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

// CPU seconds used by `pid`, its threads, and its children it has reaped (utime + stime +
// cutime + cstime from /proc/<pid>/stat). sshd reaps each connection's processes when the
// connection ends, so the difference around one transfer is the server's whole CPU cost.
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t paren = text.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(text.substr(paren + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 17 && fields >> field; ++i)
    if (i >= 14) ticks += std::stod(field);
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
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

// Stops the server; returns its peak RSS in KiB.
long stop_popgate(PopgateServer& server) {
  ::close(server.control);
  rusage usage{};
  const int code = wait_exit(server.pid, &usage);
  if (code != 0) die("popgate server exited with " + std::to_string(code));
  return usage.ru_maxrss;
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

Sshd start_sshd(const Options& o, const fs::path& base, const std::string& authorized) {
  fs::create_directories(base);
  if (::geteuid() == 0) fs::create_directories("/run/sshd");  // privilege separation directory
  const fs::path host_key = base / "ssh_host_ed25519_key";
  if (run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", host_key.string()},
          base / "keygen.log") != 0)
    die("ssh-keygen failed for the sshd host key");
  spit(base / "authorized_keys", authorized);
  const std::uint16_t port = free_port();
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

void stop_sshd(Sshd& sshd) {
  ::kill(sshd.pid, SIGTERM);
  wait_exit(sshd.pid);
  std::erase(g_sshd_pids, sshd.pid);
}

// ---------------------------------------------------------------------------------------------
// The client.

struct Client {
  fs::path key;
  std::string user;  // for sshd; popgate's user is "bench"
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

struct Timing {
  double wall = 0;        // seconds, the whole sftp run
  double server_cpu = 0;  // CPU seconds of the server process tree
  double client_cpu = 0;  // CPU seconds of sftp and its ssh
};

// One `sftp -b` run against the server `server_pid`, or dies if it failed.
Timing transfer(const Client& c, const std::string& user, std::uint16_t port, pid_t server_pid,
                const std::string& cipher, const std::string& command, const fs::path& work,
                const std::string& what) {
  const fs::path batch = work / "batch";
  spit(batch, command + "\n");
  const double cpu_before = cpu_seconds(server_pid);
  const auto start = Clock::now();
  rusage usage{};
  const int code =
      wait_exit(spawn(sftp_argv(c, user, port, cipher, batch), work / "sftp.log"), &usage);
  Timing t;
  t.wall = seconds(Clock::now() - start);
  // sshd reaps the connection's processes a moment after the client has gone.
  for (int i = 0; i < 50; ++i) {
    t.server_cpu = cpu_seconds(server_pid) - cpu_before;
    ::usleep(20000);
    if (cpu_seconds(server_pid) - cpu_before == t.server_cpu) break;
  }
  t.client_cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                 static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  if (code != 0)
    die(what + ": sftp exited with " + std::to_string(code) + ": " + slurp(work / "sftp.log"));
  return t;
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
      o.size_mib = std::stoull(value());
    } else if (a == "--clients") {
      o.clients = std::stoi(value());
    } else if (a == "--client-mib") {
      o.client_mib = std::stoull(value());
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
  if (o.dir.empty()) o.dir = fs::path("build") / "bench-work";
  return o;
}

double m_bps(std::uint64_t bytes, double seconds) {
  return seconds > 0 ? static_cast<double>(bytes) / 1e6 / seconds : 0;
}

struct Best {
  Timing sshd{1e300, 1e300, 1e300}, popgate{1e300, 1e300, 1e300};
  static void keep(Timing* best, const Timing& t) {
    best->wall = std::min(best->wall, t.wall);
    best->server_cpu = std::min(best->server_cpu, t.server_cpu);
    best->client_cpu = std::min(best->client_cpu, t.client_cpu);
  }
};

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  if (!fs::exists(o.sshd))
    die(o.sshd + " is missing: run scripts/install-deps --bench (package openssh-server)");
  const fs::path work = fs::absolute(o.dir) / ("sftp-" + std::to_string(::getpid()));
  fs::create_directories(work);
  g_work = work;
  std::printf("bench_sftp: work dir %s (removed afterwards)\n", work.c_str());

  Client client;
  client.key = work / "client_key";
  if (run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", client.key.string()},
          work / "keygen.log") != 0)
    die("ssh-keygen failed");
  const std::string authorized = slurp(client.key.string() + ".pub");
  const passwd* pw = ::getpwuid(::getuid());
  if (pw == nullptr) die("no passwd entry for the current user");
  client.user = pw->pw_name;

  // ------------------------------------------------------------------ 1. throughput
  const std::uint64_t size = o.size_mib * kMiB;
  const fs::path root = work / "popgate-root";
  fs::create_directories(root / "inbox");
  fs::create_directories(root / "outbox");
  const fs::path sshd_dir = work / "sshd-files";
  fs::create_directories(sshd_dir);
  std::printf("\n== throughput: %llu MiB over loopback, OpenSSH sftp -b client\n",
              static_cast<unsigned long long>(o.size_mib));
  const fs::path source = work / "source.bin";
  const std::string source_sha = write_random_file(source, size, 1);
  fs::copy_file(source, root / "outbox" / "big.bin");
  fs::copy_file(source, sshd_dir / "big.bin");

  PopgateServer popgate = start_popgate(work / "popgate-server", root, authorized);
  Sshd sshd = start_sshd(o, work / "sshd", authorized);
  std::printf(
      "popgate SshServer (child %d, port %u) vs sshd internal-sftp (%d, port %u); "
      "%d interleaved rounds, best of each\n",
      popgate.pid, popgate.port, sshd.pid, sshd.port, o.rounds);

  const fs::path local = work / "download.bin";
  const auto check = [&](const fs::path& path, const std::string& what) {
    const std::string sha = file_sha(path);
    if (sha != source_sha) die(what + ": SHA-256 mismatch (" + sha + ")");
  };
  std::size_t expected_events = 0;
  std::map<std::string, std::pair<Best, Best>> results;  // cipher -> (upload, download)
  for (int round = 1; round <= o.rounds; ++round) {
    for (const std::string& cipher : o.ciphers) {
      auto& [up, down] = results[cipher];
      const std::string tag = " [" + cipher + ", round " + std::to_string(round) + "]";
      const auto line = [&](const char* dir, const Timing& a, const Timing& b) {
        std::printf(
            "  %-30s round %d  %-8s  sshd %7.1f MB/s (server CPU %5.2f s)   popgate %7.1f "
            "MB/s (server CPU %5.2f s)\n",
            cipher.c_str(), round, dir, m_bps(size, a.wall), a.server_cpu, m_bps(size, b.wall),
            b.server_cpu);
        std::fflush(stdout);
      };
      Timing su, pu, sd, pd;
      // Upload: sshd, then popgate.
      if (o.run_upload && o.run_sshd) {
        su = transfer(client, client.user, sshd.port, sshd.pid, cipher,
                      "put " + source.string() + " " + (sshd_dir / "up.bin").string(), work,
                      "sshd upload" + tag);
        Best::keep(&up.sshd, su);
        check(sshd_dir / "up.bin", "sshd upload");
        fs::remove(sshd_dir / "up.bin");
      }
      if (o.run_upload && o.run_popgate) {
        pu = transfer(client, "bench", popgate.port, popgate.pid, cipher,
                      "put " + source.string() + " inbox/up.bin", work, "popgate upload" + tag);
        Best::keep(&up.popgate, pu);
        check(root / "inbox" / "up.bin", "popgate upload");
        ++expected_events;
        const std::vector<Event> events = read_events(popgate.events);
        if (events.size() != expected_events || events.back().path != "inbox/up.bin" ||
            events.back().size != size || events.back().sha != source_sha)
          die("popgate upload: the completion event is missing or wrong");
        fs::remove(root / "inbox" / "up.bin");
      }
      if (o.run_upload) line("upload", su, pu);
      // Download: sshd, then popgate.
      if (o.run_download && o.run_sshd) {
        sd = transfer(client, client.user, sshd.port, sshd.pid, cipher,
                      "get " + (sshd_dir / "big.bin").string() + " " + local.string(), work,
                      "sshd download" + tag);
        Best::keep(&down.sshd, sd);
        check(local, "sshd download");
        fs::remove(local);
      }
      if (o.run_download && o.run_popgate) {
        pd = transfer(client, "bench", popgate.port, popgate.pid, cipher,
                      "get outbox/big.bin " + local.string(), work, "popgate download" + tag);
        Best::keep(&down.popgate, pd);
        check(local, "popgate download");
        fs::remove(local);
      }
      if (o.run_download) line("download", sd, pd);
    }
  }
  stop_sshd(sshd);
  const long throughput_rss = stop_popgate(popgate);
  fs::remove_all(root);
  fs::remove_all(sshd_dir);
  fs::remove(source);

  std::printf(
      "\nbest of %d interleaved rounds (MB/s = 10^6 bytes/s, whole sftp run incl. login;"
      " all SHA-256 verified)\n",
      o.rounds);
  std::printf("  %-30s %-9s %9s %9s %6s %-8s | %s\n", "cipher", "direction", "OpenSSH", "popgate",
              "ratio", ">= 0.90", "server CPU s/GB OpenSSH, popgate; client CPU s/GB");
  const double gb = static_cast<double>(size) / 1e9;
  for (const std::string& cipher : o.ciphers) {
    const auto& [up, down] = results[cipher];
    for (const auto& [dir, best] : {std::pair{"upload", up}, std::pair{"download", down}}) {
      const double ratio = best.sshd.wall / best.popgate.wall;
      std::printf("  %-30s %-9s %9.1f %9.1f %6.2f %-8s | %5.2f %5.2f; %5.2f %5.2f\n",
                  cipher.c_str(), dir, m_bps(size, best.sshd.wall), m_bps(size, best.popgate.wall),
                  ratio, ratio >= 0.9 ? "met" : "NOT met", best.sshd.server_cpu / gb,
                  best.popgate.server_cpu / gb, best.sshd.client_cpu / gb,
                  best.popgate.client_cpu / gb);
    }
  }
  std::printf("  popgate server peak RSS during throughput: %.1f MB\n",
              static_cast<double>(throughput_rss) * 1024 / 1e6);

  // ------------------------------------------------------------------ 2. concurrency
  const std::uint64_t client_bytes = o.client_mib * kMiB;
  std::printf(
      "\n== concurrency: %d clients at once, each uploading a distinct %llu MiB file "
      "(%s)\n",
      o.clients, static_cast<unsigned long long>(o.client_mib), o.ciphers[0].c_str());
  const fs::path sources = work / "sources";
  fs::create_directories(sources);
  std::vector<std::string> shas;
  for (int i = 0; i < o.clients; ++i)
    shas.push_back(write_random_file(sources / ("f" + std::to_string(i) + ".bin"), client_bytes,
                                     1000 + static_cast<std::uint64_t>(i)));

  // Starts every client, waits for all; returns (elapsed seconds, failures).
  const auto storm = [&](const std::string& user, std::uint16_t port,
                         const std::function<std::string(int)>& target) {
    const fs::path batches = work / "batches";
    fs::create_directories(batches);
    for (int i = 0; i < o.clients; ++i)
      spit(batches / ("b" + std::to_string(i)),
           "put " + (sources / ("f" + std::to_string(i) + ".bin")).string() + " " + target(i) +
               "\n");
    std::vector<pid_t> pids;
    const auto start = Clock::now();
    for (int i = 0; i < o.clients; ++i)
      pids.push_back(
          spawn(sftp_argv(client, user, port, o.ciphers[0], batches / ("b" + std::to_string(i))),
                batches / ("log" + std::to_string(i))));
    int failures = 0;
    for (int i = 0; i < o.clients; ++i)
      if (wait_exit(pids[static_cast<std::size_t>(i)]) != 0) {
        if (failures++ < 3)
          std::printf("  client %d failed: %s", i,
                      slurp(batches / ("log" + std::to_string(i))).c_str());
      }
    const double elapsed = seconds(Clock::now() - start);
    fs::remove_all(batches);
    return std::pair{elapsed, failures};
  };

  bool all_ok = true;
  const fs::path root2 = work / "popgate-root-2";
  fs::create_directories(root2 / "inbox");
  fs::create_directories(root2 / "outbox");
  PopgateServer popgate2 = start_popgate(work / "popgate-server-2", root2, authorized);
  const auto [p_elapsed, p_failures] =
      storm("bench", popgate2.port, [](int i) { return "inbox/u" + std::to_string(i) + ".bin"; });
  const long peak_kib = stop_popgate(popgate2);
  const std::vector<Event> events = read_events(popgate2.events);
  int on_disk_ok = 0, events_ok = 0;
  std::map<std::string, int> event_count;
  for (const Event& e : events)
    ++event_count[e.path];
  for (int i = 0; i < o.clients; ++i) {
    const std::string rel = "inbox/u" + std::to_string(i) + ".bin";
    const fs::path path = root2 / rel;
    if (fs::exists(path) && fs::file_size(path) == client_bytes &&
        file_sha(path) == shas[static_cast<std::size_t>(i)])
      ++on_disk_ok;
    if (event_count[rel] == 1) {
      for (const Event& e : events)
        if (e.path == rel && e.size == client_bytes && e.sha == shas[static_cast<std::size_t>(i)])
          ++events_ok;
    }
  }
  // Nothing else in the inbox: no temporary files left behind, nothing unexpected.
  int stray = 0;
  for (const auto& entry : fs::directory_iterator(root2 / "inbox"))
    if (entry.path().filename().string().rfind("u", 0) != 0) ++stray;
  const bool popgate_ok = p_failures == 0 && on_disk_ok == o.clients && events_ok == o.clients &&
                          static_cast<int>(events.size()) == o.clients && stray == 0;
  all_ok = all_ok && popgate_ok;
  const double total_mb = static_cast<double>(client_bytes) * o.clients / 1e6;
  std::printf(
      "  popgate: elapsed %.2f s, aggregate %.1f MB/s; clients failed %d; files with the "
      "right SHA-256 on disk %d/%d; completion events %zu (exactly once and right: %d/%d);"
      " stray files %d -> %s\n",
      p_elapsed, total_mb / p_elapsed, p_failures, on_disk_ok, o.clients, events.size(), events_ok,
      o.clients, stray, popgate_ok ? "all correct" : "NOT all correct");
  std::printf("  popgate server peak RSS (wait4 ru_maxrss): %.1f MB (limit 300 MB) -> %s\n",
              static_cast<double>(peak_kib) * 1024 / 1e6,
              static_cast<double>(peak_kib) * 1024 <= kRssLimitBytes ? "met" : "NOT met");
  fs::remove_all(root2);

  if (o.sshd_concurrency) {
    const fs::path up_dir = work / "sshd-uploads";
    fs::create_directories(up_dir);
    Sshd sshd2 = start_sshd(o, work / "sshd-2", authorized);
    const auto [s_elapsed, s_failures] = storm(client.user, sshd2.port, [&](int i) {
      return (up_dir / ("u" + std::to_string(i) + ".bin")).string();
    });
    stop_sshd(sshd2);
    int s_ok = 0;
    for (int i = 0; i < o.clients; ++i) {
      const fs::path path = up_dir / ("u" + std::to_string(i) + ".bin");
      if (fs::exists(path) && file_sha(path) == shas[static_cast<std::size_t>(i)]) ++s_ok;
    }
    std::printf(
        "  sshd:    elapsed %.2f s, aggregate %.1f MB/s; clients failed %d; right SHA-256"
        " %d/%d\n",
        s_elapsed, total_mb / s_elapsed, s_failures, s_ok, o.clients);
    std::printf(
        "  ratio popgate/OpenSSH (aggregate throughput): %.2f (one run each, sshd after "
        "popgate)\n",
        s_elapsed / p_elapsed);
    fs::remove_all(up_dir);
  }

  fs::remove_all(work);
  if (!all_ok) {
    std::printf("\nbench_sftp: correctness check FAILED\n");
    return 1;
  }
  return 0;
}
