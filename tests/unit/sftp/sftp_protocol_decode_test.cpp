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
  Request Decode(const PacketBuilder& packet) {
    payload_ = packet.payload();
    Request request;
    DecodeError error;
    EXPECT_TRUE(DecodeRequest(packet.type(), payload_, &request, &error)) << error.message;
    return request;
  }
  DecodeError DecodeFails(const PacketBuilder& packet) {
    payload_ = packet.payload();
    Request request;
    DecodeError error;
    EXPECT_FALSE(DecodeRequest(packet.type(), payload_, &request, &error));
    EXPECT_FALSE(error.message.empty());
    return error;
  }

  std::string payload_;
};

FileAttributes SampleAttrs() {
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
  Request r = Decode(PacketBuilder(pt::kInit).U32(3).String("a@b").String("1"));
  EXPECT_EQ(r.kind, RequestKind::kInit);
  EXPECT_EQ(r.version, 3u);
  ASSERT_EQ(r.extensions.size(), 1u);
  EXPECT_EQ(r.extensions[0].first, "a@b");
  EXPECT_EQ(r.extensions[0].second, "1");
  EXPECT_TRUE(Decode(PacketBuilder(pt::kInit).U32(6)).extensions.empty());
}

TEST_F(SftpDecodeTest, Open) {
  Request r = Decode(PacketBuilder(pt::kOpen)
                         .U32(7)
                         .String("/inbox/a")
                         .U32(kOpenWrite | kOpenCreate)
                         .Attrs(SampleAttrs()));
  EXPECT_EQ(r.kind, RequestKind::kOpen);
  EXPECT_EQ(r.id, 7u);
  EXPECT_EQ(r.path, "/inbox/a");
  EXPECT_EQ(r.pflags, kOpenWrite | kOpenCreate);
  EXPECT_EQ(r.attrs, SampleAttrs());
}

TEST_F(SftpDecodeTest, HandleRequests) {
  const struct {
    std::uint8_t type;
    RequestKind kind;
  } cases[] = {{pt::kClose, RequestKind::kClose},
               {pt::kFstat, RequestKind::kFstat},
               {pt::kReaddir, RequestKind::kReaddir}};
  for (const auto& c : cases) {
    Request r = Decode(PacketBuilder(c.type).U32(42).String(std::string("h\0x", 3)));
    EXPECT_EQ(r.kind, c.kind);
    EXPECT_EQ(r.id, 42u);
    EXPECT_EQ(r.handle, std::string("h\0x", 3));  // handles are opaque: NUL is fine
  }
}

TEST_F(SftpDecodeTest, PathRequests) {
  const struct {
    std::uint8_t type;
    RequestKind kind;
  } cases[] = {{pt::kLstat, RequestKind::kLstat},      {pt::kStat, RequestKind::kStat},
               {pt::kOpendir, RequestKind::kOpendir},  {pt::kRemove, RequestKind::kRemove},
               {pt::kRmdir, RequestKind::kRmdir},      {pt::kRealpath, RequestKind::kRealpath},
               {pt::kReadlink, RequestKind::kReadlink}};
  for (const auto& c : cases) {
    Request r = Decode(PacketBuilder(c.type).U32(9).String("/outbox/x"));
    EXPECT_EQ(r.kind, c.kind);
    EXPECT_EQ(r.id, 9u);
    EXPECT_EQ(r.path, "/outbox/x");
  }
}

TEST_F(SftpDecodeTest, ReadAndWrite) {
  Request r = Decode(PacketBuilder(pt::kRead).U32(1).String("h").U64(1ULL << 40).U32(261120));
  EXPECT_EQ(r.kind, RequestKind::kRead);
  EXPECT_EQ(r.handle, "h");
  EXPECT_EQ(r.offset, 1ULL << 40);
  EXPECT_EQ(r.length, 261120u);

  const std::string data(255 * 1024, 'z');
  r = Decode(PacketBuilder(pt::kWrite).U32(2).String("h").U64(5).String(data));
  EXPECT_EQ(r.kind, RequestKind::kWrite);
  EXPECT_EQ(r.offset, 5u);
  EXPECT_EQ(r.data, data);
  // No copy: the data view points into the payload.
  EXPECT_GE(r.data.data(), payload_.data());
  EXPECT_LE(r.data.data() + r.data.size(), payload_.data() + payload_.size());
}

TEST_F(SftpDecodeTest, AttributeRequests) {
  Request r = Decode(PacketBuilder(pt::kSetstat).U32(3).String("/p").Attrs(SampleAttrs()));
  EXPECT_EQ(r.kind, RequestKind::kSetstat);
  EXPECT_EQ(r.path, "/p");
  EXPECT_EQ(r.attrs, SampleAttrs());

  r = Decode(PacketBuilder(pt::kFsetstat).U32(4).String("h").Attrs(FileAttributes{}));
  EXPECT_EQ(r.kind, RequestKind::kFsetstat);
  EXPECT_EQ(r.handle, "h");
  EXPECT_EQ(r.attrs, FileAttributes{});

  FileAttributes mode;
  mode.permissions = 0755;
  r = Decode(PacketBuilder(pt::kMkdir).U32(5).String("/inbox/d").Attrs(mode));
  EXPECT_EQ(r.kind, RequestKind::kMkdir);
  EXPECT_EQ(r.attrs, mode);
}

TEST_F(SftpDecodeTest, TwoPathRequests) {
  Request r = Decode(PacketBuilder(pt::kRename).U32(6).String("/a").String("/b"));
  EXPECT_EQ(r.kind, RequestKind::kRename);
  EXPECT_EQ(r.path, "/a");
  EXPECT_EQ(r.path2, "/b");

  r = Decode(PacketBuilder(pt::kSymlink).U32(7).String("target").String("/link"));
  EXPECT_EQ(r.kind, RequestKind::kSymlink);
  EXPECT_EQ(r.path, "target");
  EXPECT_EQ(r.path2, "/link");
}

TEST_F(SftpDecodeTest, ExtendedRequests) {
  auto ext = [](std::string_view name) {
    PacketBuilder b(pt::kExtended);
    b.U32(11).String(name);
    return b;
  };
  Request r = Decode(ext(extension::kPosixRename).String("/a").String("/b"));
  EXPECT_EQ(r.kind, RequestKind::kPosixRename);
  EXPECT_EQ(r.id, 11u);
  EXPECT_EQ(r.path, "/a");
  EXPECT_EQ(r.path2, "/b");

  r = Decode(ext(extension::kHardlink).String("/a").String("/b"));
  EXPECT_EQ(r.kind, RequestKind::kHardlink);
  EXPECT_EQ(r.path2, "/b");

  r = Decode(ext(extension::kStatvfs).String("/"));
  EXPECT_EQ(r.kind, RequestKind::kStatvfs);
  EXPECT_EQ(r.path, "/");

  r = Decode(ext(extension::kFstatvfs).String("h"));
  EXPECT_EQ(r.kind, RequestKind::kFstatvfs);
  EXPECT_EQ(r.handle, "h");

  r = Decode(ext(extension::kFsync).String("h"));
  EXPECT_EQ(r.kind, RequestKind::kFsync);
  EXPECT_EQ(r.handle, "h");

  r = Decode(ext(extension::kLimits));
  EXPECT_EQ(r.kind, RequestKind::kLimits);

  r = Decode(ext(extension::kLsetstat).String("/p").Attrs(SampleAttrs()));
  EXPECT_EQ(r.kind, RequestKind::kLsetstat);
  EXPECT_EQ(r.attrs, SampleAttrs());
}

TEST_F(SftpDecodeTest, UnknownExtendedIsNotAnError) {
  Request r =
      Decode(PacketBuilder(pt::kExtended).U32(12).String("copy-data").Raw("whatever\xff\xff"));
  EXPECT_EQ(r.kind, RequestKind::kUnknownExtended);
  EXPECT_EQ(r.id, 12u);
  EXPECT_EQ(r.extension_name, "copy-data");
}

TEST_F(SftpDecodeTest, UnknownTypeIsUnsupportedWithId) {
  Request r = Decode(PacketBuilder(99).U32(13).Raw("xyz"));
  EXPECT_EQ(r.kind, RequestKind::kUnsupported);
  EXPECT_EQ(r.id, 13u);
  EXPECT_EQ(r.type, 99);
  // A client sending a reply type is answered the same way.
  EXPECT_EQ(Decode(PacketBuilder(pt::kStatus).U32(14)).kind, RequestKind::kUnsupported);
}

TEST_F(SftpDecodeTest, TruncatedRequestsKeepTheId) {
  DecodeError e = DecodeFails(PacketBuilder(pt::kRead).U32(21).String("h").U64(0));
  EXPECT_EQ(e.id, 21u);
  EXPECT_EQ(e.status, Status::bad_message);
  e = DecodeFails(PacketBuilder(pt::kOpen).U8(0).U8(0));
  EXPECT_FALSE(e.id.has_value());
  e = DecodeFails(PacketBuilder(pt::kStat));
  EXPECT_FALSE(e.id.has_value());
  // Every proper prefix of a valid OPEN fails cleanly.
  PacketBuilder full(pt::kOpen);
  full.U32(1).String("/inbox/f").U32(kOpenRead).Attrs(SampleAttrs());
  for (std::size_t n = 0; n < full.payload().size(); ++n) {
    DecodeFails(PacketBuilder(pt::kOpen).Raw(full.payload().substr(0, n)));
  }
}

TEST_F(SftpDecodeTest, HugeLengthFieldsDoNotOverflow) {
  DecodeError e = DecodeFails(PacketBuilder(pt::kStat).U32(22).U32(0xFFFFFFFF).Raw("abc"));
  EXPECT_EQ(e.id, 22u);
  e = DecodeFails(PacketBuilder(pt::kWrite).U32(23).String("h").U64(0).U32(0xFFFFFFFF));
  EXPECT_EQ(e.id, 23u);
  e = DecodeFails(PacketBuilder(pt::kInit).U32(3).U32(0xFFFFFFFF));
  EXPECT_FALSE(e.id.has_value());
  e = DecodeFails(PacketBuilder(pt::kExtended).U32(24).U32(0xFFFFFFFE));
  EXPECT_EQ(e.id, 24u);
}

TEST_F(SftpDecodeTest, TrailingGarbageIsRefused) {
  DecodeError e = DecodeFails(PacketBuilder(pt::kClose).U32(31).String("h").U8(0));
  EXPECT_EQ(e.id, 31u);
  EXPECT_EQ(e.status, Status::bad_message);
  DecodeFails(PacketBuilder(pt::kExtended).U32(32).String(extension::kLimits).U8(1));
  DecodeFails(PacketBuilder(pt::kInit).U32(3).String("ext-without-value"));
}

TEST_F(SftpDecodeTest, NulInPathIsPermissionDenied) {
  DecodeError e = DecodeFails(PacketBuilder(pt::kOpen)
                                  .U32(41)
                                  .String(std::string("/inbox/a\0.txt", 13))
                                  .U32(kOpenRead)
                                  .Attrs({}));
  EXPECT_EQ(e.id, 41u);
  EXPECT_EQ(e.status, Status::permission_denied);
  e = DecodeFails(PacketBuilder(pt::kExtended)
                      .U32(42)
                      .String(extension::kPosixRename)
                      .String("/a")
                      .String(std::string("\0", 1)));
  EXPECT_EQ(e.status, Status::permission_denied);
}

TEST_F(SftpDecodeTest, BadAttributes) {
  DecodeError e = DecodeFails(PacketBuilder(pt::kSetstat).U32(51).String("/p").U32(0x00000010));
  EXPECT_EQ(e.id, 51u);
  EXPECT_EQ(e.status, Status::bad_message);
  // An extended-attribute count that cannot fit in what remains is refused up front.
  DecodeFails(PacketBuilder(pt::kSetstat).U32(52).String("/p").U32(kAttrExtended).U32(0xFFFFFFFF));
  // A well-formed extended attribute is accepted and dropped.
  Request r = Decode(PacketBuilder(pt::kSetstat)
                         .U32(53)
                         .String("/p")
                         .U32(kAttrExtended)
                         .U32(1)
                         .String("n")
                         .String("v"));
  EXPECT_EQ(r.attrs, FileAttributes{});
}

}  // namespace
}  // namespace popgate::sftp
