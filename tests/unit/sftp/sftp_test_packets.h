// Test-side encoder for SFTP requests: builds the packets a client would send, independently
// of the decoder under test, so round trips compare two separate implementations.
#ifndef POPGATE_TESTS_UNIT_SFTP_SFTP_TEST_PACKETS_H_
#define POPGATE_TESTS_UNIT_SFTP_SFTP_TEST_PACKETS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "adapters/sftp/sftp_types.h"

namespace popgate::sftp::testing {

class PacketBuilder {
 public:
  explicit PacketBuilder(std::uint8_t type) : type_(type) {}

  PacketBuilder& u8(std::uint8_t v) {
    payload_.push_back(static_cast<char>(v));
    return *this;
  }
  PacketBuilder& u32(std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
      u8(static_cast<std::uint8_t>(v >> shift));
    return *this;
  }
  PacketBuilder& u64(std::uint64_t v) {
    u32(static_cast<std::uint32_t>(v >> 32));
    return u32(static_cast<std::uint32_t>(v));
  }
  PacketBuilder& string(std::string_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    payload_.append(s);
    return *this;
  }
  PacketBuilder& raw(std::string_view s) {
    payload_.append(s);
    return *this;
  }
  PacketBuilder& attrs(const FileAttributes& a) {
    std::uint32_t flags = 0;
    if (a.size) flags |= kAttrSize;
    if (a.uid) flags |= kAttrUidGid;
    if (a.permissions) flags |= kAttrPermissions;
    if (a.atime) flags |= kAttrAcModTime;
    u32(flags);
    if (a.size) u64(*a.size);
    if (a.uid) u32(*a.uid).u32(a.gid.value_or(0));
    if (a.permissions) u32(*a.permissions);
    if (a.atime) u32(*a.atime).u32(a.mtime.value_or(0));
    return *this;
  }

  std::uint8_t type() const { return type_; }
  const std::string& payload() const { return payload_; }
  // The packet as it travels: uint32 length, type byte, payload.
  std::string frame() const {
    PacketBuilder framed(0);
    framed.u32(static_cast<std::uint32_t>(payload_.size() + 1)).u8(type_).raw(payload_);
    return framed.payload_;
  }

 private:
  std::uint8_t type_;
  std::string payload_;
};

}  // namespace popgate::sftp::testing

#endif  // POPGATE_TESTS_UNIT_SFTP_SFTP_TEST_PACKETS_H_
