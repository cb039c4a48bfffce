// Verifies the audit chain in the background: when the daemon starts and then every hour, the
// whole chain (structure, every hash, link and signature, as `popgate audit verify`) and that
// it still holds the head the previous verification saw, so that a tail cut off together with
// its index rows is found although the shorter chain is valid. A failure is logged as an
// error; the last result is shown in /metrics (popgate_audit_chain_valid), so that monitoring
// alerts on it.
#ifndef POPGATE_DAEMON_AUDIT_WATCH_H_
#define POPGATE_DAEMON_AUDIT_WATCH_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "adapters/store/audit_log.h"

namespace popgate::daemon {

struct AuditCheck {
  bool ok = false;
  std::int64_t records = 0;
  std::string problem;  // empty when ok
  std::chrono::system_clock::time_point when;
  std::chrono::duration<double> took{0};
};

class AuditWatch {
 public:
  // `data_dir` holds audit/audit.db and keys/appliance.key.
  AuditWatch(std::filesystem::path data_dir, std::chrono::seconds interval);
  ~AuditWatch();  // stop()
  AuditWatch(const AuditWatch&) = delete;
  AuditWatch& operator=(const AuditWatch&) = delete;

  void start();
  // Waits for a verification under way to end (it reads the whole chain: seconds for hundreds
  // of thousands of records).
  void stop();
  // The last verification's result; nullopt before the first has ended.
  std::optional<AuditCheck> last() const;

 private:
  void run();
  AuditCheck verify_once();

  const std::filesystem::path data_dir_;
  const std::chrono::seconds interval_;
  std::optional<store::AuditHead> kept_head_;  // the run thread's only
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::optional<AuditCheck> last_;
  std::thread thread_;
};

}  // namespace popgate::daemon

#endif  // POPGATE_DAEMON_AUDIT_WATCH_H_
