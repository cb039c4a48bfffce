#include "adapters/store/audit_log.h"

#include <algorithm>
#include <array>
#include <map>
#include <sstream>
#include <stdexcept>

#include "adapters/crypto/sha256.h"
#include "base/time_text.h"

namespace popgate::store {
namespace {

constexpr std::string_view kSchema = R"(
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS records (
  seq INTEGER PRIMARY KEY,
  recorded_at TEXT NOT NULL,
  job_id TEXT NOT NULL,
  client TEXT NOT NULL,
  permit TEXT NOT NULL,
  service TEXT NOT NULL,
  data_groups TEXT NOT NULL,
  files TEXT NOT NULL,
  persons INTEGER NOT NULL,
  persons_sha256 TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  signature TEXT NOT NULL,
  -- Which text the hash covers (audit_record_text); logs made before it gain it by migration.
  format INTEGER NOT NULL DEFAULT 1,
  -- Format 2: the operator of a foreground run (`popgate run`); '' for the daemon's jobs.
  run_by TEXT NOT NULL DEFAULT '',
  -- Last: a large list spills into overflow pages, which SQLite reads only for a column at or
  -- after it, so queries of the other columns never touch it.
  persons_list TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS records_by_client ON records (client, recorded_at);
CREATE INDEX IF NOT EXISTS records_by_job ON records (job_id);
CREATE TABLE IF NOT EXISTS record_persons (
  hetu TEXT NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (hetu, seq)
) STRICT, WITHOUT ROWID;
)";

bool has_column(Database& db, const std::string& column) {
  Statement s = db.prepare("SELECT count(*) FROM pragma_table_info('records') WHERE name = ?1",
                           "reading the audit log's columns");
  s.bind_text(1, column);
  return s.step() && s.column_int(0) > 0;
}

// The columns read_entry reads, in its order. A log made before the format column (all its
// records are format 1) reads constants instead; one made before run_by (formats 1), ''.
std::string entry_columns(Database& db) {
  return std::string(
             "r.seq, r.recorded_at, r.job_id, r.client, r.permit, r.service, r.data_groups, "
             "r.files, r.persons, r.hash, ") +
         (has_column(db, "format") ? "r.format" : "1") + ", " +
         (has_column(db, "run_by") ? "r.run_by" : "''");
}
constexpr int kEntryColumnCount = 12;

const std::string kGenesis(64, '0');

// Length-prefixed, so that no field's content can shift another field's meaning.
void append_field(std::string& out, std::string_view value) {
  out += std::to_string(value.size());
  out += ':';
  out += value;
  out += ';';
}

bool has_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20; });
}

std::string files_text(const std::vector<registry::DisclosedFile>& files) {
  std::string out;
  for (const registry::DisclosedFile& f : files) {
    if (has_control(f.name) || has_control(f.sha256))
      throw std::invalid_argument("audit: a file name holds a control character");
    out += f.name + "\t" + f.sha256 + "\t" + std::to_string(f.bytes) + "\n";
  }
  return out;
}

std::vector<registry::DisclosedFile> parse_files(std::string_view text) {
  std::vector<registry::DisclosedFile> files;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    registry::DisclosedFile f;
    const std::size_t a = line.find('\t'), b = line.find('\t', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    f.name = line.substr(0, a);
    f.sha256 = line.substr(a + 1, b - a - 1);
    f.bytes = std::stoull(line.substr(b + 1));
    files.push_back(std::move(f));
  }
  return files;
}

std::string groups_text(const std::vector<registry::DataGroup>& groups) {
  std::string out;
  for (const registry::DataGroup g : groups) {
    if (!out.empty()) out += ',';
    out += registry::to_string(g);
  }
  return out;
}

// The sorted, de-duplicated person list, one HETU per line.
std::string persons_text(std::vector<std::string> persons, std::int64_t& count) {
  std::sort(persons.begin(), persons.end());
  persons.erase(std::unique(persons.begin(), persons.end()), persons.end());
  std::string out;
  for (const std::string& hetu : persons) {
    if (hetu.empty() || has_control(hetu))
      throw std::invalid_argument(
          "audit: a person identifier is empty or holds a control "
          "character");
    out += hetu;
    out += '\n';
  }
  count = static_cast<std::int64_t>(persons.size());
  return out;
}

template <typename Visit>
void for_each_line(std::string_view text, Visit visit) {
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    visit(text.substr(start, end - start));
    start = end + 1;
  }
}

// An order-independent digest of a set of (hetu, record) pairs: the lane-wise sum of their
// SHA-256s. The index and the records must give the same sum for every record.
struct PairSum {
  std::array<std::uint64_t, 4> lanes{};
  void add(std::string_view hetu, std::int64_t seq) {
    const std::string hex = crypto::sha256_hex(std::string(hetu) + ":" + std::to_string(seq));
    for (std::size_t i = 0; i < 4; ++i)
      lanes[i] += std::stoull(hex.substr(i * 16, 16), nullptr, 16);
  }
  friend bool operator==(const PairSum&, const PairSum&) = default;
};

AuditEntry read_entry(const Statement& s) {
  AuditEntry e;
  e.seq = s.column_int(0);
  e.recorded_at = s.column_string(1);
  e.job_id = s.column_string(2);
  e.client = s.column_string(3);
  e.permit = s.column_string(4);
  e.service = s.column_string(5);
  e.data_groups = s.column_string(6);
  e.files = parse_files(s.column_text(7));
  e.persons = s.column_int(8);
  e.hash = s.column_string(9);
  e.format = static_cast<int>(s.column_int(10));
  e.run_by = s.column_string(11);
  return e;
}

std::string files_text_of(const AuditEntry& entry) {
  return files_text(entry.files);
}

}  // namespace

std::optional<AuditHead> AuditLog::head() {
  std::lock_guard lock(mutex_);
  Statement s = db_.prepare("SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1",
                            "reading the audit chain's head");
  if (!s.step()) return std::nullopt;
  return AuditHead{s.column_int(0), s.column_string(1)};
}

std::string audit_record_text(const AuditEntry& e, const std::string& persons_sha256) {
  // Each format starts from the one before and appends its fields, under its own prefix, so
  // that records of the older formats keep verifying.
  if (e.format < 1 || e.format > kAuditFormat)
    throw std::invalid_argument("audit: record format " + std::to_string(e.format) +
                                " is not known to this popgate");
  std::string out = "popgate-audit-v" + std::to_string(e.format) + ";";
  append_field(out, std::to_string(e.seq));
  append_field(out, e.recorded_at);
  append_field(out, e.job_id);
  append_field(out, e.client);
  append_field(out, e.permit);
  append_field(out, e.service);
  append_field(out, e.data_groups);
  append_field(out, files_text_of(e));
  append_field(out, std::to_string(e.persons));
  append_field(out, persons_sha256);
  if (e.format >= 2) append_field(out, e.run_by);
  return out;
}

AuditLog::AuditLog(const std::filesystem::path& db_path, crypto::SigningKey key, Clock clock)
    : db_(db_path.string(), OpenMode::create), key_(std::move(key)), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
  db_.set_busy_timeout(std::chrono::seconds(30));
  db_.exec(std::string(kSchema), "creating the audit tables");
  if (!has_column(db_, "format"))
    db_.exec("ALTER TABLE records ADD COLUMN format INTEGER NOT NULL DEFAULT 1",
             "adding the format column to the audit records");
  if (!has_column(db_, "run_by"))
    db_.exec("ALTER TABLE records ADD COLUMN run_by TEXT NOT NULL DEFAULT ''",
             "adding the run_by column to the audit records");
}

// A delivery step re-run after a crash hands in the same disclosure again (same job, files
// and persons): it is on record once, so the earlier record's number is the answer.
std::optional<std::int64_t> AuditLog::recorded_already(const AuditEntry& e,
                                                       const std::string& persons_sha256) {
  Statement same = db_.prepare(
      "SELECT seq FROM records WHERE job_id = ?1 AND files = ?2 AND persons_sha256 = ?3 "
      "AND client = ?4 AND permit = ?5 AND data_groups = ?6",
      "looking for an earlier record of the same disclosure");
  same.bind_text(1, e.job_id);
  same.bind_text(2, files_text(e.files));
  same.bind_text(3, persons_sha256);
  same.bind_text(4, e.client);
  same.bind_text(5, e.permit);
  same.bind_text(6, e.data_groups);
  if (same.step()) return same.column_int(0);
  return std::nullopt;
}

std::int64_t AuditLog::record(const registry::Disclosure& d) {
  std::lock_guard lock(mutex_);
  AuditEntry e;
  e.job_id = d.job_id;
  e.client = d.client;
  e.permit = d.permit;
  e.service = std::string(registry::to_string(d.service));
  e.data_groups = groups_text(d.data_groups);
  e.files = d.files;
  if (has_control(d.run_by))
    throw std::invalid_argument("audit: the operator's name holds a control character");
  e.run_by = d.run_by;
  const std::string persons = persons_text(d.persons, e.persons);
  const std::string persons_sha256 = crypto::sha256_hex(persons);

  Transaction tx(db_);  // BEGIN IMMEDIATE: the head cannot move until we commit
  if (std::optional<std::int64_t> seq = recorded_already(e, persons_sha256)) return *seq;
  std::string prev_hash = kGenesis;
  std::int64_t prev_seq = 0;
  {
    Statement head =
        db_.prepare("SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1", "reading the head");
    if (head.step()) {
      prev_seq = head.column_int(0);
      prev_hash = head.column_string(1);
    }
  }
  e.seq = prev_seq + 1;
  e.recorded_at = base::iso_utc_millis(clock_());
  e.hash = crypto::sha256_hex(prev_hash + "\n" + audit_record_text(e, persons_sha256));
  const std::string signature = key_.sign_hex(e.hash);

  Statement insert = db_.prepare(
      "INSERT INTO records (seq, recorded_at, job_id, client, permit, service, data_groups, "
      "files, persons, persons_list, persons_sha256, prev_hash, hash, signature, format, "
      "run_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
      "recording a disclosure");
  insert.bind_int(1, e.seq);
  insert.bind_text(2, e.recorded_at);
  insert.bind_text(3, e.job_id);
  insert.bind_text(4, e.client);
  insert.bind_text(5, e.permit);
  insert.bind_text(6, e.service);
  insert.bind_text(7, e.data_groups);
  insert.bind_text(8, files_text(e.files));
  insert.bind_int(9, e.persons);
  insert.bind_text_unowned(10, persons);
  insert.bind_text(11, persons_sha256);
  insert.bind_text(12, prev_hash);
  insert.bind_text(13, e.hash);
  insert.bind_text(14, signature);
  insert.bind_int(15, e.format);
  insert.bind_text(16, e.run_by);
  insert.run();

  Statement index = db_.prepare("INSERT INTO record_persons (hetu, seq) VALUES (?1, ?2)",
                                "indexing the disclosed persons");
  for_each_line(persons, [&](std::string_view hetu) {
    index.bind_text_unowned(1, hetu);
    index.bind_int(2, e.seq);
    index.run();
  });
  tx.commit();
  if (on_recorded_) on_recorded_(e.seq, e.hash);
  return e.seq;
}

AuditReader::AuditReader(const std::filesystem::path& db_path)
    : db_(db_path.string(), OpenMode::read_only) {
  db_.set_busy_timeout(std::chrono::seconds(30));
  entry_columns_ = entry_columns(db_);
}

AuditVerification AuditReader::verify(const std::string& public_pem,
                                      const std::optional<AuditHead>& kept_head) {
  AuditVerification result;
  const auto fail = [&](std::int64_t seq, std::string problem) {
    if (result.ok || seq < result.first_bad) {
      result.ok = false;
      result.first_bad = seq;
      result.problem = std::move(problem);
    }
  };
  ReadSnapshot snapshot(db_);  // the chain, its indexes and the structure as of one moment
  check_structure(result);
  if (!result.ok) return result;

  std::optional<std::string> kept_hash;  // the chain's hash at the kept head's record
  std::map<std::int64_t, PairSum> from_records;
  std::string prev_hash = kGenesis;
  std::int64_t expected_seq = 1;
  Statement rows = db_.prepare("SELECT " + entry_columns_ +
                                   ", r.persons_list, r.persons_sha256, r.prev_hash, r.signature "
                                   "FROM records r ORDER BY r.seq",
                               "reading the audit records");
  constexpr int kPersons = kEntryColumnCount, kPersonsSha = kEntryColumnCount + 1,
                kPrevHash = kEntryColumnCount + 2, kSignature = kEntryColumnCount + 3;
  while (rows.step() && result.ok) {
    AuditEntry e = read_entry(rows);
    const std::string_view persons = rows.column_text(kPersons);
    const std::string persons_sha256 = rows.column_string(kPersonsSha);
    const std::string stored_prev = rows.column_string(kPrevHash);
    const std::string signature = rows.column_string(kSignature);
    ++result.records;
    if (e.seq != expected_seq) {
      fail(expected_seq, e.seq > expected_seq
                             ? "record " + std::to_string(expected_seq) + " is missing"
                             : "record " + std::to_string(e.seq) + " is out of order");
      break;
    }
    if (e.format < 1 || e.format > kAuditFormat) {
      fail(e.seq, "its format version " + std::to_string(e.format) +
                      " is not one this popgate knows (1 to " + std::to_string(kAuditFormat) +
                      "): verify with the popgate that wrote it, or a newer one");
      break;
    }
    if (stored_prev != prev_hash) {
      fail(e.seq,
           "its link to the previous record is broken (a record before it was removed, "
           "replaced or reordered)");
      break;
    }
    if (crypto::sha256_hex(persons) != persons_sha256) {
      fail(e.seq, "its list of persons was altered");
      break;
    }
    std::int64_t count = 0;
    PairSum& sum = from_records[e.seq];
    for_each_line(persons, [&](std::string_view hetu) {
      ++count;
      sum.add(hetu, e.seq);
    });
    if (count != e.persons) {
      fail(e.seq, "its person count was altered");
      break;
    }
    if (crypto::sha256_hex(prev_hash + "\n" + audit_record_text(e, persons_sha256)) != e.hash) {
      fail(e.seq, "its content does not match its hash (the record was edited)");
      break;
    }
    if (!crypto::verify_signature(public_pem, e.hash, signature)) {
      fail(e.seq, "its signature is not the appliance key's");
      break;
    }
    result.persons += count;
    result.head_hash = e.hash;
    prev_hash = e.hash;
    ++expected_seq;
    if (kept_head && e.seq == kept_head->seq) kept_hash = e.hash;
  }
  rows.reset();
  if (!result.ok) return result;

  if (kept_head) {
    if (!kept_hash) {
      fail(kept_head->seq, "the kept head, record " + std::to_string(kept_head->seq) +
                               ", is missing: the chain ends at record " +
                               std::to_string(result.records) + " (newer records were removed)");
    } else if (*kept_hash != kept_head->hash) {
      fail(kept_head->seq,
           "its hash is not the kept head's (the chain was rewritten from here on)");
    }
    if (!result.ok) return result;
  }

  // The person index must hold exactly the records' persons: a removed row would hide a
  // disclosure from `audit person`, an added one would invent one.
  std::map<std::int64_t, PairSum> from_index;
  Statement index = db_.prepare("SELECT hetu, seq FROM record_persons", "reading the person index");
  while (index.step()) {
    const std::int64_t seq = index.column_int(1);
    if (!from_records.contains(seq)) {
      fail(seq, "the person index names record " + std::to_string(seq) + ", which does not exist");
      continue;
    }
    from_index[seq].add(index.column_text(0), seq);
  }
  for (const auto& [seq, sum] : from_records) {
    const auto it = from_index.find(seq);
    const PairSum empty;
    if (sum != (it == from_index.end() ? empty : it->second)) {
      fail(seq, "the person index does not match its list of persons");
      break;
    }
  }
  return result;
}

// SQLite's own check of every page, index and constraint: a flipped byte anywhere in the file
// (an index page included) is named here, before any answer is read from it. It is also the
// cross-check of the indexes by client and by job: it requires each to hold exactly one entry
// per row of the table, with that row's values, and the chain check below requires the table
// to be the chain. (A flipped byte in the client index made `audit client` list 4 of 17
// records while the chain alone verified.)
void AuditReader::check_structure(AuditVerification& result) {
  std::vector<std::string> problems;
  Statement check = db_.prepare("PRAGMA integrity_check(10)", "checking the database's structure");
  while (check.step())
    problems.push_back(check.column_string(0));
  if (problems.size() == 1 && problems.front() == "ok") return;
  std::string text;
  for (const std::string& p : problems)
    text += (text.empty() ? "" : "; ") + p;
  result.ok = false;
  result.first_bad = 0;
  result.problem =
      "the database file is damaged or was edited outside SQLite (SQLite's "
      "integrity check: " +
      text + ")";
}

std::vector<AuditEntry> AuditReader::entries(const std::string& from_where_sql,
                                             const std::function<void(Statement&)>& bind) {
  Statement s =
      db_.prepare("SELECT " + entry_columns_ + " " + from_where_sql, "querying the audit log");
  bind(s);
  std::vector<AuditEntry> out;
  while (s.step())
    out.push_back(read_entry(s));
  return out;
}

std::vector<AuditEntry> AuditReader::person(const std::string& hetu) {
  return entries(
      "FROM record_persons p JOIN records r ON r.seq = p.seq WHERE p.hetu = ?1 ORDER BY p.seq",
      [&](Statement& s) { s.bind_text(1, hetu); });
}

std::vector<AuditEntry> AuditReader::client(const std::string& client, const std::string& since) {
  // NOT INDEXED: the answer comes from the records themselves, whatever became of the index
  // by client (the log holds a record per delivery, so a scan stays small).
  return entries(
      "FROM records r NOT INDEXED WHERE r.client = ?1 AND r.recorded_at >= ?2 ORDER BY r.seq",
      [&](Statement& s) {
        s.bind_text(1, client);
        s.bind_text(2, since);
      });
}

}  // namespace popgate::store
