#include "daemon/audit_watch.h"

#include "adapters/crypto/signing_key.h"
#include "daemon/log.h"

namespace popgate::daemon {

AuditWatch::AuditWatch(std::filesystem::path data_dir, std::chrono::seconds interval)
    : data_dir_(std::move(data_dir)), interval_(interval) {}

AuditWatch::~AuditWatch() {
  stop();
}

void AuditWatch::start() {
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
}

void AuditWatch::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::optional<AuditCheck> AuditWatch::last() const {
  std::lock_guard lock(mu_);
  return last_;
}

void AuditWatch::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    const AuditCheck check = verify_once();
    lock.lock();
    last_ = check;
    wake_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

AuditCheck AuditWatch::verify_once() {
  AuditCheck check;
  check.when = std::chrono::system_clock::now();
  const auto started = std::chrono::steady_clock::now();
  try {
    const std::string public_pem =
        crypto::SigningKey::load(data_dir_ / "keys" / "appliance.key").public_pem();
    store::AuditReader reader(data_dir_ / "audit" / "audit.db");
    const store::AuditVerification result = reader.verify(public_pem, kept_head_);
    check.ok = result.ok;
    check.records = result.records;
    check.problem = result.problem;
    if (result.ok && result.records > 0)
      kept_head_ = store::AuditHead{result.records, result.head_hash};
  } catch (const std::exception& e) {
    check.ok = false;
    check.problem = e.what();
  }
  check.took = std::chrono::steady_clock::now() - started;
  if (check.ok) {
    log(LogLevel::debug, {},
        "audit: chain of " + std::to_string(check.records) + " records verified");
  } else {
    log(LogLevel::error, {},
        "audit: the chain fails verification: " + check.problem +
            " (popgate audit verify says more)");
  }
  return check;
}

}  // namespace popgate::daemon
