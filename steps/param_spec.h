// A terse way to declare a step's parameters. (Designated initializers would be terser, but
// -Wmissing-field-initializers flags every field they leave out.)
#ifndef POPGATE_STEPS_PARAM_SPEC_H_
#define POPGATE_STEPS_PARAM_SPEC_H_

#include <string>

#include "workflows/engine/step_type.h"

namespace popgate::workflows::steps {

inline ParamSpec param_spec(std::string name, ParamType type, bool required,
                            std::string default_value, std::string description) {
  ParamSpec spec;
  spec.name = std::move(name);
  spec.type = type;
  spec.required = required;
  spec.default_value = std::move(default_value);
  spec.description = std::move(description);
  return spec;
}

}  // namespace popgate::workflows::steps

#endif  // POPGATE_STEPS_PARAM_SPEC_H_
