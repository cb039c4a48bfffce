// permit: the job's permit check. A workflow with a service runs it first and again right
// before each delivery, so that a permit revoked or expired while the job runs stops the
// delivery; the denial names the rule that failed.
#include "registry/date.h"
#include "steps/builtin_steps.h"
#include "steps/data_groups_param.h"
#include "steps/param_spec.h"

namespace popgate::workflows::steps {

StepType permit_step(StepEnvironment env) {
  StepType type;
  type.name = "permit";
  type.summary = "Checks that a data permit allows this job's disclosure (deny by default)";
  type.description =
      "Asks whether a permit the client holds or has joined allows the workflow's service and "
      "every data group in `groups` today, against the permits installed last (so a reload "
      "that revokes a permit applies to running jobs). A denial fails the job at once, not "
      "retried, and its message names the rule that failed. A workflow with a service must "
      "start with this step and run it again right before each step that hands data to the "
      "client (`deliver`).";
  type.params = {
      data_groups_param("groups", DataGroupKinds::persons_and_buildings, true,
                        "The data groups the result will hold, e.g. [identity, names]."),
      param_spec("permit", ParamType::string, false, "",
                 "Only this permit (its id) may allow it; default: any of the client's.")};
  type.outputs = {{"permit", "The id of the permit that allows the job."},
                  {"groups",
                   "The checked data groups, a list: give it whole to a later step's `groups`, "
                   "e.g. `groups: ${steps.<permit step>.groups}`.",
                   true}};
  type.run = [env](StepContext& context) {
    if (!env.check_permit) {
      throw StepError("step " + context.step_id + ": permits cannot be checked here", false,
                      "internal error");
    }
    const std::optional<registry::Service> service = registry::parse_service(context.service);
    if (!service) {
      throw StepError("step " + context.step_id + ": workflow '" + context.workflow +
                          "' has no service to check a permit for",
                      false, "internal error");
    }
    registry::PermitRequest request;
    request.client = context.client_id;
    request.service = *service;
    request.day = registry::Date::today();
    request.permit_id = context.params.count("permit") ? context.params.at("permit") : "";
    request.groups = data_groups(context, "groups");
    const registry::PermitDecision decision = env.check_permit(request);
    if (!decision.allowed()) {
      throw StepError("permit check failed: " + decision.explanation(), false,
                      decision.explanation());
    }
    if (context.log) context.log(decision.explanation());
    return StepOutputs{{"permit", decision.permit_id()},
                       {"groups", list_output(context.lists.at("groups"))}};
  };
  return type;
}

}  // namespace popgate::workflows::steps
