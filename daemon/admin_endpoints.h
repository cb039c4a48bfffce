// The admin listener's endpoints (listen.http in popgate.yaml, loopback by default):
//   GET /healthz  the process is up and answering: 200 {"status":"ok"}
//   GET /readyz   every check passes: 200, else 503; the body lists each check
//                 {"ready":false,"checks":[{"name":"register","ok":false,"detail":"..."}]}
//   GET /metrics  the Prometheus text format (daemon/metrics.h)
// The checks and the snapshot are read on the listener's threads, when asked.
#ifndef POPGATE_DAEMON_ADMIN_ENDPOINTS_H_
#define POPGATE_DAEMON_ADMIN_ENDPOINTS_H_

#include <functional>
#include <string>
#include <vector>

#include "adapters/http/http_listener.h"
#include "daemon/metrics.h"

namespace popgate::daemon {

struct ReadinessCheck {
  std::string name;  // "state", "register", "audit", "sftp"
  bool ok = false;
  std::string detail;  // what was found, or what is wrong
};

struct AdminSources {
  std::function<std::vector<ReadinessCheck>()> readiness;
  std::function<MetricsSnapshot()> snapshot;
};

// Adds the three routes to `listener` (before it starts). `metrics` and the sources must
// outlive the listener's serving.
void add_admin_routes(http::HttpListener& listener, Metrics& metrics, AdminSources sources);

// The /readyz body, exposed for tests.
std::string readiness_json(const std::vector<ReadinessCheck>& checks);

}  // namespace popgate::daemon

#endif  // POPGATE_DAEMON_ADMIN_ENDPOINTS_H_
