// Replays the libFuzzer target's input function (tests/fuzz/) over random and mutated inputs
// in the ordinary sanitizer build: g++ has no libFuzzer, and CI should still exercise the
// hostile-input paths on every run. The seed is fixed so a failure reproduces. The mutations
// start from a stream built here (every request kind, and some the server does not know) and
// from what real clients send (tests/fuzz/seeds/, captured by scripts/capture-sftp-seeds),
// every packet of which the decoder must accept.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
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

namespace fs = std::filesystem;

struct Seed {
  std::string name;
  std::string stream;  // framed packets, without the fuzz input's selector byte
};

// tests/fuzz/seeds/*.sftp: one selector byte, then one client's packets.
std::vector<Seed> client_seeds() {
  std::vector<Seed> seeds;
  for (const auto& entry :
       fs::directory_iterator(fs::path(POPGATE_SOURCE_DIR) / "tests" / "fuzz" / "seeds")) {
    if (entry.path().extension() != ".sftp") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    seeds.push_back({entry.path().stem().string(), bytes.str().substr(1)});
  }
  std::sort(seeds.begin(), seeds.end(),
            [](const Seed& a, const Seed& b) { return a.name < b.name; });
  return seeds;
}

void run_input(const std::string& input) {
  fuzz::run_sftp_protocol_input(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

TEST(SftpFuzzTest, RandomAndMutatedInputs) {
  std::mt19937 rng(20240601);
  std::vector<std::string> starts = {seed_stream()};
  for (const Seed& seed : client_seeds())
    starts.push_back(seed.stream);
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
      std::string mutated = starts[static_cast<std::size_t>(i) % starts.size()];
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

// Every packet that OpenSSH sftp, curl, paramiko, lftp, rclone and psftp sent for the client
// matrix's operations (tests/integration/sftp_client_matrix_test.cpp) is one the server
// accepts: it decodes, without a BAD_MESSAGE.
TEST(SftpFuzzTest, EveryPacketRealClientsSendDecodes) {
  const std::vector<Seed> seeds = client_seeds();
  std::vector<std::string> names;
  for (const Seed& seed : seeds)
    names.push_back(seed.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"curl", "lftp", "openssh", "paramiko", "psftp", "rclone"}));
  for (const Seed& seed : seeds) {
    PacketReader reader;
    reader.feed(seed.stream);
    Packet packet;
    int count = 0;
    PacketReader::Result result;
    while ((result = reader.next(&packet)) == PacketReader::Result::k_packet) {
      Request request;
      DecodeError error;
      EXPECT_TRUE(decode_request(packet.type, packet.payload, &request, &error))
          << seed.name << " packet " << count << " (type " << int{packet.type}
          << "): " << error.message;
      ++count;
    }
    EXPECT_EQ(result, PacketReader::Result::k_need_more) << seed.name << ": " << reader.error();
    EXPECT_EQ(reader.buffered(), 0u) << seed.name << ": a packet cut off at the end";
    EXPECT_GT(count, 20) << seed.name;
  }
}

}  // namespace
}  // namespace popgate::sftp
