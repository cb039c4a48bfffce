// The daemon's metrics, served at /metrics in the Prometheus text format (prometheus-cpp renders
// it). Two kinds: events counted as they happen (step durations, permit denials, deliveries,
// audit records, finished jobs), and state read at each scrape (jobs by workflow and state,
// SFTP activity, the audit chain's length, the register's head), which the caller gathers into
// a MetricsSnapshot. docs/operations.md lists every metric.
#ifndef POPGATE_DAEMON_METRICS_H_
#define POPGATE_DAEMON_METRICS_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "daemon/audit_watch.h"
#include "daemon/sftp_service.h"
#include "registry/permit_decision.h"
#include "registry/register_store.h"
#include "workflows/engine/delivery.h"
#include "workflows/engine/engine.h"
#include "workflows/engine/job_store.h"

namespace popgate::daemon {

// What a scrape reads; a part that could not be read stays empty and is left out.
struct MetricsSnapshot {
  std::optional<std::vector<workflows::JobCount>> jobs;
  SftpActivity sftp;
  std::optional<std::int64_t> audit_chain_length;
  std::optional<AuditCheck> audit_check;  // the last background verification
  std::optional<registry::RegisterHead> register_head;
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
};

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Events; thread-safe.
  void step_done(const workflows::StepTiming& timing);
  void job_finished(const workflows::Job& job);
  void permit_denied(registry::DenialReason reason);
  void delivered(const std::vector<workflows::DeliveredFile>& files);
  void audit_recorded();

  // The exposition: the events so far and `snapshot`.
  std::string render(const MetricsSnapshot& snapshot);
  static constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  struct Families;
  std::unique_ptr<Families> families_;
  std::mutex render_mu_;  // one scrape at a time sets the snapshot's values
};

}  // namespace popgate::daemon

#endif  // POPGATE_DAEMON_METRICS_H_
