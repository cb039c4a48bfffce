#include "daemon/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <map>
#include <utility>

namespace popgate::daemon {
namespace {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;
using prometheus::Labels;

// Steps take from milliseconds (a permit check) to an hour (matching millions of rows).
const Histogram::BucketBoundaries kStepBuckets = {0.01, 0.05, 0.1, 0.5, 1,   5,
                                                  10,   30,   60,  300, 900, 3600};

Family<Counter>& counter(prometheus::Registry& registry, const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
}
Family<Gauge>& gauge(prometheus::Registry& registry, const char* name, const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry);
}

// A counter that mirrors a total kept elsewhere (the SFTP server's): moved by the difference.
class MirroredCounter {
 public:
  explicit MirroredCounter(Counter& counter) : counter_(counter) {}
  void follow(std::uint64_t total) {
    if (total > last_) counter_.Increment(static_cast<double>(total - last_));
    last_ = total;
  }

 private:
  Counter& counter_;
  std::uint64_t last_ = 0;
};

}  // namespace

struct Metrics::Families {
  prometheus::Registry registry;
  Family<Gauge>& jobs = gauge(registry, "popgate_jobs", "Jobs in state.db by workflow and state");
  Family<Gauge>& jobs_queued = gauge(registry, "popgate_jobs_queued", "Jobs waiting to run");
  Family<Counter>& jobs_finished =
      counter(registry, "popgate_jobs_finished_total",
              "Jobs that ended since the start, by workflow and state");
  Family<Histogram>& step_duration =
      prometheus::BuildHistogram()
          .Name("popgate_step_duration_seconds")
          .Help("How long step attempts took, by workflow, step type and outcome")
          .Register(registry);
  Family<Gauge>& sftp_sessions =
      gauge(registry, "popgate_sftp_sessions", "SFTP connections being served, logged in or not");
  Family<Counter>& sftp_logins =
      counter(registry, "popgate_sftp_logins_total",
              "SFTP sessions that logged in (result=ok) or were refused authentication and never "
              "logged in (result=failed)");
  Family<Counter>& sftp_bans =
      counter(registry, "popgate_sftp_bans_total", "Addresses banned by the defender");
  Family<Gauge>& sftp_banned =
      gauge(registry, "popgate_sftp_banned_addresses", "Addresses banned now");
  Family<Counter>& sftp_bytes =
      counter(registry, "popgate_sftp_bytes_total",
              "SFTP stream bytes of ended sessions, direction=up (from clients) or down");
  Family<Counter>& permit_denials = counter(registry, "popgate_permit_denials_total",
                                            "Disclosures the permits refused, by reason");
  Family<Counter>& audit_records =
      counter(registry, "popgate_audit_records_total", "Audit records appended since the start");
  Family<Gauge>& audit_chain =
      gauge(registry, "popgate_audit_chain_length", "Records in the audit chain");
  Family<Gauge>& audit_valid =
      gauge(registry, "popgate_audit_chain_valid",
            "1 if the last verification of the audit chain passed, 0 if it failed");
  Family<Gauge>& audit_verified = gauge(registry, "popgate_audit_verified_timestamp_seconds",
                                        "When the audit chain was last verified (Unix time)");
  Family<Gauge>& audit_verify_seconds = gauge(registry, "popgate_audit_verify_seconds",
                                              "How long the last verification of the chain took");
  Family<Gauge>& register_seq = gauge(registry, "popgate_register_head_sequence",
                                      "The register's last change sequence number");
  Family<Gauge>& register_current =
      gauge(registry, "popgate_register_current_to_timestamp_seconds",
            "Start (UTC) of the day the register is current to: its as-of date or its last "
            "change's record date");
  Family<Gauge>& register_age =
      gauge(registry, "popgate_register_age_seconds",
            "Seconds since the start (UTC) of the day the register is current to");
  Family<Counter>& deliveries =
      counter(registry, "popgate_deliveries_total", "Deliveries to clients' outboxes, by service");
  Family<Counter>& delivered_files = counter(registry, "popgate_delivered_files_total",
                                             "Files delivered to clients' outboxes, by service");

  MirroredCounter logins_ok{sftp_logins.Add({{"result", "ok"}})};
  MirroredCounter logins_failed{sftp_logins.Add({{"result", "failed"}})};
  MirroredCounter bans{sftp_bans.Add({})};
  MirroredCounter bytes_up{sftp_bytes.Add({{"direction", "up"}})};
  MirroredCounter bytes_down{sftp_bytes.Add({{"direction", "down"}})};
  Counter& audit_appended = audit_records.Add({});
  // The (workflow, state) series set at the last scrape: a combination that has no jobs any
  // more reads 0 rather than its last count.
  std::map<std::pair<std::string, std::string>, Gauge*> job_series;
};

Metrics::Metrics() : families_(std::make_unique<Families>()) {
  // Every reason from the start, so that rate() sees the first denial as an increase.
  for (const registry::DenialReason reason :
       {registry::DenialReason::no_permit, registry::DenialReason::client_inactive,
        registry::DenialReason::revoked, registry::DenialReason::not_yet_valid,
        registry::DenialReason::expired, registry::DenialReason::service_not_granted,
        registry::DenialReason::data_groups_not_granted})
    families_->permit_denials.Add({{"reason", std::string(registry::to_string(reason))}});
}

Metrics::~Metrics() = default;

void Metrics::step_done(const workflows::StepTiming& timing) {
  families_->step_duration
      .Add({{"workflow", timing.workflow},
            {"step_type", timing.step_type},
            {"outcome", timing.outcome}},
           kStepBuckets)
      .Observe(timing.elapsed.count());
}

void Metrics::job_finished(const workflows::Job& job) {
  families_->jobs_finished
      .Add({{"workflow", job.workflow}, {"state", std::string(workflows::to_string(job.state))}})
      .Increment();
}

void Metrics::permit_denied(registry::DenialReason reason) {
  families_->permit_denials.Add({{"reason", std::string(registry::to_string(reason))}}).Increment();
}

void Metrics::delivered(const std::vector<workflows::DeliveredFile>& files) {
  if (files.empty()) return;
  const Labels service{{"service", files.front().service}};
  families_->deliveries.Add(service).Increment();
  families_->delivered_files.Add(service).Increment(static_cast<double>(files.size()));
}

void Metrics::audit_recorded() {
  families_->audit_appended.Increment();
}

std::string Metrics::render(const MetricsSnapshot& snapshot) {
  std::lock_guard lock(render_mu_);
  Families& f = *families_;
  if (snapshot.jobs) {
    for (auto& [series, g] : f.job_series)
      g->Set(0);
    double queued = 0;
    for (const workflows::JobCount& count : *snapshot.jobs) {
      const std::string state(workflows::to_string(count.state));
      Gauge*& g = f.job_series[{count.workflow, state}];
      if (g == nullptr) g = &f.jobs.Add({{"workflow", count.workflow}, {"state", state}});
      g->Set(static_cast<double>(count.count));
      if (count.state == workflows::JobState::queued) queued += static_cast<double>(count.count);
    }
    f.jobs_queued.Add({}).Set(queued);
  }
  f.sftp_sessions.Add({}).Set(static_cast<double>(snapshot.sftp.sessions));
  f.logins_ok.follow(snapshot.sftp.logins);
  f.logins_failed.follow(snapshot.sftp.failed_logins);
  f.bans.follow(snapshot.sftp.bans_made);
  f.sftp_banned.Add({}).Set(static_cast<double>(snapshot.sftp.banned_addresses));
  f.bytes_up.follow(snapshot.sftp.bytes_up);
  f.bytes_down.follow(snapshot.sftp.bytes_down);
  if (snapshot.audit_chain_length)
    f.audit_chain.Add({}).Set(static_cast<double>(*snapshot.audit_chain_length));
  if (const std::optional<AuditCheck>& check = snapshot.audit_check) {
    f.audit_valid.Add({}).Set(check->ok ? 1 : 0);
    f.audit_verified.Add({}).Set(
        std::chrono::duration<double>(check->when.time_since_epoch()).count());
    f.audit_verify_seconds.Add({}).Set(check->took.count());
  }
  if (snapshot.register_head) {
    f.register_seq.Add({}).Set(static_cast<double>(snapshot.register_head->last_change_seq));
    if (const std::optional<registry::Date>& day = snapshot.register_head->current_to) {
      const double start = static_cast<double>(day->to_days()) * 86400.0;
      const double now = std::chrono::duration<double>(snapshot.now.time_since_epoch()).count();
      f.register_current.Add({}).Set(start);
      f.register_age.Add({}).Set(now - start);
    }
  }
  return prometheus::TextSerializer().Serialize(f.registry.Collect());
}

}  // namespace popgate::daemon
