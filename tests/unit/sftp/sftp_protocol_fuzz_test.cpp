// Replays the libFuzzer target's input function (tests/fuzz/) over random and mutated inputs
// in the ordinary sanitizer build: g++ has no libFuzzer, and CI should still exercise the
// hostile-input paths on every run. The seed is fixed so a failure reproduces.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "adapters/sftp/sftp_protocol.h"
#include "adapters/sftp/sftp_protocol_framing.h"
#include "tests/fuzz/sftp_protocol_fuzz_target.h"
#include "tests/unit/sftp/sftp_test_packets.h"

namespace popgate::sftp {
namespace {

using testing::PacketBuilder;
namespace pt = packet_type;

// A stream of valid requests covering every kind, the starting point for mutations.
std::string seed_stream() {
  FileAttributes attrs;
  attrs.size = 10;
  attrs.permissions = 0100644;
  attrs.atime = 1;
  attrs.mtime = 2;
  std::string s = PacketBuilder(pt::kInit).u32(3).string("x@y").string("1").frame();
  s += PacketBuilder(pt::kOpen).u32(1).string("/inbox/a").u32(kOpenWrite).attrs(attrs).frame();
  s += PacketBuilder(pt::kWrite).u32(2).string("h").u64(0).string("data").frame();
  s += PacketBuilder(pt::kRead).u32(3).string("h").u64(0).u32(100).frame();
  s += PacketBuilder(pt::kSetstat).u32(4).string("/p").attrs(attrs).frame();
  s += PacketBuilder(pt::kRename).u32(5).string("/a").string("/b").frame();
  s += PacketBuilder(pt::kStat).u32(6).string("/a").frame();
  s += PacketBuilder(pt::kClose).u32(7).string("h").frame();
  s += PacketBuilder(pt::kExtended)
           .u32(8)
           .string(extension::kPosixRename)
           .string("/a")
           .string("/b")
           .frame();
  s += PacketBuilder(pt::kExtended).u32(9).string(extension::kLimits).frame();
  s += PacketBuilder(pt::kExtended)
           .u32(10)
           .string(extension::kLsetstat)
           .string("/p")
           .attrs(attrs)
           .frame();
  s += PacketBuilder(pt::kExtended).u32(11).string("unknown@x").raw("zz").frame();
  s += PacketBuilder(77).u32(12).frame();
  return s;
}

void run_input(const std::string& input) {
  fuzz::run_sftp_protocol_input(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

TEST(SftpFuzzTest, RandomAndMutatedInputs) {
  std::mt19937 rng(20240601);
  const std::string seed = seed_stream();
  auto byte = [&] { return static_cast<char>(rng() & 0xFF); };
  for (int i = 0; i < 20000; ++i) {
    std::string input(1, byte());  // chunking / limit selector
    if (i % 4 == 0) {
      // Pure noise, sometimes framed so it reaches the decoder.
      std::string body(rng() % 300, '\0');
      for (char& c : body)
        c = byte();
      input += (i % 8 == 0) ? PacketBuilder(static_cast<std::uint8_t>(rng() % 24)).raw(body).frame()
                            : body;
    } else {
      std::string mutated = seed;
      const int edits = 1 + static_cast<int>(rng() % 8);
      for (int e = 0; e < edits && !mutated.empty(); ++e) {
        const std::size_t at = rng() % mutated.size();
        switch (rng() % 5) {
          case 0:
            mutated[at] = byte();
            break;
          case 1:
            mutated[at] = static_cast<char>(0xFF);
            break;
          case 2:
            mutated.erase(at, 1 + rng() % 8);
            break;
          case 3:
            mutated.insert(at, 1 + rng() % 4, byte());
            break;
          default:
            mutated.resize(at);
            break;
        }
      }
      input += mutated;
    }
    run_input(input);
  }
}

TEST(SftpFuzzTest, SeedStreamDecodesCleanly) {
  // Guards the mutation test's starting point: every seed request is valid.
  PacketReader reader;
  reader.feed(seed_stream());
  Packet packet;
  int count = 0;
  while (reader.next(&packet) == PacketReader::Result::k_packet) {
    Request request;
    DecodeError error;
    EXPECT_TRUE(decode_request(packet.type, packet.payload, &request, &error)) << error.message;
    ++count;
  }
  EXPECT_EQ(count, 13);
}

}  // namespace
}  // namespace popgate::sftp
