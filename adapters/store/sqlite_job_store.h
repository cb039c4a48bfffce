// workflows::JobStore on state.db (SQLite, WAL).
//
// One connection behind a mutex: every method is one short transaction, so workers queue for
// microseconds rather than needing a connection each. BEGIN IMMEDIATE takes the write lock up
// front, which also makes claim() safe against a second process (popgate run next to serve).
#ifndef POPGATE_ADAPTERS_STORE_SQLITE_JOB_STORE_H_
#define POPGATE_ADAPTERS_STORE_SQLITE_JOB_STORE_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "adapters/store/sqlite.h"
#include "workflows/engine/job_store.h"

namespace popgate::store {

class SqliteJobStore : public workflows::JobStore {
 public:
  // The schema version state.db's job tables are at (PRAGMA user_version).
  static constexpr int kSchemaVersion = 3;

  // Opens (creating if needed) the database at `path` and brings its schema up to date.
  // Throws SqliteError, or registry::StoreError for a state.db from a newer popgate.
  explicit SqliteJobStore(const std::string& path);

  workflows::SubmitResult submit(const workflows::NewJob& job, std::int64_t now) override;
  std::optional<workflows::Job> claim(const workflows::ClaimLimits& limits,
                                      std::int64_t now) override;
  int start_step(const std::string& job_id, workflows::JobPhase phase, int step_index,
                 const std::string& step_id, std::int64_t now) override;
  void finish_step(const std::string& job_id, int attempt, const workflows::StepOutputs& outputs,
                   std::int64_t now) override;
  void fail_step(const std::string& job_id, int attempt, workflows::AttemptState state,
                 const std::string& error, std::int64_t now) override;
  void retry_later(const std::string& job_id, std::int64_t not_before,
                   const std::string& error) override;
  void begin_on_failure(const std::string& job_id, const std::string& error,
                        const std::string& client_error) override;
  void finish_job(const std::string& job_id, workflows::JobState state, const std::string& error,
                  std::int64_t now) override;
  std::optional<workflows::Job> get(const std::string& job_id) override;
  std::vector<workflows::Job> list(const workflows::ListFilter& filter) override;
  std::vector<workflows::JobCount> count_by_workflow_and_state() override;
  bool cancel_requested(const std::string& job_id) override;
  bool request_cancel(const std::string& job_id, std::int64_t now) override;
  bool retry(const std::string& job_id) override;
  int recover(std::int64_t now, const std::optional<std::string>& only_job) override;

  // The bare cost of one write transaction on this database, for the engine benchmark's
  // baseline: an UPDATE of one row of a scratch table, committed.
  void baseline_transaction();

 private:
  void create_schema();
  std::string new_job_id(std::int64_t now);
  std::optional<workflows::Job> read_job(const std::string& job_id);
  void read_attempts(workflows::Job& job);
  bool mark_running(std::int64_t seq, const std::string& client_id, std::int64_t now);
  void update_attempt(const std::string& job_id, int attempt, workflows::AttemptState state,
                      const std::string& error, const std::string& outputs, std::int64_t now);

  // Prepared once per connection: compiling SQL costs more than running these statements.
  Statement& cached(std::string_view sql, std::string_view what);

  std::mutex mutex_;
  Database db_;
  std::map<std::string, Statement, std::less<>> statements_;  // by SQL text; after db_
  std::mt19937_64 random_;
};

// Outputs as one text column: "<len>:<key><len>:<value>..." (lengths in bytes), so that any
// byte may appear in a key or value without escaping rules. Exposed for tests.
std::string encode_outputs(const workflows::StepOutputs& outputs);
workflows::StepOutputs decode_outputs(std::string_view text);

}  // namespace popgate::store

#endif  // POPGATE_ADAPTERS_STORE_SQLITE_JOB_STORE_H_
