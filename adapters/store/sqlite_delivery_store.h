// The outbox's retention on state.db: which delivered files exist, until when, and whether
// the client has downloaded them. The daemon's retention sweep asks for the due ones and
// removes them.
//
// Table deliveries (client_id, path) PRIMARY KEY, created when missing and, like sftp_bans,
// outside the job store's schema version.
#ifndef POPGATE_ADAPTERS_STORE_SQLITE_DELIVERY_STORE_H_
#define POPGATE_ADAPTERS_STORE_SQLITE_DELIVERY_STORE_H_

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "adapters/store/sqlite.h"
#include "workflows/engine/delivery.h"

namespace popgate::store {

struct DueDelivery {
  std::string client_id;
  std::string path;  // relative to the client's root
  std::string why;   // "expired" or "downloaded"
};

class SqliteDeliveryStore {
 public:
  // Opens (creating if needed) the database at `path`. Throws SqliteError.
  explicit SqliteDeliveryStore(const std::string& path);

  // Adds or replaces (a re-run delivering the same name again) each file, in one transaction.
  void record(const std::vector<workflows::DeliveredFile>& files);
  // The client read the whole file. Unknown files (not delivered by `deliver`) are ignored.
  void mark_downloaded(const std::string& client_id, const std::string& path, std::int64_t now_ms);
  // Files to remove now: expired, or downloaded when the workflow asked for that.
  std::vector<DueDelivery> due(std::int64_t now_ms);
  // Forgets a file once it is removed (or found gone).
  void forget(const std::string& client_id, const std::string& path);

 private:
  std::mutex mutex_;
  Database db_;
};

}  // namespace popgate::store

#endif  // POPGATE_ADAPTERS_STORE_SQLITE_DELIVERY_STORE_H_
