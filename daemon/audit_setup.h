// Opening the audit log where `serve` and `run` record disclosures: data_dir/audit/audit.db,
// signed with data_dir/keys/appliance.key (created on first use), each new chain head logged
// so that the journal holds a copy of the head outside the database.
#ifndef POPGATE_DAEMON_AUDIT_SETUP_H_
#define POPGATE_DAEMON_AUDIT_SETUP_H_

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>

#include "adapters/store/audit_log.h"

namespace popgate::daemon {

// `also` (when set) is called after each new record too: the daemon counts them for metrics.
std::unique_ptr<store::AuditLog> open_audit_log(const std::filesystem::path& data_dir,
                                                std::function<void(std::int64_t seq)> also = {});

}  // namespace popgate::daemon

#endif  // POPGATE_DAEMON_AUDIT_SETUP_H_
