// Uploads larger than one UploadWriter chunk, through ClientFs as the SFTP session drives them:
// the writes happen on the upload's writer thread, and every request that looks at the file
// (FSTAT, FSETSTAT, fsync, CLOSE) must see all the bytes written before it.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "adapters/crypto/sha256.h"
#include "adapters/sftp/client_fs.h"
#include "adapters/sftp/upload_writer.h"

namespace popgate::sftp {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kRequest = 255 * 1024;

std::string pattern(std::size_t size) {
  std::string s(size, '\0');
  std::uint32_t x = 12345;
  for (char& c : s) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

struct Completed {
  std::string path;
  std::uint64_t size;
  std::string sha256;
};

class ClientFsUploadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern_path[] = "/tmp/client_fs_upload_test.XXXXXX";
    ASSERT_NE(::mkdtemp(pattern_path), nullptr);
    root_ = pattern_path;
    fs::create_directories(root_ / "inbox");
    fs::create_directories(root_ / "outbox");
    ClientFsCallbacks callbacks;
    callbacks.on_upload_complete = [this](const std::string& path, std::uint64_t size,
                                          const std::string& sha) {
      completed_.push_back({path, size, sha});
    };
    cfs_ = std::make_unique<ClientFs>(root_, ClientLimits{}, std::move(callbacks));
  }
  void TearDown() override {
    cfs_.reset();
    fs::remove_all(root_);
  }
  std::string read_inbox(const std::string& name) const {
    std::ifstream in(root_ / "inbox" / name, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  static void write_in_requests(FileHandle& handle, std::uint64_t offset, std::string_view data) {
    for (std::size_t at = 0; at < data.size(); at += kRequest)
      handle.write(offset + at, data.substr(at, kRequest));
  }

  fs::path root_;
  std::unique_ptr<ClientFs> cfs_;
  std::vector<Completed> completed_;
};

TEST_F(ClientFsUploadTest, ALargeUploadIsCommittedWholeWithItsDigest) {
  const std::string data = pattern(5 * UploadWriter::kChunkBytes + 333);
  auto handle = cfs_->open("/inbox/big.bin", kOpenWrite | kOpenCreate | kOpenTruncate);
  write_in_requests(*handle, 0, data);
  handle->close();
  EXPECT_EQ(read_inbox("big.bin"), data);
  ASSERT_EQ(completed_.size(), 1u);
  EXPECT_EQ(completed_[0].size, data.size());
  EXPECT_EQ(completed_[0].sha256, crypto::sha256_hex(data));
}

TEST_F(ClientFsUploadTest, FstatCountsEveryByteWrittenBeforeIt) {
  const std::string data = pattern(UploadWriter::kChunkBytes + 4321);
  auto handle = cfs_->open("/inbox/f.bin", kOpenWrite | kOpenCreate | kOpenTruncate);
  write_in_requests(*handle, 0, data);
  EXPECT_EQ(*handle->fstat().size, data.size());
  handle->write(data.size(), "tail");
  EXPECT_EQ(*handle->fstat().size, data.size() + 4);
  handle->close();
  EXPECT_EQ(completed_.at(0).sha256, crypto::sha256_hex(data + "tail"));
}

TEST_F(ClientFsUploadTest, ATruncationComesAfterTheWritesBeforeIt) {
  const std::string data = pattern(3 * UploadWriter::kChunkBytes);
  auto handle = cfs_->open("/inbox/t.bin", kOpenWrite | kOpenCreate | kOpenTruncate);
  write_in_requests(*handle, 0, data);
  FileAttributes truncate;
  truncate.size = 1000;
  handle->fsetstat(truncate);  // a write still in flight must not land after this
  handle->fsync();
  handle->close();
  EXPECT_EQ(read_inbox("t.bin"), data.substr(0, 1000));
  EXPECT_EQ(completed_.at(0).size, 1000u);
  EXPECT_EQ(completed_.at(0).sha256, crypto::sha256_hex(data.substr(0, 1000)));
}

TEST_F(ClientFsUploadTest, AResumedLargeUploadIsOldBytesThenNewOnes) {
  const std::string old_part = pattern(2 * UploadWriter::kChunkBytes + 17);
  const std::string new_part = pattern(UploadWriter::kChunkBytes + 3);
  {
    auto first = cfs_->open("/inbox/r.bin", kOpenWrite | kOpenCreate | kOpenTruncate);
    write_in_requests(*first, 0, old_part);
    first->close();
  }
  auto resumed = cfs_->open("/inbox/r.bin", kOpenWrite | kOpenCreate);  // reput: no TRUNC
  EXPECT_EQ(*resumed->fstat().size, old_part.size());
  write_in_requests(*resumed, old_part.size(), new_part);
  resumed->close();
  EXPECT_EQ(read_inbox("r.bin"), old_part + new_part);
  ASSERT_EQ(completed_.size(), 2u);
  EXPECT_EQ(completed_[1].sha256, crypto::sha256_hex(old_part + new_part));
}

TEST_F(ClientFsUploadTest, AnAbandonedLargeUploadLeavesNothing) {
  {
    auto handle = cfs_->open("/inbox/gone.bin", kOpenWrite | kOpenCreate | kOpenTruncate);
    write_in_requests(*handle, 0, pattern(4 * UploadWriter::kChunkBytes));
  }  // the session ended without CLOSE
  EXPECT_TRUE(fs::is_empty(root_ / "inbox"));
  EXPECT_TRUE(completed_.empty());
}

// Below sftp.min_free_space an upload is refused when it opens, with a message that says why,
// and the refusal is logged. (A threshold above any disk's free space makes it certain.)
TEST_F(ClientFsUploadTest, AnUploadIsRefusedWhileTheDiskIsShortOfSpace) {
  std::vector<std::string> log;
  ClientFsCallbacks callbacks;
  callbacks.log = [&](const std::string& line) { log.push_back(line); };
  ClientLimits limits;
  limits.min_free_bytes = std::uint64_t{1} << 62;
  ClientFs short_of_space(root_, limits, std::move(callbacks));
  try {
    short_of_space.open("/inbox/a.csv", kOpenWrite | kOpenCreate | kOpenTruncate);
    FAIL() << "an upload was accepted below the free-space threshold";
  } catch (const FsException& e) {
    EXPECT_EQ(e.error().status, Status::failure);
    EXPECT_NE(e.error().message.find("the appliance is short of disk space"), std::string::npos)
        << e.error().message;
  }
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find("refused upload /inbox/a.csv: the appliance is short of disk space"),
            std::string::npos)
      << log[0];
  EXPECT_FALSE(fs::exists(root_ / "inbox" / "a.csv"));
}

// A disk that fills during an upload (a real 2 MB tmpfs; root only): the upload fails, nothing
// is left in the inbox, and the log says which upload, how far it got and why.
TEST_F(ClientFsUploadTest, AnUploadThatFillsTheDiskIsLoggedWithItsSize) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a small tmpfs (CI runs as root)";
  const fs::path small = root_ / "small";
  fs::create_directories(small);
  if (::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=2m") != 0)
    GTEST_SKIP() << "cannot mount a tmpfs here: " << std::strerror(errno);
  fs::create_directories(small / "inbox");
  fs::create_directories(small / "outbox");
  std::vector<std::string> log;
  {
    ClientFsCallbacks callbacks;
    callbacks.log = [&](const std::string& line) { log.push_back(line); };
    ClientFs on_small(small, ClientLimits{}, std::move(callbacks));
    auto handle = on_small.open("/inbox/big.bin", kOpenWrite | kOpenCreate | kOpenTruncate);
    const std::string data = pattern(4 * 1024 * 1024);
    EXPECT_THROW(
        {
          write_in_requests(*handle, 0, data);
          handle->close();
        },
        FsException);
  }
  const bool nothing_left = fs::is_empty(small / "inbox");
  ::umount2(small.c_str(), MNT_DETACH);
  EXPECT_TRUE(nothing_left);
  ASSERT_FALSE(log.empty());
  EXPECT_NE(log[0].find("refused upload /inbox/big.bin at "), std::string::npos) << log[0];
  EXPECT_NE(log[0].find("no space left"), std::string::npos) << log[0];
}

}  // namespace
}  // namespace popgate::sftp
