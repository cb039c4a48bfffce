// SshServer with the real OpenSSH `sftp -b` client over loopback: upload into inbox with the
// completion event, list, download and delete from outbox, a wrong key, escape attempts; and
// the abuse protection: host key and client key algorithms, unknown users, allowed source
// networks, session limits, idle timeouts and the defender's bans (kept in SQLite).
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <list>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "adapters/crypto/sha256.h"
#include "adapters/sftp/defender.h"
#include "adapters/sftp/ssh_server.h"
#include "adapters/store/sqlite_ban_store.h"

extern char** environ;

namespace popgate::sftp {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void spit(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

struct Event {
  std::string user, path;
  std::uint64_t size;
  std::string sha256;
};

class SftpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/sftp_server_test.XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    base_ = pattern;
    root_ = base_ / "exchange" / "demo";
    fs::create_directories(root_ / "inbox");
    fs::create_directories(root_ / "outbox");
    spit(root_ / "outbox" / "result.txt", "result line 1\nresult line 2\n");
    key_ = base_ / "client_key";
    ASSERT_EQ(Run("ssh-keygen -t ed25519 -N '' -q -f " + key_.string()), 0);
    other_key_ = base_ / "other_key";
    ASSERT_EQ(Run("ssh-keygen -t ed25519 -N '' -q -f " + other_key_.string()), 0);
    authorized_ = slurp(key_.string() + ".pub");
    account_.authorized_keys = {authorized_};
    account_.root = root_;
    ASSERT_NO_FATAL_FAILURE(start(server_options()));
  }

  // The options as the daemon sets them: an account callback answering from account_ (which a
  // test may change while the server runs, as a config reload does), and the upload events.
  SshServerOptions server_options() {
    SshServerOptions options;
    options.bind_address = "127.0.0.1";
    options.port = 0;
    options.host_key_dir = base_ / "keys";
    options.account = [this](const std::string& user) -> std::optional<ClientAccount> {
      std::lock_guard<std::mutex> lock(mu_);
      if (user != "demo") return std::nullopt;
      return account_;
    };
    options.on_upload_complete = [this](const std::string& user, const std::string& path,
                                        std::uint64_t size, const std::string& sha) {
      std::lock_guard<std::mutex> lock(mu_);
      events_.push_back({user, path, size, sha});
    };
    options.log = [this](const std::string& line) { add_log(line); };
    return options;
  }

  // Replaces the running server with one using `options`.
  void start(SshServerOptions options) {
    server_.reset();
    server_ = std::make_unique<SshServer>(std::move(options));
    server_->start();
    ASSERT_NE(server_->port(), 0);
  }

  void TearDown() override {
    for (Held& held : held_)
      if (held.pid > 0) release(held);
    server_.reset();
    fs::remove_all(base_);
  }

  void add_log(const std::string& line) {
    std::lock_guard<std::mutex> lock(mu_);
    log_.push_back(line);
  }
  void set_account(const std::function<void(ClientAccount&)>& change) {
    std::lock_guard<std::mutex> lock(mu_);
    change(account_);
  }

  static int Run(const std::string& command) {
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  // The options sftp and ssh share. `options` come first, so they win over the defaults after
  // them, and identities (-i) in them are offered before `key`.
  static std::string client_options(const fs::path& key, const std::string& options) {
    return options + " -i " + key.string() +
           " -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes"
           " -o IdentitiesOnly=yes -o LogLevel=ERROR ";
  }

  // The sftp command line.
  std::string sftp_command(const fs::path& batch_file, const fs::path& key, const std::string& user,
                           const std::string& options) {
    return "cd " + base_.string() + " && exec timeout 60 sftp -F /dev/null -b " +
           batch_file.string() + " -P " + std::to_string(server_->port()) + " " +
           client_options(key, options) + user + "@127.0.0.1";
  }

  // Runs `sftp -b` with `batch`; returns its exit code.
  int sftp(const std::string& batch, const fs::path& key, const std::string& user = "demo",
           const std::string& options = "") {
    const fs::path batch_file = base_ / "batch";
    spit(batch_file, batch);
    const int code = Run(sftp_command(batch_file, key, user, options) + " > " +
                         (base_ / "sftp.out").string() + " 2>&1");
    sftp_output_ = slurp(base_ / "sftp.out");
    return code;
  }

  // Runs OpenSSH's ssh as demo with key_: `options`, then `command` for the server, with `input`
  // on its standard input; returns its exit code (its output goes to sftp_output_).
  int ssh(const std::string& options, const std::string& command, const std::string& input = "") {
    spit(base_ / "ssh.in", input);
    const int code = Run("cd " + base_.string() + " && exec timeout 60 ssh -F /dev/null -p " +
                         std::to_string(server_->port()) + " " + client_options(key_, options) +
                         "demo@127.0.0.1 " + command + " < ssh.in > ssh.out 2>&1");
    sftp_output_ = slurp(base_ / "ssh.out");
    return code;
  }

  // An sftp session held open: its batch file is a FIFO the test writes to when it wants the
  // session to go on. The test's own read-write descriptor keeps sftp's open from blocking.
  struct Held {
    pid_t pid = -1;
    int fifo = -1;
    fs::path output;
  };
  Held& hold(const fs::path& key) {
    Held& held = held_.emplace_back();
    const fs::path fifo = base_ / ("held" + std::to_string(held_.size()));
    EXPECT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    held.fifo = ::open(fifo.c_str(), O_RDWR | O_CLOEXEC);
    EXPECT_GE(held.fifo, 0);
    held.output = fifo.string() + ".out";
    const std::string command =
        sftp_command(fifo, key, "demo", "") + " > " + held.output.string() + " 2>&1";
    const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
    EXPECT_EQ(
        ::posix_spawn(&held.pid, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ),
        0);
    return held;
  }
  // Sends `commands` (then end of file) to a held session; returns sftp's exit code.
  int release(Held& held, const std::string& commands = "bye\n") {
    if (held.fifo >= 0) {
      EXPECT_EQ(::write(held.fifo, commands.data(), commands.size()),
                static_cast<ssize_t>(commands.size()));
      ::close(held.fifo);
      held.fifo = -1;
    }
    int status = 0;
    if (::waitpid(held.pid, &status, 0) != held.pid) return -1;
    held.pid = -1;
    sftp_output_ = slurp(held.output);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  // Polls `condition` until it holds or `limit` passes.
  static bool wait_for(const std::function<bool()>& condition,
                       std::chrono::milliseconds limit = std::chrono::seconds(30)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
  }

  int log_count(const std::string& fragment) {
    std::lock_guard<std::mutex> lock(mu_);
    int n = 0;
    for (const auto& line : log_)
      if (line.find(fragment) != std::string::npos) ++n;
    return n;
  }
  bool logged(const std::string& fragment) { return log_count(fragment) > 0; }
  std::string log_text() {
    std::lock_guard<std::mutex> lock(mu_);
    std::string text;
    for (const auto& line : log_)
      text += line + "\n";
    return text;
  }
  std::vector<Event> upload_events() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }

  fs::path base_, root_, key_, other_key_;
  std::string authorized_;
  ClientAccount account_;  // under mu_
  std::list<Held> held_;
  std::unique_ptr<SshServer> server_;
  std::mutex mu_;
  std::vector<Event> events_;
  std::vector<std::string> log_;
  std::string sftp_output_;
};

TEST_F(SftpServerTest, SshUploadListDownloadDelete) {
  std::string content;
  for (int i = 0; i < 20000; ++i)
    content += "row " + std::to_string(i) + ";value\n";
  spit(base_ / "local", content);
  const int code = sftp(
      "put local inbox/x.csv\n"
      "ls inbox\n"
      "get outbox/result.txt local2\n"
      "rm outbox/result.txt\n",
      key_);
  ASSERT_EQ(code, 0) << sftp_output_;
  EXPECT_EQ(slurp(root_ / "inbox" / "x.csv"), content);
  EXPECT_NE(sftp_output_.find("x.csv"), std::string::npos) << sftp_output_;
  EXPECT_EQ(slurp(base_ / "local2"), "result line 1\nresult line 2\n");
  EXPECT_FALSE(fs::exists(root_ / "outbox" / "result.txt"));

  const auto events = upload_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].user, "demo");
  EXPECT_EQ(events[0].path, "inbox/x.csv");
  EXPECT_EQ(events[0].size, content.size());
  EXPECT_EQ(events[0].sha256, crypto::sha256_hex(content));

  // The host key was generated, private to its owner.
  const fs::path host_key = base_ / "keys" / "ssh_host_ed25519_key";
  ASSERT_TRUE(fs::exists(host_key));
  EXPECT_EQ(fs::status(host_key).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_TRUE(logged("login: user \"demo\" from 127.0.0.1"));
  EXPECT_TRUE(logged("disconnect: user \"demo\""));
}

TEST_F(SftpServerTest, SshHostKeyIsKeptAcrossRestarts) {
  const fs::path host_key = base_ / "keys" / "ssh_host_ed25519_key";
  const std::string first = slurp(host_key);
  ASSERT_FALSE(first.empty());
  server_->stop();
  server_->start();
  EXPECT_EQ(slurp(host_key), first);
  EXPECT_EQ(sftp("ls outbox\n", key_), 0) << sftp_output_;
}

TEST_F(SftpServerTest, SshWrongKeyIsRefused) {
  spit(base_ / "local", "data");
  EXPECT_NE(sftp("put local inbox/x.csv\n", other_key_), 0);
  EXPECT_TRUE(upload_events().empty());
  EXPECT_FALSE(fs::exists(root_ / "inbox" / "x.csv"));
  EXPECT_TRUE(logged("login refused: user \"demo\" from 127.0.0.1"));
}

TEST_F(SftpServerTest, SshEscapeAttemptsAreRefused) {
  spit(base_ / "local", "data");
  EXPECT_NE(sftp("put local ../escape\n", key_), 0) << sftp_output_;
  EXPECT_NE(sftp("cd /etc\n", key_), 0) << sftp_output_;
  // '-' lets the batch go on past the refused commands; the last one must still work.
  EXPECT_EQ(sftp("-put local ../../escape\n-get /etc/passwd pw\nput local inbox/ok.csv\n", key_), 0)
      << sftp_output_;
  EXPECT_FALSE(fs::exists(base_ / "exchange" / "escape"));
  EXPECT_FALSE(fs::exists(base_ / "escape"));
  EXPECT_FALSE(fs::exists(root_ / "escape"));
  EXPECT_FALSE(fs::exists(base_ / "pw"));
  const auto events = upload_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].path, "inbox/ok.csv");
  EXPECT_TRUE(logged("refused"));
}

TEST_F(SftpServerTest, SshUnknownUserIsRefused) {
  SshServerOptions options = server_options();
  options.defender = std::make_shared<Defender>(DefenderOptions{});
  std::shared_ptr<Defender> defender = options.defender;
  ASSERT_NO_FATAL_FAILURE(start(std::move(options)));
  EXPECT_NE(sftp("ls outbox\n", key_, "nobody"), 0) << sftp_output_;
  EXPECT_TRUE(logged("login refused: user \"nobody\" from 127.0.0.1: unknown user")) << log_text();
  // Scored once per connection, as an invalid user.
  ASSERT_TRUE(wait_for([&] { return server_->active_sessions() == 0; }));
  EXPECT_TRUE(logged("login failed from 127.0.0.1")) << log_text();
  EXPECT_EQ(defender->score("127.0.0.1"), 2);
  // The known user with the same key gets in.
  EXPECT_EQ(sftp("ls outbox\n", key_), 0) << sftp_output_;
  EXPECT_TRUE(logged("login: user \"demo\" from 127.0.0.1 with ssh-ed25519 SHA256:")) << log_text();
}

TEST_F(SftpServerTest, SshAddressNotAllowedIsRefusedUntilTheRuleChanges) {
  set_account([](ClientAccount& a) { a.allowed_networks = {"10.0.0.0/8", "2001:db8::/32"}; });
  SshServerOptions options = server_options();
  options.defender = std::make_shared<Defender>(DefenderOptions{});
  std::shared_ptr<Defender> defender = options.defender;
  ASSERT_NO_FATAL_FAILURE(start(std::move(options)));
  EXPECT_NE(sftp("ls outbox\n", key_), 0) << sftp_output_;
  EXPECT_TRUE(logged("login refused: user \"demo\" from 127.0.0.1: address not allowed"))
      << log_text();
  ASSERT_TRUE(wait_for([&] { return server_->active_sessions() == 0; }));
  EXPECT_TRUE(logged("login failed from 127.0.0.1")) << log_text();
  EXPECT_EQ(defender->score("127.0.0.1"), 1);
  EXPECT_FALSE(logged("login: user \"demo\""));
  // A reload that allows loopback applies to the next login, with the server running.
  set_account([](ClientAccount& a) { a.allowed_networks = {"10.0.0.0/8", "127.0.0.0/8"}; });
  EXPECT_EQ(sftp("ls outbox\n", key_), 0) << sftp_output_;
}

TEST_F(SftpServerTest, SshRepeatedFailuresBanTheAddressAcrossRestarts) {
  const std::string state_db = (base_ / "state.db").string();
  DefenderOptions defender_options;
  defender_options.threshold = 3;
  auto make_options = [&] {
    SshServerOptions options = server_options();
    options.defender = std::make_shared<Defender>(
        defender_options, std::make_shared<store::SqliteBanStore>(state_db));
    return options;
  };
  SshServerOptions options = make_options();
  std::shared_ptr<Defender> defender = options.defender;
  ASSERT_NO_FATAL_FAILURE(start(std::move(options)));

  EXPECT_NE(sftp("ls outbox\n", other_key_), 0);
  EXPECT_NE(sftp("ls outbox\n", other_key_), 0);
  ASSERT_TRUE(wait_for([&] { return defender->score("127.0.0.1") == 2; })) << log_text();
  EXPECT_FALSE(defender->is_banned("127.0.0.1"));
  EXPECT_NE(sftp("ls outbox\n", other_key_), 0);
  // The session thread scores after the client has gone: wait for the ban, do not sleep.
  ASSERT_TRUE(wait_for([&] { return defender->is_banned("127.0.0.1"); })) << log_text();
  // The ban is in force as soon as it is scored; its log line follows from that same thread.
  EXPECT_TRUE(wait_for([&] { return logged("ban: 127.0.0.1 until "); })) << log_text();
  EXPECT_TRUE(logged("(ban 1, score 3 >= 3, last event invalid_auth)")) << log_text();

  // Now even the right key is refused, before key exchange.
  EXPECT_NE(sftp("ls outbox\n", key_), 0) << sftp_output_;
  EXPECT_TRUE(logged("connection refused: 127.0.0.1 is banned until ")) << log_text();
  EXPECT_FALSE(logged("login: user \"demo\""));

  // A restart with the same state.db keeps the ban.
  server_.reset();
  defender.reset();
  options = make_options();
  defender = options.defender;
  ASSERT_NO_FATAL_FAILURE(start(std::move(options)));
  ASSERT_TRUE(defender->is_banned("127.0.0.1"));
  const int refused = log_count("connection refused: 127.0.0.1 is banned");
  EXPECT_NE(sftp("ls outbox\n", key_), 0) << sftp_output_;
  EXPECT_EQ(log_count("connection refused: 127.0.0.1 is banned"), refused + 1) << log_text();

  // Lifting the ban lets the right key in again.
  EXPECT_TRUE(defender->unban("127.0.0.1"));
  EXPECT_EQ(sftp("ls outbox\n", key_), 0) << sftp_output_;
  EXPECT_TRUE(store::SqliteBanStore(state_db).load().empty());
}

TEST_F(SftpServerTest, SshGlobalMaxSessionsRefusesBeforeKeyExchange) {
  SshServerOptions options = server_options();
  options.limits.max_sessions = 1;
  ASSERT_NO_FATAL_FAILURE(start(std::move(options)));
  Held& held = hold(key_);
  ASSERT_TRUE(wait_for([&] { return logged("login: user \"demo\""); })) << log_text();
  EXPECT_EQ(server_->active_sessions(), 1u);

  EXPECT_NE(sftp("ls outbox\n", key_), 0) << sftp_output_;
  EXPECT_TRUE(logged("connection refused: 127.0.0.1: 1 sessions open (max_sessions 1)"))
      << log_text();
  EXPECT_FALSE(logged("ssh key exchange failed")) << log_text();

  EXPECT_EQ(release(held, "ls outbox\nbye\n"), 0) << sftp_output_;
  ASSERT_TRUE(wait_for([&] { return server_->active_sessions() == 0; }));
  EXPECT_EQ(sftp("ls outbox\n", key_), 0) << sftp_output_;

  // The per-address limit refuses the same way, and does not score: over a limit is no failed
  // login.
  options = server_options();
  options.limits.max_sessions_per_address = 1;
  options.defender = std::make_shared<Defender>(DefenderOptions{});
  std::shared_ptr<Defender> defender = options.defender;
  ASSERT_NO_FATAL_FAILURE(start(std::move(options)));
  Held& again = hold(key_);
  ASSERT_TRUE(wait_for([&] { return log_count("login: user \"demo\"") == 3; })) << log_text();
  EXPECT_NE(sftp("ls outbox\n", key_), 0) << sftp_output_;
  EXPECT_TRUE(
      logged("connection refused: 127.0.0.1: 1 sessions open from this address "
             "(max_sessions_per_address 1)"))
      << log_text();
  EXPECT_EQ(defender->score("127.0.0.1"), 0);
  EXPECT_EQ(release(again), 0) << sftp_output_;
}

TEST_F(SftpServerTest, SshTooManyKeyAttemptsEndTheConnection) {
  ASSERT_NO_FATAL_FAILURE(start(server_options()));
  // Seven wrong keys offered before the right one: the seventh attempt is not heard.
  std::string identities;
  for (int i = 0; i < SshServer::kMaxAuthAttempts + 1; ++i) {
    const fs::path key = base_ / ("wrong" + std::to_string(i));
    ASSERT_EQ(Run("ssh-keygen -t ed25519 -N '' -q -f " + key.string()), 0);
    identities += " -i " + key.string();
  }
  EXPECT_NE(sftp("ls outbox\n", key_, "demo", identities), 0) << sftp_output_;
  EXPECT_TRUE(
      logged("login refused: user \"demo\" from 127.0.0.1: too many authentication "
             "attempts"))
      << log_text();
  EXPECT_EQ(log_count("not authorized"), SshServer::kMaxAuthAttempts) << log_text();
  EXPECT_FALSE(logged("login: user \"demo\""));
  // Fewer wrong keys, and the right one still gets in.
  EXPECT_EQ(sftp("ls outbox\n", key_, "demo", " -i " + (base_ / "wrong0").string()), 0)
      << sftp_output_;
}

TEST_F(SftpServerTest, SshStuckClientsDoNotBlockOthers) {
  SshServerOptions options = server_options();
  options.limits.login_timeout = std::chrono::seconds(30);
  options.defender = std::make_shared<Defender>(DefenderOptions{});
  std::shared_ptr<Defender> defender = options.defender;
  ASSERT_NO_FATAL_FAILURE(start(std::move(options)));
  // Two connections that never finish their key exchange: one silent, one that stops after
  // its version line.
  std::vector<int> stuck;
  for (int i = 0; i < 2; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    stuck.push_back(fd);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(server_->port());
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
  }
  const std::string banner = "SSH-2.0-stuck\r\n";
  ASSERT_EQ(::write(stuck[1], banner.data(), banner.size()), static_cast<ssize_t>(banner.size()));
  ASSERT_TRUE(wait_for([&] { return server_->active_sessions() == 2; }));
  // Others log in while both are still stuck in their key exchange.
  EXPECT_EQ(sftp("ls outbox\n", key_), 0) << sftp_output_;
  EXPECT_EQ(log_count("ssh key exchange failed"), 0) << log_text();
  // The finished sftp session's thread may take a moment to end; the stuck two stay.
  EXPECT_TRUE(wait_for([&] { return server_->active_sessions() == 2; }))
      << server_->active_sessions();
  // Gone clients end their threads; a connection that never got through key exchange is not
  // scored (a load balancer's TCP check looks the same).
  for (int fd : stuck)
    ::close(fd);
  ASSERT_TRUE(wait_for([&] { return log_count("ssh key exchange failed from 127.0.0.1") == 2; }))
      << log_text();
  EXPECT_TRUE(wait_for([&] { return server_->active_sessions() == 0; }));
  EXPECT_EQ(defender->score("127.0.0.1"), 0);
}

// 50 parallel logins of a client allowed 8 sessions used to score each refusal, so that its
// own address was banned and 42 of 50 failed, later ones too. Over-limit sessions are refused
// with a message saying why, never scored: the client gets in again once a session ends.
TEST_F(SftpServerTest, SshClientMaxSessionsRefusesWithAMessageAndNeverBans) {
  set_account([](ClientAccount& a) { a.max_sessions = 1; });
  SshServerOptions options = server_options();
  DefenderOptions defender_options;
  defender_options.threshold = 3;  // a ban after a few scored events, if they were scored
  options.defender = std::make_shared<Defender>(defender_options);
  std::shared_ptr<Defender> defender = options.defender;
  ASSERT_NO_FATAL_FAILURE(start(std::move(options)));
  Held& held = hold(key_);
  ASSERT_TRUE(wait_for([&] { return logged("login: user \"demo\""); })) << log_text();

  for (int i = 0; i < 5; ++i) {
    EXPECT_NE(sftp("ls outbox\n", key_), 0) << sftp_output_;
    EXPECT_NE(sftp_output_.find("popgate: too many sessions: client demo has its 1 sessions "
                                "(max_sessions) open"),
              std::string::npos)
        << sftp_output_;
  }
  ASSERT_TRUE(wait_for([&] {
    return log_count(
               "session refused: user \"demo\" from 127.0.0.1: its 1 sessions (max_sessions) "
               "are open") == 5;
  })) << log_text();
  EXPECT_EQ(defender->score("127.0.0.1"), 0);
  EXPECT_FALSE(defender->is_banned("127.0.0.1"));
  EXPECT_EQ(log_count("login: user \"demo\""), 1);

  // The held session is unharmed, and its slot is free once it ends.
  EXPECT_EQ(release(held, "ls outbox\nbye\n"), 0) << sftp_output_;
  ASSERT_TRUE(wait_for([&] { return server_->active_sessions() == 0; }));
  EXPECT_EQ(sftp("ls outbox\n", key_), 0) << sftp_output_;
}

TEST_F(SftpServerTest, SshClientIdleTimeoutClosesAnIdleSession) {
  set_account([](ClientAccount& a) { a.idle_timeout = std::chrono::seconds(1); });
  SshServerOptions options = server_options();
  options.limits.idle_timeout = std::chrono::seconds(600);
  ASSERT_NO_FATAL_FAILURE(start(std::move(options)));
  Held& held = hold(key_);
  ASSERT_TRUE(wait_for([&] { return logged("login: user \"demo\""); })) << log_text();
  const auto logged_in = std::chrono::steady_clock::now();
  ASSERT_TRUE(wait_for([&] { return logged("(idle timeout;"); }, std::chrono::seconds(15)))
      << log_text();
  EXPECT_GE(std::chrono::steady_clock::now() - logged_in, std::chrono::milliseconds(900));
  EXPECT_TRUE(logged("disconnect: user \"demo\" from 127.0.0.1 (idle timeout; ")) << log_text();
  // The client finds the session gone when it next speaks.
  EXPECT_NE(release(held, "ls outbox\n"), 0) << sftp_output_;
}

TEST_F(SftpServerTest, SshEachHostKeyTypeNegotiatesAndSha1IsRefused) {
  // Three host keys, private ones 0600, and the fingerprints logged match ssh-keygen's.
  const std::vector<std::string> fingerprints = server_->host_key_fingerprints();
  ASSERT_EQ(fingerprints.size(), 3u);
  std::string known_hosts;
  for (const char* name : {"ssh_host_ed25519_key", "ssh_host_ecdsa_key", "ssh_host_rsa_key"}) {
    const fs::path key = base_ / "keys" / name;
    ASSERT_TRUE(fs::exists(key)) << name;
    EXPECT_EQ(fs::status(key).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write)
        << name;
    ASSERT_EQ(
        Run("ssh-keygen -l -E sha256 -f " + key.string() + ".pub > " + (base_ / "fp").string()), 0);
    const std::string line = slurp(base_ / "fp");  // "3072 SHA256:xxx popgate (RSA)"
    const std::string fingerprint =
        line.substr(line.find(' ') + 1, line.find(" popgate") - line.find(' ') - 1);
    EXPECT_TRUE(logged(fingerprint)) << fingerprint << "\n" << log_text();
    known_hosts +=
        "[127.0.0.1]:" + std::to_string(server_->port()) + " " + slurp(key.string() + ".pub");
  }
  EXPECT_EQ(fs::status(base_ / "keys").permissions() & fs::perms::all, fs::perms::owner_all);
  EXPECT_NE(fingerprints[2].find("ssh-rsa SHA256:"), std::string::npos) << fingerprints[2];
  spit(base_ / "known_hosts", known_hosts);
  // The client checks the presented key against the generated .pub files.
  const std::string strict =
      "-o StrictHostKeyChecking=yes -o UserKnownHostsFile=" + (base_ / "known_hosts").string();
  for (const char* algorithm :
       {"ssh-ed25519", "ecdsa-sha2-nistp256", "rsa-sha2-512", "rsa-sha2-256"})
    EXPECT_EQ(sftp("ls outbox\n", key_, "demo", strict + " -o HostKeyAlgorithms=" + algorithm), 0)
        << algorithm << ": " << sftp_output_;
  // RSA signatures with SHA-1 are not offered.
  EXPECT_NE(sftp("ls outbox\n", key_, "demo", "-o HostKeyAlgorithms=ssh-rsa"), 0);
  // The session thread logs the failure after the client has gone: wait for the line.
  EXPECT_TRUE(wait_for([&] { return logged("ssh key exchange failed from 127.0.0.1"); }))
      << log_text();
  EXPECT_EQ(log_count("login: user \"demo\""), 4);
}

TEST_F(SftpServerTest, SshClientKeyAlgorithms) {
  const fs::path rsa = base_ / "rsa_key";
  const fs::path ecdsa = base_ / "ecdsa_key";
  ASSERT_EQ(Run("ssh-keygen -t rsa -b 3072 -N '' -q -f " + rsa.string()), 0);
  ASSERT_EQ(Run("ssh-keygen -t ecdsa -b 384 -N '' -q -f " + ecdsa.string()), 0);
  set_account([&](ClientAccount& a) {
    a.authorized_keys.push_back(slurp(rsa.string() + ".pub"));
    a.authorized_keys.push_back(slurp(ecdsa.string() + ".pub"));
  });
  ASSERT_NO_FATAL_FAILURE(start(server_options()));
  EXPECT_EQ(sftp("ls outbox\n", rsa), 0) << sftp_output_;
  EXPECT_EQ(sftp("ls outbox\n", ecdsa), 0) << sftp_output_;
  EXPECT_TRUE(logged("with ssh-rsa SHA256:")) << log_text();
  EXPECT_TRUE(logged("with ecdsa-sha2-nistp384 SHA256:")) << log_text();
  // RSA keys under 3072 bits are refused, as docs/client-exchange.md and lint say.
  const fs::path rsa2048 = base_ / "rsa2048_key";
  ASSERT_EQ(Run("ssh-keygen -t rsa -b 2048 -N '' -q -f " + rsa2048.string()), 0);
  set_account(
      [&](ClientAccount& a) { a.authorized_keys.push_back(slurp(rsa2048.string() + ".pub")); });
  EXPECT_NE(sftp("ls outbox\n", rsa2048), 0) << sftp_output_;
  // An RSA key signing with SHA-1 is refused.
  EXPECT_NE(sftp("ls outbox\n", rsa, "demo", "-o PubkeyAcceptedAlgorithms=ssh-rsa"), 0)
      << sftp_output_;
  EXPECT_EQ(log_count("login: user \"demo\""), 2) << log_text();
}

TEST_F(SftpServerTest, SshShellExecPtyAndOtherSubsystemsAreRefused) {
  SshServerOptions options = server_options();
  options.defender = std::make_shared<Defender>(DefenderOptions{});
  std::shared_ptr<Defender> defender = options.defender;
  ASSERT_NO_FATAL_FAILURE(start(std::move(options)));
  EXPECT_NE(ssh("", "true"), 0) << sftp_output_;
  EXPECT_TRUE(wait_for([&] { return logged("refused exec for demo from 127.0.0.1"); }))
      << log_text();
  EXPECT_NE(ssh("-s", "netconf"), 0) << sftp_output_;
  EXPECT_TRUE(wait_for([&] {
    return logged("refused subsystem \"netconf\" for demo from 127.0.0.1");
  })) << log_text();
  EXPECT_NE(ssh("-tt", ""), 0) << sftp_output_;
  EXPECT_TRUE(wait_for([&] { return logged("refused shell for demo from 127.0.0.1"); }))
      << log_text();
  EXPECT_TRUE(logged("refused pty for demo from 127.0.0.1")) << log_text();
  // The client left with its channel unused: logged, but the login itself was good.
  ASSERT_TRUE(wait_for([&] { return server_->active_sessions() == 0; }));
  EXPECT_EQ(log_count("session not started: user \"demo\" from 127.0.0.1: disconnected"), 3)
      << log_text();
  EXPECT_FALSE(logged("login: user \"demo\"")) << log_text();
  EXPECT_EQ(defender->score("127.0.0.1"), 0);
}

TEST_F(SftpServerTest, SshLoginWithoutSftpEndsAtTheLoginTimeout) {
  SshServerOptions options = server_options();
  options.limits.login_timeout = std::chrono::seconds(2);
  ASSERT_NO_FATAL_FAILURE(start(std::move(options)));
  // -N: authenticate, then open no channel at all.
  const auto started = std::chrono::steady_clock::now();
  EXPECT_NE(ssh("-N", ""), 0) << sftp_output_;
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1900));
  EXPECT_TRUE(wait_for([&] {
    return logged("session not started: user \"demo\" from 127.0.0.1: login timeout");
  })) << log_text();
}

TEST_F(SftpServerTest, SshAccountWithoutRootIsRefused) {
  set_account([](ClientAccount& a) { a.root.clear(); });
  EXPECT_NE(sftp("ls outbox\n", key_), 0) << sftp_output_;
  EXPECT_TRUE(wait_for([&] {
    return logged("login refused: user \"demo\" from 127.0.0.1: no client root");
  })) << log_text();
  EXPECT_FALSE(logged("login: user \"demo\"")) << log_text();
}

TEST_F(SftpServerTest, SshBytesThatAreNotSftpEndTheSessionAndScore) {
  SshServerOptions options = server_options();
  options.defender = std::make_shared<Defender>(DefenderOptions{});
  std::shared_ptr<Defender> defender = options.defender;
  ASSERT_NO_FATAL_FAILURE(start(std::move(options)));
  // A length of 0x67617262 ("garb"): far over any packet the server accepts. The channel's
  // exit status says the session failed (ssh exits with it).
  EXPECT_EQ(ssh("-s", "sftp", "garbage, not sftp"), 1) << sftp_output_;
  EXPECT_TRUE(wait_for([&] {
    return logged("disconnect: user \"demo\" from 127.0.0.1 (protocol error; ");
  })) << log_text();
  EXPECT_TRUE(logged("demo: sftp framing error")) << log_text();
  EXPECT_TRUE(logged("login: user \"demo\" from 127.0.0.1")) << log_text();
  EXPECT_TRUE(wait_for([&] { return defender->score("127.0.0.1") == 3; }))
      << defender->score("127.0.0.1");
}

// A session ends as sshd ends it: exit-status, EOF, CLOSE, and the client disconnects first.
// OpenSSH's ssh exits with the channel's exit status, and with 255 when none came.
TEST_F(SftpServerTest, SshSessionEndsWithExitStatusZeroWhenTheClientCloses) {
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(ssh("-s", "sftp", ""), 0) << sftp_output_;
  EXPECT_TRUE(wait_for([&] {
    return log_count("disconnect: user \"demo\" from 127.0.0.1 (client closed; ") == 3;
  })) << log_text();
}

TEST_F(SftpServerTest, SshVersionLineAndListenBacklog) {
  // The version line names popgate and no library: "SSH-2.0-libssh_0.10.6" told scanners
  // which advisories to try.
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(server_->port());
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
  char line[64] = {};
  std::size_t got = 0;
  while (got < sizeof line - 1 && std::string_view(line, got).find('\n') == std::string::npos) {
    const ssize_t n = ::read(fd, line + got, sizeof line - 1 - got);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  EXPECT_EQ(std::string(line, got), "SSH-2.0-popgate\r\n");
  // The accept queue (ss shows a listener's backlog as Send-Q): libssh's 10 refused part of
  // 200 clients connecting at once.
  ASSERT_EQ(Run("ss -ltnH 'sport = :" + std::to_string(server_->port()) + "' > " +
                (base_ / "ss.out").string()),
            0);
  std::istringstream ss(slurp(base_ / "ss.out"));
  std::string state;
  long receive_queue = -1, backlog = -1;
  ss >> state >> receive_queue >> backlog;
  EXPECT_GE(backlog, 128) << slurp(base_ / "ss.out");
}

// Text a client chooses (its user name before authentication, its version line, paths) is
// logged escaped: a user name with a newline and a terminal escape forged a log line.
TEST_F(SftpServerTest, SshClientTextCannotForgeLogLines) {
  const std::string script = base_ / "forge.py";
  spit(script,
       "import paramiko, socket, sys\n"
       "s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))\n"
       "t = paramiko.Transport(s)\n"
       "t.start_client(timeout=30)\n"
       "key = paramiko.Ed25519Key.from_private_key_file(sys.argv[2])\n"
       "try:\n"
       "    t.auth_publickey('x\\nsftp: login: user \"demo\" from 10.0.0.1 with "
       "forged\\x1b[2J', key)\n"
       "except paramiko.AuthenticationException:\n"
       "    pass\n"
       "t.close()\n");
  EXPECT_EQ(Run("/usr/bin/python3 " + script + " " + std::to_string(server_->port()) + " " +
                key_.string() + " > " + (base_ / "forge.out").string() + " 2>&1"),
            0)
      << slurp(base_ / "forge.out");
  ASSERT_TRUE(wait_for([&] { return logged("login failed from 127.0.0.1"); })) << log_text();
  EXPECT_TRUE(
      logged("login refused: user \"x\\x0asftp: login: user \\x22demo\\x22 from "
             "10.0.0.1 with forged\\x1b[2J\" from 127.0.0.1: unknown user"))
      << log_text();
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& line : log_) {
    EXPECT_EQ(line.find_first_of("\n\x1b"), std::string::npos) << line;
    EXPECT_FALSE(line.starts_with("sftp: login: user \"demo\" from 10.0.0.1")) << line;
  }
}

TEST_F(SftpServerTest, SshStopEndsTheSessionsBeingServed) {
  Held& held = hold(key_);
  ASSERT_TRUE(wait_for([&] { return logged("login: user \"demo\""); })) << log_text();
  server_->stop();
  EXPECT_TRUE(logged("disconnect: user \"demo\" from 127.0.0.1 (server stopping; ")) << log_text();
  EXPECT_EQ(server_->active_sessions(), 0u);
  EXPECT_NE(release(held, "ls outbox\n"), 0) << sftp_output_;
}

// The defender over the real SQLite store: what one instance banned, the next one loads.
TEST(DefenderSqliteTest, BansSurviveARestart) {
  char pattern[] = "/tmp/defender_sqlite_test.XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const fs::path dir = pattern;
  const std::string path = (dir / "state.db").string();
  auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1767225600));
  const Defender::Clock clock = [&now] { return now; };
  DefenderOptions options;
  options.threshold = 2;
  {
    Defender d(options, std::make_shared<store::SqliteBanStore>(path), clock);
    EXPECT_FALSE(d.add_event("::ffff:192.0.2.1", DefenderEvent::invalid_auth));
    const auto ban = d.add_event("192.0.2.1", DefenderEvent::invalid_auth);
    ASSERT_TRUE(ban);
    EXPECT_EQ(ban->banned_until, 1767225600 + 30 * 60);
    ASSERT_TRUE(d.add_event("2001:db8::1", DefenderEvent::invalid_user));
    EXPECT_TRUE(d.unban("2001:db8::1"));
  }
  now += std::chrono::minutes(10);
  {
    Defender d(options, std::make_shared<store::SqliteBanStore>(path), clock);
    EXPECT_TRUE(d.is_banned("192.0.2.1"));
    EXPECT_FALSE(d.is_banned("2001:db8::1"));
    ASSERT_EQ(d.bans().size(), 1u);
    EXPECT_EQ(d.bans()[0].reason, "score 2 >= 2, last event invalid_auth");
    // After the ban ends, the next one escalates: the count came back from the file too.
    now += std::chrono::minutes(30);
    EXPECT_FALSE(d.is_banned("192.0.2.1"));
    d.add_event("192.0.2.1", DefenderEvent::invalid_auth);
    const auto second = d.add_event("192.0.2.1", DefenderEvent::invalid_auth);
    ASSERT_TRUE(second);
    EXPECT_EQ(second->ban_count, 2);
    EXPECT_EQ(second->banned_until -
                  std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count(),
              45 * 60);
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace popgate::sftp
