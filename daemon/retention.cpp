#include "daemon/retention.h"

#include <system_error>

#include "daemon/log.h"
#include "workflows/config/client_config.h"

namespace popgate::daemon {
namespace {

namespace fs = std::filesystem;

// An upload's copy younger than this is kept even when no job names it yet: the SFTP service
// writes the copy just before it submits the jobs that read it.
constexpr std::int64_t kFreshInputMs = 10 * 60 * 1000;

std::int64_t modified_ms(const fs::path& path) {
  std::error_code ec;
  const auto when = fs::last_write_time(path, ec);
  if (ec) return 0;
  const auto system = std::chrono::file_clock::to_sys(when);
  return std::chrono::duration_cast<std::chrono::milliseconds>(system.time_since_epoch()).count();
}

}  // namespace

bool removable_outbox_path(const std::string& path) {
  constexpr std::string_view kOutbox = "outbox/";
  if (!path.starts_with(kOutbox)) return false;
  const std::string name = path.substr(kOutbox.size());
  return !name.empty() && name.find('/') == std::string::npos && !name.starts_with(".");
}

int Retention::sweep_outbox(std::int64_t now_ms) {
  int removed = 0;
  try {
    for (const store::DueDelivery& due : deliveries_.due(now_ms)) {
      if (!workflows::valid_client_id(due.client_id) || !removable_outbox_path(due.path)) {
        log(LogLevel::warning, {},
            "retention: ignoring the delivery record " + due.client_id + ":" + due.path);
        deliveries_.forget(due.client_id, due.path);
        continue;
      }
      std::error_code ec;
      const bool existed = fs::remove(data_dir_ / "exchange" / due.client_id / due.path, ec);
      if (ec) {
        log(LogLevel::warning, {},
            "retention: cannot remove " + due.client_id + ":" + due.path + ": " + ec.message());
        continue;
      }
      deliveries_.forget(due.client_id, due.path);
      if (existed) {
        ++removed;
        log_info("retention: removed " + due.client_id + ":" + due.path + " (" + due.why + ")");
      }
    }
  } catch (const std::exception& e) {
    log(LogLevel::warning, {}, std::string("retention: ") + e.what());
  }
  return removed;
}

bool Retention::work_dir_done(const workflows::Job& job, std::int64_t now_ms) const {
  if (!workflows::is_terminal(job.state) || !job.finished_ms) return false;
  if (job.state == workflows::JobState::succeeded) return true;
  return *job.finished_ms + failed_jobs_.count() <= now_ms;
}

int Retention::sweep_jobs(std::int64_t now_ms) {
  int removed = 0;
  try {
    // Inputs still needed: those of every job whose files are kept.
    std::set<std::string> needed_inputs;
    const fs::path work = data_dir_ / "work";
    std::error_code ec;
    for (const fs::directory_entry& entry : fs::directory_iterator(work, ec)) {
      const std::string id = entry.path().filename().string();
      const std::optional<workflows::Job> job = jobs_.get(id);
      if (!job) continue;  // not ours to judge (e.g. a job store that was reset)
      if (!work_dir_done(*job, now_ms)) {
        needed_inputs.insert(job->input_path);
        continue;
      }
      std::error_code remove_error;
      fs::remove_all(entry.path(), remove_error);
      if (remove_error) {
        log(LogLevel::warning, id,
            "retention: cannot remove its work dir: " + remove_error.message());
        needed_inputs.insert(job->input_path);
        continue;
      }
      ++removed;
      log(LogLevel::info, id, "retention: removed the job's work dir");
    }
    // Queued jobs have no work dir yet; their inputs are needed all the same.
    for (const workflows::JobState state :
         {workflows::JobState::queued, workflows::JobState::running,
          workflows::JobState::retrying}) {
      workflows::ListFilter filter;
      filter.state = state;
      filter.limit = 1 << 30;
      for (const workflows::Job& job : jobs_.list(filter))
        needed_inputs.insert(job.input_path);
    }
    const fs::path inputs = data_dir_ / "inputs";
    for (const fs::directory_entry& key_dir : fs::directory_iterator(inputs, ec)) {
      for (const fs::directory_entry& file : fs::directory_iterator(key_dir.path(), ec)) {
        if (needed_inputs.count(file.path().string()) > 0) continue;
        if (modified_ms(file.path()) + kFreshInputMs > now_ms) continue;
        std::error_code remove_error;
        if (fs::remove(file.path(), remove_error)) ++removed;
      }
      std::error_code ignored;
      fs::remove(key_dir.path(), ignored);  // only when empty
    }
  } catch (const std::exception& e) {
    log(LogLevel::warning, {}, std::string("retention: ") + e.what());
  }
  return removed;
}

}  // namespace popgate::daemon
