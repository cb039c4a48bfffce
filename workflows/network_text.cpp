#include "workflows/network_text.h"

#include <arpa/inet.h>

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
  for (int bit = length; bit < bits; ++bit) {
    if ((bytes[static_cast<std::size_t>(bit / 8)] >> (7 - bit % 8)) & 1) {
      return "'" + std::string(text) + "' has host bits set after /" + std::string(prefix) +
             " (did you mean the network address?)";
    }
  }
  return {};
}

}  // namespace popgate::workflows
