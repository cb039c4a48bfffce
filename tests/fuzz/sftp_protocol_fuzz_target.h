// The body of the SFTP codec fuzz target, shared by the libFuzzer binary (clang builds,
// sftp_protocol_fuzz.cpp) and a GoogleTest that replays random and mutated inputs under the
// normal sanitizer build, so every CI run exercises the hostile-input paths.
#ifndef POPGATE_TESTS_FUZZ_SFTP_PROTOCOL_FUZZ_TARGET_H_
#define POPGATE_TESTS_FUZZ_SFTP_PROTOCOL_FUZZ_TARGET_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "adapters/sftp/sftp_protocol.h"
#include "adapters/sftp/sftp_protocol_framing.h"
#include "adapters/sftp/sftp_protocol_replies.h"
#include "adapters/sftp/sftp_wire.h"

namespace popgate::sftp::fuzz {

// Invariants a decoded request must keep whatever the input; a violation aborts so both
// libFuzzer and the test report it.
inline void check(bool condition) {
  if (!condition) std::abort();
}

inline bool inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

inline void check_request(const Request& r, std::string_view payload) {
  check(inside(r.path, payload) && inside(r.path2, payload) && inside(r.handle, payload) &&
        inside(r.data, payload) && inside(r.extension_name, payload));
  // Attributes must survive a round trip through the reply encoder.
  std::string encoded;
  append_file_attributes(&encoded, r.attrs);
  WireReader in(encoded);
  FileAttributes decoded;
  std::string error;
  check(decode_attributes(&in, &decoded, &error) && in.empty() && decoded == r.attrs);
}

// Input layout: byte 0 chooses the chunk size the stream is fed in (0 = all at once) and,
// with its top bit, a small maximum packet length so the limit is reached often.
inline void run_sftp_protocol_input(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return;
  const std::size_t chunk = data[0] & 0x7F;
  PacketReader reader((data[0] & 0x80) != 0 ? 96 : PacketReader::kDefaultMaxPacketLength);
  const std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string replies;
  std::size_t pos = 0;
  while (pos < stream.size()) {
    const std::size_t n = chunk == 0 ? stream.size() : std::min(chunk, stream.size() - pos);
    reader.feed(stream.substr(pos, n));
    pos += n;
    Packet packet;
    PacketReader::Result result;
    while ((result = reader.next(&packet)) == PacketReader::Result::k_packet) {
      check(packet.payload.size() + 1 <= reader.max_packet_length());
      Request request;
      DecodeError error;
      replies.clear();
      if (decode_request(packet.type, packet.payload, &request, &error)) {
        check_request(request, packet.payload);
        append_status(&replies, request.id, Status::op_unsupported, "unsupported");
      } else {
        check(!error.message.empty());
        check(error.status == Status::bad_message || error.status == Status::permission_denied);
        append_status(&replies, error.id.value_or(0), error.status, error.message);
      }
    }
    if (result == PacketReader::Result::k_error) {
      check(!reader.error().empty() && reader.buffered() == 0);
      return;
    }
  }
}

}  // namespace popgate::sftp::fuzz

#endif  // POPGATE_TESTS_FUZZ_SFTP_PROTOCOL_FUZZ_TARGET_H_
