#include "adapters/store/sqlite.h"

#include <sqlite3.h>

#include <algorithm>
#include <limits>
#include <utility>

namespace popgate::store {
namespace {

int open_flags(OpenMode mode) {
  // NOMUTEX: a connection is used by one thread at a time (see the header), so SQLite's
  // per-call mutex would be pure overhead on the hot lookup path.
  const int common = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  switch (mode) {
    case OpenMode::read_only:
      return common | SQLITE_OPEN_READONLY;
    case OpenMode::read_write:
      return common | SQLITE_OPEN_READWRITE;
    case OpenMode::create:
      return common | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  }
  return common | SQLITE_OPEN_READONLY;
}

int text_size(std::string_view text) {
  if (text.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    throw registry::StoreError("text of " + std::to_string(text.size()) +
                               " bytes is too long for SQLite");
  }
  return static_cast<int>(text.size());
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Database

Database::Database(std::string path, OpenMode mode)
    : path_(std::move(path)), read_only_(mode == OpenMode::read_only) {
  const int rc = sqlite3_open_v2(path_.c_str(), &db_, open_flags(mode), nullptr);
  if (rc != SQLITE_OK) {
    // The handle is allocated even on failure (unless out of memory) and carries the message.
    std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw SqliteError(rc, path_ + ": cannot open: " + message);
  }
  sqlite3_extended_result_codes(db_, 1);
}

Database::~Database() {
  // close_v2 defers the close until every statement is finalized, so an out-of-order
  // destruction leaks nothing and never fails.
  sqlite3_close_v2(db_);
}

void Database::fail(int rc, std::string_view what) const {
  std::string message = path_;
  message += ": ";
  message += what;
  message += ": ";
  // errmsg describes the most recent failed call on this connection, which is ours.
  message += db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  throw SqliteError(rc, message);
}

void Database::exec(const std::string& sql, std::string_view what) {
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) fail(rc, what);
}

Statement Database::prepare(std::string_view sql, std::string_view what, bool persistent) {
  sqlite3_stmt* stmt = nullptr;
  const unsigned flags = persistent ? SQLITE_PREPARE_PERSISTENT : 0;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), text_size(sql), flags, &stmt, nullptr);
  if (rc != SQLITE_OK) fail(rc, what);
  return Statement(*this, stmt, what);
}

std::optional<std::int64_t> Database::query_int(const std::string& sql, std::string_view what) {
  Statement statement = prepare(sql, what);
  if (!statement.step()) return std::nullopt;
  return statement.column_optional_int(0);
}

void Database::set_busy_timeout(std::chrono::milliseconds timeout) {
  const auto ms =
      std::min<std::chrono::milliseconds::rep>(timeout.count(), std::numeric_limits<int>::max());
  sqlite3_busy_timeout(db_, static_cast<int>(ms));
}

std::int64_t Database::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(db_);
}

bool Database::autocommit() const {
  return sqlite3_get_autocommit(db_) != 0;
}

// ---------------------------------------------------------------------------------------------
// Statement

Statement::Statement(const Database& db, sqlite3_stmt* stmt, std::string_view what)
    : db_(&db), stmt_(stmt), what_(what) {}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      what_(std::move(other.what_)),
      dirty_(other.dirty_) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
    what_ = std::move(other.what_);
    dirty_ = other.dirty_;
  }
  return *this;
}

void Statement::check_bind(int rc, int index) {
  dirty_ = true;
  if (rc != SQLITE_OK) db_->fail(rc, what_ + " (binding parameter " + std::to_string(index) + ")");
}

void Statement::bind_int(int index, std::int64_t value) {
  check_bind(sqlite3_bind_int64(stmt_, index, value), index);
}

void Statement::bind_null(int index) {
  check_bind(sqlite3_bind_null(stmt_, index), index);
}

void Statement::bind_text(int index, std::string_view text) {
  check_bind(sqlite3_bind_text(stmt_, index, text.data(), text_size(text), SQLITE_TRANSIENT),
             index);
}

void Statement::bind_text_unowned(int index, std::string_view text) {
  check_bind(sqlite3_bind_text(stmt_, index, text.data(), text_size(text), SQLITE_STATIC), index);
}

void Statement::bind_optional_int(int index, const std::optional<std::int64_t>& value) {
  if (value) {
    bind_int(index, *value);
  } else {
    bind_null(index);
  }
}

void Statement::bind_optional_text(int index, const std::optional<std::string_view>& value) {
  if (value) {
    bind_text(index, *value);
  } else {
    bind_null(index);
  }
}

bool Statement::step() {
  dirty_ = true;
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_->fail(rc, what_);
}

void Statement::run() {
  ResetOnExit reset(*this);
  while (step()) {
  }
}

void Statement::reset() noexcept {
  if (!dirty_) return;
  dirty_ = false;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::column_is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t Statement::column_int(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

std::string_view Statement::column_text(int column) const {
  // text() before bytes(): the order SQLite documents as safe against type conversions.
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return {};
  const int size = sqlite3_column_bytes(stmt_, column);
  return {reinterpret_cast<const char*>(text), static_cast<size_t>(size)};
}

std::optional<std::int64_t> Statement::column_optional_int(int column) const {
  if (column_is_null(column)) return std::nullopt;
  return column_int(column);
}

std::optional<std::string_view> Statement::column_optional_text(int column) const {
  if (column_is_null(column)) return std::nullopt;
  return column_text(column);
}

std::string_view Statement::sql() const {
  const char* text = sqlite3_sql(stmt_);
  return text != nullptr ? std::string_view(text) : std::string_view();
}

// ---------------------------------------------------------------------------------------------
// Transaction

ReadSnapshot::ReadSnapshot(Database& db) : db_(db) {
  db_.exec("BEGIN DEFERRED", "starting a read transaction");
}

ReadSnapshot::~ReadSnapshot() {
  if (!db_.autocommit()) sqlite3_exec(db_.handle(), "COMMIT", nullptr, nullptr, nullptr);
}

Transaction::Transaction(Database& db) : db_(db) {
  db_.exec("BEGIN IMMEDIATE", "starting a write transaction");
}

Transaction::~Transaction() {
  if (committed_) return;
  // SQLite rolls back by itself after some errors (SQLITE_FULL, SQLITE_IOERR, ...); a second
  // ROLLBACK would only fail. Errors here cannot be reported from a destructor, and SQLite
  // leaves the database consistent either way.
  if (!db_.autocommit()) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  if (committed_) throw registry::StoreError(db_.path() + ": transaction already committed");
  db_.exec("COMMIT", "committing");
  committed_ = true;
}

}  // namespace popgate::store
