// Checks an operator's network entry ("192.0.2.0/24", "2001:db8::/32", "198.51.100.7") as
// text, so that `popgate lint` refuses a typo before the SFTP server would silently never
// match it. Matching peers against networks is the SFTP adapter's business.
#ifndef POPGATE_WORKFLOWS_NETWORK_TEXT_H_
#define POPGATE_WORKFLOWS_NETWORK_TEXT_H_

#include <string>
#include <string_view>

namespace popgate::workflows {

// Empty when `text` is an IPv4 or IPv6 address, optionally with a prefix length (/0-32 for
// IPv4, /0-128 for IPv6) whose host bits are zero; otherwise why not.
std::string network_text_error(std::string_view text);

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_NETWORK_TEXT_H_
