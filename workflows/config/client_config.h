// A client as configured in clients/<id>.yaml: who may log in over SFTP and receive data.
//
// Lint knows the keys issue 5 needs first; a key is added here (one line in the schema and
// one field) when a command starts to use it. Unknown keys are errors, as everywhere.
#ifndef POPGATE_WORKFLOWS_CONFIG_CLIENT_CONFIG_H_
#define POPGATE_WORKFLOWS_CONFIG_CLIENT_CONFIG_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "workflows/config/diagnostics.h"

namespace popgate::workflows {

struct ClientContact {
  std::string name;
  std::string email;
  std::string phone;
};

// The client's SFTP account on popgate. Unset values take popgate.yaml's sftp defaults.
struct ClientSftp {
  // Networks the client may log in from ("192.0.2.0/24", "198.51.100.7"); empty: any.
  std::vector<std::string> allowed_addresses;
  std::optional<int> max_sessions;             // concurrent SFTP sessions
  std::optional<std::uint64_t> max_file_size;  // bytes per uploaded file
  std::optional<std::uint64_t> quota;          // bytes over inbox and outbox
  std::optional<std::chrono::milliseconds> idle_timeout;
};

// The client's own SFTP server that results are pushed to (the sftp_push step).
struct ClientPush {
  std::string host;
  int port = 22;
  std::string user;
  std::string host_key;        // the server's OpenSSH public key line, pinned
  std::string directory = "";  // remote directory; empty: the login directory
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};  // connect and each operation
};

struct ClientConfig {
  std::string id;  // the file's stem; also the SFTP user name
  std::string organisation;
  std::string business_id;  // Y-tunnus, validated
  ClientContact contact;
  std::vector<std::string> ssh_keys;  // OpenSSH public key lines
  // X.509 certificates (PEM files, relative to the client's YAML file) that results are
  // encrypted to and that may sign uploads. `certificate:` is one path or a list of them: a
  // client rolling over to a new certificate lists both until it has stopped using the old.
  std::vector<std::string> certificates;
  std::vector<Mark> certificate_marks;  // parallel to certificates: each entry's place
  ClientSftp sftp;
  std::optional<ClientPush> push;
  std::vector<std::string> joins;  // umbrella permits the client joins, by id
  std::vector<Mark> join_marks;    // parallel to joins
  bool disabled = false;
  std::string source_file;

  // The certificates' paths, relative ones resolved against source_file's directory.
  std::vector<std::filesystem::path> certificate_paths() const;
};

// Loads clients/<id>.yaml; nullopt (and diagnostics) when it has errors.
std::optional<ClientConfig> load_client_file(const std::string& path, Diagnostics& out);

// Empty when `line` looks like an OpenSSH public key line ("TYPE BASE64 [comment]").
std::string ssh_key_error(std::string_view line);

// The smallest RSA client key the SFTP server accepts (kRsaMinBits in
// adapters/sftp/ssh_server.cpp, and docs/client-exchange.md, say the same).
constexpr int kMinRsaKeyBits = 3072;

// ssh_key_error, and for an ssh-rsa key also that it is an RSA key of at least kMinRsaKeyBits.
std::string ssh_client_key_error(std::string_view line);

// The modulus size of an ssh-rsa public key given as its base64 blob; nullopt when the blob is
// not an ssh-rsa key.
std::optional<int> rsa_key_bits(std::string_view base64_blob);

// Whether `id` can be a client id (and so an SFTP user name): [a-z0-9_-]+, at most 32.
bool valid_client_id(const std::string& id);

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_CONFIG_CLIENT_CONFIG_H_
