// The permit decision as a matrix: every service x a granted and a missing group x validity
// (before, first day, last day, after) x revocation x holder / umbrella member / outsider,
// each with the decision the rules give, computed independently of the implementation.
#include "registry/permit.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "registry/permit_decision.h"

namespace popgate::registry {
namespace {

Date day(int y, int m, int d) {
  return Date{y, m, d};
}

Permit sample_permit(std::string id, std::vector<std::string> holders, bool umbrella) {
  Permit p;
  p.id = std::move(id);
  p.holders = std::move(holders);
  p.umbrella = umbrella;
  p.purpose = "member register upkeep";
  p.legal_basis = "law";
  p.services = {Service::update, Service::change};
  p.data_groups = {DataGroup::identity, DataGroup::names, DataGroup::permanent_address};
  p.valid_from = day(2025, 1, 1);
  p.valid_until = day(2026, 12, 31);
  return p;
}

struct Case {
  Service service;
  std::vector<DataGroup> groups;
  Date on;
  bool revoked;
  std::string client;
};

TEST(PermitDecision, MatrixOfServicesGroupsValidityRevocationAndMembership) {
  const std::vector<Service> services = {Service::update, Service::extraction, Service::change,
                                         Service::query};
  const std::vector<std::vector<DataGroup>> group_sets = {
      {DataGroup::identity},
      {DataGroup::identity, DataGroup::permanent_address},
      {DataGroup::names, DataGroup::death},  // death is not granted
  };
  const std::vector<Date> days = {day(2024, 12, 31), day(2025, 1, 1), day(2026, 12, 31),
                                  day(2027, 1, 1)};
  // "fund-a" holds the direct permit, "fund-b" joined the umbrella, "insurer" neither.
  const std::vector<std::string> clients = {"fund-a", "fund-b", "insurer"};
  int allowed = 0, denied = 0;
  for (const bool revoked : {false, true}) {
    for (const bool umbrella : {false, true}) {
      Permit permit = sample_permit(
          "DVV/7/2025", umbrella ? std::vector<std::string>{} : std::vector<std::string>{"fund-a"},
          umbrella);
      permit.revoked = revoked;
      const PermitSet set({permit}, {{"fund-b", {"DVV/7/2025"}}, {"fund-a", {}}});
      for (const Service service : services) {
        for (const auto& groups : group_sets) {
          for (const Date& on : days) {
            for (const std::string& client : clients) {
              const bool member = umbrella ? client == "fund-b" : client == "fund-a";
              const bool service_ok = service == Service::update || service == Service::change;
              const bool groups_ok = groups.back() != DataGroup::death;
              const bool in_time = on >= day(2025, 1, 1) && on <= day(2026, 12, 31);
              const bool expected = member && !revoked && in_time && service_ok && groups_ok;
              const PermitDecision d = set.decide({client, service, groups, on, ""});
              EXPECT_EQ(d.allowed(), expected)
                  << client << " " << to_string(service) << " " << on.iso()
                  << " revoked=" << revoked << " umbrella=" << umbrella << ": " << d.explanation();
              EXPECT_EQ(d.allowed(), d.refusals.empty());
              (expected ? allowed : denied)++;
            }
          }
        }
      }
    }
  }
  EXPECT_EQ(allowed + denied, 2 * 2 * 4 * 3 * 4 * 3);
  EXPECT_EQ(allowed, 2 /*umbrella or not*/ * 2 /*services*/ * 2 /*group sets*/ * 2 /*days*/);
}

TEST(PermitDecision, RefusalsNameTheRuleThatFailed) {
  Permit p = sample_permit("DVV/1/2025", {"fund-a"}, false);
  const PermitSet set({p}, {});
  const Date on = day(2025, 6, 1);
  EXPECT_EQ(set.decide({"fund-a", Service::update, {DataGroup::death, DataGroup::family}, on, ""})
                .explanation(),
            "denied: permit DVV/1/2025 does not grant the data groups 'death', 'family'");
  EXPECT_EQ(set.decide({"fund-a", Service::query, {DataGroup::identity}, on, ""}).explanation(),
            "denied: permit DVV/1/2025 does not grant the 'query' service");
  EXPECT_EQ(set.decide({"fund-a", Service::update, {}, day(2027, 1, 1), ""}).explanation(),
            "denied: permit DVV/1/2025 expired on 2026-12-31");
  EXPECT_EQ(set.decide({"fund-a", Service::update, {}, day(2024, 1, 1), ""}).explanation(),
            "denied: permit DVV/1/2025 is valid only from 2025-01-01");
  EXPECT_EQ(set.decide({"other", Service::update, {}, on, ""}).explanation(),
            "denied: client other holds no permit");
  EXPECT_EQ(set.decide({"other", Service::update, {}, on, "DVV/1/2025"}).explanation(),
            "denied: client other is not a holder of permit DVV/1/2025");
  EXPECT_EQ(set.decide({"fund-a", Service::update, {}, on, "DVV/9/2025"}).explanation(),
            "denied: there is no permit DVV/9/2025");
  const PermitDecision ok = set.decide({"fund-a", Service::update, {DataGroup::names}, on, ""});
  ASSERT_TRUE(ok.allowed());
  EXPECT_EQ(ok.explanation(), "allowed by permit DVV/1/2025 (member register upkeep)");
}

TEST(PermitDecision, AnyOfSeveralPermitsMayAllowAndEachRefusalIsListed) {
  Permit narrow = sample_permit("A/1", {"fund-a"}, false);
  Permit wide = sample_permit("B/2", {"fund-a"}, false);
  wide.data_groups.push_back(DataGroup::death);
  const PermitSet set({wide, narrow}, {});
  const PermitDecision d =
      set.decide({"fund-a", Service::update, {DataGroup::death}, day(2025, 5, 5), ""});
  ASSERT_TRUE(d.allowed());
  EXPECT_EQ(d.permit->id, "B/2");
  const PermitDecision none =
      set.decide({"fund-a", Service::update, {DataGroup::family}, day(2025, 5, 5), ""});
  ASSERT_EQ(none.refusals.size(), 2u);
  EXPECT_NE(none.refusals[0].find("A/1"), std::string::npos);
  EXPECT_NE(none.refusals[1].find("B/2"), std::string::npos);
}

// The denial's reason, for counting: the permit that came closest names it.
TEST(PermitDecision, TheDenialsReasonIsTheOneOfThePermitThatCameClosest) {
  Permit lapsed = sample_permit("A/1", {"fund-a"}, false);
  lapsed.valid_until = day(2024, 12, 31);
  const Permit narrow = sample_permit("B/2", {"fund-a"}, false);
  const PermitSet set({lapsed, narrow}, {});
  const PermitRequest family{"fund-a", Service::update, {DataGroup::family}, day(2025, 5, 5), ""};
  EXPECT_EQ(set.decide(family).reason, DenialReason::data_groups_not_granted);
  PermitRequest only_lapsed = family;
  only_lapsed.permit_id = "A/1";
  EXPECT_EQ(set.decide(only_lapsed).reason, DenialReason::expired);
  PermitRequest stranger = family;
  stranger.client = "fund-z";
  EXPECT_EQ(set.decide(stranger).reason, DenialReason::no_permit);
  PermitRequest named_missing = family;
  named_missing.permit_id = "Z/9";
  EXPECT_EQ(set.decide(named_missing).reason, DenialReason::no_permit);
  const PermitDecision allowed = set.decide({"fund-a", Service::update, {}, day(2025, 5, 5), ""});
  ASSERT_TRUE(allowed.allowed());
  EXPECT_EQ(allowed.reason, DenialReason::none);
  EXPECT_EQ(to_string(DenialReason::data_groups_not_granted), "data_groups_not_granted");
}

TEST(PermitDecision, JoiningANonUmbrellaPermitGrantsNothing) {
  const Permit direct = sample_permit("D/1", {"fund-a"}, false);
  const PermitSet set({direct}, {{"fund-b", {"D/1"}}});
  const PermitDecision d =
      set.decide({"fund-b", Service::update, {DataGroup::identity}, day(2025, 5, 5), "D/1"});
  EXPECT_FALSE(d.allowed());
  EXPECT_EQ(d.explanation(), "denied: client fund-b is not a holder of permit D/1");
}

TEST(PermitNames, RoundTrip) {
  for (const Service s : {Service::update, Service::extraction, Service::change, Service::query})
    EXPECT_EQ(parse_service(to_string(s)), s);
  for (const std::string_view name : permit_use_names())
    EXPECT_EQ(to_string(*parse_permit_use(name)), name);
  EXPECT_FALSE(parse_service("updates").has_value());
  EXPECT_FALSE(parse_permit_use("marketing").has_value());
}

}  // namespace
}  // namespace popgate::registry
