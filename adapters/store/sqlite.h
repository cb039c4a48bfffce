// A thin RAII layer over the SQLite C API, shared by register.db and state.db.
//
// One owner per handle (Database owns sqlite3*, Statement owns sqlite3_stmt*), and every
// failure becomes a SqliteError that names the file, what was being done and SQLite's reason,
// so that callers never have to look at return codes. The header does not include sqlite3.h:
// only the .cpp files of adapters/store see the C API.
#ifndef POPGATE_ADAPTERS_STORE_SQLITE_H_
#define POPGATE_ADAPTERS_STORE_SQLITE_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "registry/register_store.h"

struct sqlite3;
struct sqlite3_stmt;

namespace popgate::store {

// A failed SQLite call. code() is SQLite's extended result code (SQLITE_CONSTRAINT_UNIQUE,
// SQLITE_BUSY, ...) for the callers that handle one case specially.
class SqliteError : public registry::StoreError {
 public:
  SqliteError(int code, const std::string& message) : StoreError(message), code_(code) {}
  int code() const { return code_; }
  // The primary result code (code() & 0xff): SQLITE_CONSTRAINT for SQLITE_CONSTRAINT_UNIQUE.
  int primary_code() const { return code_ & 0xff; }

 private:
  int code_;
};

enum class OpenMode {
  read_only,   // the file must exist; every write fails
  read_write,  // the file must exist
  create,      // read-write; an empty database is created when the file is missing
};

class Statement;

class Database {
 public:
  // Opens `path`. Throws SqliteError naming the path and SQLite's reason. The connection is
  // for one thread at a time (SQLITE_OPEN_NOMUTEX): open one Database per thread.
  Database(std::string path, OpenMode mode);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  const std::string& path() const { return path_; }
  bool read_only() const { return read_only_; }

  // Runs one or more SQL statements whose rows, if any, are not needed. `what` says what was
  // being done ("creating the person table"), for the error message.
  void exec(const std::string& sql, std::string_view what);

  // Prepares one statement. `persistent` hints SQLite that the statement is cached and reused
  // for the connection's lifetime.
  Statement prepare(std::string_view sql, std::string_view what, bool persistent = false);

  // The first column of the first row of `sql` as an integer; nullopt when there is no row or
  // the value is NULL. For PRAGMAs and counts.
  std::optional<std::int64_t> query_int(const std::string& sql, std::string_view what);

  // How long a statement waits for another connection's lock before failing with SQLITE_BUSY.
  void set_busy_timeout(std::chrono::milliseconds timeout);

  std::int64_t last_insert_rowid() const;
  // False while a transaction is open (BEGIN without COMMIT or ROLLBACK).
  bool autocommit() const;

  // Throws SqliteError for result code `rc`: "<path>: <what>: <SQLite's message>".
  [[noreturn]] void fail(int rc, std::string_view what) const;

  sqlite3* handle() const { return db_; }

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
  bool read_only_ = false;
};

// A prepared statement. Parameters are numbered from 1 as in SQL (?1), columns from 0 as in
// SQLite's C API. A Statement must not outlive its Database.
class Statement {
 public:
  Statement() = default;
  Statement(const Database& db, sqlite3_stmt* stmt, std::string_view what);
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void bind_int(int index, std::int64_t value);
  void bind_null(int index);
  // Copies `text` into the statement.
  void bind_text(int index, std::string_view text);
  // Does not copy: `text` must stay valid and unchanged until the next reset(). The hot insert
  // paths bind a dozen columns per row, and a copy would be a malloc each.
  void bind_text_unowned(int index, std::string_view text);
  void bind_optional_int(int index, const std::optional<std::int64_t>& value);
  void bind_optional_text(int index, const std::optional<std::string_view>& value);

  // Steps once: true when a row is ready for the column getters, false when the statement is
  // done. Throws SqliteError.
  bool step();
  // Steps to completion (INSERT, UPDATE, DELETE, DDL) and resets.
  void run();
  // Makes the statement ready to run again and forgets the bound values. Never throws: an
  // error of the last step() has already been thrown from step().
  void reset() noexcept;

  bool column_is_null(int column) const;
  std::int64_t column_int(int column) const;
  // Valid until the next step() or reset(). Empty for NULL.
  std::string_view column_text(int column) const;
  std::string column_string(int column) const { return std::string(column_text(column)); }
  std::optional<std::int64_t> column_optional_int(int column) const;
  std::optional<std::string_view> column_optional_text(int column) const;

  // The SQL text, for tests and diagnostics.
  std::string_view sql() const;

 private:
  void check_bind(int rc, int index);

  const Database* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  std::string what_;
  // Whether anything was bound or stepped since the last reset(): a second reset (run() and a
  // ResetOnExit both reset) then costs nothing.
  bool dirty_ = false;
};

// Resets a statement when it goes out of scope, so that a cached statement never stays active
// (holding a read snapshot or dangling bound text) after an early return or an exception.
class ResetOnExit {
 public:
  explicit ResetOnExit(Statement& statement) : statement_(statement) {}
  ~ResetOnExit() { statement_.reset(); }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  Statement& statement_;
};

// A write transaction: BEGIN IMMEDIATE now, ROLLBACK in the destructor unless commit() ran.
// IMMEDIATE takes the write lock at the start, so a busy database fails here (after the busy
// timeout) instead of at some write half way through the work.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void commit();
  bool committed() const { return committed_; }

 private:
  Database& db_;
  bool committed_ = false;
};

// One read transaction held until destroyed: every query in between sees the same snapshot,
// and SQLite takes its file locks once instead of around every query (for a million point
// lookups the locking system calls cost more than the B-tree seeks). A long one keeps a WAL
// checkpoint from completing past it, so hold it for one job, not for ever.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(Database& db);
  ~ReadSnapshot();
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;

 private:
  Database& db_;
};

}  // namespace popgate::store

#endif  // POPGATE_ADAPTERS_STORE_SQLITE_H_
