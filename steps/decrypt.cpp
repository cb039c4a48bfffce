// decrypt: an upload encrypted to the appliance's exchange certificate (CMS), optionally
// signed by the client, into a plain file in the work dir.
#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "adapters/crypto/cms_open.h"
#include "adapters/crypto/exchange_identity.h"
#include "base/units.h"
#include "steps/builtin_steps.h"
#include "steps/param_spec.h"
#include "steps/step_files.h"

namespace popgate::workflows::steps {
namespace {

namespace fs = std::filesystem;

ParamSpec max_bytes_param() {
  ParamSpec spec = param_spec(
      "max_bytes", ParamType::size, false, "1GiB",
      "The largest encrypted file to decrypt, e.g. \"1GiB\". OpenSSL decrypts in memory, at "
      "about three times the file's size; larger files are refused before decrypting.");
  spec.min = 1024;
  return spec;
}

ParamSpec not_encrypted_param() {
  ParamSpec spec = param_spec("not_encrypted", ParamType::string, false, "fail",
                              "What to do with a file that is not CMS at all: fail, or copy "
                              "it unchanged to `to` (for clients that may send either).");
  spec.allowed = {"fail", "copy"};
  return spec;
}

bool ends_with_ignoring_case(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         std::equal(suffix.begin(), suffix.end(), text.end() - static_cast<long>(suffix.size()),
                    [](char a, char b) {
                      return std::tolower(static_cast<unsigned char>(a)) ==
                             std::tolower(static_cast<unsigned char>(b));
                    });
}

// The output's name in the work dir: `to`, or the input's name without ".p7m". Never the
// input itself (a work-dir file without that suffix gets ".decrypted").
fs::path output_path(const StepContext& context, const fs::path& input) {
  auto to = context.params.find("to");
  if (to != context.params.end() && !to->second.empty()) return context.work_dir / to->second;
  std::string name = input.filename().string();
  if (ends_with_ignoring_case(name, ".p7m") && name.size() > 4) name.resize(name.size() - 4);
  fs::path output = context.work_dir / name;
  std::error_code ec;
  if (fs::equivalent(output, input, ec)) output += ".decrypted";
  return output;
}

std::string relative_to_work_dir(const StepContext& context, const fs::path& path) {
  return path.lexically_relative(context.work_dir).string();
}

}  // namespace

StepType decrypt_step(StepEnvironment env) {
  StepType type;
  type.name = "decrypt";
  type.summary = "Decrypts an upload encrypted to the appliance's exchange certificate (CMS)";
  type.description =
      "Opens CMS EnvelopedData or AuthEnvelopedData (DER, PEM or S/MIME, as `openssl cms "
      "-encrypt` makes it) encrypted to the appliance's exchange certificate, or to a retired "
      "one (`popgate keys rotate` keeps them). If the content is CMS SignedData (`openssl cms "
      "-sign` before encrypting), the signature is checked and the signer must be exactly one "
      "of the client's `certificate:` entries; the signed content is the output. Refusals "
      "(not encrypted to this appliance, altered, a wrong signer, unsigned when "
      "`require_signature`, too large) fail the step at once with a reason the client may "
      "see. The output is written whole or not at all.";
  type.params = {param_spec("file", ParamType::path, false, "",
                            "The encrypted file in the job's work dir; empty: the job's input."),
                 param_spec("to", ParamType::path, false, "",
                            "The decrypted file's name in the work dir; default: the input's name "
                            "without \".p7m\"."),
                 param_spec("require_signature", ParamType::boolean, false, "false",
                            "true: refuse content that is not signed with one of the client's "
                            "certificates."),
                 max_bytes_param(), not_encrypted_param()};
  type.outputs = {{"path", "The decrypted file, relative to the work dir."},
                  {"signed", "true if the content was signed by the client, else false."},
                  {"signer", "The signer certificate's subject (RFC 2253); empty if unsigned."}};
  type.run = [env = std::move(env)](StepContext& context) {
    const std::string step = "step " + context.step_id + ": ";
    if (env.keys_dir.empty())
      throw StepError(step + "the appliance keys are not available here", false);
    std::optional<ClientConfig> client;
    if (env.client) client = env.client(context.client_id);
    const std::vector<fs::path> client_certificates =
        client ? client->certificate_paths() : std::vector<fs::path>{};

    const fs::path input = work_file_or_input(context, "file");
    const fs::path output = output_path(context, input);
    const bool require_signature = context.param("require_signature") == "true";
    const std::uint64_t max_bytes = *base::parse_size(context.param("max_bytes")).value;
    std::error_code ec;
    fs::create_directories(output.parent_path(), ec);
    if (ec) throw StepError(step + "cannot create " + output.parent_path().string(), true);

    try {
      const std::vector<crypto::ExchangeIdentity> identities =
          crypto::ExchangeKeys(env.keys_dir).for_decryption();
      const crypto::OpenedUpload opened = crypto::decrypt_upload(
          input, output, identities, client_certificates, require_signature, max_bytes);
      if (opened.decrypted_with_retired && context.log)
        context.log(step + "the upload is encrypted to the retired exchange certificate " +
                    opened.decrypted_with + "; client '" + context.client_id +
                    "' should switch to the current one");
      return StepOutputs{{"path", relative_to_work_dir(context, output)},
                         {"signed", opened.is_signed ? "true" : "false"},
                         {"signer", opened.signer_subject}};
    } catch (const crypto::UploadRefused& e) {
      if (e.problem() == crypto::UploadProblem::not_cms &&
          context.param("not_encrypted") == "copy" && !require_signature) {
        copy_atomically(input, output);
        return StepOutputs{
            {"path", relative_to_work_dir(context, output)}, {"signed", "false"}, {"signer", ""}};
      }
      throw StepError(step + input.filename().string() + ": " + e.what(), false, e.what());
    } catch (const crypto::CryptoError& e) {
      // Local trouble: the key store, a client certificate file, the disk.
      throw StepError(step + e.what(), true);
    } catch (const fs::filesystem_error& e) {
      throw StepError(step + e.what(), true);
    }
  };
  return type;
}

}  // namespace popgate::workflows::steps
