// A client as configured in clients/<id>.yaml: who may log in over SFTP and receive data.
//
// Lint knows the keys issue 5 needs first; a key is added here (one line in the schema and
// one field) when a command starts to use it. Unknown keys are errors, as everywhere.
#ifndef POPGATE_WORKFLOWS_CLIENT_CONFIG_H_
#define POPGATE_WORKFLOWS_CLIENT_CONFIG_H_

#include <optional>
#include <string>
#include <vector>

#include "workflows/diagnostics.h"

namespace popgate::workflows {

struct ClientContact {
  std::string name;
  std::string email;
  std::string phone;
};

struct ClientConfig {
  std::string id;  // the file's stem; also the SFTP user name
  std::string organisation;
  std::string business_id;  // Y-tunnus, validated
  ClientContact contact;
  std::vector<std::string> ssh_keys;  // OpenSSH public key lines
  std::string certificate;            // X.509 (PEM) for encrypting results, relative to the file
  bool disabled = false;
  std::string source_file;
};

// Loads clients/<id>.yaml; nullopt (and diagnostics) when it has errors.
std::optional<ClientConfig> load_client_file(const std::string& path, Diagnostics& out);

// Whether `id` can be a client id (and so an SFTP user name): [a-z0-9_-]+, at most 32.
bool valid_client_id(const std::string& id);

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_CLIENT_CONFIG_H_
