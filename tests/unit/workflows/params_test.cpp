// A step's parameters at run time, as the engine resolves them: list outputs and the list
// parameters that take them whole, next to the plain ${...} substitution engine_test covers.
#include "workflows/engine/params.h"

#include <gtest/gtest.h>

#include "workflows/engine/param_reference.h"

namespace popgate::workflows {
namespace {

using Items = std::vector<std::string>;

ParamValue text(std::string value) {
  ParamValue p;
  p.text = std::move(value);
  return p;
}

ParamValue list(Items items) {
  ParamValue p;
  p.items = std::move(items);
  p.is_list = true;
  return p;
}

// A step type with one list parameter of a few allowed names.
StepType listing_type() {
  ParamSpec groups;
  groups.name = "groups";
  groups.type = ParamType::string_list;
  groups.allowed = {"identity", "names", "death"};
  StepType type;
  type.name = "listing";
  type.params = {groups};
  return type;
}

Items resolve_groups(const ParamValue& value, const std::string& allowed_output) {
  StepSpec spec;
  spec.id = "use";
  spec.uses = "listing";
  spec.with = {{"groups", value}};
  ParamScope scope;
  scope.steps["allowed"] = {{"groups", allowed_output}, {"first", "names"}};
  return resolve_params(listing_type(), spec, scope).lists.at("groups");
}

std::string failure(const ParamValue& value, const std::string& allowed_output) {
  try {
    resolve_groups(value, allowed_output);
  } catch (const StepError& e) {
    EXPECT_FALSE(e.retryable());
    return e.what();
  }
  return "no error";
}

TEST(ListOutput, IsItsItemsJoinedAndReadBackInOrder) {
  EXPECT_EQ(list_output({"identity", "names"}), "identity,names");
  EXPECT_EQ(list_output({}), "");
  EXPECT_EQ(list_output_items("identity,names"), (Items{"identity", "names"}));
  EXPECT_EQ(list_output_items(""), Items{});
  EXPECT_EQ(list_output_items(list_output({"a", "b", "c"})), (Items{"a", "b", "c"}));
  EXPECT_THROW(list_output({"a,b"}), StepError);
  EXPECT_THROW(list_output({""}), StepError);
}

TEST(ListOutput, AListParameterGivenOneReferenceTakesItsItems) {
  EXPECT_EQ(resolve_groups(text("${steps.allowed.groups}"), "identity,names"),
            (Items{"identity", "names"}));
  EXPECT_EQ(resolve_groups(text("${steps.allowed.groups}"), ""), Items{});
  // A sequence is substituted item by item, as before.
  EXPECT_EQ(resolve_groups(list({"death", "${steps.allowed.first}"}), ""),
            (Items{"death", "names"}));
}

TEST(ListOutput, EachItemIsCheckedAgainstTheParameter) {
  EXPECT_EQ(failure(text("${steps.allowed.groups}"), "identity,building"),
            "step use, parameter 'groups': 'building' is not an allowed value");
}

TEST(ListOutput, AnythingButOneWholeReferenceIsNotAList) {
  EXPECT_EQ(failure(text("identity"), ""),
            "step use, parameter 'groups': expected a list of strings");
  EXPECT_EQ(failure(text("x${steps.allowed.groups}"), "names"),
            "step use, parameter 'groups': expected a list of strings");
  EXPECT_EQ(failure(text("${steps.allowed.groups}${date}"), "names"),
            "step use, parameter 'groups': expected a list of strings");
}

TEST(ParamReference, AWholeReferenceIsOneReferenceAndNothingElse) {
  ASSERT_TRUE(whole_reference("${steps.a.b}").has_value());
  EXPECT_EQ(whole_reference("${steps.a.b}")->name, "steps.a.b");
  EXPECT_FALSE(whole_reference(" ${steps.a.b}"));
  EXPECT_FALSE(whole_reference("${steps.a.b}x"));
  EXPECT_FALSE(whole_reference("${a}${b}"));
  EXPECT_FALSE(whole_reference("${steps.a.b"));
  EXPECT_FALSE(whole_reference("plain"));
}

}  // namespace
}  // namespace popgate::workflows
