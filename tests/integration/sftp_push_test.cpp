// The sftp_push step and SftpClient against real SFTP servers on loopback ports, playing the
// client's server: popgate's own SshServer (in-process), and OpenSSH's sftp-server behind a
// libssh transport. Real keys, real libssh on both ends, no mocks.
//
// libssh in client and server mode in one process: ssh_init/ssh_finalize are reference
// counted, and SftpClient holds its own reference while it lives, so SshServer::stop's
// ssh_finalize never tears libssh down under a client (and the reverse).
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "adapters/crypto/sha256.h"
#include "adapters/sftp/sftp_client.h"
#include "adapters/sftp/ssh_server.h"
#include "base/unique_fd.h"
#include "steps/builtin_steps.h"

namespace popgate {
namespace {

namespace fs = std::filesystem;
using workflows::ClientConfig;
using workflows::ClientPush;
using workflows::StepContext;
using workflows::StepError;
using workflows::StepOutputs;
using workflows::StepType;
using workflows::steps::StepEnvironment;

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void spit(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// Output of a shell command, first line only; "" when it fails.
std::string first_line_of(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr)
    out += buffer;
  const int status = ::pclose(pipe);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "";
  return out.substr(0, out.find('\n'));
}

// "TYPE BASE64" of a public key line, without its comment.
std::string type_and_data(const std::string& line) {
  const std::size_t space = line.find(' ');
  if (space == std::string::npos) return line;
  return line.substr(0, line.find(' ', space + 1));
}

// Bytes that are not a repetition of one block: a chunk sent twice or out of order shows.
std::string random_content(std::size_t size, unsigned seed) {
  std::string text;
  text.reserve(size);
  std::uint32_t x = seed * 2654435761u + 1;
  while (text.size() < size) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    text += static_cast<char>(x & 0xff);
  }
  return text;
}

// Regular files and others in `dir`, hidden ones included.
std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// A loopback TCP socket: bound only (connections are refused) or also listening (connections
// are accepted by the kernel and then never spoken to).
struct LoopbackSocket {
  base::UniqueFd fd;
  std::uint16_t port = 0;
  explicit LoopbackSocket(bool listening) : fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    if (!fd.valid() ||
        ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
      return;
    if (listening && ::listen(fd.get(), 8) != 0) return;
    socklen_t length = sizeof address;
    if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) == 0)
      port = ntohs(address.sin_port);
  }
};

// A second, independent SFTP server: libssh in server mode for the transport (public-key
// login with popgate's appliance key only) and OpenSSH's own sftp-server for the file system,
// one session at a time, serving `dir`. OpenSSH's SSH_FXP_RENAME refuses an existing target
// and it does not reserve hidden names: the peer the default upload path is written for.
constexpr const char* kOpenSshSftpServer = "/usr/lib/openssh/sftp-server";

class OpenSshSftpPeer {
 public:
  OpenSshSftpPeer(const fs::path& host_key, std::string authorized_line, fs::path dir)
      : authorized_(std::move(authorized_line)), dir_(std::move(dir)) {
    ssh_init();
    bind_ = ssh_bind_new();
    const bool process_config = false;
    const int port = 0;
    if (bind_ == nullptr ||
        ssh_bind_options_set(bind_, SSH_BIND_OPTIONS_PROCESS_CONFIG, &process_config) != SSH_OK ||
        ssh_bind_options_set(bind_, SSH_BIND_OPTIONS_BINDADDR, "127.0.0.1") != SSH_OK ||
        ssh_bind_options_set(bind_, SSH_BIND_OPTIONS_BINDPORT, &port) != SSH_OK ||
        ssh_bind_options_set(bind_, SSH_BIND_OPTIONS_HOSTKEY, host_key.c_str()) != SSH_OK ||
        ssh_bind_listen(bind_) != SSH_OK)
      return;
    sockaddr_in address{};
    socklen_t length = sizeof address;
    if (::getsockname(ssh_bind_get_fd(bind_), reinterpret_cast<sockaddr*>(&address), &length) != 0)
      return;
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { accept_loop(); });
  }
  ~OpenSshSftpPeer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (bind_ != nullptr) ssh_bind_free(bind_);
    ssh_finalize();
  }
  std::uint16_t port() const { return port_; }
  int sessions() const { return sessions_; }

 private:
  struct Session {
    OpenSshSftpPeer* peer = nullptr;
    ssh_channel channel = nullptr;
    bool authenticated = false;
    bool sftp = false;
    ssh_server_callbacks_struct server{};
    ssh_channel_callbacks_struct channel_callbacks{};
  };

  static int on_auth(ssh_session, const char*, ssh_key key, char state, void* userdata) {
    auto* s = static_cast<Session*>(userdata);
    const std::string& line = s->peer->authorized_;
    const std::size_t space = line.find(' ');
    const std::string b64 = line.substr(space + 1, line.find(' ', space + 1) - space - 1);
    ssh_key allowed = nullptr;
    if (ssh_pki_import_pubkey_base64(b64.c_str(), SSH_KEYTYPE_ED25519, &allowed) != SSH_OK)
      return SSH_AUTH_DENIED;
    const bool same = ssh_key_cmp(allowed, key, SSH_KEY_CMP_PUBLIC) == 0;
    ssh_key_free(allowed);
    if (!same) return SSH_AUTH_DENIED;
    if (state == SSH_PUBLICKEY_STATE_VALID) s->authenticated = true;
    return state == SSH_PUBLICKEY_STATE_NONE || state == SSH_PUBLICKEY_STATE_VALID
               ? SSH_AUTH_SUCCESS
               : SSH_AUTH_DENIED;
  }
  static int on_subsystem(ssh_session, ssh_channel, const char* name, void* userdata) {
    auto* s = static_cast<Session*>(userdata);
    s->sftp = std::string(name) == "sftp";
    return s->sftp ? 0 : 1;
  }
  static ssh_channel on_channel(ssh_session session, void* userdata) {
    auto* s = static_cast<Session*>(userdata);
    if (!s->authenticated || s->channel != nullptr) return nullptr;
    s->channel = ssh_channel_new(session);
    ssh_callbacks_init(&s->channel_callbacks);
    s->channel_callbacks.userdata = s;
    s->channel_callbacks.channel_subsystem_request_function = on_subsystem;
    ssh_set_channel_callbacks(s->channel, &s->channel_callbacks);
    return s->channel;
  }

  void accept_loop() {
    while (!stop_) {
      pollfd p{ssh_bind_get_fd(bind_), POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      ssh_session session = ssh_new();
      if (ssh_bind_accept(bind_, session) == SSH_OK) serve(session);
      ssh_free(session);
    }
  }

  void serve(ssh_session session) {
    ++sessions_;
    Session s;
    s.peer = this;
    ssh_callbacks_init(&s.server);
    s.server.userdata = &s;
    s.server.auth_pubkey_function = on_auth;
    s.server.channel_open_request_session_function = on_channel;
    ssh_set_server_callbacks(session, &s.server);
    ssh_set_auth_methods(session, SSH_AUTH_METHOD_PUBLICKEY);
    if (ssh_handle_key_exchange(session) == SSH_OK) {
      ssh_event event = ssh_event_new();
      ssh_event_add_session(event, session);
      while (!s.sftp && !stop_)
        if (ssh_event_dopoll(event, 100) == SSH_ERROR) break;
      ssh_event_remove_session(event, session);
      ssh_event_free(event);
      if (s.sftp) pump(s.channel);
    }
    if (s.channel != nullptr) {
      ssh_channel_send_eof(s.channel);
      ssh_channel_close(s.channel);
      ssh_channel_free(s.channel);
    }
    ssh_disconnect(session);
  }

  // Channel <-> sftp-server's stdin and stdout. SFTP answers each request before the next
  // one is read here, so the blocking write to the child cannot deadlock with its output.
  void pump(ssh_channel channel) {
    int to_child[2], from_child[2];
    if (::pipe2(to_child, O_CLOEXEC) != 0) return;
    if (::pipe2(from_child, O_CLOEXEC) != 0) return;
    const std::string dir = dir_.string();
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::dup2(to_child[0], 0);
      ::dup2(from_child[1], 1);
      ::execl(kOpenSshSftpServer, "sftp-server", "-d", dir.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(to_child[0]);
    ::close(from_child[1]);
    std::vector<char> buffer(256 * 1024);
    while (!stop_) {
      pollfd p{from_child[0], POLLIN, 0};
      if (::poll(&p, 1, 0) > 0) {
        const ssize_t n = ::read(from_child[0], buffer.data(), buffer.size());
        if (n <= 0) break;
        if (ssh_channel_write(channel, buffer.data(), static_cast<uint32_t>(n)) != n) break;
      }
      const int n = ssh_channel_read_timeout(channel, buffer.data(),
                                             static_cast<uint32_t>(buffer.size()), 0, 10);
      if (n == SSH_ERROR) break;
      if (n == 0) {
        if (ssh_channel_is_eof(channel) || !ssh_channel_is_open(channel)) break;
        continue;
      }
      for (ssize_t done = 0; done < n;) {
        const ssize_t w = ::write(to_child[1], buffer.data() + done, static_cast<size_t>(n - done));
        if (w <= 0) break;
        done += w;
      }
    }
    ::close(to_child[1]);  // sftp-server exits at the end of its input
    ::close(from_child[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
  }

  const std::string authorized_;
  const fs::path dir_;
  ssh_bind bind_ = nullptr;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> sessions_{0};
  std::thread thread_;
};

struct Event {
  std::string user, path;
  std::uint64_t size;
  std::string sha256;
};

class SftpPushTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/sftp_push_test.XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    base_ = pattern;
    root_ = base_ / "their-server" / "demo";
    fs::create_directories(root_ / "inbox");
    fs::create_directories(root_ / "outbox");
    work_ = base_ / "work";
    fs::create_directories(work_);
    keys_dir_ = base_ / "data" / "keys";
    appliance_key_line_ = sftp::client_public_key_line(keys_dir_);
    authorized_ = {appliance_key_line_};

    sftp::SshServerOptions options;
    options.bind_address = "127.0.0.1";
    options.port = 0;
    options.host_key_dir = base_ / "their-host-keys";
    options.account = [this](const std::string& user) -> std::optional<sftp::ClientAccount> {
      if (user != "demo") return std::nullopt;
      sftp::ClientAccount account;
      {
        std::lock_guard<std::mutex> lock(mu_);
        account.authorized_keys = authorized_;
      }
      account.root = root_;
      return account;
    };
    options.on_upload_complete = [this](const std::string& user, const std::string& path,
                                        std::uint64_t size, const std::string& sha) {
      std::lock_guard<std::mutex> lock(mu_);
      events_.push_back({user, path, size, sha});
    };
    options.log = [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(mu_);
      server_log_.push_back(line);
    };
    server_ = std::make_unique<sftp::SshServer>(std::move(options));
    server_->start();
    ASSERT_NE(server_->port(), 0);
    // What an operator pins: the server's public key line, as `ssh-keygen -y` derives it.
    host_key_line_ = first_line_of("ssh-keygen -y -f " +
                                   (base_ / "their-host-keys" / "ssh_host_ed25519_key").string());
    ASSERT_TRUE(host_key_line_.starts_with("ssh-ed25519 ")) << host_key_line_;

    push_.host = "127.0.0.1";
    push_.port = server_->port();
    push_.user = "demo";
    push_.host_key = host_key_line_;
    push_.directory = "/inbox";
    push_.timeout = std::chrono::seconds(20);
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(base_);
  }

  StepEnvironment environment() {
    StepEnvironment env;
    env.client = [this](const std::string& id) -> std::optional<ClientConfig> {
      if (id != "demo") return std::nullopt;
      ClientConfig config;
      config.id = id;
      config.push = push_;
      if (no_push_) config.push.reset();
      return config;
    };
    env.keys_dir = keys_dir_;
    return env;
  }

  // Runs the step directly, as the engine does after substitution and checks.
  StepOutputs Run(std::map<std::string, std::string> params,
                  const std::atomic<bool>* cancel = nullptr) {
    const StepType type = workflows::steps::sftp_push_step(environment());
    StepContext context;
    context.job_id = "20261122-160000-abcdef";
    context.workflow = "push-results";
    context.client_id = "demo";
    context.step_id = "push";
    context.attempt = ++attempts_;
    context.work_dir = work_;
    context.client_root = base_ / "our-exchange" / "demo";
    // Defaults, as the engine fills them in.
    for (const auto& spec : type.params)
      if (!spec.default_value.empty() && !params.contains(spec.name))
        params[spec.name] = spec.default_value;
    context.params = std::move(params);
    context.cancelled = cancel;
    context.log = [this](const std::string& line) { step_log_.push_back(line); };
    return type.run(context);
  }

  // Runs the step expecting a StepError; returns it (or fails the test).
  std::optional<StepError> run_failing(std::map<std::string, std::string> params,
                                       const std::atomic<bool>* cancel = nullptr) {
    try {
      const StepOutputs out = Run(std::move(params), cancel);
      ADD_FAILURE() << "the step succeeded: " << out.at("remote_path");
    } catch (const StepError& e) {
      return e;
    }
    return std::nullopt;
  }

  std::vector<Event> upload_events() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  bool server_logged(const std::string& fragment) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& line : server_log_)
      if (line.find(fragment) != std::string::npos) return true;
    return false;
  }
  // Ends every server session (joins their threads): events that were ever to come are in.
  void settle_server() { server_->stop(); }

  fs::path base_, root_, work_, keys_dir_;
  std::string appliance_key_line_, host_key_line_;
  ClientPush push_;
  bool no_push_ = false;
  int attempts_ = 0;
  std::unique_ptr<sftp::SshServer> server_;
  std::mutex mu_;
  std::vector<std::string> authorized_;
  std::vector<Event> events_;
  std::vector<std::string> server_log_;
  std::vector<std::string> step_log_;
};

TEST_F(SftpPushTest, PushLandsWholeAndTheServerSeesOneUpload) {
  // Several chunks and a partial last one.
  const std::string content = random_content(3 * sftp::SftpClient::kChunkBytes + 12345, 1);
  spit(work_ / "result.csv", content);
  const StepOutputs out = Run({{"file", "result.csv"}, {"temporary", "false"}});
  EXPECT_EQ(out.at("remote_path"), "/inbox/result.csv");
  EXPECT_EQ(out.at("bytes"), std::to_string(content.size()));
  EXPECT_EQ(out.at("sha256"), crypto::sha256_hex(content));
  EXPECT_EQ(slurp(root_ / "inbox" / "result.csv"), content);
  EXPECT_EQ(entries(root_ / "inbox"), std::vector<std::string>{"result.csv"});

  // The server reports completion while answering CLOSE, before the step returns.
  const auto events = upload_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].user, "demo");
  EXPECT_EQ(events[0].path, "inbox/result.csv");
  EXPECT_EQ(events[0].size, content.size());
  EXPECT_EQ(events[0].sha256, crypto::sha256_hex(content));

  ASSERT_EQ(step_log_.size(), 1u);
  EXPECT_NE(step_log_[0].find("sftp_push attempt 1: result.csv to demo@127.0.0.1:"),
            std::string::npos)
      << step_log_[0];
  // No key material in the step's log line.
  EXPECT_EQ(step_log_[0].find(appliance_key_line_.substr(12, 20)), std::string::npos);
}

TEST_F(SftpPushTest, ReRunReplacesTheSameFile) {
  spit(work_ / "result.csv", "first version\n");
  Run({{"file", "result.csv"}, {"name", "delivery.csv"}, {"temporary", "false"}});
  const std::string second = random_content(100000, 2);
  spit(work_ / "result.csv", second);
  const StepOutputs out =
      Run({{"file", "result.csv"}, {"name", "delivery.csv"}, {"temporary", "false"}});
  EXPECT_EQ(out.at("remote_path"), "/inbox/delivery.csv");
  EXPECT_EQ(slurp(root_ / "inbox" / "delivery.csv"), second);
  EXPECT_EQ(entries(root_ / "inbox"), std::vector<std::string>{"delivery.csv"});
  EXPECT_EQ(upload_events().size(), 2u);
}

// The default path: ".<name>.popgate-part", then a rename over the name, against OpenSSH's
// sftp-server. OpenSSH refuses to rename over an existing file, so the re-run passes only if
// the old file is replaced, and exactly one file remains.
TEST_F(SftpPushTest, TemporaryThenRenameOnOpenSshSftpServer) {
  if (!fs::exists(kOpenSshSftpServer))
    GTEST_SKIP() << kOpenSshSftpServer << " is not installed (Debian: openssh-sftp-server)";
  const fs::path their_dir = base_ / "openssh-home";
  fs::create_directories(their_dir / "results");
  const fs::path host_key = base_ / "openssh-host-key";
  ASSERT_EQ(std::system(("ssh-keygen -t ed25519 -N '' -q -f " + host_key.string()).c_str()), 0);
  OpenSshSftpPeer peer(host_key, appliance_key_line_, their_dir);
  ASSERT_NE(peer.port(), 0);
  push_.port = peer.port();
  push_.host_key = slurp(host_key.string() + ".pub");
  push_.directory = "";  // the login directory (sftp-server -d)

  const std::string first = random_content(2 * sftp::SftpClient::kChunkBytes + 7, 5);
  spit(work_ / "result.csv", first);
  StepOutputs out = Run({{"file", "result.csv"}, {"directory", "results"}});
  EXPECT_EQ(out.at("remote_path"), "results/result.csv");
  EXPECT_EQ(out.at("sha256"), crypto::sha256_hex(first));
  EXPECT_EQ(slurp(their_dir / "results" / "result.csv"), first);
  EXPECT_EQ(entries(their_dir / "results"), std::vector<std::string>{"result.csv"});

  const std::string second = random_content(5000, 6);
  spit(work_ / "result.csv", second);
  out = Run({{"file", "result.csv"}, {"directory", "results"}});
  EXPECT_EQ(out.at("bytes"), "5000");
  EXPECT_EQ(slurp(their_dir / "results" / "result.csv"), second);
  EXPECT_EQ(entries(their_dir / "results"), std::vector<std::string>{"result.csv"});
  EXPECT_EQ(peer.sessions(), 2);
}

TEST_F(SftpPushTest, SubdirectoryUnderTheConfiguredOne) {
  fs::create_directories(root_ / "inbox" / "results");
  spit(work_ / "r.csv", "x;y\n");
  const StepOutputs out =
      Run({{"file", "r.csv"}, {"directory", "results"}, {"temporary", "false"}});
  EXPECT_EQ(out.at("remote_path"), "/inbox/results/r.csv");
  EXPECT_EQ(slurp(root_ / "inbox" / "results" / "r.csv"), "x;y\n");
  // A missing directory is not created, and waiting will not create it either.
  auto error = run_failing({{"file", "r.csv"}, {"directory", "missing"}, {"temporary", "false"}});
  ASSERT_TRUE(error);
  EXPECT_FALSE(error->retryable()) << error->what();
  EXPECT_NE(std::string(error->what()).find("no such file"), std::string::npos) << error->what();
  for (const std::string bad : {"../outbox", "/etc", ".hidden", "a/../../b"}) {
    auto refused = run_failing({{"file", "r.csv"}, {"directory", bad}, {"temporary", "false"}});
    ASSERT_TRUE(refused) << bad;
    EXPECT_FALSE(refused->retryable()) << bad;
  }
  auto absent = run_failing({{"file", "absent.csv"}, {"temporary", "false"}});
  ASSERT_TRUE(absent);
  EXPECT_FALSE(absent->retryable()) << absent->what();
  EXPECT_NE(std::string(absent->what()).find("absent.csv is not a file"), std::string::npos)
      << absent->what();
  for (const std::string bad : {".x", "a/b", ".."}) {
    auto refused = run_failing({{"file", "r.csv"}, {"name", bad}, {"temporary", "false"}});
    ASSERT_TRUE(refused) << bad;
    EXPECT_FALSE(refused->retryable()) << bad;
  }
}

// popgate's own server reserves hidden names, so the default temporary-then-rename upload is
// refused there: at once, not retried, and nothing is left behind.
TEST_F(SftpPushTest, HiddenTemporaryNameRefusedByPopgateServerIsNotRetryable) {
  spit(work_ / "result.csv", "data\n");
  auto error = run_failing({{"file", "result.csv"}});
  ASSERT_TRUE(error);
  EXPECT_FALSE(error->retryable()) << error->what();
  EXPECT_NE(std::string(error->what()).find("/inbox/.result.csv.popgate-part"), std::string::npos)
      << error->what();
  EXPECT_NE(std::string(error->what()).find("permission denied"), std::string::npos)
      << error->what();
  EXPECT_FALSE(error->client_message().empty());
  settle_server();
  EXPECT_TRUE(entries(root_ / "inbox").empty());
  EXPECT_TRUE(upload_events().empty());
}

TEST_F(SftpPushTest, WrongPinnedHostKeyFailsBeforeLoggingIn) {
  // Another server's key: a real Ed25519 public key line, just not this server's.
  const std::string other = sftp::client_public_key_line(base_ / "other-keys");
  push_.host_key = other;
  spit(work_ / "result.csv", "secret rows\n");
  auto error = run_failing({{"file", "result.csv"}, {"temporary", "false"}});
  ASSERT_TRUE(error);
  EXPECT_FALSE(error->retryable()) << error->what();
  const std::string message = error->what();
  EXPECT_NE(message.find("host key mismatch"), std::string::npos) << message;
  EXPECT_NE(message.find(sftp::public_key_fingerprint(host_key_line_)), std::string::npos)
      << message;
  EXPECT_NE(message.find(sftp::public_key_fingerprint(other)), std::string::npos) << message;
  settle_server();
  EXPECT_TRUE(entries(root_ / "inbox").empty());
  EXPECT_TRUE(upload_events().empty());
  EXPECT_FALSE(server_logged("login: user"));
}

TEST_F(SftpPushTest, UnauthorisedApplianceKeyIsNotRetryable) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    authorized_ = {sftp::client_public_key_line(base_ / "someone-else")};
  }
  spit(work_ / "result.csv", "rows\n");
  auto error = run_failing({{"file", "result.csv"}, {"temporary", "false"}});
  ASSERT_TRUE(error);
  EXPECT_FALSE(error->retryable()) << error->what();
  EXPECT_NE(std::string(error->what()).find("authentication refused"), std::string::npos)
      << error->what();
  EXPECT_NE(std::string(error->what()).find(sftp::public_key_fingerprint(appliance_key_line_)),
            std::string::npos)
      << error->what();
  settle_server();
  EXPECT_TRUE(upload_events().empty());
  EXPECT_TRUE(server_logged("login refused: user \"demo\""));
}

TEST_F(SftpPushTest, NothingListeningIsRetryable) {
  const LoopbackSocket closed(/*listening=*/false);
  ASSERT_NE(closed.port, 0);
  push_.port = closed.port;
  spit(work_ / "result.csv", "rows\n");
  auto error = run_failing({{"file", "result.csv"}});
  ASSERT_TRUE(error);
  EXPECT_TRUE(error->retryable()) << error->what();
  EXPECT_NE(std::string(error->what()).find("cannot connect to demo@127.0.0.1:"), std::string::npos)
      << error->what();
}

TEST_F(SftpPushTest, SilentServerTimesOutRetryably) {
  const LoopbackSocket silent(/*listening=*/true);
  ASSERT_NE(silent.port, 0);
  push_.port = silent.port;
  push_.timeout = std::chrono::milliseconds(300);
  spit(work_ / "result.csv", "rows\n");
  const auto start = std::chrono::steady_clock::now();
  auto error = run_failing({{"file", "result.csv"}});
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(error);
  EXPECT_TRUE(error->retryable()) << error->what();
  EXPECT_NE(std::string(error->what()).find("cannot connect to demo@127.0.0.1:"), std::string::npos)
      << error->what();
  EXPECT_LT(elapsed, std::chrono::seconds(10));
}

TEST_F(SftpPushTest, ClientWithoutPushConfigurationFailsForGood) {
  no_push_ = true;
  spit(work_ / "result.csv", "rows\n");
  auto error = run_failing({{"file", "result.csv"}});
  ASSERT_TRUE(error);
  EXPECT_FALSE(error->retryable());
  EXPECT_NE(std::string(error->what()).find("no push: configuration"), std::string::npos);
  EXPECT_EQ(error->client_message(), "no SFTP server is configured for delivering results to you");

  // Without an environment (lint, `popgate run` today) the step exists and fails clearly.
  const StepType bare = workflows::steps::sftp_push_step(StepEnvironment{});
  StepContext context;
  context.client_id = "demo";
  context.step_id = "push";
  context.work_dir = work_;
  context.params = {{"file", "result.csv"}};
  try {
    bare.run(context);
    ADD_FAILURE() << "ran without an environment";
  } catch (const StepError& e) {
    EXPECT_FALSE(e.retryable());
    EXPECT_NE(std::string(e.what()).find("not available"), std::string::npos) << e.what();
  }
}

TEST_F(SftpPushTest, CancelledStepSendsNothing) {
  spit(work_ / "result.csv", random_content(1 << 20, 3));
  const std::atomic<bool> cancelled{true};
  auto error = run_failing({{"file", "result.csv"}, {"temporary", "false"}}, &cancelled);
  ASSERT_TRUE(error);
  EXPECT_TRUE(error->retryable()) << error->what();
  EXPECT_NE(std::string(error->what()).find("stopped"), std::string::npos) << error->what();
  settle_server();
  EXPECT_TRUE(entries(root_ / "inbox").empty());
  EXPECT_TRUE(upload_events().empty());
}

// A stop in the middle of an upload drops the connection without closing the remote file, so
// a server that commits on close (popgate's) discards the partial upload.
TEST_F(SftpPushTest, StopMidUploadLeavesNoPartialFile) {
  const fs::path local = work_ / "big.csv";
  spit(local, random_content(1 << 20, 4));
  const fs::path inbox = root_ / "inbox";
  sftp::SftpClientOptions options;
  options.host = "127.0.0.1";
  options.port = server_->port();
  options.user = "demo";
  options.host_key = host_key_line_;
  options.identity = sftp::ensure_client_key(keys_dir_);
  options.timeout = std::chrono::seconds(20);
  // True once the server has opened its temporary upload file: after the remote OPEN, before
  // the upload ends.
  std::atomic<bool> upload_started{false};
  options.should_stop = [&] {
    if (!upload_started) {
      std::error_code ec;
      for (const auto& entry : fs::directory_iterator(inbox, ec))
        if (entry.path().filename().string().ends_with(".part")) upload_started = true;
    }
    return upload_started.load();
  };
  sftp::SftpClient client(std::move(options));
  try {
    client.upload(local, "/inbox", "big.csv", {.via_temporary = false});
    ADD_FAILURE() << "the upload was not stopped";
  } catch (const sftp::SftpClientError& e) {
    EXPECT_TRUE(e.retryable()) << e.what();
    EXPECT_NE(std::string(e.what()).find("stopped"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(upload_started);
  settle_server();
  EXPECT_TRUE(entries(inbox).empty());
  EXPECT_TRUE(upload_events().empty());
}

TEST_F(SftpPushTest, ApplianceKeyIsCreatedOncePrivateWithItsPublicLine) {
  const fs::path key = keys_dir_ / "ssh_client_ed25519_key";
  ASSERT_TRUE(fs::exists(key));
  EXPECT_EQ(fs::status(key).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  const std::string private_text = slurp(key);
  EXPECT_EQ(slurp(key.string() + ".pub"), appliance_key_line_ + "\n");
  EXPECT_TRUE(appliance_key_line_.starts_with("ssh-ed25519 AAAA")) << appliance_key_line_;
  // OpenSSH agrees that the .pub belongs to the private key.
  EXPECT_EQ(type_and_data(first_line_of("ssh-keygen -y -f " + key.string())),
            type_and_data(appliance_key_line_));
  // Asking again neither replaces the key nor leaves temporary files.
  EXPECT_EQ(sftp::ensure_client_key(keys_dir_), key);
  EXPECT_EQ(sftp::client_public_key_line(keys_dir_), appliance_key_line_);
  EXPECT_EQ(slurp(key), private_text);
  EXPECT_EQ(entries(keys_dir_),
            (std::vector<std::string>{"ssh_client_ed25519_key", "ssh_client_ed25519_key.pub"}));
}

TEST_F(SftpPushTest, StepIsRegisteredAndDescribed) {
  const auto registry = workflows::steps::builtin_steps(environment());
  const StepType* type = registry.find("sftp_push");
  ASSERT_NE(type, nullptr);
  EXPECT_TRUE(type->has_output("remote_path"));
  EXPECT_TRUE(type->has_output("sha256"));
  EXPECT_TRUE(type->has_output("bytes"));
  ASSERT_NE(type->param("file"), nullptr);
  EXPECT_TRUE(type->param("file")->required);
  EXPECT_NE(workflows::steps::builtin_steps().find("sftp_push"), nullptr);
}

}  // namespace
}  // namespace popgate
