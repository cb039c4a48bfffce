// Owning handles for the OpenSSL objects adapters/crypto uses, and the few helpers every CMS
// file needs. Private to adapters/crypto's .cpp files: public headers forward-declare instead,
// so that nothing outside this folder compiles against OpenSSL.
#ifndef POPGATE_ADAPTERS_CRYPTO_OPENSSL_HANDLES_H_
#define POPGATE_ADAPTERS_CRYPTO_OPENSSL_HANDLES_H_

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <filesystem>
#include <memory>
#include <string>

namespace popgate::crypto::detail {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* handle) const {
    Free(handle);
  }
};

using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using CmsPtr = std::unique_ptr<CMS_ContentInfo, Deleter<CMS_ContentInfo_free>>;

// A STACK_OF(X509) that owns its certificates.
struct X509StackDeleter {
  void operator()(STACK_OF(X509) * stack) const { sk_X509_pop_free(stack, X509_free); }
};
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackDeleter>;

// A STACK_OF(X509) of borrowed certificates (CMS_get0_signers): frees only the stack.
struct X509ViewStackDeleter {
  void operator()(STACK_OF(X509) * stack) const { sk_X509_free(stack); }
};
using X509ViewStackPtr = std::unique_ptr<STACK_OF(X509), X509ViewStackDeleter>;

// Takes and clears OpenSSL's error queue: the reason of the most recent error ("bad decrypt"),
// or `fallback` when the queue is empty.
std::string take_openssl_error(const std::string& fallback = "unknown OpenSSL error");

// Clears the error queue, so that a later take_openssl_error reports only what follows.
void clear_openssl_errors();

// The first PEM certificate in `path`; nullptr (and a reason in `why`) when there is none.
X509Ptr read_pem_certificate(const std::filesystem::path& path, std::string* why);

// "CN=popgate exchange host" (RFC 2253), SHA-256 fingerprint (lowercase hex), "RSA 3072".
std::string certificate_subject(X509* cert);
std::string certificate_fingerprint(X509* cert);
std::string key_description(EVP_PKEY* key);
std::string asn1_time_text(const ASN1_TIME* time);  // "2026-11-22 18:30:00 UTC"

}  // namespace popgate::crypto::detail

#endif  // POPGATE_ADAPTERS_CRYPTO_OPENSSL_HANDLES_H_
