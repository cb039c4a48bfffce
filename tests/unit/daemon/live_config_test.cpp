// The daemon's live configuration: one snapshot at a time, swapped whole; a reader keeps the
// snapshot it took; permit decisions come from the permits built when it was installed.
#include "daemon/live_config.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace popgate::daemon {
namespace {

using registry::DataGroup;
using registry::Service;

workflows::ConfigSet config_with(const std::string& permit_id, bool revoked) {
  workflows::ConfigSet config;
  workflows::ClientConfig client;
  client.id = "acme";
  config.clients.push_back(client);
  workflows::PermitConfig permit;
  permit.id = permit_id;
  permit.holders = {"acme"};
  permit.purpose = "upkeep";
  permit.services = {Service::update};
  permit.data_groups = {DataGroup::names};
  permit.valid_from = registry::Date{2020, 1, 1};
  permit.revoked = revoked;
  config.permits.push_back(permit);
  return config;
}

registry::PermitRequest names_for_acme() {
  return {"acme", Service::update, {DataGroup::names}, registry::Date{2026, 6, 1}, ""};
}

TEST(LiveConfig, BeforeAnyInstallEverythingIsDenied) {
  const LiveConfig live;
  EXPECT_EQ(live.decide_permit(names_for_acme()).explanation(),
            "denied: client acme does not exist");
  EXPECT_FALSE(live.client("acme").has_value());
  EXPECT_FALSE(live.permit("P/1").has_value());
}

TEST(LiveConfig, AnInstallReplacesTheConfigurationWhileEarlierReadersKeepTheirs) {
  LiveConfig live;
  live.install(config_with("P/1", false));
  const std::shared_ptr<const ConfigSnapshot> before = live.snapshot();
  EXPECT_EQ(live.decide_permit(names_for_acme()).permit_id(), "P/1");
  ASSERT_TRUE(live.permit("P/1").has_value());
  EXPECT_EQ(live.permit("P/1")->purpose, "upkeep");
  EXPECT_EQ(live.client("acme")->id, "acme");

  const std::shared_ptr<const ConfigSnapshot> after = live.install(config_with("P/1", true));
  EXPECT_EQ(live.snapshot(), after);
  EXPECT_EQ(live.decide_permit(names_for_acme()).explanation(), "denied: permit P/1 is revoked");
  // The reader that took the earlier snapshot still decides with it.
  EXPECT_TRUE(before->permits.decide(names_for_acme()).allowed());
  EXPECT_EQ(before->config.permits.size(), 1u);
}

// Readers on other threads, as SFTP sessions and job steps are, keep deciding with the snapshot
// they took while installs replace it: each snapshot's permits are its own configuration's
// (and under AddressSanitizer, a snapshot freed under a reader fails the test).
TEST(LiveConfig, ReadersOnOtherThreadsSeeWholeSnapshots) {
  LiveConfig live;
  live.install(config_with("A/1", false));
  std::atomic<bool> stop{false};
  std::atomic<int> mixed{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&] {
      while (!stop) {
        const std::shared_ptr<const ConfigSnapshot> now = live.snapshot();
        const std::string allowed_by = now->permits.decide(names_for_acme()).permit_id();
        if (allowed_by != now->config.permits.front().id) ++mixed;
      }
    });
  }
  for (int i = 0; i < 200; ++i)
    live.install(config_with(i % 2 == 0 ? "B/2" : "A/1", false));
  stop = true;
  for (std::thread& reader : readers)
    reader.join();
  EXPECT_EQ(mixed, 0);
}

}  // namespace
}  // namespace popgate::daemon
