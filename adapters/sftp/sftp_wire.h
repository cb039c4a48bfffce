// Big-endian primitives of the SSH/SFTP wire format (RFC 4251 section 5): uint8, uint32,
// uint64 and length-prefixed strings. The reader never throws and never reads past its input:
// every SFTP packet comes from an untrusted client, so each length is checked against the bytes
// that remain before it is used. The writers append to a caller-owned buffer so a reply can be
// assembled in place and sent with one channel write.
#ifndef POPGATE_ADAPTERS_SFTP_SFTP_WIRE_H_
#define POPGATE_ADAPTERS_SFTP_SFTP_WIRE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace popgate::sftp {

// Reads fields from the front of a byte view. A failed read leaves the reader unchanged, so
// the caller can report what it had decoded so far (the request id in particular).
class WireReader {
 public:
  explicit WireReader(std::string_view data) : data_(data) {}

  std::size_t remaining() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  std::string_view rest() const { return data_; }

  bool read_u8(std::uint8_t* value) {
    if (data_.empty()) return false;
    *value = static_cast<std::uint8_t>(data_[0]);
    data_.remove_prefix(1);
    return true;
  }

  bool read_u32(std::uint32_t* value) {
    if (data_.size() < 4) return false;
    *value = decode_u32(data_.data());
    data_.remove_prefix(4);
    return true;
  }

  bool read_u64(std::uint64_t* value) {
    if (data_.size() < 8) return false;
    *value = (std::uint64_t{decode_u32(data_.data())} << 32) | decode_u32(data_.data() + 4);
    data_.remove_prefix(8);
    return true;
  }

  // A view into the input, not a copy: WRITE data stays where the packet reader put it.
  // The length is compared with remaining() rather than added to a position, so 0xFFFFFFFF
  // cannot wrap around.
  bool read_string(std::string_view* value) {
    std::uint32_t length = 0;
    if (data_.size() < 4) return false;
    length = decode_u32(data_.data());
    if (length > data_.size() - 4) return false;
    *value = data_.substr(4, length);
    data_.remove_prefix(4 + std::size_t{length});
    return true;
  }

  static std::uint32_t decode_u32(const char* p) {
    const auto* b = reinterpret_cast<const unsigned char*>(p);
    return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) |
           std::uint32_t{b[3]};
  }

 private:
  std::string_view data_;
};

inline void put_u8(std::string* out, std::uint8_t value) {
  out->push_back(static_cast<char>(value));
}

inline void encode_u32(char* p, std::uint32_t value) {
  p[0] = static_cast<char>(value >> 24);
  p[1] = static_cast<char>(value >> 16);
  p[2] = static_cast<char>(value >> 8);
  p[3] = static_cast<char>(value);
}

inline void put_u32(std::string* out, std::uint32_t value) {
  char buf[4];
  encode_u32(buf, value);
  out->append(buf, 4);
}

inline void put_u64(std::string* out, std::uint64_t value) {
  put_u32(out, static_cast<std::uint32_t>(value >> 32));
  put_u32(out, static_cast<std::uint32_t>(value));
}

// Strings longer than 4 GiB cannot be represented; callers never produce them (packets are
// bounded far below that), so the length is simply truncated to 32 bits.
inline void put_string(std::string* out, std::string_view value) {
  put_u32(out, static_cast<std::uint32_t>(value.size()));
  out->append(value);
}

// Overwrites four bytes already in the buffer: used to fill in a length once the body after
// it is known (DATA replies whose size depends on a short read).
inline void set_u32_at(std::string* out, std::size_t pos, std::uint32_t value) {
  encode_u32(out->data() + pos, value);
}

}  // namespace popgate::sftp

#endif  // POPGATE_ADAPTERS_SFTP_SFTP_WIRE_H_
