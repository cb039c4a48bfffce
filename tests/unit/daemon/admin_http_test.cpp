// The HTTP listener behind the admin endpoints (adapters/http), driven with curl: routing,
// the body limit, errors as JSON that never carry a handler's internals, the request log; and
// where the daemon's log goes when systemd's JOURNAL_STREAM is or is not its stderr.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "adapters/http/http_listener.h"
#include "daemon/admin_endpoints.h"
#include "daemon/log.h"
#include "tests/unit/test_support/cli_runner.h"
#include "tests/unit/test_support/openssl_tool.h"

namespace popgate {
namespace {

class AdminHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http::HttpListenerOptions options;
    options.name = "test";
    options.max_body_bytes = 1024;
    options.on_request = [this](const http::HttpAccess& access) {
      std::lock_guard lock(mu_);
      accesses_.push_back(access);
    };
    listener_ = std::make_unique<http::HttpListener>(options);
    listener_->route("POST", "/echo", [](const http::HttpRequest& request) {
      http::HttpResponse response;
      response.content_type = "text/plain";
      response.body = request.query + ":" + std::to_string(request.body.size());
      return response;
    });
    listener_->route("GET", "/broken", [](const http::HttpRequest&) -> http::HttpResponse {
      throw std::runtime_error("sqlite: /var/lib/popgate/state.db is locked");
    });
    listener_->start();
    base_ = "http://127.0.0.1:" + std::to_string(listener_->port());
  }

  std::string curl(const std::string& args) {
    return testing::shell("curl -s -w ' %{http_code}' " + args).output;
  }

  // The request log is written after the answer is sent: wait for `count` entries.
  std::vector<http::HttpAccess> accesses(std::size_t count) {
    for (int i = 0; i < 200; ++i) {
      {
        std::lock_guard lock(mu_);
        if (accesses_.size() >= count) return accesses_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::lock_guard lock(mu_);
    return accesses_;
  }

  std::unique_ptr<http::HttpListener> listener_;
  std::string base_;
  std::mutex mu_;
  std::vector<http::HttpAccess> accesses_;
  testing::ScratchDir dir_;
};

TEST_F(AdminHttpTest, RoutesAnswerAndEveryRequestIsReported) {
  EXPECT_EQ(curl("-d hello '" + base_ + "/echo?x=1'"), "x=1:5 200");
  EXPECT_EQ(curl(base_ + "/nowhere"), "{\"error\":\"no such path: /nowhere\"}\n 404");
  EXPECT_EQ(curl(base_ + "/echo"),
            "{\"error\":\"GET is not allowed on /echo (allowed: POST)\"}\n 405");
  const std::vector<http::HttpAccess> seen = accesses(3);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].listener, "test");
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].path, "/echo");
  EXPECT_EQ(seen[0].peer, "127.0.0.1");
  EXPECT_EQ(seen[0].status, 200);
  EXPECT_EQ(seen[1].status, 404);
  EXPECT_EQ(seen[2].status, 405);
}

// A body over the limit is refused whether or not it says its length; the handler never runs.
TEST_F(AdminHttpTest, ABodyOverTheLimitIs413) {
  testing::write_bytes(dir_.path() / "big", std::string(4096, 'x'));
  const std::string big = "@" + (dir_.path() / "big").string();
  EXPECT_EQ(curl("--data-binary " + big + " " + base_ + "/echo"),
            "{\"error\":\"request body larger than 1024 bytes\"}\n 413");
  EXPECT_EQ(curl("-H 'Transfer-Encoding: chunked' --data-binary " + big + " " + base_ + "/echo"),
            "{\"error\":\"request body larger than 1024 bytes\"}\n 413");
  EXPECT_EQ(curl("--data-binary @/dev/null " + base_ + "/echo"), ":0 200");
  // The unread rest of the body cannot be taken for the next request: the connection closes.
  const std::string headers =
      testing::shell("curl -s -D - -o /dev/null --data-binary " + big + " " + base_ + "/echo")
          .output;
  EXPECT_NE(headers.find("Connection: Close"), std::string::npos) << headers;
}

// The client learns that it failed; the log learns why.
TEST_F(AdminHttpTest, AFailingHandlerIs500WithoutItsInternals) {
  const std::string answer = curl(base_ + "/broken");
  EXPECT_EQ(answer, "{\"error\":\"internal error; the appliance's log says why\"}\n 500");
  const std::vector<http::HttpAccess> seen = accesses(1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].error, "sqlite: /var/lib/popgate/state.db is locked");
}

TEST_F(AdminHttpTest, StoppedMeansNotListening) {
  listener_->stop();
  EXPECT_FALSE(listener_->running());
  EXPECT_NE(testing::shell("curl -s " + base_ + "/echo").exit_code, 0);
}

TEST(AdminEndpoints, ReadinessListsEveryCheckAndIsReadyOnlyIfAllPass) {
  EXPECT_EQ(daemon::readiness_json({{"state", true, "ok"}, {"register", false, "no \"db\""}}),
            "{\"ready\":false,\"checks\":[{\"name\":\"state\",\"ok\":true,\"detail\":\"ok\"},"
            "{\"name\":\"register\",\"ok\":false,\"detail\":\"no \\\"db\\\"\"}]}\n");
  EXPECT_TRUE(daemon::readiness_json({{"state", true, ""}}).starts_with("{\"ready\":true,"));
}

// Logs one line in a child whose stderr is `file` and whose JOURNAL_STREAM is `stream` (the
// decision is made once per process); returns whether the child logged to the journal.
bool child_logs_to_journal(const std::string& file, const std::string& stream) {
  const pid_t pid = fork();
  if (pid == 0) {
    std::FILE* out = std::freopen(file.c_str(), "w", stderr);
    if (out == nullptr) _exit(3);
    struct stat st {};
    ::fstat(2, &st);
    const std::string value =
        stream.empty() ? std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) : stream;
    ::setenv("JOURNAL_STREAM", value.c_str(), 1);
    daemon::log(daemon::LogLevel::info, daemon::LogFields{"job-1", "acme"}, "hello");
    _exit(daemon::logging_to_journal() ? 0 : 1);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Under systemd stderr is the journal stream that JOURNAL_STREAM names: lines become journal
// entries with their fields. A process that inherited the variable but whose stderr goes
// elsewhere (a file) keeps writing stamped lines there.
TEST(DaemonLog, TheJournalOnlyWhenStderrIsTheStreamSystemdNamed) {
  testing::ScratchDir dir;
  const std::string own = (dir.path() / "own.log").string();
  EXPECT_TRUE(child_logs_to_journal(own, ""));
  EXPECT_EQ(testing::read_bytes(own), "") << "a journal entry, not a line on stderr";
  const std::string other = (dir.path() / "other.log").string();
  EXPECT_FALSE(child_logs_to_journal(other, "1:1"));
  EXPECT_NE(testing::read_bytes(other).find(" INFO [job job-1] hello\n"), std::string::npos)
      << testing::read_bytes(other);
}

}  // namespace
}  // namespace popgate
