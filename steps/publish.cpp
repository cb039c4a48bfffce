// publish: a work-dir file into the client's outbox, visible only when complete.
#include "steps/builtin_steps.h"
#include "steps/param_spec.h"
#include "steps/step_files.h"

namespace popgate::workflows::steps {

StepType publish_step() {
  StepType type;
  type.name = "publish";
  type.summary = "Moves a finished work-dir file into the client's outbox atomically";
  type.description =
      "Writes the file to outbox/.<name>.tmp, syncs it, renames it to outbox/<name> and syncs "
      "the directory: the client never sees a partial file, and a re-run after a crash "
      "replaces the file with the same content instead of adding a second one.";
  type.params = {
      param_spec("file", ParamType::path, true, "", "The file in the job's work dir to publish."),
      param_spec("name", ParamType::path, false, "",
                 "Its name in the outbox; default: the file's own name. "
                 "E.g. \"${job.id}-result.csv\".")};
  type.outputs = {{"path", "Where the file was published, relative to the client's root."}};
  type.discloses = ClientDisclosure::unrecorded;
  type.run = [](StepContext& context) {
    const std::filesystem::path file = context.param("file");
    auto name_param = context.params.find("name");
    const std::string name = name_param != context.params.end() && !name_param->second.empty()
                                 ? name_param->second
                                 : file.filename().string();
    if (name.find('/') != std::string::npos || name.starts_with("."))
      throw StepError(
          "step " + context.step_id + ": outbox name '" + name + "' must be a plain file name",
          false);
    copy_atomically(context.work_dir / file, context.client_root / "outbox" / name);
    return StepOutputs{{"path", "outbox/" + name}};
  };
  return type;
}

}  // namespace popgate::workflows::steps
