// The permits of a configuration as every caller decides with them (the daemon's LiveConfig,
// `popgate permit check`): the client's own file decides whether it may receive anything and
// which umbrella permits it joins; the registry's rules do the rest.
#include <gtest/gtest.h>

#include "workflows/config/permit_config.h"

namespace popgate::workflows {
namespace {

using registry::DataGroup;
using registry::Service;

const registry::Date kDay{2026, 6, 1};

PermitConfig permit(std::string id, std::vector<std::string> holders, bool umbrella = false) {
  PermitConfig p;
  p.id = std::move(id);
  p.holders = std::move(holders);
  p.umbrella = umbrella;
  p.purpose = "upkeep";
  p.services = {Service::update};
  p.data_groups = {DataGroup::identity, DataGroup::names};
  p.valid_from = registry::Date{2026, 1, 1};
  return p;
}

ClientConfig client(std::string id, bool disabled = false, std::vector<std::string> joins = {}) {
  ClientConfig c;
  c.id = std::move(id);
  c.disabled = disabled;
  c.joins = std::move(joins);
  return c;
}

registry::PermitRequest request(std::string client_id) {
  return {std::move(client_id), Service::update, {DataGroup::names}, kDay, ""};
}

TEST(ConfiguredPermits, AClientMayReceiveOnlyWhenItsFileExistsAndIsActive) {
  const ConfiguredPermits permits({permit("P/1", {"acme", "gone", "off"})},
                                  {client("acme"), client("off", true)});
  EXPECT_EQ(permits.decide(request("acme")).explanation(), "allowed by permit P/1 (upkeep)");
  EXPECT_EQ(permits.decide(request("gone")).explanation(), "denied: client gone does not exist");
  EXPECT_EQ(permits.decide(request("off")).explanation(), "denied: client off is disabled");
}

TEST(ConfiguredPermits, AnActiveClientJoinsUmbrellaPermitsFromItsOwnFile) {
  const ConfiguredPermits permits({permit("U/1", {}, true), permit("A/1", {"acme"})},
                                  {client("acme", false, {"U/1"}), client("fund", false, {"U/1"}),
                                   client("off", true, {"U/1"})});
  EXPECT_EQ(permits.decide(request("fund")).permit_id(), "U/1");
  ASSERT_EQ(permits.permits_of("acme").size(), 2u);
  EXPECT_EQ(permits.permits_of("acme")[0]->id, "A/1");  // in id order
  EXPECT_EQ(permits.permits_of("acme")[1]->id, "U/1");
  EXPECT_TRUE(permits.permits_of("off").empty());
  ASSERT_NE(permits.find("U/1"), nullptr);
  EXPECT_TRUE(permits.find("U/1")->umbrella);
  EXPECT_EQ(permits.find("X/9"), nullptr);
}

TEST(ConfiguredPermits, ADecisionHoldsItsOwnCopyOfThePermit) {
  registry::PermitDecision decision;
  {
    const ConfiguredPermits permits({permit("P/1", {"acme"})}, {client("acme")});
    decision = permits.decide(request("acme"));
  }
  ASSERT_TRUE(decision.allowed());
  EXPECT_EQ(decision.permit->purpose, "upkeep");
  EXPECT_EQ(decision.permit_id(), "P/1");
}

}  // namespace
}  // namespace popgate::workflows
