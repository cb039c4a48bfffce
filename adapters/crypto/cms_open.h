// Opening what clients upload: CMS (RFC 5652) EnvelopedData or AuthEnvelopedData encrypted to
// the appliance's exchange certificate by stock tools, e.g.
//   openssl cms -encrypt -binary -aes-256-gcm -outform DER -recip exchange.crt -in data.csv
// optionally signed by the client first (enveloped(signed(content))):
//   openssl cms -sign -binary -nodetach -outform DER -signer client.crt -inkey client.key
//     -in data.csv | openssl cms -encrypt ... (as above)
// DER, PEM and S/MIME encodings are read, on both layers.
//
// OpenSSL decrypts in memory (the whole ciphertext and the plaintext), so the input's size is
// checked against a limit before anything is decrypted.
#ifndef POPGATE_ADAPTERS_CRYPTO_CMS_OPEN_H_
#define POPGATE_ADAPTERS_CRYPTO_CMS_OPEN_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "adapters/crypto/exchange_identity.h"
#include "adapters/crypto/sha256.h"

namespace popgate::crypto {

// Why an upload was refused; each is the client's doing (or an attacker's), not the
// appliance's, so retrying does not help.
enum class UploadProblem {
  too_large,         // over the size limit
  not_cms,           // not CMS in DER, PEM or S/MIME
  not_encrypted,     // CMS, but not (Auth)EnvelopedData
  not_for_us,        // no recipient is the current or a retired exchange certificate
  tampered,          // damaged, or the content does not decrypt (GCM tag, padding)
  bad_signature,     // signed, but the signature does not match the content
  unknown_signer,    // signed, validly, by a certificate that is not one of the client's
  unsigned_content,  // not signed, and a signature is required
};

// The refusal, with a message fit for the client (no local paths) in what().
class UploadRefused : public CryptoError {
 public:
  UploadRefused(UploadProblem problem, const std::string& message)
      : CryptoError(message), problem_(problem) {}
  UploadProblem problem() const { return problem_; }

 private:
  UploadProblem problem_;
};

struct OpenedUpload {
  bool is_signed = false;
  std::string signer_subject;  // RFC 2253; empty when not signed
  std::string signer_sha256;   // the signer certificate's fingerprint; empty when not signed
  std::string decrypted_with;  // fingerprint of the exchange certificate that opened it
  bool decrypted_with_retired = false;  // by a retired identity (the client should update)
  std::uint64_t bytes = 0;              // size of the content written to the output
};

// Decrypts `input` with the first of `identities` (current first, then retired) that it is
// encrypted to. When the decrypted content is CMS SignedData, checks its signature and that
// the signer certificate is exactly one of `client_certificates` (PEM files; pinned, no
// chain), and unwraps it; unsigned content is refused when `require_signature`. Writes the
// content to "<output>.tmp", fsyncs and renames it to `output`. Throws UploadRefused for what
// the client sent, CryptoError for local trouble (a client certificate that cannot be read,
// I/O); either way nothing is left at `output`.
OpenedUpload decrypt_upload(const std::filesystem::path& input, const std::filesystem::path& output,
                            const std::vector<ExchangeIdentity>& identities,
                            const std::vector<std::filesystem::path>& client_certificates,
                            bool require_signature, std::uint64_t max_bytes);

}  // namespace popgate::crypto

#endif  // POPGATE_ADAPTERS_CRYPTO_CMS_OPEN_H_
