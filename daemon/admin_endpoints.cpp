#include "daemon/admin_endpoints.h"

#include <algorithm>

#include "base/json_text.h"

namespace popgate::daemon {

std::string readiness_json(const std::vector<ReadinessCheck>& checks) {
  const bool ready = std::all_of(checks.begin(), checks.end(),
                                 [](const ReadinessCheck& check) { return check.ok; });
  std::string body = std::string("{\"ready\":") + (ready ? "true" : "false") + ",\"checks\":[";
  for (std::size_t i = 0; i < checks.size(); ++i) {
    if (i > 0) body += ',';
    body += "{\"name\":" + base::json_string(checks[i].name) +
            ",\"ok\":" + (checks[i].ok ? "true" : "false") +
            ",\"detail\":" + base::json_string(checks[i].detail) + "}";
  }
  return body + "]}\n";
}

void add_admin_routes(http::HttpListener& listener, Metrics& metrics, AdminSources sources) {
  listener.route("GET", "/healthz", [](const http::HttpRequest&) {
    http::HttpResponse response;
    response.body = "{\"status\":\"ok\"}\n";
    return response;
  });
  listener.route("GET", "/readyz", [readiness = sources.readiness](const http::HttpRequest&) {
    const std::vector<ReadinessCheck> checks = readiness();
    http::HttpResponse response;
    response.body = readiness_json(checks);
    const bool ready = std::all_of(checks.begin(), checks.end(),
                                   [](const ReadinessCheck& check) { return check.ok; });
    response.status = ready ? 200 : 503;
    return response;
  });
  listener.route("GET", "/metrics",
                 [&metrics, snapshot = sources.snapshot](const http::HttpRequest&) {
                   http::HttpResponse response;
                   response.content_type = Metrics::kContentType;
                   response.body = metrics.render(snapshot());
                   return response;
                 });
}

}  // namespace popgate::daemon
