// Register benchmark (issue targets: synth of 5.6M persons in at most 120 s with peak RSS at most
// 1.5 GB and register.db at most 2.5 GB; point lookup by HETU under 20 µs median).
//
// Every figure is printed next to a baseline measured in the same run on the same machine:
//  - synth is compared with raw SQLite writing one narrow row per person (prepared statement,
//    no journal) and indexing it: the floor any register load on this machine stands on;
//  - person_by_hetu (a whole person: addresses, family, decoding) is compared with a bare
//    SQLite index probe for the same HETUs.
//
// usage: bench_register --popgate PATH [--persons N] [--dir DIR] [--lookups N]
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "adapters/store/sqlite_register_store.h"
#include "registry/random.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct ChildRun {
  double seconds = 0;
  long peak_rss_kb = 0;
  int status = 0;
};

// Runs a command as a child process and reports its wall time and peak RSS (from wait4).
ChildRun run(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const auto start = Clock::now();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // The child's own report would interleave with ours: only its exit status counts here.
    const int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) dup2(null, STDOUT_FILENO);
    execv(args[0], args.data());
    _exit(127);
  }
  ChildRun result;
  rusage usage{};
  if (wait4(pid, &result.status, 0, &usage) < 0) throw std::runtime_error("wait4 failed");
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  result.peak_rss_kb = usage.ru_maxrss;
  return result;
}

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    throw std::runtime_error(std::string(what) + ": " + sqlite3_errmsg(db));
  }
}

// The baseline: N narrow rows written as fast as SQLite takes them, then a unique index.
double raw_sqlite_load(const fs::path& file, std::int64_t persons) {
  fs::remove(file);
  const auto start = Clock::now();
  sqlite3* db = nullptr;
  check(sqlite3_open(file.c_str(), &db), db, "open");
  check(sqlite3_exec(db,
                     "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;"
                     "CREATE TABLE person(id INTEGER PRIMARY KEY, hetu TEXT, first_names TEXT,"
                     " last_name TEXT, birth_date TEXT, municipality TEXT)",
                     nullptr, nullptr, nullptr),
        db, "schema");
  sqlite3_stmt* insert = nullptr;
  check(sqlite3_prepare_v2(db, "INSERT INTO person VALUES(?,?,?,?,?,?)", -1, &insert, nullptr), db,
        "prepare");
  popgate::registry::Random random(1);
  char hetu[16], date[16];
  for (std::int64_t i = 0; i < persons; ++i) {
    if (i % 50'000 == 0) check(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), db, "begin");
    std::snprintf(hetu, sizeof hetu, "%06d-%03dX", static_cast<int>(random.below(999'999)),
                  static_cast<int>(i % 1000));
    std::snprintf(date, sizeof date, "19%02d-%02d-%02d", static_cast<int>(random.below(100)),
                  static_cast<int>(1 + random.below(12)), static_cast<int>(1 + random.below(28)));
    sqlite3_bind_int64(insert, 1, i + 1);
    sqlite3_bind_text(insert, 2, hetu, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 3, "Anna Maria", -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 4, "Virtanen", -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 5, date, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 6, "091", -1, SQLITE_STATIC);
    check(sqlite3_step(insert), db, "insert");
    sqlite3_reset(insert);
    if (i % 50'000 == 49'999 || i + 1 == persons) {
      check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
    }
  }
  sqlite3_finalize(insert);
  check(sqlite3_exec(db, "CREATE INDEX person_hetu ON person(hetu)", nullptr, nullptr, nullptr), db,
        "index");
  sqlite3_close(db);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  fs::remove(file);
  return seconds;
}

std::vector<std::string> sample_hetus(const fs::path& file, std::size_t count) {
  sqlite3* db = nullptr;
  check(sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), db, "open");
  sqlite3_stmt* max = nullptr;
  check(sqlite3_prepare_v2(db, "SELECT max(id) FROM person", -1, &max, nullptr), db, "prepare");
  check(sqlite3_step(max), db, "max");
  const std::int64_t top = sqlite3_column_int64(max, 0);
  sqlite3_finalize(max);
  sqlite3_stmt* by_id = nullptr;
  check(
      sqlite3_prepare_v2(db, "SELECT hetu FROM person WHERE id >= ? LIMIT 1", -1, &by_id, nullptr),
      db, "prepare");
  popgate::registry::Random random(99);
  std::vector<std::string> hetus;
  while (hetus.size() < count) {
    sqlite3_bind_int64(
        by_id, 1, 1 + static_cast<std::int64_t>(random.below(static_cast<std::uint64_t>(top))));
    if (sqlite3_step(by_id) == SQLITE_ROW) {
      hetus.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(by_id, 0)));
    }
    sqlite3_reset(by_id);
  }
  sqlite3_finalize(by_id);
  sqlite3_close(db);
  return hetus;
}

struct Latency {
  double median_us = 0;
  double p99_us = 0;
};

template <typename Lookup>
Latency measure(const std::vector<std::string>& hetus, Lookup lookup) {
  for (std::size_t i = 0; i < std::min<std::size_t>(hetus.size(), 2000); ++i)
    lookup(hetus[i]);
  std::vector<double> us;
  us.reserve(hetus.size());
  for (const std::string& h : hetus) {
    const auto start = Clock::now();
    if (!lookup(h)) throw std::runtime_error("lookup of " + h + " found nothing");
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], us[us.size() * 99 / 100]};
}

Latency raw_probe(const fs::path& file, const std::vector<std::string>& hetus) {
  sqlite3* db = nullptr;
  check(sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), db, "open");
  sqlite3_stmt* probe = nullptr;
  check(sqlite3_prepare_v2(db, "SELECT id FROM person WHERE hetu = ?", -1, &probe, nullptr), db,
        "prepare");
  const Latency latency = measure(hetus, [&](const std::string& h) {
    sqlite3_bind_text(probe, 1, h.data(), static_cast<int>(h.size()), SQLITE_STATIC);
    const bool found = sqlite3_step(probe) == SQLITE_ROW;
    sqlite3_reset(probe);
    return found;
  });
  sqlite3_finalize(probe);
  sqlite3_close(db);
  return latency;
}

std::string arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == "--" + name) return argv[i + 1];
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string popgate = arg(argc, argv, "popgate", "");
    const std::int64_t persons = std::stoll(arg(argc, argv, "persons", "5600000"));
    const fs::path dir = arg(argc, argv, "dir", "build/bench");
    const auto lookups = static_cast<std::size_t>(std::stoll(arg(argc, argv, "lookups", "100000")));
    if (popgate.empty()) {
      std::cerr << "usage: bench_register --popgate PATH [--persons N] [--dir DIR] [--lookups N]\n";
      return 2;
    }
    fs::create_directories(dir);
    const fs::path db = dir / "register.db";
    fs::remove(db);

    std::printf("== register: synth of %lld persons\n", static_cast<long long>(persons));
    const double baseline = raw_sqlite_load(dir / "baseline.db", persons);
    const ChildRun synth = run({popgate, "synth", "--persons", std::to_string(persons), "--seed",
                                "1", "--as-of", "2026-01-01", "--out", db.string(), "--quiet"});
    if (synth.status != 0) throw std::runtime_error("popgate synth failed");
    const double size_gb = static_cast<double>(fs::file_size(db)) / 1e9;
    const double rss_gb = static_cast<double>(synth.peak_rss_kb) * 1024 / 1e9;
    const double scale = static_cast<double>(persons) / 5'600'000.0;
    std::printf("baseline  raw SQLite narrow rows + index: %8.1f s\n", baseline);
    std::printf(
        "synth     popgate synth:                   %8.1f s   ratio %.2fx baseline"
        "   target <= %.0f s\n",
        synth.seconds, synth.seconds / baseline, 120 * scale);
    std::printf("synth     peak RSS:                        %8.2f GB  target <= 1.5 GB\n", rss_gb);
    std::printf("synth     register.db:                     %8.2f GB  target <= %.2f GB\n", size_gb,
                2.5 * scale);

    std::printf("== register: point lookup by HETU (%zu random persons)\n", lookups);
    const std::vector<std::string> hetus = sample_hetus(db, lookups);
    const Latency raw = raw_probe(db, hetus);
    auto store = popgate::store::SqliteRegisterStore::open(
        db.string(), popgate::store::SqliteRegisterStore::Mode::read_only);
    const Latency full =
        measure(hetus, [&](const std::string& h) { return store->person_by_hetu(h).has_value(); });
    std::printf("baseline  bare index probe:    median %6.2f us  p99 %6.2f us\n", raw.median_us,
                raw.p99_us);
    std::printf(
        "lookup    person_by_hetu:      median %6.2f us  p99 %6.2f us  ratio %.2fx baseline"
        "  target median < 20 us\n",
        full.median_us, full.p99_us, full.median_us / raw.median_us);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "bench_register: " << e.what() << "\n";
    return 1;
  }
}
