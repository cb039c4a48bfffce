#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "adapters/sftp/sftp_protocol_framing.h"
#include "adapters/sftp/sftp_wire.h"
#include "tests/unit/sftp/sftp_test_packets.h"

namespace popgate::sftp {
namespace {

using testing::PacketBuilder;
using Result = PacketReader::Result;

struct Collected {
  std::uint8_t type;
  std::string payload;
};

// Drains every complete packet, copying payloads (views die at the next Feed).
Result drain(PacketReader* reader, std::vector<Collected>* out) {
  Packet packet;
  Result result;
  while ((result = reader->next(&packet)) == Result::k_packet) {
    out->push_back({packet.type, std::string(packet.payload)});
  }
  return result;
}

std::string three_packets() {
  return PacketBuilder(1).u32(3).frame() + PacketBuilder(17).u32(5).string("/a").frame() +
         PacketBuilder(6).u32(6).string("h").u64(0).string(std::string(70000, 'x')).frame();
}

void expect_three_packets(const std::vector<Collected>& got) {
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].type, 1);
  EXPECT_EQ(got[0].payload.size(), 4u);
  EXPECT_EQ(got[1].type, 17);
  EXPECT_EQ(got[1].payload, std::string("\0\0\0\5\0\0\0\2/a", 10));
  EXPECT_EQ(got[2].type, 6);
  EXPECT_EQ(got[2].payload.size(), 4u + 5 + 8 + 4 + 70000);
}

TEST(PacketReaderTest, WholeStreamAtOnce) {
  PacketReader reader;
  std::vector<Collected> got;
  reader.feed(three_packets());
  EXPECT_EQ(drain(&reader, &got), Result::k_need_more);
  expect_three_packets(got);
  EXPECT_EQ(reader.buffered(), 0u);
}

TEST(PacketReaderTest, ByteByByte) {
  PacketReader reader;
  std::vector<Collected> got;
  for (char c : three_packets()) {
    reader.feed(std::string_view(&c, 1));
    ASSERT_EQ(drain(&reader, &got), Result::k_need_more);
  }
  expect_three_packets(got);
}

TEST(PacketReaderTest, RandomChunks) {
  const std::string stream = three_packets();
  std::mt19937 rng(7);
  for (int round = 0; round < 50; ++round) {
    PacketReader reader;
    std::vector<Collected> got;
    std::size_t pos = 0;
    while (pos < stream.size()) {
      const std::size_t n = std::min<std::size_t>(stream.size() - pos, 1 + rng() % 9000);
      reader.feed(std::string_view(stream).substr(pos, n));
      pos += n;
      ASSERT_EQ(drain(&reader, &got), Result::k_need_more);
    }
    expect_three_packets(got);
  }
}

TEST(PacketReaderTest, OversizeLengthRejectedBeforeAllocating) {
  PacketReader reader;
  // Only the length arrives: the reader must refuse it now, not wait for (or reserve) 256 MiB.
  reader.feed(std::string("\x10\x00\x00\x00", 4));
  Packet packet;
  EXPECT_EQ(reader.next(&packet), Result::k_error);
  EXPECT_NE(reader.error().find("exceeds"), std::string::npos);
  EXPECT_LT(reader.capacity(), 4096u);
  // Sticky: the stream cannot be resynchronised, and nothing more is buffered.
  reader.feed(PacketBuilder(1).u32(3).frame());
  EXPECT_EQ(reader.next(&packet), Result::k_error);
  EXPECT_EQ(reader.buffered(), 0u);
}

TEST(PacketReaderTest, MaximumLengthIsInclusive) {
  PacketReader reader(16);
  reader.feed(PacketBuilder(4).u32(1).string("0123456").frame());  // 1 + 4 + 4 + 7 = 16
  Packet packet;
  EXPECT_EQ(reader.next(&packet), Result::k_packet);
  reader.feed(PacketBuilder(4).u32(1).string("01234567").frame());  // 17
  EXPECT_EQ(reader.next(&packet), Result::k_error);
  EXPECT_EQ(PacketReader().max_packet_length(), 256u * 1024 + 1024);
}

TEST(PacketReaderTest, LengthAllOnes) {
  PacketReader reader;
  reader.feed(std::string("\xff\xff\xff\xff\x01", 5));
  Packet packet;
  EXPECT_EQ(reader.next(&packet), Result::k_error);
}

TEST(PacketReaderTest, ZeroLengthIsAnError) {
  PacketReader reader;
  reader.feed(std::string("\0\0\0\0", 4));
  Packet packet;
  EXPECT_EQ(reader.next(&packet), Result::k_error);
  EXPECT_NE(reader.error().find("length 0"), std::string::npos);
}

TEST(PacketReaderTest, TruncatedPacketWaits) {
  const std::string frame = PacketBuilder(17).u32(5).string("/abc").frame();
  PacketReader reader;
  reader.feed(std::string_view(frame).substr(0, frame.size() - 1));
  Packet packet;
  EXPECT_EQ(reader.next(&packet), Result::k_need_more);
  reader.feed(std::string_view(frame).substr(frame.size() - 1));
  EXPECT_EQ(reader.next(&packet), Result::k_packet);
  EXPECT_EQ(packet.type, 17);
}

TEST(PacketReaderTest, TypeOnlyPacketHasEmptyPayload) {
  PacketReader reader;
  reader.feed(std::string("\0\0\0\1\x11", 5));
  Packet packet;
  ASSERT_EQ(reader.next(&packet), Result::k_packet);
  EXPECT_EQ(packet.type, 17);
  EXPECT_TRUE(packet.payload.empty());
}

TEST(WireTest, ReaderRefusesOverlongStrings) {
  std::string buf;
  put_u32(&buf, 0xFFFFFFFF);
  buf += "abc";
  WireReader reader(buf);
  std::string_view s;
  EXPECT_FALSE(reader.read_string(&s));
  EXPECT_EQ(reader.remaining(), buf.size());  // unchanged on failure
}

TEST(WireTest, RoundTrip) {
  std::string buf;
  put_u8(&buf, 0xAB);
  put_u32(&buf, 0x01020304);
  put_u64(&buf, 0x0102030405060708ULL);
  put_string(&buf, "hi");
  EXPECT_EQ(buf, std::string("\xab\1\2\3\4\1\2\3\4\5\6\7\x08\0\0\0\2hi", 19));
  WireReader reader(buf);
  std::uint8_t b = 0;
  std::uint32_t u = 0;
  std::uint64_t q = 0;
  std::string_view s;
  EXPECT_TRUE(reader.read_u8(&b) && reader.read_u32(&u) && reader.read_u64(&q) &&
              reader.read_string(&s));
  EXPECT_EQ(b, 0xAB);
  EXPECT_EQ(u, 0x01020304u);
  EXPECT_EQ(q, 0x0102030405060708ULL);
  EXPECT_EQ(s, "hi");
  EXPECT_TRUE(reader.empty());
  EXPECT_FALSE(reader.read_u8(&b));
}

}  // namespace
}  // namespace popgate::sftp
