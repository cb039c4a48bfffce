// The configuration fuzz target's input function: any bytes, read as a workflow file the way
// `popgate lint` and a reload read one (the YAML loader, then the workflow schema against every
// built-in step type). Problems are diagnostics, never exceptions: anything that escapes, a
// crash or a sanitizer report is a finding. Built as a libFuzzer target under clang
// (tests/fuzz/CMakeLists.txt) and replayed over its seeds as a GoogleTest under g++
// (tests/unit/workflows/hostile_config_test.cpp).
#ifndef POPGATE_TESTS_FUZZ_CONFIG_YAML_FUZZ_TARGET_H_
#define POPGATE_TESTS_FUZZ_CONFIG_YAML_FUZZ_TARGET_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "steps/builtin_steps.h"
#include "workflows/config/diagnostics.h"
#include "workflows/config/workflow_loader.h"
#include "workflows/config/yaml_loader.h"

namespace popgate::fuzz {

inline void read_config_yaml(const std::uint8_t* data, std::size_t size) {
  static const workflows::StepRegistry kSteps = workflows::steps::builtin_steps();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string file = "fuzz.yaml";
  workflows::Diagnostics tree_problems;
  workflows::parse_yaml(text, file, tree_problems);
  workflows::Diagnostics workflow_problems;
  workflows::load_workflow(text, file, kSteps, workflow_problems);
}

}  // namespace popgate::fuzz

#endif  // POPGATE_TESTS_FUZZ_CONFIG_YAML_FUZZ_TARGET_H_
