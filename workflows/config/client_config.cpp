#include "workflows/config/client_config.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>

#include "base/base64.h"
#include "base/ip_network.h"
#include "registry/business_id.h"
#include "workflows/config/check_keys.h"
#include "workflows/config/config_values.h"
#include "workflows/config/yaml_loader.h"

namespace popgate::workflows {
namespace {

// The OpenSSH key types the SFTP server accepts.
constexpr std::array<std::string_view, 6> kKeyTypes = {
    "ssh-ed25519",         "ssh-rsa",
    "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com"};

bool is_base64(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=';
  });
}

// Reads one SSH wire string (uint32 length, bytes) off the front of `blob`.
std::optional<std::string_view> take_string(std::string_view& blob) {
  if (blob.size() < 4) return std::nullopt;
  std::uint32_t length = 0;
  for (int i = 0; i < 4; ++i)
    length = (length << 8) | static_cast<unsigned char>(blob[static_cast<std::size_t>(i)]);
  if (blob.size() - 4 < length) return std::nullopt;
  const std::string_view value = blob.substr(4, length);
  blob.remove_prefix(4 + length);
  return value;
}

// The number of significant bits of a positive mpint's bytes.
int mpint_bits(std::string_view bytes) {
  while (!bytes.empty() && bytes.front() == '\0')
    bytes.remove_prefix(1);
  if (bytes.empty()) return 0;
  int bits = static_cast<int>(bytes.size() - 1) * 8;
  for (auto top = static_cast<unsigned char>(bytes.front()); top != 0; top >>= 1)
    ++bits;
  return bits;
}

}  // namespace

// An ssh-rsa key blob (RFC 4253 6.6): string "ssh-rsa", mpint e, mpint n.
std::optional<int> rsa_key_bits(std::string_view base64_blob) {
  const std::optional<std::string> decoded = base::decode_base64(base64_blob);
  if (!decoded) return std::nullopt;
  std::string_view blob = *decoded;
  const std::optional<std::string_view> type = take_string(blob);
  const std::optional<std::string_view> e = type ? take_string(blob) : std::nullopt;
  const std::optional<std::string_view> n = e ? take_string(blob) : std::nullopt;
  if (!n || *type != "ssh-rsa" || !blob.empty() || mpint_bits(*e) == 0) return std::nullopt;
  // A positive mpint whose top bit is set starts with a zero byte; without it, it is negative.
  if (n->empty() || (static_cast<unsigned char>(n->front()) & 0x80) != 0) return std::nullopt;
  return mpint_bits(*n);
}

std::string ssh_client_key_error(std::string_view line) {
  std::string why = ssh_key_error(line);
  if (!why.empty() || !line.starts_with("ssh-rsa ")) return why;
  std::string_view blob = line.substr(8);
  blob = blob.substr(0, blob.find(' '));
  const std::optional<int> bits = rsa_key_bits(blob);
  if (!bits)
    return "the ssh-rsa key data is not an RSA public key (copy the whole line of the .pub file)";
  if (*bits < kMinRsaKeyBits)
    return "the key is RSA of " + std::to_string(*bits) + " bits; at least " +
           std::to_string(kMinRsaKeyBits) +
           " are needed (make a new key with `ssh-keygen -t ed25519`, or `ssh-keygen -t rsa -b " +
           std::to_string(kMinRsaKeyBits) + "`)";
  return {};
}

// The server (and the push client) do the real parsing.
std::string ssh_key_error(std::string_view line) {
  const std::size_t space = line.find(' ');
  const std::string_view type = line.substr(0, space);
  if (std::find(kKeyTypes.begin(), kKeyTypes.end(), type) == kKeyTypes.end()) {
    return "not an OpenSSH public key: it must start with a key type such as ssh-ed25519";
  }
  std::string_view rest = space == line.npos ? "" : line.substr(space + 1);
  rest = rest.substr(0, rest.find(' '));
  if (!is_base64(rest)) return "the " + std::string(type) + " key has no base64 key data";
  return {};
}

namespace {

constexpr std::int64_t kMaxSessions = 10'000;

class ClientParser {
 public:
  ClientParser(const std::string& file, Diagnostics& out) : file_(file), out_(out) {}

  void parse(const ConfigNode& root, ClientConfig& client) {
    check_keys(root,
               {"id", "contact", "ssh_keys", "certificate", "sftp", "push", "joins", "disabled"},
               {"organisation", "business_id"}, out_, file_);
    if (!root.is_mapping()) return;
    if (const ConfigNode* n = root.find("id")) {
      const std::string id = as_string(*n, out_, file_).value_or(client.id);
      if (id != client.id) {
        out_.error(file_, n->mark(),
                   "id '" + id + "' differs from the file name's '" + client.id +
                       "' (the file is clients/<id>.yaml)");
      }
    }
    if (const ConfigNode* n = root.find("organisation")) {
      client.organisation = as_string(*n, out_, file_).value_or("");
    }
    if (const ConfigNode* n = root.find("business_id")) parse_business_id(*n, client);
    if (const ConfigNode* n = root.find("contact")) parse_contact(*n, client.contact);
    if (const ConfigNode* n = root.find("ssh_keys")) parse_keys(*n, client);
    if (const ConfigNode* n = root.find("certificate")) parse_certificates(*n, client);
    if (const ConfigNode* n = root.find("sftp")) parse_sftp(*n, client.sftp);
    if (const ConfigNode* n = root.find("push")) parse_push(*n, client);
    if (const ConfigNode* n = root.find("joins")) {
      if (as_string_list(*n, out_, file_)) {
        for (const ConfigNode& item : n->items()) {
          client.joins.push_back(item.text());
          client.join_marks.push_back(item.mark());
        }
      }
    }
    if (const ConfigNode* n = root.find("disabled")) {
      client.disabled = as_bool(*n, out_, file_).value_or(false);
    }
  }

 private:
  void parse_business_id(const ConfigNode& node, ClientConfig& client) {
    const std::optional<std::string> text = as_string(node, out_, file_);
    if (!text) return;
    const std::string why = registry::business_id_error(*text);
    if (!why.empty()) out_.error(file_, node.mark(), "invalid business ID: " + why);
    client.business_id = *text;
  }

  void parse_contact(const ConfigNode& node, ClientContact& contact) {
    check_keys(node, {"name", "email", "phone"}, {}, out_, file_);
    if (!node.is_mapping()) return;
    if (const ConfigNode* n = node.find("name"))
      contact.name = as_string(*n, out_, file_).value_or("");
    if (const ConfigNode* n = node.find("phone"))
      contact.phone = as_string(*n, out_, file_).value_or("");
    if (const ConfigNode* n = node.find("email")) {
      contact.email = as_string(*n, out_, file_).value_or("");
      if (n->is_scalar() && contact.email.find('@') == std::string::npos) {
        out_.error(file_, n->mark(), "'" + contact.email + "' is not an e-mail address");
      }
    }
  }

  // One path, or a list of paths (a certificate rollover).
  void parse_certificates(const ConfigNode& node, ClientConfig& client) {
    if (node.is_sequence()) {
      if (!as_string_list(node, out_, file_)) return;
      if (node.items().empty()) out_.error(file_, node.mark(), "certificate: the list is empty");
      for (const ConfigNode& item : node.items()) {
        client.certificates.push_back(item.text());
        client.certificate_marks.push_back(item.mark());
      }
      return;
    }
    if (const std::optional<std::string> path = as_string(node, out_, file_)) {
      client.certificates.push_back(*path);
      client.certificate_marks.push_back(node.mark());
    }
  }

  void parse_keys(const ConfigNode& node, ClientConfig& client) {
    if (!as_string_list(node, out_, file_)) return;
    for (const ConfigNode& item : node.items()) {
      const std::string why = ssh_client_key_error(item.text());
      if (!why.empty()) out_.error(file_, item.mark(), why);
      client.ssh_keys.push_back(item.text());
    }
  }

  void parse_sftp(const ConfigNode& node, ClientSftp& sftp) {
    check_keys(node,
               {"allowed_addresses", "max_sessions", "max_file_size", "quota", "idle_timeout"}, {},
               out_, file_);
    if (!node.is_mapping()) return;
    if (const ConfigNode* n = node.find("allowed_addresses")) {
      if (as_string_list(*n, out_, file_)) {
        for (const ConfigNode& item : n->items()) {
          const std::string why = base::network_error(item.text(), base::HostBits::refused);
          if (!why.empty()) out_.error(file_, item.mark(), why);
          sftp.allowed_addresses.push_back(item.text());
        }
      }
    }
    if (const ConfigNode* n = node.find("max_sessions")) {
      if (auto v = as_int(*n, 1, kMaxSessions, out_, file_))
        sftp.max_sessions = static_cast<int>(*v);
    }
    if (const ConfigNode* n = node.find("max_file_size")) {
      if (auto v = as_size(*n, out_, file_)) sftp.max_file_size = *v;
    }
    if (const ConfigNode* n = node.find("quota")) {
      if (auto v = as_size(*n, out_, file_)) sftp.quota = *v;
    }
    if (const ConfigNode* n = node.find("idle_timeout")) {
      if (auto v = as_duration(*n, out_, file_)) {
        if (*v < std::chrono::seconds(1)) {
          out_.error(file_, n->mark(), "idle_timeout must be at least 1s");
        }
        sftp.idle_timeout = *v;
      }
    }
  }

  void parse_push(const ConfigNode& node, ClientConfig& client) {
    check_keys(node, {"port", "directory", "timeout"}, {"host", "user", "host_key"}, out_, file_);
    if (!node.is_mapping()) return;
    ClientPush push;
    if (const ConfigNode* n = node.find("host"))
      push.host = as_string(*n, out_, file_).value_or("");
    if (const ConfigNode* n = node.find("user"))
      push.user = as_string(*n, out_, file_).value_or("");
    if (const ConfigNode* n = node.find("port")) {
      push.port = static_cast<int>(as_int(*n, 1, 65535, out_, file_).value_or(push.port));
    }
    if (const ConfigNode* n = node.find("host_key")) {
      push.host_key = as_string(*n, out_, file_).value_or("");
      const std::string why = ssh_key_error(push.host_key);
      if (n->is_scalar() && !why.empty()) {
        out_.error(file_, n->mark(),
                   "host_key: " + why +
                       " (copy a line of the server's ssh_host_*_key.pub or of "
                       "`ssh-keyscan HOST`, without the host name)");
      }
    }
    if (const ConfigNode* n = node.find("directory")) {
      push.directory = as_string(*n, out_, file_).value_or("");
    }
    if (const ConfigNode* n = node.find("timeout")) {
      push.timeout = as_duration(*n, out_, file_).value_or(push.timeout);
    }
    client.push = push;
  }

  const std::string& file_;
  Diagnostics& out_;
};

}  // namespace

std::vector<std::filesystem::path> ClientConfig::certificate_paths() const {
  std::vector<std::filesystem::path> paths;
  for (const std::string& certificate : certificates) {
    std::filesystem::path path = certificate;
    if (path.is_relative()) path = std::filesystem::path(source_file).parent_path() / path;
    paths.push_back(path);
  }
  return paths;
}

bool valid_client_id(const std::string& id) {
  return !id.empty() && id.size() <= 32 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::optional<ClientConfig> load_client_file(const std::string& path, Diagnostics& out) {
  const std::size_t errors_before = out.error_count();
  const std::optional<ConfigNode> root = load_yaml_file(path, out);
  if (!root) return std::nullopt;
  ClientConfig client;
  client.id = std::filesystem::path(path).stem().string();
  client.source_file = path;
  if (!valid_client_id(client.id)) {
    out.error(path, {},
              "client id '" + client.id +
                  "' (the file name) may hold only lower-case "
                  "letters, digits, '_' and '-', at most 32");
  }
  ClientParser(path, out).parse(*root, client);
  if (out.error_count() != errors_before) return std::nullopt;
  return client;
}

}  // namespace popgate::workflows
