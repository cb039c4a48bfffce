// Results as clients receive them: CMS (RFC 5652) SignedData made by the appliance's exchange
// identity, inside AuthEnvelopedData (AES-256-GCM, RFC 5083/5084) or EnvelopedData
// (AES-256-CBC) for each of the client's certificates. Stock tools open it:
//   openssl cms -decrypt -inform DER -in R.p7m -inkey client.key -recip client.crt |
//     openssl cms -verify -inform DER -CAfile exchange.crt -out R
//
// Both layers are made in one streaming pass over the input, so a multi-gigabyte archive
// needs no more memory than a few buffers. Decrypting is not streaming in OpenSSL (it holds
// the whole content), which is why the encrypt step splits large results into parts.
#ifndef POPGATE_ADAPTERS_CRYPTO_CMS_ENVELOPE_H_
#define POPGATE_ADAPTERS_CRYPTO_CMS_ENVELOPE_H_

#include <cstdint>
#include <filesystem>
#include <functional>
#include <vector>

#include "adapters/crypto/exchange_identity.h"
#include "adapters/crypto/sha256.h"

namespace popgate::crypto {

enum class ContentCipher {
  aes_256_gcm,  // AuthEnvelopedData: tampering is detected by the GCM tag
  aes_256_cbc,  // EnvelopedData, for tools without AuthEnvelopedData (tampering shows only
                // through the inner signature)
};

// Thrown when EnvelopeOptions::should_stop asked to stop; the partial output is removed.
class CmsCancelled : public CryptoError {
 public:
  using CryptoError::CryptoError;
};

struct EnvelopeOptions {
  ContentCipher cipher = ContentCipher::aes_256_gcm;
  std::size_t chunk_size = 1 << 20;   // bytes read and fed through at a time
  std::function<bool()> should_stop;  // asked between chunks; true: cancel
};

struct EnvelopeResult {
  std::uint64_t content_bytes = 0;  // bytes of the input signed and encrypted
  std::uint64_t output_bytes = 0;   // size of the .p7m written
};

// Signs bytes [offset, offset + length) of `input` with `signer` (SHA-256, the signer's
// certificate included, content attached) and encrypts that SignedData to every certificate
// in `recipient_certificates` (PEM files: RSA keys get RSA-OAEP with SHA-256, EC keys ECDH).
// Writes DER to "<output>.tmp", fsyncs it and renames it to `output`. Throws CryptoError
// saying what failed (a certificate that cannot be read, the input too short, I/O), or
// CmsCancelled; either way no file is left at `output` or "<output>.tmp".
EnvelopeResult sign_and_encrypt(const std::filesystem::path& input, std::uint64_t offset,
                                std::uint64_t length, const ExchangeIdentity& signer,
                                const std::vector<std::filesystem::path>& recipient_certificates,
                                const std::filesystem::path& output,
                                const EnvelopeOptions& options = {});

}  // namespace popgate::crypto

#endif  // POPGATE_ADAPTERS_CRYPTO_CMS_ENVELOPE_H_
