// The engine `popgate run` and `popgate lint --test` drive in the foreground: the daemon's
// engine and store, but on a data dir of their own, with one worker, for one job at a time.
#ifndef POPGATE_DAEMON_FOREGROUND_ENGINE_H_
#define POPGATE_DAEMON_FOREGROUND_ENGINE_H_

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "adapters/store/sqlite_job_store.h"
#include "base/unique_fd.h"
#include "workflows/engine/engine.h"
#include "workflows/engine/job.h"
#include "workflows/engine/step_registry.h"
#include "workflows/engine/workflow.h"

namespace popgate::cli {

// The job a client's upload of `input` would start. Throws crypto::CryptoError when `input`
// cannot be read.
workflows::NewJob foreground_job(const workflows::Workflow& workflow, const std::string& client,
                                 const std::filesystem::path& client_root,
                                 const std::filesystem::path& input);

class ForegroundEngine {
 public:
  using Log = std::function<void(const std::string& job_id, const std::string& line)>;

  // Locks data_dir (throws when a daemon or another run holds it), opens (creating)
  // data_dir/state.db; jobs work in data_dir/work. `steps` must outlive this.
  // An empty `log` logs to stderr, as the daemon does.
  ForegroundEngine(const std::filesystem::path& data_dir, const workflows::StepRegistry& steps,
                   Log log = {});

  store::SqliteJobStore& store() { return store_; }
  workflows::Engine& engine() { return engine_; }

  // Runs job `id` to its end and returns it as stored: resumes it first when an earlier,
  // killed process left it running. nullopt only for an unknown id.
  std::optional<workflows::Job> run(const std::string& id, std::chrono::milliseconds timeout);

 private:
  base::UniqueFd lock_;          // first: nothing touches state.db before the lock is held
  store::SqliteJobStore store_;  // before engine_, which uses it
  workflows::Engine engine_;
};

}  // namespace popgate::cli

#endif  // POPGATE_DAEMON_FOREGROUND_ENGINE_H_
