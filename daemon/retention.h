// What popgate removes on its own, so that personal data does not pile up on disk:
//   - delivered files in clients' outboxes that have expired, or that the client downloaded
//     whole when their workflow asked for that (SqliteDeliveryStore knows which);
//   - a finished job's work dir (work/<job-id>/): at once when it succeeded, after
//     `retention.failed_jobs` when it failed or was cancelled (for the operator's look and
//     `popgate jobs retry`);
//   - the copies of uploads in inputs/ that no job still needs on the same terms.
#ifndef POPGATE_DAEMON_RETENTION_H_
#define POPGATE_DAEMON_RETENTION_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>

#include "adapters/store/sqlite_delivery_store.h"
#include "workflows/engine/job_store.h"

namespace popgate::daemon {

class Retention {
 public:
  Retention(std::filesystem::path data_dir, store::SqliteDeliveryStore& deliveries,
            workflows::JobStore& jobs)
      : data_dir_(std::move(data_dir)), deliveries_(deliveries), jobs_(jobs) {}

  // How long a failed or cancelled job's files stay (popgate.yaml retention.failed_jobs).
  void set_failed_jobs(std::chrono::milliseconds keep) { failed_jobs_ = keep; }

  // Removes every delivered file that is due now; returns how many. Never throws: a failure
  // is logged and tried again at the next sweep.
  int sweep_outbox(std::int64_t now_ms);
  // Removes finished jobs' work dirs and unneeded input copies as described above; returns
  // how many directories and files were removed. Never throws.
  int sweep_jobs(std::int64_t now_ms);

 private:
  bool work_dir_done(const workflows::Job& job, std::int64_t now_ms) const;

  std::filesystem::path data_dir_;
  store::SqliteDeliveryStore& deliveries_;
  workflows::JobStore& jobs_;
  std::chrono::milliseconds failed_jobs_{std::chrono::hours(24 * 7)};
};

// Whether `path` (relative to a client's root) names a file directly in its outbox: what the
// deliveries table may hold. Anything else is never removed, whatever the table says.
bool removable_outbox_path(const std::string& path);

}  // namespace popgate::daemon

#endif  // POPGATE_DAEMON_RETENTION_H_
