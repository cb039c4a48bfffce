#include "adapters/sftp/sftp_channel_pump.h"

#include <libssh/libssh.h>

#include <optional>
#include <string_view>
#include <utility>

namespace popgate::sftp {

namespace {

// A whole SFTP request of OpenSSH's largest size fits in one read.
constexpr std::size_t kReadBuffer = 256 * 1024;
// The channel read's timeout: it is what lets the idle timeout and stop() reach a session
// that is waiting for its client.
constexpr int kPollMillis = 200;

class Pump {
 public:
  Pump(ssh_session session, ssh_channel channel, SftpSession& sftp)
      : session_(session), channel_(channel), sftp_(sftp), in_(kReadBuffer, '\0') {}

  SftpPumpResult run(std::chrono::seconds idle_timeout, const std::atomic<bool>& stopping) {
    auto last_activity = std::chrono::steady_clock::now();
    for (;;) {
      if (stopping) return end("server stopping");
      const int n = ssh_channel_read_timeout(channel_, in_.data(),
                                             static_cast<uint32_t>(in_.size()), 0, kPollMillis);
      if (n == SSH_ERROR) return end(std::string("channel error: ") + ssh_get_error(session_));
      if (n == 0) {
        if (ssh_channel_is_eof(channel_) || !ssh_channel_is_open(channel_))
          return end("client closed");
        if (std::chrono::steady_clock::now() - last_activity > idle_timeout)
          return end("idle timeout");
        continue;
      }
      last_activity = std::chrono::steady_clock::now();
      result_.bytes_in += static_cast<std::uint64_t>(n);
      if (std::optional<std::string> failure =
              answer(std::string_view(in_.data(), static_cast<std::size_t>(n))))
        return end(std::move(*failure));
    }
  }

 private:
  // Feeds `bytes` to the SFTP session and writes its replies, again while it has requests
  // left over (its backlog). The reason to end the session, or nullopt to go on.
  std::optional<std::string> answer(std::string_view bytes) {
    bool keep = true, written = true;
    do {
      out_.clear();
      keep = sftp_.feed(bytes, &out_);
      bytes = {};
      written = out_.empty() ||
                ssh_channel_write(channel_, out_.data(), static_cast<uint32_t>(out_.size())) ==
                    static_cast<int>(out_.size());
      if (written) result_.bytes_out += out_.size();
    } while (keep && written && sftp_.backlog());
    if (!written) return std::string("write error: ") + ssh_get_error(session_);
    if (!keep) return "protocol error";
    return std::nullopt;
  }

  SftpPumpResult end(std::string reason) {
    result_.reason = std::move(reason);
    return std::move(result_);
  }

  const ssh_session session_;
  const ssh_channel channel_;
  SftpSession& sftp_;
  std::string in_;   // one channel read
  std::string out_;  // the replies to it, reused
  SftpPumpResult result_;
};

}  // namespace

SftpPumpResult pump_sftp_channel(ssh_session session, ssh_channel channel, SftpSession& sftp,
                                 std::chrono::seconds idle_timeout,
                                 const std::atomic<bool>& stopping) {
  return Pump(session, channel, sftp).run(idle_timeout, stopping);
}

}  // namespace popgate::sftp
