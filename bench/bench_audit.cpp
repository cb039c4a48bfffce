// The audit log at scale: "who received this person's data" must stay fast however many
// person entries the log holds (the issue: one person among 100 million). Builds an audit.db of
// RECORDS disclosures x PERSONS persons each, drawn from a population of POOL identity codes (so
// the same persons recur, as in monthly update runs), then times `AuditReader::person` for
// random persons against a bare SQLite probe of the same index in the same run, and times a
// full `verify`.
//
//   bench_audit [--records N] [--persons N] [--pool N] [--lookups N] [--dir D] [--no-verify]
// Defaults: 10 records x 1,000,000 persons = 10M entries; --records 100 gives 100M.
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "adapters/crypto/signing_key.h"
#include "adapters/store/audit_log.h"
#include "bench/bench_support.h"
#include "registry/random.h"

namespace {

using namespace popgate;
using bench::Clock;
using bench::seconds_since;
namespace fs = std::filesystem;

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

// An 11-character code shaped like a HETU ("DDMMYY-NNNC"), unique per index.
std::string code_of(std::uint64_t i) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%06llu-%04llu",
                static_cast<unsigned long long>(i / 10000 % 1'000'000),
                static_cast<unsigned long long>(i % 10000));
  return buf;
}

struct Options {
  std::int64_t records = 10;
  std::int64_t persons = 1'000'000;
  std::int64_t pool = 5'600'000;
  int lookups = 10'000;
  fs::path dir = "bench-audit";
  bool verify = true;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--records")
      o.records = std::stoll(next());
    else if (a == "--persons")
      o.persons = std::stoll(next());
    else if (a == "--pool")
      o.pool = std::stoll(next());
    else if (a == "--lookups")
      o.lookups = std::stoi(next());
    else if (a == "--dir")
      o.dir = next();
    else if (a == "--no-verify")
      o.verify = false;
    else {
      std::fprintf(stderr,
                   "usage: bench_audit [--records N] [--persons N] [--pool N] [--lookups N] "
                   "[--dir D] [--no-verify]\n");
      std::exit(2);
    }
  }
  o.persons = std::min(o.persons, o.pool);
  return o;
}

// The bare index probe the audit query is built on, on its own connection.
double bare_probe_micros(const fs::path& db, const std::string& hetu) {
  static sqlite3* handle = nullptr;
  static sqlite3_stmt* stmt = nullptr;
  if (handle == nullptr) {
    sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_prepare_v2(handle, "SELECT seq FROM record_persons WHERE hetu = ?1", -1, &stmt,
                       nullptr);
  }
  const auto start = Clock::now();
  sqlite3_bind_text(stmt, 1, hetu.data(), static_cast<int>(hetu.size()), SQLITE_STATIC);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
  }
  sqlite3_reset(stmt);
  return seconds_since(start) * 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  fs::remove_all(o.dir);
  fs::create_directories(o.dir);
  const fs::path db = o.dir / "audit.db";
  std::printf("bench_audit: %lld records x %lld persons = %lld person entries, pool %lld\n",
              static_cast<long long>(o.records), static_cast<long long>(o.persons),
              static_cast<long long>(o.records * o.persons), static_cast<long long>(o.pool));

  registry::Random random(42);
  {
    store::AuditLog log(db, crypto::SigningKey::load_or_create(o.dir / "appliance.key"));
    const auto start = Clock::now();
    std::vector<std::uint64_t> ids(static_cast<std::size_t>(o.pool));
    for (std::size_t i = 0; i < ids.size(); ++i)
      ids[i] = i;
    for (std::int64_t r = 0; r < o.records; ++r) {
      // A random subset of the pool: a partial Fisher-Yates shuffle.
      registry::Disclosure d;
      d.job_id = "bench-" + std::to_string(r);
      d.client = "client-" + std::to_string(r % 7);
      d.permit = "DVV/" + std::to_string(r % 3) + "/2026";
      d.data_groups = {registry::DataGroup::identity, registry::DataGroup::names,
                       registry::DataGroup::permanent_address};
      d.files = {{d.job_id + "-result.zip.p7m", std::string(64, 'e'), 1}};
      d.persons.reserve(static_cast<std::size_t>(o.persons));
      for (std::int64_t k = 0; k < o.persons; ++k) {
        const std::size_t j =
            static_cast<std::size_t>(k) + random.below(static_cast<std::uint64_t>(o.pool - k));
        std::swap(ids[static_cast<std::size_t>(k)], ids[j]);
        d.persons.push_back(code_of(ids[static_cast<std::size_t>(k)]));
      }
      const auto t = Clock::now();
      log.record(d);
      std::printf("  record %lld: %.1f s\n", static_cast<long long>(r + 1), seconds_since(t));
      std::fflush(stdout);
    }
    const double total = seconds_since(start);
    std::printf("build: %.1f s, %.0f entries/s; audit.db %.2f GB\n", total,
                static_cast<double>(o.records * o.persons) / total,
                static_cast<double>(fs::file_size(db)) / 1e9);
  }

  store::AuditReader reader(db);
  std::vector<double> audit_us, bare_us;
  std::int64_t found = 0;
  for (int i = 0; i < o.lookups; ++i) {
    const std::string hetu = code_of(random.below(static_cast<std::uint64_t>(o.pool)));
    bare_us.push_back(bare_probe_micros(db, hetu));
    const auto start = Clock::now();
    found += static_cast<std::int64_t>(reader.person(hetu).size());
    audit_us.push_back(seconds_since(start) * 1e6);
  }
  std::printf(
      "audit person (%d random persons, %.2f disclosures each on average):\n"
      "  popgate audit query  median %.1f us  p99 %.1f us\n"
      "  bare index probe     median %.1f us  p99 %.1f us   (baseline, same run)\n"
      "  ratio (median)       %.2fx\n",
      o.lookups, static_cast<double>(found) / o.lookups, percentile(audit_us, 0.5),
      percentile(audit_us, 0.99), percentile(bare_us, 0.5), percentile(bare_us, 0.99),
      percentile(audit_us, 0.5) / std::max(percentile(bare_us, 0.5), 0.001));

  if (o.verify) {
    const auto start = Clock::now();
    const store::AuditVerification v =
        reader.verify(crypto::SigningKey::load(o.dir / "appliance.key").public_pem());
    std::printf("verify: %s, %lld records, %lld person entries in %.1f s\n",
                v.ok ? "ok" : v.problem.c_str(), static_cast<long long>(v.records),
                static_cast<long long>(v.persons), seconds_since(start));
    if (!v.ok) return 1;
  }
  fs::remove_all(o.dir);
  return 0;
}
