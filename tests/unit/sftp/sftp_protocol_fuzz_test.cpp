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
std::string SeedStream() {
  FileAttributes attrs;
  attrs.size = 10;
  attrs.permissions = 0100644;
  attrs.atime = 1;
  attrs.mtime = 2;
  std::string s = PacketBuilder(pt::kInit).U32(3).String("x@y").String("1").Frame();
  s += PacketBuilder(pt::kOpen).U32(1).String("/inbox/a").U32(kOpenWrite).Attrs(attrs).Frame();
  s += PacketBuilder(pt::kWrite).U32(2).String("h").U64(0).String("data").Frame();
  s += PacketBuilder(pt::kRead).U32(3).String("h").U64(0).U32(100).Frame();
  s += PacketBuilder(pt::kSetstat).U32(4).String("/p").Attrs(attrs).Frame();
  s += PacketBuilder(pt::kRename).U32(5).String("/a").String("/b").Frame();
  s += PacketBuilder(pt::kStat).U32(6).String("/a").Frame();
  s += PacketBuilder(pt::kClose).U32(7).String("h").Frame();
  s += PacketBuilder(pt::kExtended)
           .U32(8)
           .String(extension::kPosixRename)
           .String("/a")
           .String("/b")
           .Frame();
  s += PacketBuilder(pt::kExtended).U32(9).String(extension::kLimits).Frame();
  s += PacketBuilder(pt::kExtended)
           .U32(10)
           .String(extension::kLsetstat)
           .String("/p")
           .Attrs(attrs)
           .Frame();
  s += PacketBuilder(pt::kExtended).U32(11).String("unknown@x").Raw("zz").Frame();
  s += PacketBuilder(77).U32(12).Frame();
  return s;
}

void RunInput(const std::string& input) {
  fuzz::RunSftpProtocolInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

TEST(SftpFuzzTest, RandomAndMutatedInputs) {
  std::mt19937 rng(20240601);
  const std::string seed = SeedStream();
  auto byte = [&] { return static_cast<char>(rng() & 0xFF); };
  for (int i = 0; i < 20000; ++i) {
    std::string input(1, byte());  // chunking / limit selector
    if (i % 4 == 0) {
      // Pure noise, sometimes framed so it reaches the decoder.
      std::string body(rng() % 300, '\0');
      for (char& c : body)
        c = byte();
      input += (i % 8 == 0) ? PacketBuilder(static_cast<std::uint8_t>(rng() % 24)).Raw(body).Frame()
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
    RunInput(input);
  }
}

TEST(SftpFuzzTest, SeedStreamDecodesCleanly) {
  // Guards the mutation test's starting point: every seed request is valid.
  PacketReader reader;
  reader.Feed(SeedStream());
  Packet packet;
  int count = 0;
  while (reader.Next(&packet) == PacketReader::Result::kPacket) {
    Request request;
    DecodeError error;
    EXPECT_TRUE(DecodeRequest(packet.type, packet.payload, &request, &error)) << error.message;
    ++count;
  }
  EXPECT_EQ(count, 13);
}

}  // namespace
}  // namespace popgate::sftp
