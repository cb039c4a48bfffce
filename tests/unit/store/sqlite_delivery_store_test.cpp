#include "adapters/store/sqlite_delivery_store.h"

#include <gtest/gtest.h>

#include "tests/unit/test_support/register_samples.h"

namespace popgate::store {
namespace {

workflows::DeliveredFile delivered(std::string path, bool after_download,
                                   std::optional<std::int64_t> expires) {
  workflows::DeliveredFile f;
  f.client_id = "acme";
  f.job_id = "job-1";
  f.path = std::move(path);
  f.delivered_ms = 1000;
  f.delete_after_download = after_download;
  f.expires_ms = expires;
  return f;
}

TEST(SqliteDeliveryStore, ExpiredAndDownloadedFilesAreDueOthersAreNot) {
  testing::TempDir dir;
  SqliteDeliveryStore store(dir.file("state.db"));
  store.record({delivered("outbox/a.p7m", true, 5000), delivered("outbox/b.p7m", false, 9000),
                delivered("outbox/c.p7m", false, std::nullopt)});
  EXPECT_TRUE(store.due(4999).empty());
  store.mark_downloaded("acme", "outbox/b.p7m", 2000);  // kept: not delete-after-download
  store.mark_downloaded("acme", "outbox/a.p7m", 2000);
  store.mark_downloaded("acme", "outbox/unknown", 2000);
  std::vector<DueDelivery> due = store.due(3000);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].path, "outbox/a.p7m");
  EXPECT_EQ(due[0].why, "downloaded");
  store.forget("acme", "outbox/a.p7m");
  due = store.due(9000);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].path, "outbox/b.p7m");
  EXPECT_EQ(due[0].why, "expired");
  EXPECT_EQ(store.due(1LL << 50).size(), 1u) << "a file without expiry never expires";
}

TEST(SqliteDeliveryStore, SurvivesAReopen) {
  testing::TempDir dir;
  {
    SqliteDeliveryStore store(dir.file("state.db"));
    store.record({delivered("outbox/a.p7m", false, 5000)});
  }
  SqliteDeliveryStore again(dir.file("state.db"));
  EXPECT_EQ(again.due(5000).size(), 1u);
}

}  // namespace
}  // namespace popgate::store
