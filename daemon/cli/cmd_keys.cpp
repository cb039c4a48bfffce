// popgate keys: the exchange certificate clients encrypt uploads to and verify results with,
// and its rotation.
#include <filesystem>
#include <iostream>

#include "adapters/crypto/exchange_identity.h"
#include "daemon/cli/cli.h"
#include "daemon/cli/commands.h"

namespace popgate::cli {
namespace {

namespace fs = std::filesystem;

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

int show(const crypto::ExchangeKeys& keys, bool pem) {
  const crypto::ExchangeIdentity current = keys.load_or_create();
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
  return problems.empty() ? kExitOk : kExitFailure;
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
      "keys show [--pem] | rotate [--key FILE --cert FILE] [--data-dir DIR]",
      "The appliance's exchange key and certificate (DIR/keys/exchange.{key,crt}): results are\n"
      "signed with it, and clients encrypt uploads to its certificate. Made on first use.\n"
      "  show              the current certificate and the retired ones; --pem prints the\n"
      "                    certificate to give clients (to verify results, encrypt uploads)\n"
      "  rotate            moves the current pair to DIR/keys/retired/ (uploads encrypted to\n"
      "                    it still open) and makes a new RSA 3072 self-signed pair\n"
      "  rotate --key FILE --cert FILE\n"
      "                    installs this key and certificate instead, after checking that they\n"
      "                    match, that the certificate is valid now and can sign and receive\n"
      "                    encrypted content (RSA >= 2048 bits or EC)");
  parser.option({"data-dir", "DIR", "the data directory", "./popgate-data"})
      .option({"pem", "", "show: print only the current certificate, PEM", ""})
      .option({"key", "FILE", "rotate: the new private key, PEM, unencrypted", ""})
      .option({"cert", "FILE", "rotate: its certificate, PEM", ""})
      .positional_range(1, 1);
  int exit_code = kExitOk;
  auto parsed = parse_or_exit(parser, args, &exit_code);
  if (!parsed) return exit_code;
  const std::string action = parsed->positional()[0];
  const crypto::ExchangeKeys keys(fs::path(parsed->get_or("data-dir", "./popgate-data")) / "keys");
  if (action == "show") {
    if (parsed->has("key") || parsed->has("cert")) throw UsageError("show takes no --key/--cert");
    return show(keys, parsed->has("pem"));
  }
  if (action == "rotate") {
    if (parsed->has("pem")) throw UsageError("--pem is for show");
    return rotate(keys, *parsed);
  }
  throw UsageError("unknown action '" + action + "' (show or rotate)");
}

}  // namespace popgate::cli
