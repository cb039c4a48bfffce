// The tamper-evident audit log (data_dir/audit/audit.db): one record per disclosure, each
// holding the SHA-256 of the record before it and signed with the appliance key, so that
//   - editing a record breaks its own hash (and the signature cannot be redone without the key),
//   - deleting one leaves a gap in the sequence and breaks the next record's link,
//   - reordering breaks both,
// and `verify` names the first record where the chain fails. A truncated tail leaves a valid
// shorter chain: verify prints the head so that it can be compared with one published
// elsewhere (on_recorded hands each new head to the writer, for its log).
//
// Who received a person's data is answered from an index (hetu, record) that verify also
// checks against the records themselves, so removing a row to hide a disclosure is detected;
// so are SQLite's own indexes (by client, by job): verify runs SQLite's integrity check, which
// holds each index to the table that the chain check holds to the chain, so a flipped byte in
// an index page cannot make an answer quietly shorter; `audit client` reads the table itself.
//
// Each record carries its format version (kAuditFormat today), and the text its hash covers is
// chosen by that version: later fields extend a new version, and older records still verify.
#ifndef POPGATE_ADAPTERS_STORE_AUDIT_LOG_H_
#define POPGATE_ADAPTERS_STORE_AUDIT_LOG_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "adapters/crypto/signing_key.h"
#include "adapters/store/sqlite.h"
#include "registry/audit.h"

namespace popgate::store {

// The format version new records are written with; verify knows every version up to it.
// 1: the first; 2: adds run_by (the operator of a foreground run).
inline constexpr int kAuditFormat = 2;

struct AuditEntry {
  std::int64_t seq = 0;
  int format = kAuditFormat;
  std::string recorded_at;  // ISO 8601 UTC with milliseconds
  std::string job_id;
  std::string client;
  std::string permit;
  std::string service;
  std::string data_groups;  // comma-separated, as recorded
  std::vector<registry::DisclosedFile> files;
  std::int64_t persons = 0;
  std::string hash;
  std::string run_by;  // format 2: the operator of a foreground run; empty for serve's jobs
};

struct AuditVerification {
  bool ok = true;
  std::int64_t records = 0;    // records checked
  std::int64_t persons = 0;    // person entries checked
  std::int64_t first_bad = 0;  // the first record that fails; 0 when ok or not one record's
  std::string problem;         // what is wrong (with that record)
  std::string head_hash;       // the last good record's hash
};

// A chain head an auditor kept (from `audit verify` or the journal's "audit: record N
// appended; chain head HASH"): the chain must still reach it, so that a tail deleted together
// with its index rows is found although the shorter chain is valid.
struct AuditHead {
  std::int64_t seq = 0;
  std::string hash;
};

class AuditLog : public registry::AuditSink {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // Opens (creating) `db_path`. Records are signed with `key`.
  AuditLog(const std::filesystem::path& db_path, crypto::SigningKey key, Clock clock = {});

  // Appends one record in one transaction and returns its sequence number. Safe to call from
  // several threads, and from several processes (the write lock is taken before the chain's
  // head is read). The same disclosure again (same job, client, permit, groups, files and
  // persons: a delivery re-run after a crash) is not recorded twice: its first number is
  // returned.
  std::int64_t record(const registry::Disclosure& disclosure) override;
  // The chain's last record (its length is head->seq); nullopt while the log is empty.
  std::optional<AuditHead> head();
  // Called after each record with its sequence number and hash (the daemon logs them).
  void on_recorded(std::function<void(std::int64_t seq, const std::string& hash)> callback) {
    on_recorded_ = std::move(callback);
  }

 private:
  std::optional<std::int64_t> recorded_already(const AuditEntry& entry,
                                               const std::string& persons_sha256);

  std::mutex mutex_;
  Database db_;
  crypto::SigningKey key_;
  Clock clock_;
  std::function<void(std::int64_t, const std::string&)> on_recorded_;
};

// Read-only queries and verification, for `popgate audit`.
class AuditReader {
 public:
  explicit AuditReader(const std::filesystem::path& db_path);

  // Checks every record against `public_pem` (the appliance key's public half), the database's
  // structure (SQLite's integrity check), every index against the chain, and, when given, that
  // record `kept_head.seq` still exists with hash `kept_head.hash`.
  AuditVerification verify(const std::string& public_pem,
                           const std::optional<AuditHead>& kept_head = std::nullopt);
  // The records that disclosed data of `hetu`, oldest first.
  std::vector<AuditEntry> person(const std::string& hetu);
  // The records of `client`, oldest first; `since` is "YYYY-MM-DD" (UTC) or empty.
  std::vector<AuditEntry> client(const std::string& client, const std::string& since);

 private:
  std::vector<AuditEntry> entries(const std::string& where_sql,
                                  const std::function<void(Statement&)>& bind);
  void check_structure(AuditVerification& result);
  Database db_;
  std::string entry_columns_;  // logs made before the format column read as format 1
};

// The text a record's hash covers (without the previous hash), exposed for tests.
std::string audit_record_text(const AuditEntry& entry, const std::string& persons_sha256);

}  // namespace popgate::store

#endif  // POPGATE_ADAPTERS_STORE_AUDIT_LOG_H_
