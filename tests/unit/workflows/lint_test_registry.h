// A step registry of the tests' own, so that the lint tests do not change whenever a shipped
// step type gains a parameter.
#ifndef POPGATE_TESTS_UNIT_WORKFLOWS_LINT_TEST_REGISTRY_H_
#define POPGATE_TESTS_UNIT_WORKFLOWS_LINT_TEST_REGISTRY_H_

#include <string>
#include <utility>

#include "workflows/engine/step_registry.h"

namespace popgate::workflows::testing {

inline ParamSpec param(std::string name, ParamType type, bool required = false) {
  ParamSpec spec;
  spec.name = std::move(name);
  spec.type = type;
  spec.required = required;
  return spec;
}

inline StepRegistry lint_test_registry() {
  StepRegistry registry;
  StepType checksum;
  checksum.name = "checksum";
  checksum.summary = "SHA-256 of a file";
  checksum.params = {param("file", ParamType::path)};
  checksum.outputs = {{"sha256", ""}, {"size", ""}};
  registry.add(checksum);
  StepType permit;
  permit.name = "permit";
  permit.summary = "checks a permit";
  ParamSpec groups = param("groups", ParamType::string_list, true);
  groups.allowed = {"identity", "names", "permanent_address"};
  permit.params = {groups, param("permit", ParamType::string)};
  permit.outputs = {{"permit", ""}, {"groups", "", true}};
  registry.add(permit);
  StepType publish;
  publish.name = "publish";
  publish.summary = "Moves a file into the outbox";
  publish.params = {param("file", ParamType::path, true), param("name", ParamType::path)};
  publish.outputs = {{"path", ""}};
  publish.discloses = ClientDisclosure::unrecorded;
  registry.add(publish);
  StepType deliver;
  deliver.name = "deliver";
  deliver.summary = "Records and delivers files";
  deliver.params = {param("dir", ParamType::path, true), param("persons", ParamType::path),
                    param("permit", ParamType::string)};
  deliver.discloses = ClientDisclosure::recorded;
  registry.add(deliver);
  StepType error_report;
  error_report.name = "error_report";
  error_report.summary = "Tells the client why its job failed";
  registry.add(error_report);
  StepType tune;
  tune.name = "tune";
  tune.summary = "Every parameter type";
  ParamSpec level = param("level", ParamType::integer);
  level.min = 1;
  level.max = 10;
  ParamSpec mode = param("mode", ParamType::string);
  mode.allowed = {"fast", "safe"};
  ParamSpec limit = param("limit", ParamType::size);
  limit.min = 1024;
  tune.params = {level, param("strict", ParamType::boolean),   param("wait", ParamType::duration),
                 mode,  param("tags", ParamType::string_list), limit};
  registry.add(tune);
  return registry;
}

}  // namespace popgate::workflows::testing

#endif  // POPGATE_TESTS_UNIT_WORKFLOWS_LINT_TEST_REGISTRY_H_
