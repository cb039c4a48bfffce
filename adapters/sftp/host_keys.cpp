#include "adapters/sftp/host_keys.h"

#include <libssh/libssh.h>

#include <stdexcept>

#include "adapters/sftp/libssh_common.h"
#include "base/atomic_file.h"

namespace popgate::sftp {
namespace {

namespace fs = std::filesystem;

// The host keys, in the order offered: name, libssh key type, bits (0 = fixed by the type).
struct HostKeySpec {
  const char* name;
  ssh_keytypes_e type;
  int bits;
  const char* label;
};
constexpr HostKeySpec kHostKeys[] = {
    {"ssh_host_ed25519_key", SSH_KEYTYPE_ED25519, 0, "Ed25519"},
    {"ssh_host_ecdsa_key", SSH_KEYTYPE_ECDSA_P256, 256, "ECDSA P-256"},
    {"ssh_host_rsa_key", SSH_KEYTYPE_RSA, 3072, "RSA 3072"},
};

// Loads it once so that a damaged key stops the server's start with a clear message.
KeyPtr load_host_key(const fs::path& path, const HostKeySpec& spec) {
  ssh_key raw = nullptr;
  if (ssh_pki_import_privkey_file(path.c_str(), nullptr, nullptr, nullptr, &raw) != SSH_OK)
    throw std::runtime_error("cannot load host key " + path.string());
  KeyPtr key(raw);
  if (ssh_key_type(key.get()) != spec.type)
    throw std::runtime_error("host key " + path.string() + " is not an " + spec.label + " key");
  return key;
}

KeyPtr make_host_key(const fs::path& path, const HostKeySpec& spec) {
  ssh_key raw = nullptr;
  if (ssh_pki_generate(spec.type, spec.bits, &raw) != SSH_OK)
    throw std::runtime_error(std::string("cannot generate an ") + spec.label + " host key");
  KeyPtr key(raw);
  char* exported_raw = nullptr;
  if (ssh_pki_export_privkey_base64(key.get(), nullptr, nullptr, nullptr, &exported_raw) != SSH_OK)
    throw std::runtime_error("cannot export the host key");
  SshCharPtr exported(exported_raw);
  // Mode 0600 from the start: the key is never readable by others.
  base::write_file_atomically(path, exported.get(), 0600);
  // The public half beside it, for operators (ssh-keygen -l -f ...pub).
  char* public_raw = nullptr;
  if (ssh_pki_export_pubkey_base64(key.get(), &public_raw) == SSH_OK) {
    SshCharPtr public_b64(public_raw);
    const char* type = ssh_key_type_to_char(ssh_key_type(key.get()));
    base::write_file_atomically(
        path.string() + ".pub",
        std::string(type ? type : "") + " " + public_b64.get() + " popgate\n", 0644);
  }
  return key;
}

std::vector<HostKeyFile> host_keys(const fs::path& dir, bool make_missing) {
  std::vector<HostKeyFile> files;
  for (const HostKeySpec& spec : kHostKeys) {
    HostKeyFile file{dir / spec.name, spec.label, {}, false};
    file.made = !fs::exists(file.path);
    if (file.made && !make_missing) continue;
    const KeyPtr key = file.made ? make_host_key(file.path, spec) : load_host_key(file.path, spec);
    file.fingerprint = key_description(key.get());
    files.push_back(std::move(file));
  }
  return files;
}

}  // namespace

std::vector<HostKeyFile> ensure_host_keys(const fs::path& dir) {
  if (!fs::exists(dir)) {
    fs::create_directories(dir);
    fs::permissions(dir, fs::perms::owner_all);
  }
  return host_keys(dir, true);
}

std::vector<HostKeyFile> existing_host_keys(const fs::path& dir) {
  return host_keys(dir, false);
}

}  // namespace popgate::sftp
