// Issue 6's target: archiving, signing and encrypting a 1 GB result with popgate's own steps
// (`archive` as tar.zst, then `encrypt`: SignedData inside AuthEnvelopedData, AES-256-GCM,
// RSA-OAEP), against the pipeline an operator would type on the same files in the same run:
//   tar --zstd -cf - FILES | openssl cms -sign -stream ... | openssl cms -encrypt -stream ...
// Prints wall time and peak RSS of each and the ratio (target: at most 1.0x). Also times the
// default zip format and the default 256 MiB part split, for the record.
//
//   bench_result [--mib N] [--dir D]     (default 1024 MiB of CSV in 4 files)
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "adapters/crypto/exchange_identity.h"
#include "bench/bench_support.h"
#include "steps/builtin_steps.h"

namespace {

using namespace popgate;
using bench::Clock;
using bench::peak_rss_kib_self;
using bench::seconds_since;
namespace fs = std::filesystem;

// Result-like CSV: compressible the way real results are (repeated names, codes, dates).
void write_csv(const fs::path& path, long mib, std::uint64_t seed) {
  static const char* const kLast[] = {"Korhonen", "Virtanen",   "Mäkinen", "Nieminen",
                                      "Mäkelä",   "Hämäläinen", "Laine",   "Heikkinen",
                                      "Koskinen", "Järvinen"};
  static const char* const kFirst[] = {"Anna",   "Maria", "Juhani", "Johannes", "Liisa",
                                       "Mikael", "Aino",  "Helena", "Matti",    "Elina"};
  std::mt19937_64 random(seed);
  std::ofstream out(path, std::ios::binary);
  out << "client_ref;outcome;score;reason;identity.hetu;names.last_name;names.first_names;"
         "permanent_address.street;permanent_address.postal_code;changed\r\n";
  const std::int64_t target = static_cast<std::int64_t>(mib) << 20;
  char line[256];
  std::int64_t written = 0;
  while (written < target) {
    const std::uint64_t r = random();
    const int n = std::snprintf(
        line, sizeof line,
        "C%07llu;MATCHED_HETU;1.000;HETU;%02d%02d%02d-%03d%c;%s;%s %s;Koivukatu %d;%05d;%s\r\n",
        static_cast<unsigned long long>(r % 10000000), int(r % 28 + 1), int(r / 28 % 12 + 1),
        int(r / 336 % 100), int(r / 33600 % 898 + 2), "0123456789ABCDEFHJKLMNPRSTUVWXY"[r % 31],
        kLast[r / 7 % 10], kFirst[r / 11 % 10], kFirst[r / 13 % 10], int(r / 17 % 120 + 1),
        int(r / 19 % 99999), r % 5 == 0 ? "last_name" : "");
    out.write(line, n);
    written += n;
  }
}

struct Timed {
  double seconds = 0;
  double archive_seconds = 0;
  std::uint64_t bytes = 0;
  int parts = 0;
};

// Runs `archive` then `encrypt` exactly as a workflow would.
Timed run_steps(const fs::path& dir, const std::vector<std::string>& files,
                const std::string& format, const std::string& part_size) {
  workflows::steps::StepEnvironment env;
  env.keys_dir = dir / "keys";
  env.client = [dir](const std::string& id) -> std::optional<workflows::ClientConfig> {
    workflows::ClientConfig client;
    client.id = id;
    client.source_file = (dir / "clients" / "bench.yaml").string();
    client.certificates = {(dir / "client.crt").string()};
    return client;
  };
  const workflows::StepRegistry steps = workflows::steps::builtin_steps(env);
  std::atomic<bool> cancelled{false};
  workflows::StepContext context;
  context.job_id = "20261122-000000-bench0";
  context.workflow = "bench";
  context.service = "update";
  context.client_id = "bench";
  context.work_dir = dir / "work";
  context.job_created_ms = 1'700'000'000'000;
  context.cancelled = &cancelled;
  const Clock::time_point start = Clock::now();
  context.step_id = "archive";
  context.params = {{"name", "result"}, {"format", format}, {"permit", "P/1"}};
  context.lists = {{"files", files}};
  const workflows::StepOutputs archived = steps.find("archive")->run(context);
  const double archive_seconds = seconds_since(start);
  context.step_id = "encrypt";
  context.params = {
      {"file", archived.at("path")},
      {"name", context.job_id + "-" + fs::path(archived.at("path")).filename().string()},
      {"part_size", part_size},
      {"cipher", "aes-256-gcm"}};
  context.lists.clear();
  const workflows::StepOutputs encrypted = steps.find("encrypt")->run(context);
  Timed timed;
  timed.seconds = seconds_since(start);
  timed.archive_seconds = archive_seconds;
  timed.bytes = std::stoull(encrypted.at("bytes"));
  timed.parts = std::stoi(encrypted.at("parts"));
  return timed;
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
  if (dir.empty()) dir = fs::temp_directory_path() / ("bench-result-" + std::to_string(::getpid()));
  fs::create_directories(dir / "work");
  std::vector<std::string> files;
  for (int i = 0; i < 4; ++i) {
    const std::string name = "result-" + std::to_string(i) + ".csv";
    write_csv(dir / "work" / name, mib / 4, static_cast<std::uint64_t>(i + 1));
    files.push_back(name);
  }
  if (bench::run_command(
          "openssl req -x509 -new -nodes -subj /CN=client -newkey rsa:3072 -keyout " +
          (dir / "client.key").string() + " -out " + (dir / "client.crt").string() +
          " -days 2 2>/dev/null") != 0) {
    std::fprintf(stderr, "cannot make a client certificate with openssl\n");
    return 1;
  }
  const crypto::ExchangeKeys keys(dir / "keys");
  keys.load_or_create();
  bench::run_command("sync");

  // The stock pipeline first, so that neither side gets a warmer page cache than the other
  // (both read the same files, cached after writing).
  std::string names;
  for (const std::string& f : files)
    names += " " + f;
  Clock::time_point start = Clock::now();
  const int rc = bench::run_command(
      "tar --zstd -cf - -C " + (dir / "work").string() + names +
      " | openssl cms -sign -binary -nodetach -stream -outform DER -md sha256 -signer " +
      keys.certificate_path().string() + " -inkey " + keys.key_path().string() +
      " | openssl cms -encrypt -binary -stream -aes-256-gcm -outform DER -out " +
      (dir / "stock.p7m").string() + " -recip " + (dir / "client.crt").string() +
      " -keyopt rsa_padding_mode:oaep -keyopt rsa_oaep_md:sha256");
  const double stock = seconds_since(start);
  rusage children{};
  ::getrusage(RUSAGE_CHILDREN, &children);
  if (rc != 0) {
    std::fprintf(stderr, "the stock pipeline failed\n");
    return 1;
  }

  const Timed ours = run_steps(dir, files, "tar.zst", "1TiB");
  const long ours_rss = peak_rss_kib_self() / 1024;
  const Timed split = run_steps(dir, files, "tar.zst", "256MiB");
  const Timed zip = run_steps(dir, files, "zip", "256MiB");

  std::printf("bench_result: archive + sign + encrypt %ld MiB of CSV in 4 files\n", mib);
  std::printf(
      "  tar --zstd | openssl cms -sign | -encrypt  %6.2f s  output %6.1f MiB  "
      "peak RSS %ld MiB (largest process)\n",
      stock, static_cast<double>(fs::file_size(dir / "stock.p7m")) / 1048576.0,
      children.ru_maxrss / 1024);
  std::printf(
      "  popgate archive tar.zst + encrypt          %6.2f s  output %6.1f MiB  "
      "peak RSS %ld MiB (whole process)\n",
      ours.seconds, static_cast<double>(ours.bytes) / 1048576.0, ours_rss);
  std::printf("    of which archive %.2f s, encrypt %.2f s\n", ours.archive_seconds,
              ours.seconds - ours.archive_seconds);
  std::printf("  ratio (time, target <= 1.0)                %.2fx\n", ours.seconds / stock);
  std::printf("  popgate tar.zst, 256 MiB parts             %6.2f s  %d part(s)\n", split.seconds,
              split.parts);
  std::printf("  popgate zip (default), 256 MiB parts       %6.2f s  %d part(s), %.1f MiB\n",
              zip.seconds, zip.parts, static_cast<double>(zip.bytes) / 1048576.0);
  fs::remove_all(dir);
  return 0;
}
