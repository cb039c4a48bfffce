#include "adapters/sftp/sftp_protocol_replies.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "adapters/sftp/sftp_protocol.h"
#include "adapters/sftp/sftp_wire.h"

namespace popgate::sftp {
namespace {

std::string bytes(const char* s, std::size_t n) {
  return std::string(s, n);
}

// Splits one encoded packet into its type and body, checking the length field.
WireReader open_packet(const std::string& packet, std::uint8_t expected_type) {
  WireReader reader(packet);
  std::uint32_t length = 0;
  std::uint8_t type = 0;
  EXPECT_TRUE(reader.read_u32(&length));
  EXPECT_EQ(length, packet.size() - 4);
  EXPECT_TRUE(reader.read_u8(&type));
  EXPECT_EQ(type, expected_type);
  return reader;
}

TEST(SftpRepliesTest, StatusBytes) {
  std::string out = "prefix";  // encoders append, never overwrite
  append_status(&out, 5, Status::no_such_file, "No such file");
  EXPECT_EQ(out, "prefix" + bytes("\0\0\0\x1d"
                                  "\x65"
                                  "\0\0\0\x05"
                                  "\0\0\0\x02"
                                  "\0\0\0\x0c"
                                  "No such file"
                                  "\0\0\0\0",
                                  33));
}

TEST(SftpRepliesTest, HandleBytes) {
  std::string out;
  append_handle(&out, 1, "h1");
  EXPECT_EQ(out, bytes("\0\0\0\x0b\x66\0\0\0\x01\0\0\0\x02h1", 15));
}

TEST(SftpRepliesTest, VersionBytes) {
  std::string out;
  append_version(&out);
  const std::string expected = bytes("\0\0\0\xce\x02\0\0\0\x03", 9) +
                               bytes("\0\0\0\x18posix-rename@openssh.com\0\0\0\x01", 32) + "1" +
                               bytes("\0\0\0\x13statvfs@openssh.com\0\0\0\x01", 27) + "2" +
                               bytes(
                                   "\0\0\0\x14"
                                   "fstatvfs@openssh.com\0\0\0\x01",
                                   28) +
                               "2" +
                               bytes(
                                   "\0\0\0\x11"
                                   "fsync@openssh.com\0\0\0\x01",
                                   25) +
                               "1" + bytes("\0\0\0\x14hardlink@openssh.com\0\0\0\x01", 28) + "1" +
                               bytes("\0\0\0\x12limits@openssh.com\0\0\0\x01", 26) + "1" +
                               bytes("\0\0\0\x14lsetstat@openssh.com\0\0\0\x01", 28) + "1";
  EXPECT_EQ(out, expected);
}

TEST(SftpRepliesTest, DataWrittenInPlace) {
  std::string out;
  const std::size_t begin = begin_data(&out, 9);
  out += "abc";  // the server preads straight into the buffer here
  finish_data(&out, begin);
  EXPECT_EQ(out, bytes("\0\0\0\x0c\x67\0\0\0\x09\0\0\0\x03"
                       "abc",
                       16));

  // A second reply after the first: lengths are relative to its own start.
  const std::size_t second = begin_data(&out, 10);
  finish_data(&out, second);
  EXPECT_EQ(out.substr(16), bytes("\0\0\0\x09\x67\0\0\0\x0a\0\0\0\0", 13));
}

TEST(SftpRepliesTest, NameAndAttrsDecodeBack) {
  FileAttributes attrs;
  attrs.size = 42;
  attrs.uid = 1;
  attrs.gid = 2;
  attrs.permissions = 0100600;
  attrs.atime = 3;
  attrs.mtime = 4;
  const NameEntry entries[] = {{"a.txt", "long a", attrs}, {"b", "long b", FileAttributes{}}};
  std::string out;
  append_name(&out, 77, entries);
  WireReader in = open_packet(out, packet_type::kName);
  std::uint32_t id = 0, count = 0;
  ASSERT_TRUE(in.read_u32(&id) && in.read_u32(&count));
  EXPECT_EQ(id, 77u);
  ASSERT_EQ(count, 2u);
  for (const NameEntry& entry : entries) {
    std::string_view filename, longname;
    FileAttributes decoded;
    std::string error;
    ASSERT_TRUE(in.read_string(&filename) && in.read_string(&longname));
    ASSERT_TRUE(decode_attributes(&in, &decoded, &error)) << error;
    EXPECT_EQ(filename, entry.filename);
    EXPECT_EQ(longname, entry.longname);
    EXPECT_EQ(decoded, entry.attrs);
  }
  EXPECT_TRUE(in.empty());

  out.clear();
  append_attrs(&out, 78, attrs);
  in = open_packet(out, packet_type::kAttrs);
  FileAttributes decoded;
  std::string error;
  ASSERT_TRUE(in.read_u32(&id));
  EXPECT_EQ(id, 78u);
  ASSERT_TRUE(decode_attributes(&in, &decoded, &error));
  EXPECT_EQ(decoded, attrs);
  EXPECT_TRUE(in.empty());
}

TEST(SftpRepliesTest, HalfPairsAreNotSent) {
  FileAttributes attrs;
  attrs.uid = 1;    // no gid
  attrs.mtime = 5;  // no atime
  std::string out;
  append_file_attributes(&out, attrs);
  EXPECT_EQ(out, bytes("\0\0\0\0", 4));
}

TEST(SftpRepliesTest, StatvfsAndLimits) {
  StatvfsReply statvfs;
  statvfs.bsize = 4096;
  statvfs.namemax = 255;
  std::string out;
  append_statvfs_reply(&out, 3, statvfs);
  ASSERT_EQ(out.size(), 4u + 1 + 4 + 11 * 8);
  WireReader in = open_packet(out, packet_type::kExtendedReply);
  std::uint32_t id = 0;
  std::uint64_t fields[11];
  ASSERT_TRUE(in.read_u32(&id));
  for (auto& f : fields)
    ASSERT_TRUE(in.read_u64(&f));
  EXPECT_EQ(fields[0], 4096u);
  EXPECT_EQ(fields[10], 255u);

  out.clear();
  append_limits_reply(&out, 4, LimitsReply{266240, 261120, 261120, 0});
  EXPECT_EQ(out, bytes("\0\0\0\x25\xc9\0\0\0\x04"
                       "\0\0\0\0\0\x04\x10\0"
                       "\0\0\0\0\0\x03\xfc\0"
                       "\0\0\0\0\0\x03\xfc\0"
                       "\0\0\0\0\0\0\0\0",
                       41));
}

class SftpLongNameTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tz = std::getenv("TZ");
    if (tz != nullptr) saved_tz_ = tz;
    had_tz_ = tz != nullptr;
    setenv("TZ", "UTC", 1);
    tzset();
  }
  void TearDown() override {
    if (had_tz_) {
      setenv("TZ", saved_tz_.c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }

 private:
  bool had_tz_ = false;
  std::string saved_tz_;
};

TEST_F(SftpLongNameTest, LikeOpenSsh) {
  FileAttributes attrs;
  attrs.size = 1234;
  attrs.permissions = 0100644;
  attrs.mtime = 1700000000;  // 2023-11-14 22:13:20 UTC
  EXPECT_EQ(long_name("a.txt", attrs, "alice", "clients", 1, 1700000000 + 86400),
            "-rw-r--r--    1 alice    clients      1234 Nov 14 22:13 a.txt");
  // Older than six months (or in the future): the year instead of the time.
  EXPECT_EQ(long_name("a.txt", attrs, "alice", "clients", 1, 1700000000 + 365 * 86400),
            "-rw-r--r--    1 alice    clients      1234 Nov 14  2023 a.txt");
  attrs.permissions = 041777;
  attrs.size = 0;
  EXPECT_EQ(long_name("tmp", attrs, "a-very-long-user", "g", 12, 1700000000),
            "drwxrwxrwt   12 a-very-long-user g               0 Nov 14 22:13 tmp");
  attrs.permissions = 0104754;
  EXPECT_EQ(long_name("x", attrs, "u", "g", 1, 1700000000).substr(0, 10), "-rwsr-xr--");
}

}  // namespace
}  // namespace popgate::sftp
