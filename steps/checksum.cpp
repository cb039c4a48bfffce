// checksum: the SHA-256 and size of a file, for manifests and for checking a delivery.
#include "adapters/crypto/sha256.h"
#include "steps/builtin_steps.h"
#include "steps/param_spec.h"
#include "steps/step_files.h"

namespace popgate::workflows::steps {

StepType checksum_step() {
  StepType type;
  type.name = "checksum";
  type.summary = "SHA-256 and size of a file in the work dir, or of the job's input";
  type.description =
      "Reads the file in blocks and outputs its SHA-256 (lowercase hex) and its size in bytes. "
      "Without `file`, the job's input (the uploaded file or `popgate run --input`) is read.";
  type.params = {param_spec("file", ParamType::path, false, "",
                            "A file in the job's work dir; empty: the job's input.")};
  type.outputs = {{"sha256", "The file's SHA-256 as 64 lowercase hex digits."},
                  {"size", "The file's size in bytes."}};
  type.run = [](StepContext& context) {
    const auto path = work_file_or_input(context, "file");
    try {
      const crypto::FileDigest digest = crypto::sha256_file(path);
      return StepOutputs{{"sha256", digest.sha256}, {"size", std::to_string(digest.size)}};
    } catch (const crypto::CryptoError& e) {
      throw StepError(e.what(), false);
    }
  };
  return type;
}

}  // namespace popgate::workflows::steps
