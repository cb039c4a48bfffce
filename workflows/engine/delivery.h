// A file the `deliver` step put into a client's outbox, and how long it may stay there. The
// daemon keeps these (state.db, table deliveries) and removes each file when it expires or,
// if the workflow says so, once the client has downloaded it whole.
#ifndef POPGATE_WORKFLOWS_ENGINE_DELIVERY_H_
#define POPGATE_WORKFLOWS_ENGINE_DELIVERY_H_

#include <cstdint>
#include <optional>
#include <string>

namespace popgate::workflows {

struct DeliveredFile {
  std::string client_id;
  std::string job_id;
  std::string service;  // the workflow's service ("update", ...), for metrics
  std::string path;     // relative to the client's root: "outbox/<name>"
  std::int64_t delivered_ms = 0;
  bool delete_after_download = false;
  std::optional<std::int64_t> expires_ms;  // removed after this; nullopt: kept
};

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_ENGINE_DELIVERY_H_
