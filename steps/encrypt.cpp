// encrypt: a result archive signed by the appliance and encrypted to the client's certificates,
// as CMS parts of bounded size that stock `openssl cms` can open.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "adapters/crypto/certificate.h"
#include "adapters/crypto/cms_envelope.h"
#include "adapters/crypto/exchange_identity.h"
#include "base/units.h"
#include "steps/builtin_steps.h"
#include "steps/param_spec.h"

namespace popgate::workflows::steps {
namespace {

namespace fs = std::filesystem;

constexpr const char* kOutputDir = "encrypted";
// OpenSSL decrypts a part wholly in memory, at about three times its size; a part must stay
// small enough for a client's ordinary workstation.
constexpr std::int64_t kMinPartSize = 1 << 20;

ParamSpec part_size_param() {
  ParamSpec spec = param_spec(
      "part_size", ParamType::size, false, "256MiB",
      "The largest part, e.g. \"256MiB\": a larger archive is split into parts of this size, "
      "each signed and encrypted on its own. Decrypting with `openssl cms` needs about three "
      "times a part's size in memory.");
  spec.min = kMinPartSize;
  return spec;
}

ParamSpec cipher_param() {
  ParamSpec spec = param_spec(
      "cipher", ParamType::string, false, "aes-256-gcm",
      "aes-256-gcm: CMS AuthEnvelopedData, which detects tampering itself (OpenSSL 1.1.1 and "
      "later open it). aes-256-cbc: EnvelopedData, for older tools.");
  spec.allowed = {"aes-256-gcm", "aes-256-cbc"};
  return spec;
}

// The client's certificates that results may be encrypted to now. Unusable ones are logged
// and skipped (during a rollover the old one may have expired); none usable fails the step
// before anything is written, since a result nobody can open must not be produced.
std::vector<fs::path> usable_certificates(const ClientConfig& client, const StepContext& context) {
  const std::string step = "step " + context.step_id + ": ";
  const auto now = std::chrono::system_clock::now();
  std::vector<fs::path> usable;
  std::string reasons;
  std::string client_reasons;
  for (const fs::path& path : client.certificate_paths()) {
    crypto::CertificateInfo info;
    const std::string why = crypto::encryption_certificate_error(path, now, &info);
    if (why.empty()) {
      usable.push_back(path);
      continue;
    }
    if (context.log) context.log(step + "not encrypting to " + path.string() + ": " + why);
    reasons += (reasons.empty() ? "" : "; ") + path.string() + ": " + why;
    // The client may see what is wrong with its certificate, not where the file lies here.
    client_reasons += (client_reasons.empty() ? "" : "; ") +
                      (info.subject.empty() ? std::string("a configured certificate cannot be read")
                                            : "certificate '" + info.subject + "': " + why);
  }
  if (client.certificates.empty())
    throw StepError(step + "client '" + client.id + "' has no `certificate:` configured", false,
                    "no certificate is configured for encrypting results to you; send one to "
                    "the operator");
  if (usable.empty())
    throw StepError(step + "no usable certificate for client '" + client.id + "': " + reasons,
                    false,
                    "results cannot be encrypted to you: " + client_reasons +
                        "; send a valid certificate to the operator");
  return usable;
}

std::string part_name(const std::string& base, std::uint64_t index, std::uint64_t count) {
  if (count == 1) return base + ".p7m";
  std::string number = std::to_string(index + 1);
  if (number.size() < 3) number.insert(0, 3 - number.size(), '0');
  return base + "." + number + ".p7m";
}

fs::path fresh_output_dir(const StepContext& context) {
  const fs::path dir = context.work_dir / kOutputDir;
  std::error_code ec;
  fs::remove_all(dir, ec);  // a re-run replaces every part of the last attempt
  if (!ec) fs::create_directories(dir, ec);
  if (ec) throw StepError("cannot prepare " + dir.string() + ": " + ec.message(), true);
  return dir;
}

}  // namespace

StepType encrypt_step(StepEnvironment env) {
  StepType type;
  type.name = "encrypt";
  type.summary = "Signs a work-dir file and encrypts it to the client's certificates (CMS)";
  type.description =
      "Makes CMS AuthEnvelopedData (AES-256-GCM; or EnvelopedData, AES-256-CBC) encrypted to "
      "every usable certificate in the client's `certificate:` (RSA keys with RSA-OAEP and "
      "SHA-256, EC keys with ECDH), whose content is CMS SignedData of the file, signed by the "
      "appliance's exchange certificate (`popgate keys show`). Each certificate is checked "
      "first; unusable ones are skipped and logged, and if none is usable the step fails "
      "before writing anything. The output is the directory `encrypted/` in the work dir "
      "(replaced on a re-run) holding `<name>.p7m`, or, for a file larger than `part_size`, "
      "`<name>.001.p7m`, `<name>.002.p7m`, ...: each part independently signed and "
      "encrypted, to be decrypted and concatenated in order. The client opens a part with "
      "`openssl cms -decrypt -inform DER -in PART -inkey KEY -recip CERT | openssl cms -verify "
      "-inform DER -CAfile exchange.crt -out FILE`.";
  type.params = {param_spec("file", ParamType::path, true, "",
                            "The file in the job's work dir to sign and encrypt (the archive)."),
                 param_spec("name", ParamType::string, false, "",
                            "The parts' base name, e.g. \"${job.id}-result.zip\"; default: the "
                            "file's own name. A plain name: no '/', not starting with '.'."),
                 part_size_param(), cipher_param()};
  type.outputs = {{"dir", "The directory of the parts, relative to the work dir: encrypted."},
                  {"parts", "How many parts there are."},
                  {"files", "The parts' names in order, separated by commas."},
                  {"bytes", "The parts' total size in bytes."}};
  type.run = [env = std::move(env)](StepContext& context) {
    const std::string step = "step " + context.step_id + ": ";
    std::optional<ClientConfig> client;
    if (env.client) client = env.client(context.client_id);
    if (!client || env.keys_dir.empty())
      throw StepError(step + "the configuration of client '" + context.client_id +
                          "' and the appliance keys are not available here",
                      false);
    const std::vector<fs::path> recipients = usable_certificates(*client, context);

    const fs::path file = context.param("file");
    const fs::path input = context.work_dir / file;
    std::error_code ec;
    if (!fs::is_regular_file(input, ec))
      throw StepError(step + file.string() + " is not a file in the job's work dir", false);
    auto name_param = context.params.find("name");
    const std::string name = name_param != context.params.end() && !name_param->second.empty()
                                 ? name_param->second
                                 : file.filename().string();
    if (name.empty() || name.find('/') != std::string::npos || name.starts_with("."))
      throw StepError(step + "name '" + name + "' must be a plain file name", false);
    const std::uint64_t part_size = *base::parse_size(context.param("part_size")).value;
    crypto::EnvelopeOptions options;
    options.cipher = context.param("cipher") == "aes-256-cbc" ? crypto::ContentCipher::aes_256_cbc
                                                              : crypto::ContentCipher::aes_256_gcm;
    options.should_stop = [&context] { return context.should_stop(); };

    try {
      const crypto::ExchangeIdentity signer = crypto::ExchangeKeys(env.keys_dir).load_or_create();
      const fs::path out_dir = fresh_output_dir(context);
      const std::uint64_t size = fs::file_size(input);
      const std::uint64_t parts = size == 0 ? 1 : (size + part_size - 1) / part_size;
      std::string files;
      std::uint64_t bytes = 0;
      for (std::uint64_t i = 0; i < parts; ++i) {
        const std::uint64_t offset = i * part_size;
        const std::uint64_t length = std::min(part_size, size - offset);
        const std::string part = part_name(name, i, parts);
        bytes += crypto::sign_and_encrypt(input, offset, length, signer, recipients, out_dir / part,
                                          options)
                     .output_bytes;
        files += (files.empty() ? "" : ",") + part;
      }
      if (context.log)
        context.log(step + "encrypted " + file.string() + " (" + std::to_string(size) +
                    " bytes) to " + std::to_string(recipients.size()) + " certificate(s) in " +
                    std::to_string(parts) + " part(s), signed by " + signer.description().subject);
      return StepOutputs{{"dir", kOutputDir},
                         {"parts", std::to_string(parts)},
                         {"files", files},
                         {"bytes", std::to_string(bytes)}};
    } catch (const crypto::CmsCancelled& e) {
      throw StepError(step + e.what(), false);
    } catch (const crypto::CryptoError& e) {
      // Local trouble (a full disk, the key store): the certificates were checked above.
      throw StepError(step + e.what(), true);
    } catch (const fs::filesystem_error& e) {
      throw StepError(step + e.what(), true);
    }
  };
  return type;
}

// check_certificate: the encrypt step's certificate check on its own, for the start of a
// workflow, so that a client whose results cannot be encrypted learns it before any work is
// done (and before its register is read).
StepType check_certificate_step(StepEnvironment env) {
  StepType type;
  type.name = "check_certificate";
  type.summary = "Fails at once unless results can be encrypted to the client";
  type.description =
      "Checks the client's `certificate:` entries as `encrypt` will: at least one must be "
      "valid today and usable for encryption. Run it first in workflows that encrypt, so that "
      "a client without a usable certificate gets an error report before any work is done.";
  type.outputs = {{"certificates", "How many of the client's certificates are usable."}};
  type.run = [env = std::move(env)](StepContext& context) {
    std::optional<ClientConfig> client;
    if (env.client) client = env.client(context.client_id);
    if (!client) {
      throw StepError("step " + context.step_id + ": the configuration of client '" +
                          context.client_id + "' is not available here",
                      false);
    }
    return StepOutputs{
        {"certificates", std::to_string(usable_certificates(*client, context).size())}};
  };
  return type;
}

}  // namespace popgate::workflows::steps
