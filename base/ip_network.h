// IP addresses and networks, read by one parser for both their users: the SFTP server's access
// rules (a client's allowed source networks, the defender's safelist) and `popgate lint`,
// which must refuse exactly what the server would not match. Standard library and POSIX
// (inet_pton) only.
//
// Accepted forms: an IPv4 or IPv6 address ("198.51.100.7", "2001:db8::1") or a CIDR network
// ("192.0.2.0/24", "2001:db8::/32"). Host bits below the prefix are ignored (masked). An
// IPv4-mapped IPv6 address ("::ffff:192.0.2.1") is the IPv4 address, both as a peer and in a
// rule, so a dual-stack listener's peers match IPv4 rules. Zone ids ("fe80::1%eth0") are refused.
#ifndef POPGATE_BASE_IP_NETWORK_H_
#define POPGATE_BASE_IP_NETWORK_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace popgate::base {

struct IpAddress {
  bool v6 = false;                       // false: IPv4 in bytes[0..3]
  std::array<std::uint8_t, 16> bytes{};  // network byte order; unused bytes are zero

  int bits() const { return v6 ? 128 : 32; }
  // "192.0.2.1", "2001:db8::1" (RFC 5952 form, as inet_ntop writes it).
  std::string to_string() const;
  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

struct IpNetwork {
  IpAddress base;  // host bits cleared
  int prefix = 0;  // 0..32 or 0..128

  bool contains(const IpAddress& address) const;
  // "192.0.2.0/24"; a single address ("/32", "/128") without the suffix.
  std::string to_string() const;
};

// nullopt when `text` is not an IPv4 or IPv6 address. IPv4-mapped IPv6 becomes IPv4.
std::optional<IpAddress> parse_ip_address(std::string_view text);
// What to do with host bits set below a network's prefix ("10.1.2.3/8").
enum class HostBits {
  masked,   // the server: the rule means 10.0.0.0/8
  refused,  // lint: more likely a typo than meant, so the operator is asked
};

// nullopt when `text` is not an address or CIDR network (see network_error for why).
std::optional<IpNetwork> parse_ip_network(std::string_view text);
// Why `text` is not a valid address or network; empty when it is valid.
std::string network_error(std::string_view text, HostBits host_bits = HostBits::masked);
// The address as the server logs and keys it: canonical text, IPv4-mapped IPv6 as IPv4.
// Text that is not an address comes back unchanged.
std::string canonical_address(std::string_view text);

// A parsed list of networks. Invalid entries are skipped (and listed in errors()): one bad
// entry must not make the list match nothing or everything.
class NetworkList {
 public:
  NetworkList() = default;
  explicit NetworkList(const std::vector<std::string>& entries);

  bool empty() const { return networks_.empty(); }
  bool contains(const IpAddress& address) const;
  bool contains(std::string_view address) const;
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  std::vector<IpNetwork> networks_;
  std::vector<std::string> errors_;
};

// A client's allowed_networks rule: an empty list allows every address; otherwise `address`
// must be in one of the valid entries (so a list of only invalid entries allows nothing).
bool address_allowed(const std::vector<std::string>& networks, std::string_view address);

}  // namespace popgate::base

#endif  // POPGATE_BASE_IP_NETWORK_H_
