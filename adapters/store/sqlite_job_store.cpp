#include "adapters/store/sqlite_job_store.h"

#include <sqlite3.h>

#include <cstdio>
#include <ctime>
#include <map>
#include <utility>

#include "adapters/store/sqlite.h"
#include "base/time_text.h"

namespace popgate::store {
namespace {

using workflows::AttemptState;
using workflows::Job;
using workflows::JobPhase;
using workflows::JobState;

// The job row's columns, in the order read_job_row expects them.
constexpr std::string_view kJobColumns =
    "id, workflow, workflow_hash, workflow_text, client_id, client_root, input_path, "
    "intake_key, max_running, max_running_per_client, state, phase, step_index, run, "
    "cancel_requested, error, created_ms, started_ms, finished_ms, not_before_ms, client_error, "
    "input_sha256";

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS jobs (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  workflow TEXT NOT NULL,
  workflow_hash TEXT NOT NULL,
  workflow_text TEXT NOT NULL,
  client_id TEXT NOT NULL,
  client_root TEXT NOT NULL,
  input_path TEXT NOT NULL,
  intake_key TEXT NOT NULL,
  max_running INTEGER NOT NULL,
  max_running_per_client INTEGER NOT NULL,
  state TEXT NOT NULL,
  phase INTEGER NOT NULL DEFAULT 0,
  step_index INTEGER NOT NULL DEFAULT 0,
  failed_index INTEGER NOT NULL DEFAULT 0,
  run INTEGER NOT NULL DEFAULT 1,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL,
  started_ms INTEGER,
  finished_ms INTEGER,
  not_before_ms INTEGER NOT NULL DEFAULT 0,
  client_error TEXT NOT NULL DEFAULT '',
  input_sha256 TEXT NOT NULL DEFAULT '');
-- The idempotency key: one job per (workflow, client, input).
CREATE UNIQUE INDEX IF NOT EXISTS jobs_submission
  ON jobs (workflow, client_id, intake_key) WHERE intake_key <> '';
-- claim() walks one client's runnable jobs oldest first; finished jobs never enter the index.
CREATE INDEX IF NOT EXISTS jobs_runnable
  ON jobs (client_id, seq) WHERE state IN ('queued', 'retrying');
CREATE INDEX IF NOT EXISTS jobs_running ON jobs (client_id) WHERE state = 'running';
CREATE TABLE IF NOT EXISTS step_attempts (
  job_id TEXT NOT NULL,
  run INTEGER NOT NULL,
  phase INTEGER NOT NULL,
  step_index INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  step_id TEXT NOT NULL,
  state TEXT NOT NULL,
  started_ms INTEGER NOT NULL,
  finished_ms INTEGER,
  error TEXT NOT NULL DEFAULT '',
  outputs TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (job_id, run, phase, step_index, attempt));
-- Round-robin between clients: the client whose turn is lowest is served next.
CREATE TABLE IF NOT EXISTS client_turns (
  client_id TEXT PRIMARY KEY,
  last_turn INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS bench_scratch (k INTEGER PRIMARY KEY, v INTEGER NOT NULL);
)sql";

std::string state_name(JobState state) {
  return std::string(workflows::to_string(state));
}

Job read_job_row(const Statement& s) {
  Job job;
  job.id = s.column_string(0);
  job.workflow = s.column_string(1);
  job.workflow_hash = s.column_string(2);
  job.workflow_text = s.column_string(3);
  job.client_id = s.column_string(4);
  job.client_root = s.column_string(5);
  job.input_path = s.column_string(6);
  job.intake_key = s.column_string(7);
  job.concurrency.max_running = static_cast<int>(s.column_int(8));
  job.concurrency.max_running_per_client = static_cast<int>(s.column_int(9));
  job.state = workflows::parse_job_state(s.column_text(10)).value_or(JobState::failed);
  job.phase = s.column_int(11) == 0 ? JobPhase::main : JobPhase::on_failure;
  job.step_index = static_cast<int>(s.column_int(12));
  job.run = static_cast<int>(s.column_int(13));
  job.cancel_requested = s.column_int(14) != 0;
  job.error = s.column_string(15);
  job.created_ms = s.column_int(16);
  job.started_ms = s.column_optional_int(17);
  job.finished_ms = s.column_optional_int(18);
  job.not_before_ms = s.column_int(19);
  job.client_error = s.column_string(20);
  job.input_sha256 = s.column_string(21);
  return job;
}

int phase_number(JobPhase phase) {
  return phase == JobPhase::main ? 0 : 1;
}

}  // namespace

std::string encode_outputs(const workflows::StepOutputs& outputs) {
  std::string text;
  for (const auto& [key, value] : outputs) {
    text += std::to_string(key.size()) + ":" + key;
    text += std::to_string(value.size()) + ":" + value;
  }
  return text;
}

workflows::StepOutputs decode_outputs(std::string_view text) {
  workflows::StepOutputs outputs;
  auto take = [&text](std::string& out) {
    const size_t colon = text.find(':');
    if (colon == std::string_view::npos) return false;
    size_t length = 0;
    for (char c : text.substr(0, colon)) {
      if (c < '0' || c > '9') return false;
      length = length * 10 + static_cast<size_t>(c - '0');
    }
    if (length > text.size() - colon - 1) return false;
    out.assign(text.substr(colon + 1, length));
    text.remove_prefix(colon + 1 + length);
    return true;
  };
  std::string key, value;
  while (!text.empty() && take(key) && take(value))
    outputs[key] = value;
  return outputs;
}

SqliteJobStore::SqliteJobStore(const std::string& path)
    : db_(path, OpenMode::create), random_(std::random_device{}()) {
  // Another process (serve and popgate run, or jobs cancel) may hold the write lock briefly.
  db_.set_busy_timeout(std::chrono::seconds(10));
  // WAL: readers never wait for the writer. synchronous=NORMAL does not fsync each commit: a
  // process crash loses nothing, and a power loss may lose the last commits, which only makes
  // the engine re-run an idempotent step.
  db_.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON",
           "configuring state.db");
  create_schema();
}

void SqliteJobStore::create_schema() {
  Transaction tx(db_);
  const std::int64_t version =
      db_.query_int("PRAGMA user_version", "reading the schema version").value_or(0);
  if (version > kSchemaVersion) {
    throw registry::StoreError(db_.path() + ": state.db schema version " + std::to_string(version) +
                               " is newer than this popgate's (" + std::to_string(kSchemaVersion) +
                               ")");
  }
  if (version == 1) {
    // Version 2 keeps what a failed job's client may be told, for its error report.
    db_.exec("ALTER TABLE jobs ADD COLUMN client_error TEXT NOT NULL DEFAULT ''",
             "upgrading state.db to schema version 2");
  }
  if (version >= 1 && version <= 2) {
    // Version 3 calls the submission key by its name (it was input_sha256, but is a hash of
    // more than the file for uploads) and keeps the input file's own SHA-256 beside it.
    db_.exec(
        "ALTER TABLE jobs RENAME COLUMN input_sha256 TO intake_key; "
        "ALTER TABLE jobs ADD COLUMN input_sha256 TEXT NOT NULL DEFAULT ''",
        "upgrading state.db to schema version 3");
  }
  db_.exec(kSchema, "creating the job tables");
  db_.exec("PRAGMA user_version = " + std::to_string(kSchemaVersion), "setting schema version");
  tx.commit();
}

std::string SqliteJobStore::new_job_id(std::int64_t now) {
  const std::string stamp = base::format_utc(base::from_epoch_ms(now), "%Y%m%d-%H%M%S");
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%06llx",
                static_cast<unsigned long long>(random_() & 0xffffffULL));
  return stamp + "-" + suffix;
}

workflows::SubmitResult SqliteJobStore::submit(const workflows::NewJob& job, std::int64_t now) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  if (!job.intake_key.empty()) {
    Statement& find = cached(
        "SELECT id FROM jobs WHERE workflow = ?1 AND client_id = ?2 AND intake_key = ?3 "
        "AND intake_key <> ''",  // the condition lets SQLite use the partial index
        "looking for an earlier submission");
    ResetOnExit find_reset(find);
    find.bind_text(1, job.workflow);
    find.bind_text(2, job.client_id);
    find.bind_text(3, job.intake_key);
    if (find.step()) {
      const std::string id = find.column_string(0);
      find.reset();
      auto existing = read_job(id);
      tx.commit();
      return {std::move(*existing), false};
    }
  }
  Statement& insert = cached(
      "INSERT OR IGNORE INTO jobs (id, workflow, workflow_hash, workflow_text, client_id, "
      "client_root, input_path, intake_key, max_running, max_running_per_client, state, "
      "created_ms, input_sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'queued', ?11, "
      "?12)",
      "submitting a job");
  ResetOnExit insert_reset(insert);
  // Ids are random within a second: on the rare collision, draw again.
  std::string id;
  for (;;) {
    id = new_job_id(now);
    insert.bind_text(1, id);
    insert.bind_text(2, job.workflow);
    insert.bind_text(3, job.workflow_hash);
    insert.bind_text(4, job.workflow_text);
    insert.bind_text(5, job.client_id);
    insert.bind_text(6, job.client_root);
    insert.bind_text(7, job.input_path);
    insert.bind_text(8, job.intake_key);
    insert.bind_int(9, job.concurrency.max_running);
    insert.bind_int(10, job.concurrency.max_running_per_client);
    insert.bind_int(11, now);
    insert.bind_text(12, job.input_sha256);
    insert.run();
    if (sqlite3_changes(db_.handle()) > 0) break;
  }
  Statement& turn =
      cached("INSERT OR IGNORE INTO client_turns (client_id, last_turn) VALUES (?1, 0)",
             "registering the client's turn");
  ResetOnExit turn_reset(turn);
  turn.bind_text(1, job.client_id);
  turn.run();
  auto created = read_job(id);
  tx.commit();
  return {std::move(*created), true};
}

std::optional<Job> SqliteJobStore::claim(const workflows::ClaimLimits& limits, std::int64_t now) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  if (limits.only_job) {
    Statement& s = cached(
        "SELECT seq, client_id FROM jobs WHERE id = ?1 AND (state = 'queued' OR "
        "(state = 'retrying' AND not_before_ms <= ?2))",
        "claiming a job");
    ResetOnExit s_reset(s);
    s.bind_text(1, *limits.only_job);
    s.bind_int(2, now);
    if (!s.step()) return std::nullopt;
    const std::int64_t seq = s.column_int(0);
    const std::string client = s.column_string(1);
    s.reset();
    mark_running(seq, client, now);
    auto job = read_job(*limits.only_job);
    tx.commit();
    return job;
  }

  // What runs now, by client and by workflow: a handful of rows at most.
  std::map<std::string, int> per_client;
  std::map<std::string, int> per_workflow;
  std::map<std::pair<std::string, std::string>, int> per_workflow_client;
  int total = 0;
  {
    Statement& running = cached(
        "SELECT client_id, workflow, COUNT(*) FROM jobs WHERE state = 'running' "
        "GROUP BY client_id, workflow",
        "counting running jobs");
    ResetOnExit running_reset(running);
    while (running.step()) {
      const int n = static_cast<int>(running.column_int(2));
      per_client[running.column_string(0)] += n;
      per_workflow[running.column_string(1)] += n;
      per_workflow_client[{running.column_string(1), running.column_string(0)}] += n;
      total += n;
    }
  }
  if (total >= limits.max_running) return std::nullopt;

  std::vector<std::string> clients;
  {
    Statement& turns = cached("SELECT client_id FROM client_turns ORDER BY last_turn, client_id",
                              "reading the clients' turns");
    ResetOnExit turns_reset(turns);
    while (turns.step())
      clients.push_back(turns.column_string(0));
  }
  Statement& candidates = cached(
      "SELECT seq, workflow, max_running, max_running_per_client FROM jobs "
      "WHERE client_id = ?1 AND state IN ('queued', 'retrying') AND not_before_ms <= ?2 "
      "ORDER BY seq LIMIT 64",
      "finding a client's runnable jobs");
  ResetOnExit candidates_reset(candidates);
  for (const std::string& client : clients) {
    if (per_client[client] >= limits.max_running_per_client) continue;
    std::optional<std::int64_t> chosen;
    {
      ResetOnExit reset(candidates);
      candidates.bind_text(1, client);
      candidates.bind_int(2, now);
      while (candidates.step()) {
        const std::string workflow = candidates.column_string(1);
        const std::int64_t max_running = candidates.column_int(2);
        const std::int64_t max_per_client = candidates.column_int(3);
        if (max_running > 0 && per_workflow[workflow] >= max_running) continue;
        if (max_per_client > 0 && per_workflow_client[{workflow, client}] >= max_per_client)
          continue;
        chosen = candidates.column_int(0);
        break;
      }
    }
    if (!chosen) continue;
    mark_running(*chosen, client, now);
    Statement& id = cached("SELECT id FROM jobs WHERE seq = ?1", "reading a job id");
    ResetOnExit id_reset(id);
    id.bind_int(1, *chosen);
    id.step();
    const std::string job_id = id.column_string(0);
    id.reset();
    auto job = read_job(job_id);
    tx.commit();
    return job;
  }
  return std::nullopt;
}

bool SqliteJobStore::mark_running(std::int64_t seq, const std::string& client_id,
                                  std::int64_t now) {
  Statement& update = cached(
      "UPDATE jobs SET state = 'running', started_ms = COALESCE(started_ms, ?2) WHERE seq = ?1",
      "marking a job running");
  ResetOnExit update_reset(update);
  update.bind_int(1, seq);
  update.bind_int(2, now);
  update.run();
  Statement& turn = cached(
      "UPDATE client_turns SET last_turn = (SELECT MAX(last_turn) + 1 FROM client_turns) "
      "WHERE client_id = ?1",
      "passing the turn");
  ResetOnExit turn_reset(turn);
  turn.bind_text(1, client_id);
  turn.run();
  return true;
}

int SqliteJobStore::start_step(const std::string& job_id, JobPhase phase, int step_index,
                               const std::string& step_id, std::int64_t now) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  Statement& insert = cached(
      "INSERT INTO step_attempts (job_id, run, phase, step_index, attempt, step_id, state, "
      "started_ms) SELECT id, run, ?2, ?3, 1 + (SELECT COUNT(*) FROM step_attempts a "
      "WHERE a.job_id = jobs.id AND a.run = jobs.run AND a.phase = ?2 AND a.step_index = ?3), "
      "?4, 'running', ?5 FROM jobs WHERE id = ?1 RETURNING attempt",
      "recording a step start");
  ResetOnExit insert_reset(insert);
  insert.bind_text(1, job_id);
  insert.bind_int(2, phase_number(phase));
  insert.bind_int(3, step_index);
  insert.bind_text(4, step_id);
  insert.bind_int(5, now);
  int attempt = 0;
  {
    if (!insert.step()) throw registry::StoreError("no job " + job_id);
    attempt = static_cast<int>(insert.column_int(0));
    while (insert.step()) {
    }
  }
  Statement& update =
      cached("UPDATE jobs SET phase = ?2, step_index = ?3 WHERE id = ?1", "moving a job");
  ResetOnExit update_reset(update);
  update.bind_text(1, job_id);
  update.bind_int(2, phase_number(phase));
  update.bind_int(3, step_index);
  update.run();
  tx.commit();
  return attempt;
}

void SqliteJobStore::update_attempt(const std::string& job_id, int attempt, AttemptState state,
                                    const std::string& error, const std::string& outputs,
                                    std::int64_t now) {
  // Where the job stands first, then an UPDATE by the attempts' full primary key: a row-value
  // comparison against a subquery would make SQLite scan every attempt ever recorded.
  Statement& where = cached("SELECT run, phase, step_index FROM jobs WHERE id = ?1",
                            "finding a job's current step");
  ResetOnExit where_reset(where);
  where.bind_text(1, job_id);
  if (!where.step()) throw registry::StoreError("no job " + job_id);
  const std::int64_t run = where.column_int(0);
  const std::int64_t phase = where.column_int(1);
  const std::int64_t step_index = where.column_int(2);
  where.reset();
  Statement& update = cached(
      "UPDATE step_attempts SET state = ?6, error = ?7, outputs = ?8, finished_ms = ?9 "
      "WHERE job_id = ?1 AND run = ?2 AND phase = ?3 AND step_index = ?4 AND attempt = ?5",
      "recording a step's end");
  ResetOnExit update_reset(update);
  update.bind_text(1, job_id);
  update.bind_int(2, run);
  update.bind_int(3, phase);
  update.bind_int(4, step_index);
  update.bind_int(5, attempt);
  update.bind_text(6, workflows::to_string(state));
  update.bind_text(7, error);
  update.bind_text(8, outputs);
  update.bind_int(9, now);
  update.run();
}

void SqliteJobStore::finish_step(const std::string& job_id, int attempt,
                                 const workflows::StepOutputs& outputs, std::int64_t now) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  update_attempt(job_id, attempt, AttemptState::succeeded, "", encode_outputs(outputs), now);
  Statement& next = cached("UPDATE jobs SET step_index = step_index + 1 WHERE id = ?1",
                           "moving a job to its next step");
  ResetOnExit next_reset(next);
  next.bind_text(1, job_id);
  next.run();
  tx.commit();
}

void SqliteJobStore::fail_step(const std::string& job_id, int attempt, AttemptState state,
                               const std::string& error, std::int64_t now) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  update_attempt(job_id, attempt, state, error, "", now);
  // on_failure steps run once each, whatever their outcome.
  Statement& next =
      cached("UPDATE jobs SET step_index = step_index + 1 WHERE id = ?1 AND phase = 1",
             "moving past an on_failure step");
  ResetOnExit next_reset(next);
  next.bind_text(1, job_id);
  next.run();
  tx.commit();
}

void SqliteJobStore::retry_later(const std::string& job_id, std::int64_t not_before,
                                 const std::string& error) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  Statement& update =
      cached("UPDATE jobs SET state = 'retrying', not_before_ms = ?2, error = ?3 WHERE id = ?1",
             "scheduling a retry");
  ResetOnExit update_reset(update);
  update.bind_text(1, job_id);
  update.bind_int(2, not_before);
  update.bind_text(3, error);
  update.run();
  tx.commit();
}

void SqliteJobStore::begin_on_failure(const std::string& job_id, const std::string& error,
                                      const std::string& client_error) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  Statement& update = cached(
      "UPDATE jobs SET phase = 1, failed_index = step_index, step_index = 0, error = ?2, "
      "client_error = ?3 WHERE id = ?1",
      "starting on_failure steps");
  ResetOnExit update_reset(update);
  update.bind_text(1, job_id);
  update.bind_text(2, error);
  update.bind_text(3, client_error);
  update.run();
  tx.commit();
}

void SqliteJobStore::finish_job(const std::string& job_id, JobState state, const std::string& error,
                                std::int64_t now) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  Statement& update = cached(
      "UPDATE jobs SET state = ?2, error = ?3, finished_ms = ?4, cancel_requested = 0 "
      "WHERE id = ?1",
      "finishing a job");
  ResetOnExit update_reset(update);
  update.bind_text(1, job_id);
  update.bind_text(2, state_name(state));
  update.bind_text(3, error);
  update.bind_int(4, now);
  update.run();
  tx.commit();
}

std::optional<Job> SqliteJobStore::read_job(const std::string& job_id) {
  Statement& s =
      cached("SELECT " + std::string(kJobColumns) + " FROM jobs WHERE id = ?1", "reading a job");
  ResetOnExit s_reset(s);
  s.bind_text(1, job_id);
  if (!s.step()) return std::nullopt;
  return read_job_row(s);
}

void SqliteJobStore::read_attempts(Job& job) {
  Statement& s = cached(
      "SELECT phase, step_index, step_id, attempt, state, started_ms, finished_ms, error, "
      "outputs FROM step_attempts WHERE job_id = ?1 ORDER BY started_ms, rowid",
      "reading a job's steps");
  ResetOnExit s_reset(s);
  s.bind_text(1, job.id);
  while (s.step()) {
    workflows::StepAttempt a;
    a.phase = s.column_int(0) == 0 ? JobPhase::main : JobPhase::on_failure;
    a.step_index = static_cast<int>(s.column_int(1));
    a.step_id = s.column_string(2);
    a.attempt = static_cast<int>(s.column_int(3));
    a.state = workflows::parse_attempt_state(s.column_text(4)).value_or(AttemptState::failed);
    a.started_ms = s.column_int(5);
    a.finished_ms = s.column_optional_int(6);
    a.error = s.column_string(7);
    a.outputs = decode_outputs(s.column_text(8));
    job.attempts.push_back(std::move(a));
  }
}

std::optional<Job> SqliteJobStore::get(const std::string& job_id) {
  std::lock_guard lock(mutex_);
  auto job = read_job(job_id);
  if (job) read_attempts(*job);
  return job;
}

std::vector<Job> SqliteJobStore::list(const workflows::ListFilter& filter) {
  std::lock_guard lock(mutex_);
  Statement& s = cached("SELECT " + std::string(kJobColumns) +
                            " FROM jobs WHERE (?1 IS NULL OR state = ?1) AND "
                            "(?2 IS NULL OR client_id = ?2) ORDER BY seq DESC LIMIT ?3",
                        "listing jobs");
  ResetOnExit s_reset(s);
  if (filter.state) {
    s.bind_text(1, workflows::to_string(*filter.state));
  } else {
    s.bind_null(1);
  }
  s.bind_optional_text(
      2, filter.client_id ? std::optional<std::string_view>(*filter.client_id) : std::nullopt);
  s.bind_int(3, filter.limit);
  std::vector<Job> jobs;
  while (s.step())
    jobs.push_back(read_job_row(s));
  return jobs;
}

std::vector<workflows::JobCount> SqliteJobStore::count_by_workflow_and_state() {
  std::lock_guard lock(mutex_);
  Statement& s =
      cached("SELECT workflow, state, count(*) FROM jobs GROUP BY workflow, state ORDER BY 1, 2",
             "counting jobs");
  ResetOnExit s_reset(s);
  std::vector<workflows::JobCount> counts;
  while (s.step()) {
    const std::optional<workflows::JobState> state = workflows::parse_job_state(s.column_text(1));
    if (!state) continue;  // a state this version does not know: not ours to count
    counts.push_back({s.column_string(0), *state, s.column_int(2)});
  }
  return counts;
}

bool SqliteJobStore::cancel_requested(const std::string& job_id) {
  std::lock_guard lock(mutex_);
  Statement& s =
      cached("SELECT cancel_requested FROM jobs WHERE id = ?1", "reading a cancel request");
  ResetOnExit s_reset(s);
  s.bind_text(1, job_id);
  return s.step() && s.column_int(0) != 0;
}

bool SqliteJobStore::request_cancel(const std::string& job_id, std::int64_t now) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  auto job = read_job(job_id);
  if (!job || workflows::is_terminal(job->state)) return false;
  Statement update =
      job->state == JobState::running
          ? db_.prepare("UPDATE jobs SET cancel_requested = 1 WHERE id = ?1", "requesting a cancel")
          : db_.prepare(
                "UPDATE jobs SET state = 'cancelled', finished_ms = ?2, "
                "error = 'cancelled by an operator' WHERE id = ?1",
                "cancelling a job");
  update.bind_text(1, job_id);
  if (job->state != JobState::running) update.bind_int(2, now);
  update.run();
  tx.commit();
  return true;
}

bool SqliteJobStore::retry(const std::string& job_id) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  Statement& update = cached(
      "UPDATE jobs SET state = 'queued', run = run + 1, "
      "step_index = CASE phase WHEN 1 THEN failed_index ELSE step_index END, phase = 0, "
      "error = '', client_error = '', finished_ms = NULL, not_before_ms = 0, cancel_requested = 0 "
      "WHERE id = ?1 AND state IN ('failed', 'cancelled')",
      "retrying a job");
  update.bind_text(1, job_id);
  update.run();
  const bool changed = sqlite3_changes(db_.handle()) > 0;
  tx.commit();
  return changed;
}

int SqliteJobStore::recover(std::int64_t now, const std::optional<std::string>& only_job) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  Statement attempts = db_.prepare(
      "UPDATE step_attempts SET state = 'interrupted', finished_ms = ?1, "
      "error = 'interrupted: popgate stopped while the step ran' WHERE state = 'running' AND "
      "job_id IN (SELECT id FROM jobs WHERE state = 'running' AND (?2 IS NULL OR id = ?2))",
      "marking interrupted steps");
  attempts.bind_int(1, now);
  attempts.bind_optional_text(2,
                              only_job ? std::optional<std::string_view>(*only_job) : std::nullopt);
  attempts.run();
  Statement jobs = db_.prepare(
      "UPDATE jobs SET state = 'queued' WHERE state = 'running' AND (?1 IS NULL OR id = ?1)",
      "requeueing interrupted jobs");
  jobs.bind_optional_text(1, only_job ? std::optional<std::string_view>(*only_job) : std::nullopt);
  jobs.run();
  const int recovered = sqlite3_changes(db_.handle());
  tx.commit();
  return recovered;
}

Statement& SqliteJobStore::cached(std::string_view sql, std::string_view what) {
  auto it = statements_.find(sql);
  if (it == statements_.end())
    it = statements_.emplace(std::string(sql), db_.prepare(sql, what, true)).first;
  return it->second;
}

void SqliteJobStore::baseline_transaction() {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  Statement& update = cached(
      "INSERT INTO bench_scratch (k, v) VALUES (1, 1) ON CONFLICT (k) DO UPDATE SET v = v + 1",
      "baseline write");
  ResetOnExit update_reset(update);
  update.run();
  tx.commit();
}

}  // namespace popgate::store
