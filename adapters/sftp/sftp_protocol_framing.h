// Splits the byte stream of an SSH channel into SFTP packets (uint32 length, byte type,
// payload). Channel reads arrive in arbitrary pieces, so the reader buffers until a whole
// packet is there. The announced length is checked as soon as its four bytes arrive and
// before anything is reserved for it: libssh 0.10 allocates whatever a client announces, which
// lets one connection claim gigabytes with a 4-byte message.
#ifndef POPGATE_ADAPTERS_SFTP_SFTP_PROTOCOL_FRAMING_H_
#define POPGATE_ADAPTERS_SFTP_SFTP_PROTOCOL_FRAMING_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace popgate::sftp {

// One complete packet. `payload` points into the reader's buffer: valid until the next call
// of Feed() or Next() on the reader that produced it.
struct Packet {
  std::uint8_t type = 0;
  std::string_view payload;  // everything after the type byte
};

class PacketReader {
 public:
  // OpenSSH's sftp client writes at most 255 KiB of data per request (its default buffer
  // is 32 KiB, `-B` raises it); 256 KiB plus 1 KiB for the headers accepts every such
  // request with room to spare, as OpenSSH's own sftp-server does (SFTP_MAX_MSG_LENGTH).
  static constexpr std::uint32_t kDefaultMaxPacketLength = 256 * 1024 + 1024;

  enum class Result {
    k_packet,     // *packet holds the next packet
    k_need_more,  // feed more bytes
    k_error,      // protocol error, see error(); the session must end
  };

  explicit PacketReader(std::uint32_t max_packet_length = kDefaultMaxPacketLength)
      : max_packet_length_(max_packet_length) {}

  PacketReader(const PacketReader&) = delete;
  PacketReader& operator=(const PacketReader&) = delete;

  // Appends bytes read from the channel. Invalidates the payload of the last packet.
  void feed(std::string_view bytes);

  // Yields the next complete packet, if any. After kError every call returns kError: the
  // stream cannot be resynchronised once a length is wrong.
  Result next(Packet* packet);

  const std::string& error() const { return error_; }
  std::uint32_t max_packet_length() const { return max_packet_length_; }
  // Bytes received but not yet returned as packets.
  std::size_t buffered() const { return buffer_.size() - start_; }
  // Memory held by the buffer: lets tests check that an announced length was not allocated.
  std::size_t capacity() const { return buffer_.capacity(); }

 private:
  Result fail(std::string message);

  const std::uint32_t max_packet_length_;
  std::string buffer_;
  std::size_t start_ = 0;     // first byte not yet handed out
  std::size_t consumed_ = 0;  // bytes of the packet returned last, dropped on the next call
  std::string error_;
};

}  // namespace popgate::sftp

#endif  // POPGATE_ADAPTERS_SFTP_SFTP_PROTOCOL_FRAMING_H_
