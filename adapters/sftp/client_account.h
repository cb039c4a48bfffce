// One client (SSH user) as popgate's SSH server sees it: the keys it may log in with, the
// networks it may connect from, its confined root and its limits. The daemon builds one from
// clients/<id>.yaml for every login attempt (SshServerOptions::account), so an edited client
// applies to its next login.
#ifndef POPGATE_ADAPTERS_SFTP_CLIENT_ACCOUNT_H_
#define POPGATE_ADAPTERS_SFTP_CLIENT_ACCOUNT_H_

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "adapters/sftp/client_fs_context.h"

namespace popgate::sftp {

struct ClientAccount {
  std::vector<std::string> authorized_keys;   // OpenSSH public key lines
  std::vector<std::string> allowed_networks;  // "192.0.2.0/24", "2001:db8::/32",
                                              // "198.51.100.7"; empty = any address
  std::filesystem::path root;                 // holds inbox/ and outbox/; empty refuses
                                              // the session
  ClientLimits limits;
  std::size_t max_sessions = 0;          // concurrent sessions of this client; 0 = unlimited
  std::chrono::seconds idle_timeout{0};  // 0 = the server's idle_timeout
};

}  // namespace popgate::sftp

#endif  // POPGATE_ADAPTERS_SFTP_CLIENT_ACCOUNT_H_
