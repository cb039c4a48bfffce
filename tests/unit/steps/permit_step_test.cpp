// The permit step and the data groups it hands on: what it asks, what a denial looks like, and
// how its `groups` list reaches match_persons and deliver (lint and the engine), plus which
// built-in steps disclose, which lint's deny-by-default shape check rests on.
#include <gtest/gtest.h>

#include "steps/builtin_steps.h"
#include "workflows/config/workflow_loader.h"
#include "workflows/engine/params.h"

namespace popgate::workflows::steps {
namespace {

using registry::DataGroup;

class PermitStepTest : public ::testing::Test {
 protected:
  PermitStepTest() {
    env_.check_permit = [this](const registry::PermitRequest& request) {
      asked_ = request;
      if (!allow_)
        return registry::PermitDecision::denied(registry::DenialReason::revoked,
                                                "permit P/1 is revoked");
      registry::PermitDecision decision;
      decision.permit = registry::Permit{};
      decision.permit->id = "P/1";
      decision.permit->purpose = "upkeep";
      return decision;
    };
    context_.step_id = "allowed";
    context_.service = "update";
    context_.client_id = "acme";
    context_.lists = {{"groups", {"identity", "permanent_address"}}};
  }

  StepOutputs run() { return permit_step(env_).run(context_); }

  StepEnvironment env_;
  StepContext context_;
  registry::PermitRequest asked_;
  bool allow_ = true;
};

TEST_F(PermitStepTest, AsksForTheWorkflowsServiceAndHandsOnTheGroupsAsAList) {
  const StepOutputs out = run();
  EXPECT_EQ(asked_.client, "acme");
  EXPECT_EQ(asked_.service, registry::Service::update);
  EXPECT_EQ(asked_.groups,
            (std::vector<DataGroup>{DataGroup::identity, DataGroup::permanent_address}));
  EXPECT_EQ(asked_.permit_id, "");
  EXPECT_EQ(out.at("permit"), "P/1");
  EXPECT_EQ(list_output_items(out.at("groups")),
            (std::vector<std::string>{"identity", "permanent_address"}));
  ASSERT_NE(permit_step(env_).output("groups"), nullptr);
  EXPECT_TRUE(permit_step(env_).output("groups")->list);
}

TEST_F(PermitStepTest, ADenialFailsAtOnceAndTellsTheClientWhy) {
  allow_ = false;
  context_.params = {{"permit", "P/1"}};
  try {
    run();
    FAIL() << "no error";
  } catch (const StepError& e) {
    EXPECT_FALSE(e.retryable());
    EXPECT_EQ(std::string(e.what()), "permit check failed: denied: permit P/1 is revoked");
    EXPECT_EQ(e.client_message(), "denied: permit P/1 is revoked");
  }
  EXPECT_EQ(asked_.permit_id, "P/1");
}

TEST(PermitStep, WithoutAPermitCheckItCannotRun) {
  StepContext context;
  context.step_id = "allowed";
  context.service = "update";
  context.lists = {{"groups", {"names"}}};
  EXPECT_THROW(permit_step(StepEnvironment{}).run(context), StepError);
}

// The permit step's groups reach match_persons and deliver as lists: lint takes the shipped
// shape, and a wrong name written into match_persons is reported where it stands.
TEST(DataGroups, TravelFromThePermitStepAsAList) {
  const StepRegistry registry = builtin_steps();
  const std::string head =
      "name: w\nservice: update\ntrigger: {manual: {}}\nsteps:\n"
      "  - {id: allowed, uses: permit, with: {groups: [identity, names]}}\n"
      "  - id: match\n"
      "    uses: match_persons\n"
      "    with:\n"
      "      permit: ${steps.allowed.permit}\n";
  const std::string tail = "on_failure:\n  - {id: report, uses: error_report}\n";
  Diagnostics out;
  const std::optional<Workflow> w = load_workflow(
      head + "      groups: ${steps.allowed.groups}\n" + tail, "w.yaml", registry, out);
  ASSERT_TRUE(w.has_value()) << format_text(out.sorted());

  ParamScope scope;
  scope.steps["allowed"] = {{"permit", "P/1"}, {"groups", "identity,names"}};
  const ResolvedParams params = resolve_params(*registry.find("match_persons"), w->steps[1], scope);
  EXPECT_EQ(params.lists.at("groups"), (std::vector<std::string>{"identity", "names"}));

  Diagnostics bad;
  load_workflow(head + "      groups: [identity, adress, building]\n" + tail, "w.yaml", registry,
                bad);
  const std::string text = format_text(bad.sorted());
  EXPECT_NE(text.find("w.yaml:10:26: error: 'adress' is not a valid value for 'groups' (one of: "
                      "identity, names, death, "),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("w.yaml:10:34: error: 'building' is not a valid value for 'groups'"),
            std::string::npos)
      << text;
}

TEST(BuiltinSteps, DeclareWhichStepsHandDataToTheClient) {
  const StepRegistry registry = builtin_steps();
  for (const StepType& type : registry.types()) {
    ClientDisclosure expected = ClientDisclosure::none;
    if (type.name == "deliver") expected = ClientDisclosure::recorded;
    if (type.name == "publish" || type.name == "sftp_push") expected = ClientDisclosure::unrecorded;
    EXPECT_EQ(type.discloses, expected) << type.name;
  }
}

}  // namespace
}  // namespace popgate::workflows::steps
