// popgate keys: the exchange certificate clients encrypt uploads to and verify results with,
// and its rotation; and the SFTP server's host keys, whose fingerprints clients pin.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

#include "adapters/crypto/exchange_identity.h"
#include "adapters/sftp/host_keys.h"
#include "daemon/cli/appliance_dirs.h"
#include "daemon/cli/cli.h"
#include "daemon/cli/commands.h"

namespace popgate::cli {
namespace {

namespace fs = std::filesystem;

fs::path keys_dir(const crypto::ExchangeKeys& keys) {
  return keys.key_path().parent_path();
}

void print_identity(std::ostream& out, const crypto::ExchangeIdentity& identity,
                    const std::string& indent) {
  const crypto::IdentityDescription& d = identity.description();
  out << indent << "subject      " << d.subject << "\n"
      << indent << "serial       " << d.serial << "\n"
      << indent << "not before   " << d.not_before << "\n"
      << indent << "not after    " << d.not_after << "\n"
      << indent << "key          " << d.key << "\n"
      << indent << "sha256       " << d.sha256 << "\n"
      << indent << "certificate  " << d.certificate_path.string() << "\n";
}

// Showing never makes a key: a certificate shown from a directory the daemon does not use
// would be handed to clients that then encrypt to a key nobody holds.
void print_host_keys(std::ostream& out, const std::vector<sftp::HostKeyFile>& files) {
  for (const sftp::HostKeyFile& file : files)
    out << "  " << (file.made ? "made  " : "") << file.fingerprint << "  " << file.path.string()
        << "\n";
}

int show(const crypto::ExchangeKeys& keys, const std::string& data_dir, bool pem) {
  const std::optional<crypto::ExchangeIdentity> found = keys.load_current();
  if (!found) {
    std::cerr << "popgate keys: no exchange key in " << keys.key_path().parent_path().string()
              << ": 'popgate keys init --data-dir " << data_dir
              << "' makes one (so does the first start of popgate serve); is this the "
                 "appliance's data directory?\n";
    return kExitFailure;
  }
  const crypto::ExchangeIdentity& current = *found;
  if (pem) {
    std::cout << current.certificate_pem();
    return kExitOk;
  }
  std::cout << "exchange certificate (signs results; clients encrypt uploads to it)\n";
  print_identity(std::cout, current, "  ");
  std::vector<std::string> problems;
  const std::vector<crypto::ExchangeIdentity> retired = keys.retired(&problems);
  std::cout << "retired (still decrypt uploads): " << retired.size() << "\n";
  for (const crypto::ExchangeIdentity& old : retired) {
    std::cout << "\n";
    print_identity(std::cout, old, "  ");
  }
  for (const std::string& problem : problems)
    std::cerr << "popgate keys: cannot load a retired identity: " << problem << "\n";
  const std::vector<sftp::HostKeyFile> host_keys = sftp::existing_host_keys(keys_dir(keys));
  std::cout << "\nSFTP host keys (clients pin these fingerprints): " << host_keys.size() << "\n";
  print_host_keys(std::cout, host_keys);
  return problems.empty() ? kExitOk : kExitFailure;
}

// Makes what is missing of the exchange key and the host keys, and says which it made: a
// package's first install runs it, so that the operator can hand both out before the first start.
int init(const crypto::ExchangeKeys& keys) {
  if (const std::optional<crypto::ExchangeIdentity> existing = keys.load_current()) {
    std::cout << "the exchange key is already there, unchanged:\n";
    print_identity(std::cout, *existing, "  ");
  } else {
    const crypto::ExchangeIdentity made = keys.load_or_create();
    std::cout << "made a new exchange key and certificate:\n";
    print_identity(std::cout, made, "  ");
    std::cout << "Give clients the certificate (popgate keys show --pem).\n";
  }
  const std::vector<sftp::HostKeyFile> host_keys = sftp::ensure_host_keys(keys_dir(keys));
  const auto made = std::count_if(host_keys.begin(), host_keys.end(),
                                  [](const sftp::HostKeyFile& file) { return file.made; });
  std::cout << "SFTP host keys: made " << made << ", kept " << host_keys.size() - made
            << " (clients pin these fingerprints):\n";
  print_host_keys(std::cout, host_keys);
  return kExitOk;
}

int rotate(const crypto::ExchangeKeys& keys, const ParsedArgs& parsed) {
  if (parsed.has("key") != parsed.has("cert"))
    throw UsageError("--key and --cert go together: the key and its certificate");
  const crypto::Rotation rotation =
      parsed.has("key") ? keys.install(parsed.get_or("key", ""), parsed.get_or("cert", ""))
                        : keys.rotate();
  if (rotation.retired)
    std::cout << "retired " << rotation.retired->description().sha256 << " to "
              << rotation.retired->description().certificate_path.string() << "\n";
  std::cout << "current exchange certificate:\n";
  print_identity(std::cout, rotation.current, "  ");
  std::cout << "Give clients the new certificate (popgate keys show --pem): results are signed "
               "with it from now on. Uploads encrypted to the retired one still open.\n";
  return kExitOk;
}

}  // namespace

int run_keys(CommandArgs args) {
  ArgParser parser(
      "keys init | show [--pem] | rotate [--key FILE --cert FILE] [--config DIR|--data-dir DIR]",
      "The appliance's exchange key and certificate (DIR/keys/exchange.{key,crt}): results are\n"
      "signed with it, and clients encrypt uploads to its certificate. And the SFTP server's\n"
      "host keys (DIR/keys/ssh_host_*_key), whose fingerprints clients pin.\n"
      "  init              makes an RSA 3072 self-signed pair unless there is one, and the host\n"
      "                    keys that are missing (so does the first start of popgate serve), and\n"
      "                    says which it made\n"
      "  show              the current certificate, the retired ones and the host keys' SHA-256\n"
      "                    fingerprints; --pem prints the certificate to give clients (to verify\n"
      "                    results, encrypt uploads). Never makes a key: without one it says so\n"
      "                    and exits 1\n"
      "  rotate            moves the current pair to DIR/keys/retired/ (uploads encrypted to\n"
      "                    it still open) and makes a new RSA 3072 self-signed pair\n"
      "  rotate --key FILE --cert FILE\n"
      "                    installs this key and certificate instead, after checking that they\n"
      "                    match, that the certificate is valid now and can sign and receive\n"
      "                    encrypted content (RSA >= 2048 bits or EC)");
  add_data_dir_options(parser)
      .option({"pem", "", "show: print only the current certificate, PEM", ""})
      .option({"key", "FILE", "rotate: the new private key, PEM, unencrypted", ""})
      .option({"cert", "FILE", "rotate: its certificate, PEM", ""})
      .positional_range(1, 1);
  int exit_code = kExitOk;
  auto parsed = parse_or_exit(parser, args, &exit_code);
  if (!parsed) return exit_code;
  const std::string action = parsed->positional()[0];
  const std::string data_dir = cli::data_dir(*parsed).path.string();
  const crypto::ExchangeKeys keys(fs::path(data_dir) / "keys");
  if (action == "show" || action == "init") {
    if (parsed->has("key") || parsed->has("cert"))
      throw UsageError(action + " takes no --key/--cert");
  }
  if (action == "show") return show(keys, data_dir, parsed->has("pem"));
  if (action == "init") {
    if (parsed->has("pem")) throw UsageError("--pem is for show");
    return init(keys);
  }
  if (action == "rotate") {
    if (parsed->has("pem")) throw UsageError("--pem is for show");
    return rotate(keys, *parsed);
  }
  throw UsageError("unknown action '" + action + "' (init, show or rotate)");
}

}  // namespace popgate::cli
