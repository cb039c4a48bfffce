// Signing and encrypting a result: popgate's one streaming pass (SignedData inside
// AuthEnvelopedData, AES-256-GCM, RSA-OAEP) against the stock pipeline a person would type,
// `openssl cms -sign -stream | openssl cms -encrypt -stream`, on the same file in the same run.
// Prints wall time and peak RSS of each and their ratios.
//
//   bench_cms [--mib N] [--dir D]     (default 1024 MiB in a temporary directory)
#include <sys/resource.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "adapters/crypto/cms_envelope.h"
#include "adapters/crypto/exchange_identity.h"
#include "bench/bench_support.h"

namespace {

using namespace popgate;
using bench::Clock;
using bench::peak_rss_kib_self;
using bench::seconds_since;
namespace fs = std::filesystem;

void write_input(const fs::path& path, long mib) {
  std::ofstream out(path, std::ios::binary);
  std::mt19937_64 generator(42);
  std::vector<std::uint64_t> block((1 << 20) / sizeof(std::uint64_t));
  for (long i = 0; i < mib; ++i) {
    for (std::uint64_t& word : block)
      word = generator();
    out.write(reinterpret_cast<const char*>(block.data()), 1 << 20);
  }
}

}  // namespace

int main(int argc, char** argv) {
  long mib = 1024;
  fs::path dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string option = argv[i];
    if (option == "--mib") mib = std::atol(argv[i + 1]);
    if (option == "--dir") dir = argv[i + 1];
  }
  if (dir.empty()) dir = fs::temp_directory_path() / ("bench-cms-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path input = dir / "input.zip";
  write_input(input, mib);
  const std::string client = (dir / "client").string();
  if (bench::run_command(
          "openssl req -x509 -new -nodes -subj /CN=client -newkey rsa:3072 -keyout " + client +
          ".key -out " + client + ".crt -days 2 2>/dev/null") != 0) {
    std::fprintf(stderr, "cannot make a client certificate with openssl\n");
    return 1;
  }
  const crypto::ExchangeKeys keys(dir / "keys");
  const crypto::ExchangeIdentity identity = keys.load_or_create();

  const long rss_before = peak_rss_kib_self();
  Clock::time_point start = Clock::now();
  crypto::sign_and_encrypt(input, 0, fs::file_size(input), identity, {client + ".crt"},
                           dir / "popgate.p7m");
  const double ours = seconds_since(start);
  const long ours_rss = peak_rss_kib_self();

  start = Clock::now();
  const std::string exchange = keys.certificate_path().string();
  const int rc = bench::run_command(
      "openssl cms -sign -binary -nodetach -stream -outform DER -md sha256 -in " + input.string() +
      " -signer " + exchange + " -inkey " + keys.key_path().string() +
      " | openssl cms -encrypt -binary -stream -aes-256-gcm -outform DER -out " +
      (dir / "stock.p7m").string() + " -recip " + client +
      ".crt -keyopt rsa_padding_mode:oaep -keyopt rsa_oaep_md:sha256");
  const double stock = seconds_since(start);
  rusage children{};
  ::getrusage(RUSAGE_CHILDREN, &children);
  if (rc != 0) {
    std::fprintf(stderr, "the stock pipeline failed\n");
    return 1;
  }
  std::printf("bench_cms: sign + encrypt %ld MiB (AES-256-GCM, RSA-OAEP, SHA-256)\n", mib);
  std::printf("  popgate one pass      %6.2f s  %7.1f MiB/s  peak RSS %ld MiB (before: %ld MiB)\n",
              ours, static_cast<double>(mib) / ours, ours_rss / 1024, rss_before / 1024);
  std::printf("  openssl sign|encrypt  %6.2f s  %7.1f MiB/s  peak RSS %ld MiB (largest process)\n",
              stock, static_cast<double>(mib) / stock, children.ru_maxrss / 1024);
  std::printf("  ratio (time)          %.2fx\n", ours / stock);
  std::printf("  sizes: popgate %ju, stock %ju bytes\n",
              static_cast<std::uintmax_t>(fs::file_size(dir / "popgate.p7m")),
              static_cast<std::uintmax_t>(fs::file_size(dir / "stock.p7m")));
  fs::remove_all(dir);
  return 0;
}
