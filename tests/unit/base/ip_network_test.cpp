// The address and network parser/matcher behind allowed_networks and the defender safelist.
#include "base/ip_network.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace popgate::base {
namespace {

TEST(AddressMatchTest, ParsesAndCanonicalizesAddresses) {
  EXPECT_EQ(canonical_address("192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(canonical_address("2001:DB8:0:0::1"), "2001:db8::1");
  // IPv4-mapped IPv6 is the IPv4 address.
  EXPECT_EQ(canonical_address("::ffff:192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(canonical_address("::FFFF:c000:0207"), "192.0.2.7");
  const auto mapped = parse_ip_address("::ffff:10.1.2.3");
  ASSERT_TRUE(mapped);
  EXPECT_FALSE(mapped->v6);
  // Not addresses.
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", " 1.2.3.4",
                          "example.org", "::g", "1:2:3:4:5:6:7:8:9", "fe80::1%eth0"})
    EXPECT_FALSE(parse_ip_address(bad)) << bad;
  EXPECT_EQ(canonical_address("not an address"), "not an address");
}

TEST(AddressMatchTest, Ipv4NetworksMatch) {
  const auto net = parse_ip_network("192.0.2.0/24");
  ASSERT_TRUE(net);
  EXPECT_EQ(net->to_string(), "192.0.2.0/24");
  EXPECT_TRUE(net->contains(*parse_ip_address("192.0.2.0")));
  EXPECT_TRUE(net->contains(*parse_ip_address("192.0.2.255")));
  EXPECT_FALSE(net->contains(*parse_ip_address("192.0.3.0")));
  EXPECT_FALSE(net->contains(*parse_ip_address("192.0.1.255")));
  // Odd prefixes, and host bits that are masked away.
  const auto odd = parse_ip_network("10.1.2.3/13");
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->to_string(), "10.0.0.0/13");
  EXPECT_TRUE(odd->contains(*parse_ip_address("10.7.255.255")));
  EXPECT_FALSE(odd->contains(*parse_ip_address("10.8.0.0")));
  // A single address, /32 and /0.
  EXPECT_TRUE(parse_ip_network("198.51.100.7")->contains(*parse_ip_address("198.51.100.7")));
  EXPECT_FALSE(parse_ip_network("198.51.100.7")->contains(*parse_ip_address("198.51.100.8")));
  EXPECT_TRUE(parse_ip_network("0.0.0.0/0")->contains(*parse_ip_address("203.0.113.9")));
  EXPECT_EQ(parse_ip_network("198.51.100.7/32")->to_string(), "198.51.100.7");
}

TEST(AddressMatchTest, Ipv6NetworksMatchAndFamiliesStayApart) {
  const auto net = parse_ip_network("2001:db8::/32");
  ASSERT_TRUE(net);
  EXPECT_TRUE(net->contains(*parse_ip_address("2001:db8:ffff::1")));
  EXPECT_FALSE(net->contains(*parse_ip_address("2001:db9::1")));
  const auto odd = parse_ip_network("2001:db8:abcd:12::/61");
  ASSERT_TRUE(odd);
  EXPECT_TRUE(odd->contains(*parse_ip_address("2001:db8:abcd:17::1")));
  EXPECT_FALSE(odd->contains(*parse_ip_address("2001:db8:abcd:18::1")));
  // ::/0 is every IPv6 address but no IPv4 one; 0.0.0.0/0 no IPv6 one.
  EXPECT_TRUE(parse_ip_network("::/0")->contains(*parse_ip_address("::1")));
  EXPECT_FALSE(parse_ip_network("::/0")->contains(*parse_ip_address("127.0.0.1")));
  EXPECT_FALSE(parse_ip_network("0.0.0.0/0")->contains(*parse_ip_address("::1")));
}

TEST(AddressMatchTest, MappedPeersMatchIpv4RulesAndMappedRules) {
  EXPECT_TRUE(address_allowed({"192.0.2.0/24"}, "::ffff:192.0.2.9"));
  EXPECT_FALSE(address_allowed({"192.0.2.0/24"}, "::ffff:192.0.3.9"));
  // A rule written as mapped IPv6 is the IPv4 network.
  EXPECT_TRUE(address_allowed({"::ffff:192.0.2.0/120"}, "192.0.2.9"));
  EXPECT_TRUE(address_allowed({"::ffff:192.0.2.0/120"}, "::ffff:192.0.2.9"));
  EXPECT_FALSE(address_allowed({"::ffff:192.0.2.0/120"}, "192.0.3.9"));
  EXPECT_EQ(parse_ip_network("::ffff:192.0.2.0/120")->to_string(), "192.0.2.0/24");
  EXPECT_NE(network_error("::ffff:0:0/95"), "");
}

TEST(AddressMatchTest, NetworkErrorExplains) {
  for (const char* good : {"192.0.2.0/24", "2001:db8::/32", "198.51.100.7", "::1", "0.0.0.0/0",
                           "10.0.0.0/8", "::ffff:10.0.0.0/104"})
    EXPECT_EQ(network_error(good), "") << good;
  EXPECT_NE(network_error("").find("empty"), std::string::npos);
  EXPECT_NE(network_error("10.0.0.0/33").find("longer than the address (32 bits)"),
            std::string::npos);
  EXPECT_NE(network_error("2001:db8::/129").find("longer than the address (128 bits)"),
            std::string::npos);
  EXPECT_NE(network_error("10.0.0.0/").find("prefix"), std::string::npos);
  EXPECT_NE(network_error("10.0.0.0/-1").find("prefix"), std::string::npos);
  EXPECT_NE(network_error("10.0.0.0/+8").find("prefix"), std::string::npos);
  EXPECT_NE(network_error("10.0.0.0/8/8").find("prefix"), std::string::npos);
  EXPECT_NE(network_error("10.0.0/8").find("not an IPv4 or IPv6"), std::string::npos);
  EXPECT_NE(network_error("fe80::1%eth0").find("zone"), std::string::npos);
  EXPECT_NE(network_error("host.example").find("'host.example'"), std::string::npos);
}

TEST(AddressMatchTest, ListsSkipInvalidEntriesAndEmptyAllowsAll) {
  EXPECT_TRUE(address_allowed({}, "203.0.113.1"));
  EXPECT_TRUE(address_allowed({}, "2001:db8::1"));
  // One bad entry does not stop the good ones, and a list of bad entries allows nothing.
  EXPECT_TRUE(address_allowed({"bogus", "203.0.113.0/24"}, "203.0.113.1"));
  EXPECT_FALSE(address_allowed({"bogus"}, "203.0.113.1"));
  EXPECT_FALSE(address_allowed({"10.0.0.0/8"}, "not an address"));
  const NetworkList list({"10.0.0.0/8", "x", "2001:db8::/32"});
  EXPECT_EQ(list.errors().size(), 1u);
  EXPECT_TRUE(list.contains("10.255.0.1"));
  EXPECT_TRUE(list.contains("2001:db8::5"));
  EXPECT_FALSE(list.contains("11.0.0.1"));
  EXPECT_FALSE(list.contains("2001:db9::5"));
}

TEST(IpNetwork, LintRefusesHostBitsThatTheServerWouldMask) {
  EXPECT_EQ(network_error("10.1.2.3/8"), "");
  EXPECT_EQ(parse_ip_network("10.1.2.3/8")->to_string(), "10.0.0.0/8");
  EXPECT_EQ(network_error("10.1.2.3/8", HostBits::refused),
            "'10.1.2.3/8' has host bits set after /8 (did you mean 10.0.0.0/8?)");
  EXPECT_NE(network_error("2001:db8::/0", HostBits::refused), "");
  EXPECT_NE(network_error("::ffff:10.1.2.3/104", HostBits::refused), "");
  // Whatever lint accepts, the server accepts and matches the same way.
  for (const char* entry : {"192.0.2.7", "192.0.2.0/24", "0.0.0.0/0", "2001:db8::/32", "::/0",
                            "::1", "::ffff:10.0.0.0/104", "::ffff:10.1.2.3", "::ffff:0.0.0.0/96"}) {
    EXPECT_EQ(network_error(entry, HostBits::refused), "") << entry;
    EXPECT_EQ(network_error(entry), "") << entry;
  }
}

}  // namespace
}  // namespace popgate::base
