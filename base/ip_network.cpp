#include "base/ip_network.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

#include "base/strings.h"

namespace popgate::base {

namespace {

bool is_v4_mapped(const std::array<std::uint8_t, 16>& b) {
  for (int i = 0; i < 10; ++i)
    if (b[static_cast<std::size_t>(i)] != 0) return false;
  return b[10] == 0xff && b[11] == 0xff;
}

IpAddress mask(IpAddress address, int prefix) {
  const int bits = address.bits();
  for (int i = 0; i < bits / 8; ++i) {
    const int keep = std::clamp(prefix - i * 8, 0, 8);
    const auto mask = static_cast<std::uint8_t>(keep == 0 ? 0 : 0xff << (8 - keep));
    address.bytes[static_cast<std::size_t>(i)] &= mask;
  }
  return address;
}

// The error for `text`, and the network in *out when there is none.
std::string parse(std::string_view text, IpNetwork* out, HostBits host_bits) {
  if (text.empty()) return "empty address";
  const std::size_t slash = text.find('/');
  const std::string_view address_text = text.substr(0, slash);
  if (address_text.find('%') != std::string_view::npos)
    return quoted(text, '\'') + ": zone ids are not supported";
  const std::optional<IpAddress> parsed = parse_ip_address(address_text);
  if (!parsed) return quoted(address_text, '\'') + " is not an IPv4 or IPv6 address";
  // A rule written as IPv4-mapped IPv6 ("::ffff:10.0.0.0/104") is the IPv4 network.
  const bool written_v6 = address_text.find(':') != std::string_view::npos;
  const int written_bits = written_v6 ? 128 : 32;
  int prefix = written_bits;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return quoted(text, '\'') + ": the prefix length after '/' must be a number";
    prefix = 0;
    for (char c : digits)
      prefix = prefix * 10 + (c - '0');
    if (prefix > written_bits)
      return "prefix length /" + std::string(digits) + " is longer than the address (" +
             std::to_string(written_bits) + " bits)";
  }
  if (written_v6 && !parsed->v6) {
    // Mapped: the first 96 bits are the ::ffff: prefix.
    if (prefix < 96)
      return quoted(text, '\'') + ": an IPv4-mapped network needs a prefix of at least /96";
    prefix -= 96;
  }
  const IpNetwork network{mask(*parsed, prefix), prefix};
  if (host_bits == HostBits::refused && network.base != *parsed) {
    return quoted(text, '\'') + " has host bits set after /" + std::to_string(prefix) +
           " (did you mean " + network.to_string() + "?)";
  }
  if (out) *out = network;
  return {};
}

}  // namespace

std::string IpAddress::to_string() const {
  char text[INET6_ADDRSTRLEN] = {};
  if (!::inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), text, sizeof text)) return "?";
  return text;
}

bool IpNetwork::contains(const IpAddress& address) const {
  if (address.v6 != base.v6) return false;
  return mask(address, prefix) == base;
}

std::string IpNetwork::to_string() const {
  if (prefix == base.bits()) return base.to_string();
  return base.to_string() + "/" + std::to_string(prefix);
}

std::optional<IpAddress> parse_ip_address(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  const std::string copy(text);  // inet_pton wants a terminated string
  IpAddress address;
  if (copy.find(':') == std::string::npos) {
    if (::inet_pton(AF_INET, copy.c_str(), address.bytes.data()) != 1) return std::nullopt;
    return address;
  }
  if (::inet_pton(AF_INET6, copy.c_str(), address.bytes.data()) != 1) return std::nullopt;
  if (is_v4_mapped(address.bytes)) {
    std::array<std::uint8_t, 16> v4{};
    std::copy_n(address.bytes.begin() + 12, 4, v4.begin());
    address.bytes = v4;
    return address;
  }
  address.v6 = true;
  return address;
}

std::optional<IpNetwork> parse_ip_network(std::string_view text) {
  IpNetwork network;
  if (!parse(text, &network, HostBits::masked).empty()) return std::nullopt;
  return network;
}

std::string network_error(std::string_view text, HostBits host_bits) {
  return parse(text, nullptr, host_bits);
}

std::string canonical_address(std::string_view text) {
  const std::optional<IpAddress> address = parse_ip_address(text);
  return address ? address->to_string() : std::string(text);
}

NetworkList::NetworkList(const std::vector<std::string>& entries) {
  for (const std::string& entry : entries) {
    IpNetwork network;
    std::string error = parse(entry, &network, HostBits::masked);
    if (error.empty())
      networks_.push_back(network);
    else
      errors_.push_back(std::move(error));
  }
}

bool NetworkList::contains(const IpAddress& address) const {
  return std::any_of(networks_.begin(), networks_.end(),
                     [&](const IpNetwork& n) { return n.contains(address); });
}

bool NetworkList::contains(std::string_view address) const {
  const std::optional<IpAddress> parsed = parse_ip_address(address);
  return parsed && contains(*parsed);
}

bool address_allowed(const std::vector<std::string>& networks, std::string_view address) {
  if (networks.empty()) return true;
  return NetworkList(networks).contains(address);
}

}  // namespace popgate::base
