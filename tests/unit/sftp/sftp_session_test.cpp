// SftpSession fed with hand-built packets: the protocol loop without SSH.
#include "adapters/sftp/sftp_session.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "adapters/sftp/sftp_protocol.h"
#include "adapters/sftp/sftp_protocol_framing.h"
#include "adapters/sftp/sftp_wire.h"
#include "tests/unit/sftp/sftp_test_packets.h"

namespace popgate::sftp {
namespace {

namespace fs = std::filesystem;
using testing::PacketBuilder;

struct Reply {
  std::uint8_t type = 0;
  std::string payload;
};

// Splits the session's output back into packets.
std::vector<Reply> parse_replies(const std::string& bytes) {
  PacketReader reader;
  reader.feed(bytes);
  std::vector<Reply> replies;
  Packet packet;
  while (reader.next(&packet) == PacketReader::Result::k_packet)
    replies.push_back({packet.type, std::string(packet.payload)});
  EXPECT_EQ(reader.buffered(), 0u);
  return replies;
}

// id and status code of a STATUS reply.
std::pair<std::uint32_t, Status> status_of(const Reply& reply) {
  EXPECT_EQ(reply.type, packet_type::kStatus);
  WireReader in(reply.payload);
  std::uint32_t id = 0, code = 0;
  EXPECT_TRUE(in.read_u32(&id));
  EXPECT_TRUE(in.read_u32(&code));
  return {id, static_cast<Status>(code)};
}

struct Completed {
  std::string path;
  std::uint64_t size;
  std::string sha256;
};

class SftpSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/sftp_session_test.XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    root_ = pattern;
    fs::create_directories(root_ / "inbox");
    fs::create_directories(root_ / "outbox");
    std::ofstream(root_ / "outbox" / "r.txt", std::ios::binary) << "hello outbox";
    ClientFsCallbacks callbacks;
    callbacks.log = [this](const std::string& line) { log_.push_back(line); };
    callbacks.on_upload_complete = [this](const std::string& path, std::uint64_t size,
                                          const std::string& sha) {
      completed_.push_back({path, size, sha});
    };
    session_ = std::make_unique<SftpSession>(
        std::make_unique<ClientFs>(root_, ClientLimits{}, std::move(callbacks)),
        [this](const std::string& line) { log_.push_back(line); });
  }
  void TearDown() override {
    session_.reset();
    fs::remove_all(root_);
  }

  std::vector<Reply> send(const PacketBuilder& packet, bool expect_alive = true) {
    std::string out;
    EXPECT_EQ(session_->feed(packet.frame(), &out), expect_alive);
    return parse_replies(out);
  }
  void init() {
    auto replies = send(PacketBuilder(packet_type::kInit).u32(3));
    ASSERT_EQ(replies.size(), 1u);
    ASSERT_EQ(replies[0].type, packet_type::kVersion);
  }
  std::string open(std::uint32_t id, const std::string& path, std::uint32_t flags) {
    auto replies = send(PacketBuilder(packet_type::kOpen).u32(id).string(path).u32(flags).u32(0));
    EXPECT_EQ(replies.size(), 1u);
    if (replies.empty() || replies[0].type != packet_type::kHandle) return {};
    WireReader in(replies[0].payload);
    std::uint32_t got_id = 0;
    std::string_view handle;
    EXPECT_TRUE(in.read_u32(&got_id));
    EXPECT_TRUE(in.read_string(&handle));
    EXPECT_EQ(got_id, id);
    return std::string(handle);
  }

  fs::path root_;
  std::vector<std::string> log_;
  std::vector<Completed> completed_;
  std::unique_ptr<SftpSession> session_;
};

TEST_F(SftpSessionTest, InitAnswersVersion3WithExtensions) {
  auto replies = send(PacketBuilder(packet_type::kInit).u32(3));
  ASSERT_EQ(replies.size(), 1u);
  ASSERT_EQ(replies[0].type, packet_type::kVersion);
  WireReader in(replies[0].payload);
  std::uint32_t version = 0;
  ASSERT_TRUE(in.read_u32(&version));
  EXPECT_EQ(version, 3u);
  std::vector<std::string> names;
  std::string_view name, data;
  while (in.read_string(&name) && in.read_string(&data))
    names.emplace_back(name);
  EXPECT_NE(std::find(names.begin(), names.end(), "limits@openssh.com"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "posix-rename@openssh.com"), names.end());
}

TEST_F(SftpSessionTest, OpenWriteCloseCompletesUploadOnce) {
  init();
  const std::string handle = open(1, "/inbox/a.csv", kOpenWrite | kOpenCreate | kOpenTruncate);
  ASSERT_FALSE(handle.empty());
  auto w = send(PacketBuilder(packet_type::kWrite).u32(2).string(handle).u64(0).string("abc"));
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(status_of(w[0]), std::make_pair(2u, Status::ok));
  EXPECT_TRUE(completed_.empty());
  auto c = send(PacketBuilder(packet_type::kClose).u32(3).string(handle));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(status_of(c[0]), std::make_pair(3u, Status::ok));
  ASSERT_EQ(completed_.size(), 1u);
  EXPECT_EQ(completed_[0].path, "inbox/a.csv");
  EXPECT_EQ(completed_[0].size, 3u);
  EXPECT_EQ(completed_[0].sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // The handle is spent.
  auto again = send(PacketBuilder(packet_type::kClose).u32(4).string(handle));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(status_of(again[0]).second, Status::failure);
  EXPECT_EQ(session_->open_handles(), 0u);
}

TEST_F(SftpSessionTest, PaddedWritesStoreTheirDataAndAreLoggedOnce) {
  init();
  const std::string handle = open(1, "/inbox/p.csv", kOpenWrite | kOpenCreate | kOpenTruncate);
  ASSERT_FALSE(handle.empty());
  for (std::uint32_t i = 0; i < 3; ++i) {
    auto w = send(PacketBuilder(packet_type::kWrite)
                      .u32(2 + i)
                      .string(handle)
                      .u64(i)
                      .string(std::string(1, "abc"[i]))
                      .raw("padding"));
    ASSERT_EQ(w.size(), 1u);
    EXPECT_EQ(status_of(w[0]), std::make_pair(2u + i, Status::ok));
  }
  send(PacketBuilder(packet_type::kClose).u32(9).string(handle));
  ASSERT_EQ(completed_.size(), 1u);
  EXPECT_EQ(completed_[0].size, 3u);
  EXPECT_EQ(completed_[0].sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");  // "abc"
  EXPECT_EQ(std::count(log_.begin(), log_.end(),
                       "sftp ignoring 7 bytes after the fields of request type 6 (logged once "
                       "per session)"),
            1);
}

TEST_F(SftpSessionTest, SessionEndAbandonsOpenUpload) {
  init();
  const std::string handle = open(1, "/inbox/b.csv", kOpenWrite | kOpenCreate | kOpenTruncate);
  ASSERT_FALSE(handle.empty());
  send(PacketBuilder(packet_type::kWrite).u32(2).string(handle).u64(0).string("partial"));
  session_.reset();
  EXPECT_TRUE(completed_.empty());
  EXPECT_FALSE(fs::exists(root_ / "inbox" / "b.csv"));
}

TEST_F(SftpSessionTest, ReadReturnsDataThenEof) {
  init();
  const std::string handle = open(1, "/outbox/r.txt", kOpenRead);
  ASSERT_FALSE(handle.empty());
  // More than we advertise: a short read, not an error.
  auto r = send(PacketBuilder(packet_type::kRead).u32(2).string(handle).u64(0).u32(1u << 20));
  ASSERT_EQ(r.size(), 1u);
  ASSERT_EQ(r[0].type, packet_type::kData);
  WireReader in(r[0].payload);
  std::uint32_t id = 0;
  std::string_view data;
  ASSERT_TRUE(in.read_u32(&id));
  ASSERT_TRUE(in.read_string(&data));
  EXPECT_EQ(data, "hello outbox");
  auto eof = send(PacketBuilder(packet_type::kRead).u32(3).string(handle).u64(12).u32(100));
  ASSERT_EQ(eof.size(), 1u);
  EXPECT_EQ(status_of(eof[0]), std::make_pair(3u, Status::eof));
}

TEST_F(SftpSessionTest, BadPacketGetsBadMessageAndSessionGoesOn) {
  init();
  // OPEN whose path string claims more bytes than follow.
  auto r = send(PacketBuilder(packet_type::kOpen).u32(7).u32(100).raw("ab"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(status_of(r[0]), std::make_pair(7u, Status::bad_message));
  auto s = send(PacketBuilder(packet_type::kStat).u32(8).string("/outbox/r.txt"));
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].type, packet_type::kAttrs);
}

TEST_F(SftpSessionTest, UnknownExtendedIsOpUnsupported) {
  init();
  auto r = send(PacketBuilder(packet_type::kExtended).u32(9).string("copy-data").raw("xx"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(status_of(r[0]), std::make_pair(9u, Status::op_unsupported));
}

TEST_F(SftpSessionTest, SymlinkIsPermissionDenied) {
  init();
  auto r =
      send(PacketBuilder(packet_type::kSymlink).u32(5).string("/etc/passwd").string("/inbox/l"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(status_of(r[0]), std::make_pair(5u, Status::permission_denied));
}

TEST_F(SftpSessionTest, PipelinedRequestsInOneFeed) {
  init();
  std::string bytes = PacketBuilder(packet_type::kRealpath).u32(1).string(".").frame() +
                      PacketBuilder(packet_type::kStat).u32(2).string("/inbox").frame();
  std::string out;
  // Fed in two arbitrary pieces, as a channel may deliver them.
  ASSERT_TRUE(session_->feed(std::string_view(bytes).substr(0, 5), &out));
  ASSERT_TRUE(session_->feed(std::string_view(bytes).substr(5), &out));
  auto replies = parse_replies(out);
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].type, packet_type::kName);
  EXPECT_EQ(replies[1].type, packet_type::kAttrs);
}

TEST_F(SftpSessionTest, ReaddirInBatchesThenEof) {
  init();
  auto o = send(PacketBuilder(packet_type::kOpendir).u32(1).string("/outbox"));
  ASSERT_EQ(o.size(), 1u);
  ASSERT_EQ(o[0].type, packet_type::kHandle);
  WireReader in(o[0].payload);
  std::uint32_t id = 0;
  std::string_view handle_view;
  ASSERT_TRUE(in.read_u32(&id));
  ASSERT_TRUE(in.read_string(&handle_view));
  const std::string handle(handle_view);
  auto names = send(PacketBuilder(packet_type::kReaddir).u32(2).string(handle));
  ASSERT_EQ(names.size(), 1u);
  EXPECT_EQ(names[0].type, packet_type::kName);
  auto eof = send(PacketBuilder(packet_type::kReaddir).u32(3).string(handle));
  ASSERT_EQ(eof.size(), 1u);
  EXPECT_EQ(status_of(eof[0]), std::make_pair(3u, Status::eof));
}

TEST_F(SftpSessionTest, PipelinedReadsAreFlushedInBoundedPieces) {
  std::string big(300 * 1024, 'x');
  std::ofstream(root_ / "outbox" / "big.bin", std::ios::binary) << big;
  init();
  const std::string handle = open(1, "/outbox/big.bin", kOpenRead);
  ASSERT_FALSE(handle.empty());
  std::string bytes;
  for (std::uint32_t i = 0; i < 20; ++i)
    bytes +=
        PacketBuilder(packet_type::kRead).u32(10 + i).string(handle).u64(0).u32(255 * 1024).frame();
  std::string out;
  ASSERT_TRUE(session_->feed(bytes, &out));
  std::size_t replies = 0;
  for (;;) {
    EXPECT_LT(out.size(), SftpSession::kReplyFlushBytes + 256 * 1024);
    replies += parse_replies(out).size();
    if (!session_->backlog()) break;
    out.clear();
    ASSERT_TRUE(session_->feed({}, &out));
  }
  EXPECT_EQ(replies, 20u);
}

TEST_F(SftpSessionTest, FramingErrorEndsSession) {
  init();
  std::string out;
  // Announces 1 GiB.
  EXPECT_FALSE(session_->feed(std::string("\x40\x00\x00\x00\x03", 5), &out));
}

}  // namespace
}  // namespace popgate::sftp
