#include <gtest/gtest.h>

#include <string>

#include "adapters/sftp/sftp_protocol.h"
#include "tests/unit/sftp/sftp_test_packets.h"

namespace popgate::sftp {
namespace {

using testing::PacketBuilder;
namespace pt = packet_type;

class SftpDecodeTest : public ::testing::Test {
 protected:
  // Keeps the payload alive: the decoded request's views point into it.
  Request decode(const PacketBuilder& packet) {
    payload_ = packet.payload();
    Request request;
    DecodeError error;
    EXPECT_TRUE(decode_request(packet.type(), payload_, &request, &error)) << error.message;
    return request;
  }
  DecodeError decode_fails(const PacketBuilder& packet) {
    payload_ = packet.payload();
    Request request;
    DecodeError error;
    EXPECT_FALSE(decode_request(packet.type(), payload_, &request, &error));
    EXPECT_FALSE(error.message.empty());
    return error;
  }

  std::string payload_;
};

FileAttributes sample_attrs() {
  FileAttributes a;
  a.size = 0x123456789ULL;
  a.uid = 1000;
  a.gid = 1001;
  a.permissions = 0100644;
  a.atime = 1700000000;
  a.mtime = 1700000001;
  return a;
}

TEST_F(SftpDecodeTest, Init) {
  Request r = decode(PacketBuilder(pt::kInit).u32(3).string("a@b").string("1"));
  EXPECT_EQ(r.kind, RequestKind::k_init);
  EXPECT_EQ(r.version, 3u);
  ASSERT_EQ(r.extensions.size(), 1u);
  EXPECT_EQ(r.extensions[0].first, "a@b");
  EXPECT_EQ(r.extensions[0].second, "1");
  EXPECT_TRUE(decode(PacketBuilder(pt::kInit).u32(6)).extensions.empty());
}

TEST_F(SftpDecodeTest, Open) {
  Request r = decode(PacketBuilder(pt::kOpen)
                         .u32(7)
                         .string("/inbox/a")
                         .u32(kOpenWrite | kOpenCreate)
                         .attrs(sample_attrs()));
  EXPECT_EQ(r.kind, RequestKind::k_open);
  EXPECT_EQ(r.id, 7u);
  EXPECT_EQ(r.path, "/inbox/a");
  EXPECT_EQ(r.pflags, kOpenWrite | kOpenCreate);
  EXPECT_EQ(r.attrs, sample_attrs());
}

TEST_F(SftpDecodeTest, HandleRequests) {
  const struct {
    std::uint8_t type;
    RequestKind kind;
  } cases[] = {{pt::kClose, RequestKind::k_close},
               {pt::kFstat, RequestKind::k_fstat},
               {pt::kReaddir, RequestKind::k_readdir}};
  for (const auto& c : cases) {
    Request r = decode(PacketBuilder(c.type).u32(42).string(std::string("h\0x", 3)));
    EXPECT_EQ(r.kind, c.kind);
    EXPECT_EQ(r.id, 42u);
    EXPECT_EQ(r.handle, std::string("h\0x", 3));  // handles are opaque: NUL is fine
  }
}

TEST_F(SftpDecodeTest, PathRequests) {
  const struct {
    std::uint8_t type;
    RequestKind kind;
  } cases[] = {{pt::kLstat, RequestKind::k_lstat},      {pt::kStat, RequestKind::k_stat},
               {pt::kOpendir, RequestKind::k_opendir},  {pt::kRemove, RequestKind::k_remove},
               {pt::kRmdir, RequestKind::k_rmdir},      {pt::kRealpath, RequestKind::k_realpath},
               {pt::kReadlink, RequestKind::k_readlink}};
  for (const auto& c : cases) {
    Request r = decode(PacketBuilder(c.type).u32(9).string("/outbox/x"));
    EXPECT_EQ(r.kind, c.kind);
    EXPECT_EQ(r.id, 9u);
    EXPECT_EQ(r.path, "/outbox/x");
  }
}

TEST_F(SftpDecodeTest, ReadAndWrite) {
  Request r = decode(PacketBuilder(pt::kRead).u32(1).string("h").u64(1ULL << 40).u32(261120));
  EXPECT_EQ(r.kind, RequestKind::k_read);
  EXPECT_EQ(r.handle, "h");
  EXPECT_EQ(r.offset, 1ULL << 40);
  EXPECT_EQ(r.length, 261120u);

  const std::string data(255 * 1024, 'z');
  r = decode(PacketBuilder(pt::kWrite).u32(2).string("h").u64(5).string(data));
  EXPECT_EQ(r.kind, RequestKind::k_write);
  EXPECT_EQ(r.offset, 5u);
  EXPECT_EQ(r.data, data);
  // No copy: the data view points into the payload.
  EXPECT_GE(r.data.data(), payload_.data());
  EXPECT_LE(r.data.data() + r.data.size(), payload_.data() + payload_.size());
}

// Go's pkg/sftp (rclone) sends WRITEs whose data string is followed by the rest of its 32 KiB
// buffer. OpenSSH's sftp-server discards what follows a request's fields, and so do we: the
// data is what the string says, and the rest is counted, not written.
TEST_F(SftpDecodeTest, BytesAfterTheFieldsAreIgnoredAndCounted) {
  const std::string buffer(32768, 'g');
  Request r = decode(PacketBuilder(pt::kWrite)
                         .u32(7)
                         .string("h")
                         .u64(4096)
                         .u32(4096)
                         .raw(buffer));  // a 4096-byte string, then 28672 bytes more
  EXPECT_EQ(r.kind, RequestKind::k_write);
  EXPECT_EQ(r.data, std::string(4096, 'g'));
  EXPECT_EQ(r.trailing_bytes, 28672u);
  r = decode(PacketBuilder(pt::kClose).u32(8).string("h").raw("xyz"));
  EXPECT_EQ(r.kind, RequestKind::k_close);
  EXPECT_EQ(r.trailing_bytes, 3u);
  r = decode(PacketBuilder(pt::kClose).u32(9).string("h"));
  EXPECT_EQ(r.trailing_bytes, 0u);
}

TEST_F(SftpDecodeTest, AttributeRequests) {
  Request r = decode(PacketBuilder(pt::kSetstat).u32(3).string("/p").attrs(sample_attrs()));
  EXPECT_EQ(r.kind, RequestKind::k_setstat);
  EXPECT_EQ(r.path, "/p");
  EXPECT_EQ(r.attrs, sample_attrs());

  r = decode(PacketBuilder(pt::kFsetstat).u32(4).string("h").attrs(FileAttributes{}));
  EXPECT_EQ(r.kind, RequestKind::k_fsetstat);
  EXPECT_EQ(r.handle, "h");
  EXPECT_EQ(r.attrs, FileAttributes{});

  FileAttributes mode;
  mode.permissions = 0755;
  r = decode(PacketBuilder(pt::kMkdir).u32(5).string("/inbox/d").attrs(mode));
  EXPECT_EQ(r.kind, RequestKind::k_mkdir);
  EXPECT_EQ(r.attrs, mode);
}

TEST_F(SftpDecodeTest, TwoPathRequests) {
  Request r = decode(PacketBuilder(pt::kRename).u32(6).string("/a").string("/b"));
  EXPECT_EQ(r.kind, RequestKind::k_rename);
  EXPECT_EQ(r.path, "/a");
  EXPECT_EQ(r.path2, "/b");

  r = decode(PacketBuilder(pt::kSymlink).u32(7).string("target").string("/link"));
  EXPECT_EQ(r.kind, RequestKind::k_symlink);
  EXPECT_EQ(r.path, "target");
  EXPECT_EQ(r.path2, "/link");
}

TEST_F(SftpDecodeTest, ExtendedRequests) {
  auto ext = [](std::string_view name) {
    PacketBuilder b(pt::kExtended);
    b.u32(11).string(name);
    return b;
  };
  Request r = decode(ext(extension::kPosixRename).string("/a").string("/b"));
  EXPECT_EQ(r.kind, RequestKind::k_posix_rename);
  EXPECT_EQ(r.id, 11u);
  EXPECT_EQ(r.path, "/a");
  EXPECT_EQ(r.path2, "/b");

  r = decode(ext(extension::kHardlink).string("/a").string("/b"));
  EXPECT_EQ(r.kind, RequestKind::k_hardlink);
  EXPECT_EQ(r.path2, "/b");

  r = decode(ext(extension::kStatvfs).string("/"));
  EXPECT_EQ(r.kind, RequestKind::k_statvfs);
  EXPECT_EQ(r.path, "/");

  r = decode(ext(extension::kFstatvfs).string("h"));
  EXPECT_EQ(r.kind, RequestKind::k_fstatvfs);
  EXPECT_EQ(r.handle, "h");

  r = decode(ext(extension::kFsync).string("h"));
  EXPECT_EQ(r.kind, RequestKind::k_fsync);
  EXPECT_EQ(r.handle, "h");

  r = decode(ext(extension::kLimits));
  EXPECT_EQ(r.kind, RequestKind::k_limits);

  r = decode(ext(extension::kLsetstat).string("/p").attrs(sample_attrs()));
  EXPECT_EQ(r.kind, RequestKind::k_lsetstat);
  EXPECT_EQ(r.attrs, sample_attrs());
}

TEST_F(SftpDecodeTest, UnknownExtendedIsNotAnError) {
  Request r =
      decode(PacketBuilder(pt::kExtended).u32(12).string("copy-data").raw("whatever\xff\xff"));
  EXPECT_EQ(r.kind, RequestKind::k_unknown_extended);
  EXPECT_EQ(r.id, 12u);
  EXPECT_EQ(r.extension_name, "copy-data");
}

TEST_F(SftpDecodeTest, UnknownTypeIsUnsupportedWithId) {
  Request r = decode(PacketBuilder(99).u32(13).raw("xyz"));
  EXPECT_EQ(r.kind, RequestKind::k_unsupported);
  EXPECT_EQ(r.id, 13u);
  EXPECT_EQ(r.type, 99);
  // A client sending a reply type is answered the same way.
  EXPECT_EQ(decode(PacketBuilder(pt::kStatus).u32(14)).kind, RequestKind::k_unsupported);
}

TEST_F(SftpDecodeTest, TruncatedRequestsKeepTheId) {
  DecodeError e = decode_fails(PacketBuilder(pt::kRead).u32(21).string("h").u64(0));
  EXPECT_EQ(e.id, 21u);
  EXPECT_EQ(e.status, Status::bad_message);
  e = decode_fails(PacketBuilder(pt::kOpen).u8(0).u8(0));
  EXPECT_FALSE(e.id.has_value());
  e = decode_fails(PacketBuilder(pt::kStat));
  EXPECT_FALSE(e.id.has_value());
  // Every proper prefix of a valid OPEN fails cleanly.
  PacketBuilder full(pt::kOpen);
  full.u32(1).string("/inbox/f").u32(kOpenRead).attrs(sample_attrs());
  for (std::size_t n = 0; n < full.payload().size(); ++n) {
    decode_fails(PacketBuilder(pt::kOpen).raw(full.payload().substr(0, n)));
  }
}

TEST_F(SftpDecodeTest, HugeLengthFieldsDoNotOverflow) {
  DecodeError e = decode_fails(PacketBuilder(pt::kStat).u32(22).u32(0xFFFFFFFF).raw("abc"));
  EXPECT_EQ(e.id, 22u);
  e = decode_fails(PacketBuilder(pt::kWrite).u32(23).string("h").u64(0).u32(0xFFFFFFFF));
  EXPECT_EQ(e.id, 23u);
  e = decode_fails(PacketBuilder(pt::kInit).u32(3).u32(0xFFFFFFFF));
  EXPECT_FALSE(e.id.has_value());
  e = decode_fails(PacketBuilder(pt::kExtended).u32(24).u32(0xFFFFFFFE));
  EXPECT_EQ(e.id, 24u);
}

TEST_F(SftpDecodeTest, AFieldCutShortIsRefused) {
  DecodeError e = decode_fails(PacketBuilder(pt::kClose).u32(31).u32(5).raw("h"));
  EXPECT_EQ(e.id, 31u);
  EXPECT_EQ(e.status, Status::bad_message);
  EXPECT_EQ(e.message, "truncated or oversized handle");
  // INIT's extension pairs run to the end of the packet: half a pair is malformed.
  decode_fails(PacketBuilder(pt::kInit).u32(3).string("ext-without-value"));
}

TEST_F(SftpDecodeTest, NulInPathIsPermissionDenied) {
  DecodeError e = decode_fails(PacketBuilder(pt::kOpen)
                                   .u32(41)
                                   .string(std::string("/inbox/a\0.txt", 13))
                                   .u32(kOpenRead)
                                   .attrs({}));
  EXPECT_EQ(e.id, 41u);
  EXPECT_EQ(e.status, Status::permission_denied);
  e = decode_fails(PacketBuilder(pt::kExtended)
                       .u32(42)
                       .string(extension::kPosixRename)
                       .string("/a")
                       .string(std::string("\0", 1)));
  EXPECT_EQ(e.status, Status::permission_denied);
}

TEST_F(SftpDecodeTest, BadAttributes) {
  DecodeError e = decode_fails(PacketBuilder(pt::kSetstat).u32(51).string("/p").u32(0x00000010));
  EXPECT_EQ(e.id, 51u);
  EXPECT_EQ(e.status, Status::bad_message);
  // An extended-attribute count that cannot fit in what remains is refused up front.
  decode_fails(PacketBuilder(pt::kSetstat).u32(52).string("/p").u32(kAttrExtended).u32(0xFFFFFFFF));
  // A well-formed extended attribute is accepted and dropped.
  Request r = decode(PacketBuilder(pt::kSetstat)
                         .u32(53)
                         .string("/p")
                         .u32(kAttrExtended)
                         .u32(1)
                         .string("n")
                         .string("v"));
  EXPECT_EQ(r.attrs, FileAttributes{});
}

}  // namespace
}  // namespace popgate::sftp
