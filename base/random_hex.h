// Random names for temporary files, from the kernel's generator.
#ifndef POPGATE_BASE_RANDOM_HEX_H_
#define POPGATE_BASE_RANDOM_HEX_H_

#include <sys/random.h>

#include <cerrno>
#include <string>
#include <system_error>
#include <vector>

namespace popgate::base {

// `bytes` random bytes as lowercase hex. Throws std::system_error if getrandom fails.
inline std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> buffer(bytes);
  std::size_t got = 0;
  while (got < buffer.size()) {
    const ssize_t n = ::getrandom(buffer.data() + got, buffer.size() - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::system_error(errno, std::generic_category(), "getrandom");
    got += static_cast<std::size_t>(n);
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes * 2);
  for (const unsigned char b : buffer) {
    hex += kDigits[b >> 4];
    hex += kDigits[b & 0xf];
  }
  return hex;
}

}  // namespace popgate::base

#endif  // POPGATE_BASE_RANDOM_HEX_H_
