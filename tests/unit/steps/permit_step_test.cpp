// The permit step: what it asks the process's permit check, and what a denial looks like.
#include <gtest/gtest.h>

#include "steps/builtin_steps.h"

namespace popgate::workflows::steps {
namespace {

using registry::DataGroup;

class PermitStepTest : public ::testing::Test {
 protected:
  PermitStepTest() {
    env_.check_permit = [this](const registry::PermitRequest& request) {
      asked_ = request;
      if (!allow_) return registry::PermitDecision::denied("permit P/1 is revoked");
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

TEST_F(PermitStepTest, AsksForTheWorkflowsServiceAndHandsOnThePermitAndGroups) {
  const StepOutputs out = run();
  EXPECT_EQ(asked_.client, "acme");
  EXPECT_EQ(asked_.service, registry::Service::update);
  EXPECT_EQ(asked_.groups,
            (std::vector<DataGroup>{DataGroup::identity, DataGroup::permanent_address}));
  EXPECT_EQ(asked_.permit_id, "");
  EXPECT_EQ(out.at("permit"), "P/1");
  EXPECT_EQ(out.at("groups"), "identity,permanent_address");
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

}  // namespace
}  // namespace popgate::workflows::steps
