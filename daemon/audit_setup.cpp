#include "daemon/audit_setup.h"

#include "daemon/log.h"

namespace popgate::daemon {

std::unique_ptr<store::AuditLog> open_audit_log(const std::filesystem::path& data_dir,
                                                std::function<void(std::int64_t seq)> also) {
  namespace fs = std::filesystem;
  const fs::path dir = data_dir / "audit";
  fs::create_directories(dir);
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
  auto audit = std::make_unique<store::AuditLog>(
      dir / "audit.db", crypto::SigningKey::load_or_create(data_dir / "keys" / "appliance.key"));
  // A copy of each head outside the database: truncating the chain's tail leaves a valid
  // shorter chain, which only a head kept elsewhere reveals.
  audit->on_recorded([also = std::move(also)](std::int64_t seq, const std::string& hash) {
    log_info("audit: record " + std::to_string(seq) + " appended; chain head " + hash);
    if (also) also(seq);
  });
  return audit;
}

}  // namespace popgate::daemon
