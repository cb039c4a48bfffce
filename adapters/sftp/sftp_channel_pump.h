// The packet pump of one SFTP session: what the client sends on its SSH channel goes to the
// SftpSession, and the replies go back on the channel, until the session ends. Runs in the
// session's thread, after SshLogin opened the channel. Internal to adapters/sftp.
#ifndef POPGATE_ADAPTERS_SFTP_SFTP_CHANNEL_PUMP_H_
#define POPGATE_ADAPTERS_SFTP_SFTP_CHANNEL_PUMP_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "adapters/sftp/sftp_session.h"

// libssh's handle types, declared here so that this header does not pull in libssh.
struct ssh_session_struct;
struct ssh_channel_struct;

namespace popgate::sftp {

// How a pumped session ended, for its disconnect line.
struct SftpPumpResult {
  // "client closed", "idle timeout", "server stopping", "protocol error" (SftpSession could
  // not parse the stream; it logged why), "channel error: ..." or "write error: ...".
  std::string reason;
  std::uint64_t bytes_in = 0;   // read from the channel
  std::uint64_t bytes_out = 0;  // written to it
};

// Pumps `channel` of `session` through `sftp` until the client closes the channel, the
// channel fails, the SFTP stream cannot be parsed, nothing arrives for `idle_timeout`, or
// `stopping` is set (noticed within 200 ms, the channel read's timeout). The replies to each
// read go out before the next read, in pieces of about SftpSession::kReplyFlushBytes when the
// client pipelined many requests.
SftpPumpResult pump_sftp_channel(ssh_session_struct* session, ssh_channel_struct* channel,
                                 SftpSession& sftp, std::chrono::seconds idle_timeout,
                                 const std::atomic<bool>& stopping);

}  // namespace popgate::sftp

#endif  // POPGATE_ADAPTERS_SFTP_SFTP_CHANNEL_PUMP_H_
