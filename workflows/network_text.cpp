#include "workflows/network_text.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstdint>

namespace popgate::workflows {

std::string network_text_error(std::string_view text) {
  const std::size_t slash = text.find('/');
  const std::string address(text.substr(0, slash));
  std::array<std::uint8_t, 16> bytes{};
  int bits = 0;
  if (::inet_pton(AF_INET, address.c_str(), bytes.data()) == 1) {
    bits = 32;
  } else if (::inet_pton(AF_INET6, address.c_str(), bytes.data()) == 1) {
    bits = 128;
  } else {
    return "'" + address + "' is not an IPv4 or IPv6 address";
  }
  if (slash == std::string_view::npos) return {};
  const std::string_view prefix = text.substr(slash + 1);
  int length = 0;
  if (prefix.empty() || prefix.size() > 3)
    return "'" + std::string(text) + "' has no prefix length";
  for (const char c : prefix) {
    if (c < '0' || c > '9') return "'" + std::string(text) + "' has a bad prefix length";
    length = length * 10 + (c - '0');
  }
  if (length > bits) {
    return "prefix length /" + std::string(prefix) + " is longer than the address (" +
           std::to_string(bits) + " bits)";
  }
  // An IPv4-mapped IPv6 network (::ffff:a.b.c.d) must keep the whole ::ffff: prefix, since
  // the SFTP server matches such entries against IPv4 peers.
  const bool v4_mapped =
      bits == 128 &&
      std::all_of(bytes.begin(), bytes.begin() + 10, [](std::uint8_t b) { return b == 0; }) &&
      bytes[10] == 0xff && bytes[11] == 0xff;
  if (v4_mapped && length < 96) {
    return "'" + std::string(text) + "': an IPv4-mapped network needs a prefix of at least /96";
  }
  for (int bit = length; bit < bits; ++bit) {
    if ((bytes[static_cast<std::size_t>(bit / 8)] >> (7 - bit % 8)) & 1) {
      return "'" + std::string(text) + "' has host bits set after /" + std::string(prefix) +
             " (did you mean the network address?)";
    }
  }
  return {};
}

}  // namespace popgate::workflows
