#include "adapters/sftp/sftp_protocol_framing.h"

#include <utility>

#include "adapters/sftp/sftp_wire.h"

namespace popgate::sftp {

void PacketReader::feed(std::string_view bytes) {
  // Drop what was handed out before appending, so the buffer holds at most one partial packet
  // plus one chunk: memory stays bounded by the maximum packet length, whatever the client
  // pipelines. Compacting here rather than in Next() keeps payload views valid until Feed.
  start_ += consumed_;
  consumed_ = 0;
  if (start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  } else if (start_ > 0) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  if (!error_.empty()) return;  // nothing more will be parsed; do not grow
  buffer_.append(bytes);
}

PacketReader::Result PacketReader::next(Packet* packet) {
  if (!error_.empty()) return Result::k_error;
  start_ += consumed_;
  consumed_ = 0;
  const std::size_t available = buffer_.size() - start_;
  if (available < 4) return Result::k_need_more;
  const std::uint32_t length = WireReader::decode_u32(buffer_.data() + start_);
  if (length == 0) return fail("SFTP packet of length 0");
  if (length > max_packet_length_) {
    return fail("SFTP packet of " + std::to_string(length) + " bytes exceeds the limit of " +
                std::to_string(max_packet_length_));
  }
  if (available - 4 < length) return Result::k_need_more;
  packet->type = static_cast<std::uint8_t>(buffer_[start_ + 4]);
  packet->payload = std::string_view(buffer_).substr(start_ + 5, length - 1);
  consumed_ = 4 + std::size_t{length};
  return Result::k_packet;
}

PacketReader::Result PacketReader::fail(std::string message) {
  error_ = std::move(message);
  buffer_.clear();
  buffer_.shrink_to_fit();
  start_ = 0;
  consumed_ = 0;
  return Result::k_error;
}

}  // namespace popgate::sftp
