#include "adapters/store/sqlite_delivery_store.h"

#include <chrono>

namespace popgate::store {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS deliveries (
  client_id TEXT NOT NULL,
  path TEXT NOT NULL,
  job_id TEXT NOT NULL,
  delivered_ms INTEGER NOT NULL,
  delete_after_download INTEGER NOT NULL,
  expires_ms INTEGER,
  downloaded_ms INTEGER,
  PRIMARY KEY (client_id, path)
) STRICT;
)sql";

}  // namespace

SqliteDeliveryStore::SqliteDeliveryStore(const std::string& path) : db_(path, OpenMode::create) {
  db_.set_busy_timeout(std::chrono::seconds(10));
  db_.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL", "configuring state.db");
  db_.exec(kSchema, "creating the deliveries table");
}

void SqliteDeliveryStore::record(const std::vector<workflows::DeliveredFile>& files) {
  std::lock_guard<std::mutex> lock(mutex_);
  Transaction tx(db_);
  Statement upsert = db_.prepare(
      "INSERT OR REPLACE INTO deliveries (client_id, path, job_id, delivered_ms, "
      "delete_after_download, expires_ms, downloaded_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL)",
      "recording a delivery");
  for (const workflows::DeliveredFile& f : files) {
    upsert.bind_text(1, f.client_id);
    upsert.bind_text(2, f.path);
    upsert.bind_text(3, f.job_id);
    upsert.bind_int(4, f.delivered_ms);
    upsert.bind_int(5, f.delete_after_download ? 1 : 0);
    if (f.expires_ms) {
      upsert.bind_int(6, *f.expires_ms);
    } else {
      upsert.bind_null(6);
    }
    upsert.run();
  }
  tx.commit();
}

void SqliteDeliveryStore::mark_downloaded(const std::string& client_id, const std::string& path,
                                          std::int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement update = db_.prepare(
      "UPDATE deliveries SET downloaded_ms = ?3 WHERE client_id = ?1 AND path = ?2 "
      "AND downloaded_ms IS NULL",
      "noting a download");
  update.bind_text(1, client_id);
  update.bind_text(2, path);
  update.bind_int(3, now_ms);
  update.run();
}

std::vector<DueDelivery> SqliteDeliveryStore::due(std::int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement select = db_.prepare(
      "SELECT client_id, path, CASE WHEN expires_ms IS NOT NULL AND expires_ms <= ?1 "
      "THEN 'expired' ELSE 'downloaded' END FROM deliveries "
      "WHERE (expires_ms IS NOT NULL AND expires_ms <= ?1) "
      "OR (delete_after_download = 1 AND downloaded_ms IS NOT NULL) ORDER BY client_id, path",
      "finding deliveries to remove");
  select.bind_int(1, now_ms);
  std::vector<DueDelivery> due;
  while (select.step())
    due.push_back({select.column_string(0), select.column_string(1), select.column_string(2)});
  return due;
}

void SqliteDeliveryStore::forget(const std::string& client_id, const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement del = db_.prepare("DELETE FROM deliveries WHERE client_id = ?1 AND path = ?2",
                              "forgetting a delivery");
  del.bind_text(1, client_id);
  del.bind_text(2, path);
  del.run();
}

}  // namespace popgate::store
