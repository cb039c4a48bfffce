// copy: a file (the job's input or a work-dir file) into the work dir under a new name.
#include "steps/builtin_steps.h"
#include "steps/param_spec.h"
#include "steps/step_files.h"

namespace popgate::workflows::steps {

StepType copy_step() {
  StepType type;
  type.name = "copy";
  type.summary = "Copies the input or a work-dir file to a name in the work dir";
  type.description =
      "Copies `from` (a work-dir file, or the job's input when empty) to `to` in the job's "
      "work dir, through a temporary file and a rename, so a re-run after a crash gives the "
      "same file.";
  type.params = {
      param_spec("from", ParamType::path, false, "",
                 "A file in the job's work dir; empty: the job's input."),
      param_spec("to", ParamType::path, true, "", "The copy's name in the job's work dir.")};
  type.outputs = {{"path", "The copy's path relative to the work dir."}};
  type.run = [](StepContext& context) {
    const std::string& to = context.param("to");
    if (to.empty()) throw StepError("step " + context.step_id + ": 'to' is empty", false);
    copy_atomically(work_file_or_input(context, "from"), context.work_dir / to);
    return StepOutputs{{"path", to}};
  };
  return type;
}

}  // namespace popgate::workflows::steps
