// Lint (workflows/network_text) and the SFTP server (adapters/sftp/address_match) read an
// allowed_addresses entry with separate code, because workflows/ may not depend on adapters.
// Whatever lint accepts the server must accept too, or a client would be locked out by a
// configuration that lint called valid.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "adapters/sftp/address_match.h"
#include "workflows/network_text.h"

namespace popgate {
namespace {

TEST(NetworkRulesAgree, EveryEntryLintAcceptsTheServerAcceptsToo) {
  const std::vector<std::string> entries = {"192.0.2.7",
                                            "192.0.2.0/24",
                                            "10.0.0.0/8",
                                            "0.0.0.0/0",
                                            "10.1.2.3/8",
                                            "2001:db8::/32",
                                            "2001:db8::1",
                                            "::/0",
                                            "::1",
                                            "::ffff:10.0.0.0/104",
                                            "::ffff:10.0.0.0/80",
                                            "::ffff:10.1.2.3",
                                            "300.1.1.1",
                                            "10.0.0.0/33",
                                            "2001:db8::/129",
                                            "10.0.0.0/",
                                            "10.0.0.0/x",
                                            "fe80::1%eth0",
                                            "",
                                            "10.0.0.0/0008",
                                            " 10.0.0.1",
                                            "1.2.3",
                                            "::ffff:0.0.0.0/96",
                                            "2001:db8::/0"};
  int accepted = 0;
  for (const std::string& entry : entries) {
    if (!workflows::network_text_error(entry).empty()) continue;
    ++accepted;
    EXPECT_EQ(sftp::network_error(entry), "") << "lint accepts '" << entry << "'";
  }
  EXPECT_EQ(accepted, 11);  // lint is stricter: it refuses host bits ("2001:db8::/0", "10.1.2.3/8")
  EXPECT_NE(workflows::network_text_error("::ffff:10.0.0.0/80"), "");
}

}  // namespace
}  // namespace popgate
