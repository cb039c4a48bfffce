#include "adapters/crypto/cms_open.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <fstream>

#include "adapters/crypto/openssl_handles.h"
#include "base/atomic_file.h"

namespace popgate::crypto {
namespace {

namespace fs = std::filesystem;
using detail::BioPtr;
using detail::CmsPtr;
using detail::X509Ptr;
using detail::X509StackPtr;

// What a message's first bytes say it is, before OpenSSL is asked to parse it.
enum class CmsEncoding { none, der, pem, smime };

std::string head_of(const fs::path& path, std::size_t size) {
  std::ifstream in(path, std::ios::binary);
  std::string head(size, '\0');
  in.read(head.data(), static_cast<std::streamsize>(size));
  head.resize(static_cast<std::size_t>(in.gcount()));
  return head;
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         });
}

// DER ContentInfo: SEQUENCE with a long-form or indefinite length, then the OID of a PKCS #7
// or S/MIME content type (1.2.840.113549.1.7.x or .1.9.16.1.x). Plain text never starts so:
// a CSV line starting with "0" has an ASCII second byte, not 0x80-0x84.
bool looks_like_der_cms(std::string_view head) {
  const auto byte = [&](std::size_t i) {
    return i < head.size() ? static_cast<unsigned char>(head[i]) : 0u;
  };
  if (byte(0) != 0x30 || byte(1) < 0x80 || byte(1) > 0x84) return false;
  const std::size_t oid = 2 + (byte(1) & 0x7f);
  static constexpr std::array<unsigned char, 7> kRsadsiPkcs = {0x2a, 0x86, 0x48, 0x86,
                                                               0xf7, 0x0d, 0x01};
  if (byte(oid) != 0x06) return false;
  for (std::size_t i = 0; i < kRsadsiPkcs.size(); ++i) {
    if (byte(oid + 2 + i) != kRsadsiPkcs[i]) return false;
  }
  return true;
}

CmsEncoding encoding_of(std::string_view head) {
  if (looks_like_der_cms(head)) return CmsEncoding::der;
  const std::size_t start = head.find_first_not_of(" \t\r\n");
  const std::string_view text = start == std::string_view::npos ? "" : head.substr(start);
  if (text.starts_with("-----BEGIN CMS-----") || text.starts_with("-----BEGIN PKCS7-----"))
    return CmsEncoding::pem;
  if (starts_with_ignoring_case(text, "MIME-Version:") ||
      starts_with_ignoring_case(text, "Content-Type:"))
    return CmsEncoding::smime;
  return CmsEncoding::none;
}

struct ParsedCms {
  CmsPtr cms;
  BioPtr detached_content;  // S/MIME multipart/signed: the signed part
};

// Parses `path` as CMS in the encoding its first bytes show; an empty result when it is not
// CMS after all.
ParsedCms read_cms(const fs::path& path) {
  ParsedCms parsed;
  const CmsEncoding encoding = encoding_of(head_of(path, 4096));
  if (encoding == CmsEncoding::none) return parsed;
  BioPtr in(BIO_new_file(path.c_str(), "rb"));
  if (!in) throw CryptoError("cannot read " + path.string());
  if (encoding == CmsEncoding::der) {
    parsed.cms.reset(d2i_CMS_bio(in.get(), nullptr));
  } else if (encoding == CmsEncoding::pem) {
    parsed.cms.reset(PEM_read_bio_CMS(in.get(), nullptr, nullptr, nullptr));
  } else {
    BIO* content = nullptr;
    // Binary: a multipart/signed part is kept byte for byte (by default OpenSSL rewrites its
    // line ends to CRLF, which breaks signatures made with `openssl cms -sign -binary`).
    parsed.cms.reset(SMIME_read_CMS_ex(in.get(), CMS_BINARY, &content, nullptr));
    parsed.detached_content.reset(content);
  }
  detail::clear_openssl_errors();
  return parsed;
}

int content_type(CMS_ContentInfo* cms) {
  return OBJ_obj2nid(CMS_get0_type(cms));
}

bool is_encrypted(CMS_ContentInfo* cms) {
  const int type = content_type(cms);
  return type == NID_pkcs7_enveloped || type == NID_id_smime_ct_authEnvelopedData;
}

std::string type_name(CMS_ContentInfo* cms) {
  const char* name = OBJ_nid2ln(content_type(cms));
  return name != nullptr ? name : "of an unknown type";
}

int last_error_reason() {
  unsigned long last = 0;
  while (const unsigned long code = ERR_get_error())
    last = code;
  return ERR_GET_REASON(last);
}

// Removes a file when it goes out of scope, unless it has been kept.
class ScratchFile {
 public:
  explicit ScratchFile(fs::path path) : path_(std::move(path)) {
    std::error_code ignored;
    fs::remove(path_, ignored);
  }
  ~ScratchFile() {
    std::error_code ignored;
    if (!kept_) fs::remove(path_, ignored);
  }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

  const fs::path& path() const { return path_; }
  // Publishes it as `to` (base::move_file_atomically) and stops owning it.
  void keep_as(const fs::path& to) {
    base::move_file_atomically(path_, to);
    kept_ = true;
  }

 private:
  fs::path path_;
  bool kept_ = false;
};

BioPtr open_for_writing(const fs::path& path) {
  BioPtr out(BIO_new_file(path.c_str(), "wb"));
  if (!out) throw CryptoError("cannot create " + path.string());
  return out;
}

void close_written(BioPtr& out, const fs::path& path) {
  const bool flushed = BIO_flush(out.get()) > 0;
  out.reset();
  if (!flushed) throw CryptoError("cannot write " + path.string());
}

struct Decrypted {
  std::string identity_sha256;
  bool retired = false;
};

// Decrypts `cms` into `content_path` with the first identity it is encrypted to.
Decrypted decrypt_with_identities(CMS_ContentInfo* cms,
                                  const std::vector<ExchangeIdentity>& identities,
                                  const fs::path& content_path) {
  for (std::size_t i = 0; i < identities.size(); ++i) {
    const ExchangeIdentity& identity = identities[i];
    detail::clear_openssl_errors();
    // Only a recipient info naming this certificate is tried, so that no recipient for it
    // means "not for us" rather than garbage decrypted with a wrong key. (OpenSSL 3.0 fails
    // here without an error code when none names it. A content key that does not decrypt
    // is not reported here either, against padding oracles: a random key is used instead,
    // and the content then fails to decrypt below.)
    if (CMS_decrypt_set1_pkey_and_peer(cms, identity.key(), identity.certificate(), nullptr) != 1)
      continue;
    BioPtr out = open_for_writing(content_path);
    if (CMS_decrypt(cms, nullptr, nullptr, nullptr, out.get(), CMS_BINARY) != 1) {
      const std::string reason = detail::take_openssl_error("decryption failed");
      throw UploadRefused(UploadProblem::tampered,
                          "the encrypted content does not decrypt (" + reason +
                              "): the file was altered or damaged after encryption");
    }
    close_written(out, content_path);
    return Decrypted{identity.description().sha256, i > 0};
  }
  std::string fingerprint =
      identities.empty() ? std::string("none") : identities.front().description().sha256;
  throw UploadRefused(UploadProblem::not_for_us,
                      "the file is not encrypted to this appliance's exchange certificate "
                      "(SHA-256 " +
                          fingerprint +
                          ") nor to a retired one; encrypt it to the certificate the operator "
                          "gave you");
}

X509StackPtr load_certificates(const std::vector<fs::path>& paths) {
  X509StackPtr stack(sk_X509_new_null());
  if (!stack) throw CryptoError("out of memory");
  for (const fs::path& path : paths) {
    std::string why;
    X509Ptr cert = detail::read_pem_certificate(path, &why);
    if (!cert) throw CryptoError("client certificate: " + why);
    if (sk_X509_push(stack.get(), cert.get()) <= 0) throw CryptoError("out of memory");
    cert.release();  // the stack owns it now
  }
  return stack;
}

bool is_one_of(X509* cert, STACK_OF(X509) * certificates) {
  for (int i = 0; i < sk_X509_num(certificates); ++i) {
    if (X509_cmp(cert, sk_X509_value(certificates, i)) == 0) return true;
  }
  return false;
}

struct Signer {
  std::string subject;
  std::string sha256;
};

// Checks the signature of `signed_data` and that every signer is one of the client's
// certificates (exactly: the same certificate, not one chaining to it), and writes the signed
// content to `content_path`.
Signer verify_client_signature(ParsedCms& signed_data, const std::vector<fs::path>& client_certs,
                               const fs::path& content_path) {
  const X509StackPtr pinned = load_certificates(client_certs);
  BioPtr out = open_for_writing(content_path);
  detail::clear_openssl_errors();
  // No chain is checked: the pinned certificates are the trust decision. Certificates the
  // message carries are only used to find a signer's key, and then refused below unless
  // they are pinned.
  if (CMS_verify(signed_data.cms.get(), pinned.get(), nullptr, signed_data.detached_content.get(),
                 out.get(), CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) != 1) {
    const int reason = last_error_reason();
    if (reason == CMS_R_SIGNER_CERTIFICATE_NOT_FOUND)
      throw UploadRefused(UploadProblem::unknown_signer,
                          "the content is signed by a certificate that is neither in the file "
                          "nor one of your configured certificates");
    throw UploadRefused(UploadProblem::bad_signature,
                        "the signature does not match the content: it was altered after "
                        "signing, or the signature is damaged");
  }
  close_written(out, content_path);
  const detail::X509ViewStackPtr signers(CMS_get0_signers(signed_data.cms.get()));
  if (!signers || sk_X509_num(signers.get()) == 0)
    throw UploadRefused(UploadProblem::bad_signature, "the signed content has no signer");
  Signer first;
  for (int i = 0; i < sk_X509_num(signers.get()); ++i) {
    X509* cert = sk_X509_value(signers.get(), i);
    const Signer signer{detail::certificate_subject(cert), detail::certificate_fingerprint(cert)};
    if (!is_one_of(cert, pinned.get()))
      throw UploadRefused(UploadProblem::unknown_signer,
                          "the content is signed by '" + signer.subject + "' (SHA-256 " +
                              signer.sha256 +
                              "), which is not one of your configured "
                              "certificates");
    if (i == 0) first = signer;
  }
  return first;
}

}  // namespace

OpenedUpload decrypt_upload(const fs::path& input, const fs::path& output,
                            const std::vector<ExchangeIdentity>& identities,
                            const std::vector<fs::path>& client_certificates,
                            bool require_signature, std::uint64_t max_bytes) {
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(input, ec);
  if (ec) throw CryptoError("cannot read " + input.string() + ": " + ec.message());
  if (encoding_of(head_of(input, 4096)) == CmsEncoding::none)
    throw UploadRefused(UploadProblem::not_cms,
                        "the file is not a CMS message (DER, PEM or S/MIME)");
  if (size > max_bytes)
    throw UploadRefused(UploadProblem::too_large,
                        "the encrypted file has " + std::to_string(size) + " bytes; at most " +
                            std::to_string(max_bytes) +
                            " can be decrypted: split it into smaller files");
  ParsedCms envelope = read_cms(input);
  if (!envelope.cms)
    throw UploadRefused(UploadProblem::tampered,
                        "the file starts like a CMS message but is not a complete one: it is "
                        "damaged or truncated");
  if (!is_encrypted(envelope.cms.get()))
    throw UploadRefused(UploadProblem::not_encrypted,
                        "the file is CMS " + type_name(envelope.cms.get()) +
                            ", not encrypted (EnvelopedData or AuthEnvelopedData)");

  const fs::path dir = output.parent_path().empty() ? fs::path(".") : output.parent_path();
  ScratchFile decrypted(dir / ("." + output.filename().string() + ".decrypted.tmp"));
  const Decrypted how = decrypt_with_identities(envelope.cms.get(), identities, decrypted.path());
  envelope = {};  // the ciphertext is no longer needed: give its memory back

  OpenedUpload opened;
  opened.decrypted_with = how.identity_sha256;
  opened.decrypted_with_retired = how.retired;
  ParsedCms inner = read_cms(decrypted.path());
  if (inner.cms && content_type(inner.cms.get()) == NID_pkcs7_signed) {
    ScratchFile content(output.string() + ".tmp");
    const Signer signer = verify_client_signature(inner, client_certificates, content.path());
    opened.is_signed = true;
    opened.signer_subject = signer.subject;
    opened.signer_sha256 = signer.sha256;
    content.keep_as(output);
  } else {
    if (require_signature)
      throw UploadRefused(UploadProblem::unsigned_content,
                          "the content is not signed, and a signature with your certificate is "
                          "required: sign it (openssl cms -sign) before encrypting");
    decrypted.keep_as(output);
  }
  opened.bytes = fs::file_size(output);
  return opened;
}

}  // namespace popgate::crypto
