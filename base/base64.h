// The one base64 decoder (RFC 4648, the standard alphabet with padding), as in OpenSSH public
// key lines.
#ifndef POPGATE_BASE_BASE64_H_
#define POPGATE_BASE_BASE64_H_

#include <optional>
#include <string>
#include <string_view>

namespace popgate::base {

// The bytes `text` encodes; nullopt unless it is canonical base64: a multiple of 4 characters
// from A-Z a-z 0-9 + /, with '=' only as the last one or two, and no bits set past the end.
std::optional<std::string> decode_base64(std::string_view text);

}  // namespace popgate::base

#endif  // POPGATE_BASE_BASE64_H_
