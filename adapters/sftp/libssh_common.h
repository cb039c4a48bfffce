// What popgate's SSH server and client share about libssh: owners for the handles both use,
// the algorithms both allow, and key fingerprints. Internal to adapters/sftp.
#ifndef POPGATE_ADAPTERS_SFTP_LIBSSH_COMMON_H_
#define POPGATE_ADAPTERS_SFTP_LIBSSH_COMMON_H_

#include <libssh/libssh.h>

#include <memory>
#include <string>

namespace popgate::sftp {

struct SshKeyDeleter {
  void operator()(ssh_key_struct* key) const { ssh_key_free(key); }
};
// Strings libssh allocates for the caller (exported keys, fingerprints).
struct SshStringDeleter {
  void operator()(char* s) const { ssh_string_free_char(s); }
};
using KeyPtr = std::unique_ptr<ssh_key_struct, SshKeyDeleter>;
using SshCharPtr = std::unique_ptr<char, SshStringDeleter>;

// Modern algorithms only, both ways: no SHA-1, no CBC, no group1/group14-sha1 key exchange.
inline constexpr const char* kKeyExchange =
    "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
    "diffie-hellman-group16-sha512,diffie-hellman-group18-sha512";
inline constexpr const char* kCiphers =
    "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,"
    "aes192-ctr,aes128-ctr";
inline constexpr const char* kMacs =
    "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha2-512";

// "SHA256:..." as OpenSSH prints it; "?" if libssh cannot hash the key.
inline std::string fingerprint(ssh_key key) {
  unsigned char* hash = nullptr;
  std::size_t length = 0;
  if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &length) != SSH_OK) return "?";
  SshCharPtr text(ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, length));
  ssh_clean_pubkey_hash(&hash);
  return text ? std::string(text.get()) : "?";
}

// "ssh-ed25519 SHA256:..." for log lines.
inline std::string key_description(ssh_key key) {
  const char* type = ssh_key_type_to_char(ssh_key_type(key));
  return std::string(type ? type : "unknown") + " " + fingerprint(key);
}

}  // namespace popgate::sftp

#endif  // POPGATE_ADAPTERS_SFTP_LIBSSH_COMMON_H_
