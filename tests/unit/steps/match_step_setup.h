// The update service's match step set up as the engine runs it, for the step tests: the
// environment knows `permit` (read when the step asks, so a test may change it) and the
// register at DIR/register.db; the context has a work dir and an input file in DIR, the given
// params and lists, and every other parameter at its default.
#ifndef POPGATE_TESTS_UNIT_STEPS_MATCH_STEP_SETUP_H_
#define POPGATE_TESTS_UNIT_STEPS_MATCH_STEP_SETUP_H_

#include <atomic>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "registry/permit.h"
#include "steps/builtin_steps.h"
#include "tests/unit/test_support/register_samples.h"

namespace popgate::workflows::steps {

inline void set_up_match_step(const testing::TempDir& dir, const registry::Permit* permit,
                              const std::string& client_id, std::atomic<bool>* cancelled,
                              StepEnvironment& env, StepContext& context) {
  env.permit = [permit](const std::string& id) -> std::optional<registry::Permit> {
    if (id == permit->id) return *permit;
    return std::nullopt;
  };
  env.register_db = dir.file("register.db");
  std::filesystem::create_directories(dir.path() / "work");
  context.job_id = "job-1";
  context.service = "update";
  context.client_id = client_id;
  context.step_id = "match";
  context.work_dir = dir.path() / "work";
  context.input_file = dir.file("input.csv");
  context.cancelled = cancelled;
  for (const ParamSpec& spec : match_persons_step(env).params) {
    if (spec.type == ParamType::string_list) {
      context.lists.emplace(spec.name, std::vector<std::string>{});
    } else {
      context.params.emplace(spec.name, spec.default_value);
    }
  }
}

}  // namespace popgate::workflows::steps

#endif  // POPGATE_TESTS_UNIT_STEPS_MATCH_STEP_SETUP_H_
