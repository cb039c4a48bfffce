#include "adapters/sftp/client_fs.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "adapters/crypto/sha256.h"

namespace popgate::sftp {
namespace {

namespace fs = std::filesystem;

struct Completed {
  std::string path;
  std::uint64_t size;
  std::string sha256;
};

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

Status status_of(const std::function<void()>& operation) {
  try {
    operation();
  } catch (const FsException& e) {
    return e.error().status;
  }
  return Status::ok;
}

std::string message_of(const std::function<void()>& operation) {
  try {
    operation();
  } catch (const FsException& e) {
    return e.error().message;
  }
  return {};
}

std::vector<std::string> names_in(ClientFs& cfs, const std::string& dir) {
  auto handle = cfs.opendir(dir);
  std::vector<std::string> names;
  for (auto batch = handle->next_batch(2); !batch.empty(); batch = handle->next_batch(2))
    for (const auto& entry : batch)
      names.push_back(entry.name);
  return names;
}

class ClientFsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/client_fs_test.XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    base_ = pattern;
    root_ = base_ / "exchange" / "acme";
    fs::create_directories(root_ / "inbox");
    fs::create_directories(root_ / "outbox");
    fs::create_directories(base_ / "outside");
    write_file(base_ / "outside" / "secret", "top secret");
    reopen({});
  }
  void TearDown() override {
    cfs_.reset();
    fs::remove_all(base_);
  }
  void reopen(ClientLimits limits) {
    ClientFsCallbacks callbacks;
    callbacks.log = [this](const std::string& line) { log_.push_back(line); };
    callbacks.on_upload_complete = [this](const std::string& path, std::uint64_t size,
                                          const std::string& sha) {
      completed_.push_back({path, size, sha});
    };
    callbacks.on_download_complete = [this](const std::string& path) {
      downloaded_.push_back(path);
    };
    cfs_ = std::make_unique<ClientFs>(root_, limits, std::move(callbacks));
  }
  void upload(const std::string& path, const std::string& text) {
    auto handle = cfs_->open(path, kOpenWrite | kOpenCreate | kOpenTruncate);
    handle->write(0, text);
    handle->close();
  }
  bool logged(const std::string& fragment) const {
    for (const auto& line : log_)
      if (line.find(fragment) != std::string::npos) return true;
    return false;
  }
  std::vector<std::string> inbox_disk() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(root_ / "inbox"))
      names.push_back(entry.path().filename().string());
    return names;
  }

  fs::path base_, root_;
  std::unique_ptr<ClientFs> cfs_;
  std::vector<std::string> log_;
  std::vector<Completed> completed_;
  std::vector<std::string> downloaded_;
};

TEST_F(ClientFsTest, RootListsInboxAndOutboxReadOnly) {
  EXPECT_EQ(names_in(*cfs_, "/"), (std::vector<std::string>{"inbox", "outbox"}));
  const FileAttributes root = cfs_->stat("/");
  EXPECT_EQ(*root.permissions, static_cast<std::uint32_t>(S_IFDIR | 0555));
  EXPECT_EQ(*root.uid, 0u);
  EXPECT_FALSE(root.mtime.has_value());
  EXPECT_EQ(status_of([&] { cfs_->open("/x", kOpenWrite | kOpenCreate); }),
            Status::permission_denied);
  EXPECT_EQ(status_of([&] { cfs_->mkdir("/newdir"); }), Status::permission_denied);
  EXPECT_EQ(status_of([&] { cfs_->remove("/inbox"); }), Status::permission_denied);
  EXPECT_EQ(status_of([&] { cfs_->rmdir("/outbox"); }), Status::permission_denied);
}

TEST_F(ClientFsTest, PathsAreNormalised) {
  EXPECT_EQ(cfs_->realpath("inbox/x"), "/inbox/x");
  EXPECT_EQ(cfs_->realpath("/inbox/./x"), "/inbox/x");
  EXPECT_EQ(cfs_->realpath("//inbox//x/"), "/inbox/x");
  EXPECT_EQ(cfs_->realpath("."), "/");
  EXPECT_EQ(cfs_->realpath(""), "/");
  upload("inbox/a.csv", "1");
  EXPECT_EQ(*cfs_->stat("/inbox/a.csv").size, 1u);
  EXPECT_EQ(*cfs_->stat("./inbox/./a.csv").size, 1u);
}

TEST_F(ClientFsTest, RealpathNeverRevealsServerRoot) {
  EXPECT_EQ(cfs_->realpath("/inbox/.."), "/");
  EXPECT_EQ(cfs_->realpath("../../../.."), "/");
  EXPECT_EQ(cfs_->realpath("/inbox/../outbox"), "/outbox");
  EXPECT_EQ(status_of([&] { cfs_->realpath(root_.string()); }), Status::permission_denied);
  for (const char* path : {"/", ".", "inbox", "/outbox/", "/inbox/../.."})
    EXPECT_EQ(cfs_->realpath(path).find(base_.string()), std::string::npos) << path;
}

TEST_F(ClientFsTest, EscapeAttemptsAreRefusedAndLogged) {
  for (const char* path : {"..", "/../", "inbox/../../etc/passwd", "/inbox/..", "/etc/passwd",
                           "/tmp", "outbox/../../outside/secret"}) {
    EXPECT_EQ(status_of([&] { cfs_->open(path, kOpenRead); }), Status::permission_denied) << path;
    EXPECT_EQ(status_of([&] { cfs_->stat(path); }), Status::permission_denied) << path;
  }
  const std::string server_path = (root_ / "outbox" / "x").string();
  EXPECT_EQ(status_of([&] { cfs_->open(server_path, kOpenRead); }), Status::permission_denied);
  EXPECT_TRUE(logged("'..' is not allowed"));
  EXPECT_TRUE(logged("only /inbox and /outbox exist"));
  // The log echoes what the client sent (escaped); the client is told only the rule it broke.
  EXPECT_EQ(message_of([&] { cfs_->open(server_path, kOpenRead); }),
            "only /inbox and /outbox exist");
}

TEST_F(ClientFsTest, ControlCharactersNulHiddenAndLongNamesAreRefused) {
  const std::string nul("inbox/a\0b", 9);
  for (const std::string& path :
       {nul, std::string("inbox/a\nb"), std::string("inbox/a\x7f"), std::string("inbox/.hidden"),
        std::string("inbox/") + std::string(256, 'x')}) {
    EXPECT_EQ(status_of([&] { cfs_->open(path, kOpenWrite | kOpenCreate); }),
              Status::permission_denied);
  }
  EXPECT_TRUE(logged("\\x0a"));
  EXPECT_TRUE(logged("control character"));
  upload("inbox/" + std::string(255, 'x'), "ok");
  EXPECT_EQ(completed_.size(), 1u);
}

TEST_F(ClientFsTest, DepthIsLimited) {
  cfs_->mkdir("/inbox/a");
  cfs_->mkdir("/inbox/a/b");
  EXPECT_EQ(status_of([&] { cfs_->mkdir("/inbox/a/b/c"); }), Status::permission_denied);
  upload("/inbox/a/b/file", "x");
  EXPECT_EQ(completed_.at(0).path, "inbox/a/b/file");
  EXPECT_EQ(status_of([&] { cfs_->stat("/inbox/a/b/c/d"); }), Status::permission_denied);
}

TEST_F(ClientFsTest, SymlinkInsideInboxIsNotFollowedNorListed) {
  fs::create_symlink(base_ / "outside" / "secret", root_ / "outbox" / "link");
  fs::create_symlink(base_ / "outside", root_ / "outbox" / "dirlink");
  write_file(root_ / "outbox" / "real", "r");
  EXPECT_EQ(names_in(*cfs_, "/outbox"), (std::vector<std::string>{"real"}));
  EXPECT_EQ(status_of([&] { cfs_->open("/outbox/link", kOpenRead); }), Status::permission_denied);
  EXPECT_EQ(status_of([&] { cfs_->stat("/outbox/link"); }), Status::permission_denied);
  EXPECT_EQ(status_of([&] { cfs_->lstat("/outbox/link"); }), Status::permission_denied);
  EXPECT_EQ(status_of([&] { cfs_->open("/outbox/dirlink/secret", kOpenRead); }),
            Status::permission_denied);
  EXPECT_EQ(status_of([&] { cfs_->remove("/outbox/link"); }), Status::permission_denied);
  fs::create_symlink(base_ / "outside" / "secret", root_ / "inbox" / "target");
  EXPECT_EQ(status_of([&] { cfs_->open("/inbox/target", kOpenWrite); }), Status::permission_denied);
  EXPECT_EQ(read_file(base_ / "outside" / "secret"), "top secret");
  EXPECT_TRUE(logged("refused"));
}

TEST_F(ClientFsTest, SymlinkedInboxDirectoryIsRefused) {
  fs::remove(root_ / "inbox");
  fs::create_symlink(base_ / "outside", root_ / "inbox");
  EXPECT_EQ(status_of([&] { cfs_->opendir("/inbox"); }), Status::permission_denied);
  EXPECT_EQ(status_of([&] { cfs_->open("/inbox/new", kOpenWrite | kOpenCreate); }),
            Status::permission_denied);
  EXPECT_EQ(status_of([&] { cfs_->open("/inbox/secret", kOpenRead); }), Status::permission_denied);
  EXPECT_FALSE(fs::exists(base_ / "outside" / "new"));
  EXPECT_EQ(status_of([&] { names_in(*cfs_, "/"); }), Status::permission_denied);
}

TEST_F(ClientFsTest, HardLinksAndFifosAreNeitherListedNorServed) {
  fs::create_hard_link(base_ / "outside" / "secret", root_ / "outbox" / "hard");
  ASSERT_EQ(::mkfifo((root_ / "outbox" / "fifo").c_str(), 0600), 0);
  write_file(root_ / "outbox" / "plain", "p");
  EXPECT_EQ(names_in(*cfs_, "/outbox"), (std::vector<std::string>{"plain"}));
  for (const char* path : {"/outbox/hard", "/outbox/fifo"}) {
    EXPECT_EQ(status_of([&] { cfs_->open(path, kOpenRead); }), Status::permission_denied) << path;
    EXPECT_EQ(status_of([&] { cfs_->stat(path); }), Status::permission_denied) << path;
  }
  fs::create_hard_link(base_ / "outside" / "secret", root_ / "inbox" / "hard");
  EXPECT_EQ(status_of([&] { cfs_->open("/inbox/hard", kOpenWrite); }), Status::permission_denied);
  EXPECT_TRUE(logged("not a regular file or directory"));
  EXPECT_EQ(read_file(base_ / "outside" / "secret"), "top secret");
}

TEST_F(ClientFsTest, LinkRequestsAreRefused) {
  EXPECT_EQ(status_of([&] { cfs_->link("/outbox/a", "/inbox/b"); }), Status::permission_denied);
  EXPECT_TRUE(logged("links are not supported"));
}

TEST_F(ClientFsTest, InboxPermissions) {
  upload("/inbox/a.csv", "abc");
  EXPECT_EQ(names_in(*cfs_, "/inbox"), (std::vector<std::string>{"a.csv"}));
  EXPECT_EQ(*cfs_->stat("/inbox/a.csv").size, 3u);
  EXPECT_EQ(status_of([&] { cfs_->open("/inbox/a.csv", kOpenRead); }), Status::permission_denied);
  EXPECT_EQ(status_of([&] { cfs_->open("/inbox/a.csv", kOpenRead | kOpenWrite); }),
            Status::permission_denied);
  cfs_->mkdir("/inbox/d");
  EXPECT_EQ(status_of([&] { cfs_->mkdir("/inbox/d"); }), Status::failure);
  cfs_->rmdir("/inbox/d");
  FileAttributes chmod;
  chmod.permissions = 0777;
  cfs_->setstat("/inbox/a.csv", chmod);
  EXPECT_EQ(fs::status(root_ / "inbox" / "a.csv").permissions(),
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  cfs_->remove("/inbox/a.csv");
  EXPECT_TRUE(inbox_disk().empty());
  EXPECT_EQ(status_of([&] { cfs_->remove("/inbox/a.csv"); }), Status::no_such_file);
}

TEST_F(ClientFsTest, OutboxReadListStatRemove) {
  write_file(root_ / "outbox" / "result.csv", "hello world");
  EXPECT_EQ(names_in(*cfs_, "/outbox"), (std::vector<std::string>{"result.csv"}));
  auto handle = cfs_->open("/outbox/result.csv", kOpenRead);
  char buffer[8];
  EXPECT_EQ(handle->read(0, buffer), 8u);
  EXPECT_EQ(std::string(buffer, 8), "hello wo");
  EXPECT_EQ(handle->read(8, buffer), 3u);
  EXPECT_EQ(handle->read(11, buffer), 0u);
  EXPECT_EQ(*handle->fstat().size, 11u);
  EXPECT_EQ(status_of([&] { handle->write(0, "x"); }), Status::permission_denied);
  handle->close();
  EXPECT_EQ(status_of([&] { cfs_->open("/outbox/new", kOpenWrite | kOpenCreate); }),
            Status::permission_denied);
  EXPECT_EQ(status_of([&] { cfs_->mkdir("/outbox/d"); }), Status::permission_denied);
  cfs_->remove("/outbox/result.csv");
  EXPECT_FALSE(fs::exists(root_ / "outbox" / "result.csv"));
  EXPECT_EQ(status_of([&] { cfs_->open("/outbox/missing", kOpenRead); }), Status::no_such_file);
}

TEST_F(ClientFsTest, ADownloadIsCompleteOnlyWhenEveryByteWasRead) {
  write_file(root_ / "outbox" / "r.p7m", "0123456789");
  char buffer[4];
  {
    // Out of order, overlapping, as pipelined clients read; the last range closes the gap.
    auto handle = cfs_->open("/outbox/r.p7m", kOpenRead);
    handle->read(8, buffer);
    handle->read(0, buffer);
    handle->read(2, buffer);
    handle->read(6, buffer);
    handle->read(10, buffer);  // EOF
    EXPECT_TRUE(downloaded_.empty()) << "reported before close";
    handle->close();
  }
  EXPECT_EQ(downloaded_, (std::vector<std::string>{"outbox/r.p7m"}));
  downloaded_.clear();
  {
    auto handle = cfs_->open("/outbox/r.p7m", kOpenRead);  // stops after 8 of 10 bytes
    handle->read(0, buffer);
    handle->read(4, buffer);
    handle->close();
  }
  {
    auto handle = cfs_->open("/outbox/r.p7m", kOpenRead);  // a hole in the middle
    handle->read(0, buffer);
    handle->read(6, buffer);
    handle->read(8, buffer);
    handle->close();
  }
  {
    auto handle = cfs_->open("/outbox/r.p7m", kOpenRead);  // never closed: the session died
    handle->read(0, buffer);
    handle->read(4, buffer);
    handle->read(8, buffer);
  }
  EXPECT_TRUE(downloaded_.empty());
}

TEST_F(ClientFsTest, UploadIsInvisibleUntilCloseAndReportedOnce) {
  auto handle = cfs_->open("/inbox/data.csv", kOpenWrite | kOpenCreate | kOpenTruncate);
  handle->write(0, "hello ");
  handle->write(6, "world");
  EXPECT_FALSE(fs::exists(root_ / "inbox" / "data.csv"));
  EXPECT_TRUE(names_in(*cfs_, "/inbox").empty());
  ASSERT_EQ(inbox_disk().size(), 1u);
  EXPECT_EQ(inbox_disk()[0].rfind(".data.csv.", 0), 0u);
  EXPECT_EQ(fs::status(root_ / "inbox" / inbox_disk()[0]).permissions(),
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  EXPECT_EQ(*handle->fstat().size, 11u);
  EXPECT_TRUE(completed_.empty());
  handle->close();
  EXPECT_EQ(status_of([&] { handle->write(11, "more"); }), Status::failure);
  EXPECT_EQ(status_of([&] { handle->close(); }), Status::failure);
  handle.reset();
  EXPECT_EQ(read_file(root_ / "inbox" / "data.csv"), "hello world");
  EXPECT_EQ(inbox_disk(), (std::vector<std::string>{"data.csv"}));
  ASSERT_EQ(completed_.size(), 1u);
  EXPECT_EQ(completed_[0].path, "inbox/data.csv");
  EXPECT_EQ(completed_[0].size, 11u);
  EXPECT_EQ(completed_[0].sha256, crypto::sha256_hex("hello world"));
}

TEST_F(ClientFsTest, UploadReplacesOlderFile) {
  upload("/inbox/a", "old contents");
  upload("/inbox/a", "new");
  EXPECT_EQ(read_file(root_ / "inbox" / "a"), "new");
  ASSERT_EQ(completed_.size(), 2u);
  EXPECT_EQ(completed_[1].sha256, crypto::sha256_hex("new"));
  EXPECT_EQ(status_of([&] { cfs_->open("/inbox/a", kOpenWrite | kOpenCreate | kOpenExclusive); }),
            Status::failure);
  EXPECT_EQ(status_of([&] { cfs_->open("/inbox/none", kOpenWrite); }), Status::no_such_file);
}

TEST_F(ClientFsTest, AbandonedUploadLeavesNothing) {
  upload("/inbox/keep", "previous");
  {
    auto handle = cfs_->open("/inbox/keep", kOpenWrite | kOpenCreate | kOpenTruncate);
    handle->write(0, "partial");
  }
  auto handle = cfs_->open("/inbox/other", kOpenWrite | kOpenCreate | kOpenTruncate);
  handle->write(0, "partial");
  handle->abandon();
  handle.reset();
  EXPECT_EQ(inbox_disk(), (std::vector<std::string>{"keep"}));
  EXPECT_EQ(read_file(root_ / "inbox" / "keep"), "previous");
  EXPECT_EQ(completed_.size(), 1u);
}

TEST_F(ClientFsTest, ResumeAppendsToExistingFile) {
  upload("/inbox/big.bin", "first half,");
  // OpenSSH reput: WRITE|CREATE without TRUNCATE, writes from the remote size on.
  auto handle = cfs_->open("/inbox/big.bin", kOpenWrite | kOpenCreate);
  EXPECT_EQ(*handle->fstat().size, 11u);
  handle->write(11, "second half");
  EXPECT_EQ(read_file(root_ / "inbox" / "big.bin"), "first half,");
  handle->close();
  EXPECT_EQ(read_file(root_ / "inbox" / "big.bin"), "first half,second half");
  ASSERT_EQ(completed_.size(), 2u);
  EXPECT_EQ(completed_[1].size, 22u);
  EXPECT_EQ(completed_[1].sha256, crypto::sha256_hex("first half,second half"));

  auto append = cfs_->open("/inbox/big.bin", kOpenWrite | kOpenAppend);
  append->write(0, "!");  // APPEND: the offset is ignored
  append->close();
  EXPECT_EQ(read_file(root_ / "inbox" / "big.bin"), "first half,second half!");
  EXPECT_EQ(completed_[2].sha256, crypto::sha256_hex("first half,second half!"));
}

TEST_F(ClientFsTest, OutOfOrderWritesStillGiveTheRightDigest) {
  auto handle = cfs_->open("/inbox/o", kOpenWrite | kOpenCreate | kOpenTruncate);
  handle->write(6, "world");
  handle->write(0, "hello ");
  handle->close();
  ASSERT_EQ(completed_.size(), 1u);
  EXPECT_EQ(completed_[0].sha256, crypto::sha256_hex("hello world"));
  EXPECT_EQ(completed_[0].size, 11u);
}

TEST_F(ClientFsTest, TruncationOnUploadHandle) {
  auto handle = cfs_->open("/inbox/t", kOpenWrite | kOpenCreate | kOpenTruncate);
  handle->write(0, "hello world");
  FileAttributes truncate;
  truncate.size = 5;
  handle->fsetstat(truncate);
  handle->close();
  EXPECT_EQ(completed_.at(0).sha256, crypto::sha256_hex("hello"));
}

TEST_F(ClientFsTest, MaxFileSizeDiscardsUpload) {
  ClientLimits limits;
  limits.max_file_size = 10;
  reopen(limits);
  auto handle = cfs_->open("/inbox/big", kOpenWrite | kOpenCreate | kOpenTruncate);
  handle->write(0, "12345");
  EXPECT_EQ(message_of([&] { handle->write(5, "678901"); }), "file too large (limit 10 bytes)");
  EXPECT_EQ(status_of([&] { handle->write(5, "6"); }), Status::failure);
  EXPECT_EQ(status_of([&] { handle->close(); }), Status::failure);
  EXPECT_TRUE(inbox_disk().empty());
  EXPECT_TRUE(completed_.empty());
  upload("/inbox/small", "1234567890");
  EXPECT_EQ(completed_.size(), 1u);
}

TEST_F(ClientFsTest, QuotaCountsInboxAndOutbox) {
  write_file(root_ / "outbox" / "result", std::string(60, 'r'));
  ClientLimits limits;
  limits.quota_bytes = 100;
  reopen(limits);
  auto handle = cfs_->open("/inbox/a", kOpenWrite | kOpenCreate | kOpenTruncate);
  handle->write(0, std::string(40, 'a'));
  EXPECT_EQ(message_of([&] { handle->write(40, "b"); }), "quota exceeded (limit 100 bytes)");
  EXPECT_EQ(status_of([&] { handle->close(); }), Status::failure);
  EXPECT_TRUE(completed_.empty());
  cfs_->remove("/outbox/result");
  upload("/inbox/a", std::string(100, 'a'));
  EXPECT_EQ(completed_.size(), 1u);
}

// A write far past the end makes a sparse file of a few blocks, but the quota counts its size:
// what the client could download, and what the copies of it would hold.
TEST_F(ClientFsTest, QuotaCountsTheSizeOfASparseUpload) {
  ClientLimits limits;
  limits.quota_bytes = 1000;
  reopen(limits);
  auto handle = cfs_->open("/inbox/sparse", kOpenWrite | kOpenCreate | kOpenTruncate);
  handle->write(0, "head");
  EXPECT_EQ(message_of([&] { handle->write(1000, "x\n"); }), "quota exceeded (limit 1000 bytes)");
  EXPECT_EQ(status_of([&] { handle->close(); }), Status::failure);
  EXPECT_TRUE(inbox_disk().empty());
  auto fits = cfs_->open("/inbox/sparse", kOpenWrite | kOpenCreate | kOpenTruncate);
  fits->write(998, "x\n");
  fits->close();
  ASSERT_EQ(completed_.size(), 1u);
  EXPECT_EQ(completed_.at(0).size, 1000u);
}

TEST_F(ClientFsTest, OpenHandlesAreLimited) {
  write_file(root_ / "outbox" / "f", "f");
  ClientLimits limits;
  limits.max_open_handles = 2;
  reopen(limits);
  auto first = cfs_->open("/outbox/f", kOpenRead);
  auto second = cfs_->opendir("/outbox");
  EXPECT_EQ(status_of([&] { cfs_->open("/outbox/f", kOpenRead); }), Status::failure);
  second.reset();
  EXPECT_NE(cfs_->open("/outbox/f", kOpenRead), nullptr);
}

TEST_F(ClientFsTest, RenameRules) {
  upload("/inbox/a", "a");
  upload("/inbox/b", "b");
  EXPECT_EQ(status_of([&] { cfs_->rename("/inbox/a", "/inbox/b", false); }), Status::failure);
  cfs_->rename("/inbox/a", "/inbox/c", false);
  EXPECT_EQ(read_file(root_ / "inbox" / "c"), "a");
  cfs_->rename("/inbox/c", "/inbox/b", true);
  EXPECT_EQ(read_file(root_ / "inbox" / "b"), "a");
  EXPECT_EQ(status_of([&] { cfs_->rename("/inbox/b", "/outbox/b", true); }),
            Status::permission_denied);
  write_file(root_ / "outbox" / "o", "o");
  EXPECT_EQ(status_of([&] { cfs_->rename("/outbox/o", "/inbox/o", false); }),
            Status::permission_denied);
  EXPECT_EQ(status_of([&] { cfs_->rename("/inbox/b", "/inbox/.hidden", false); }),
            Status::permission_denied);
  EXPECT_EQ(status_of([&] { cfs_->rename("/inbox/b", "/inbox/../x", false); }),
            Status::permission_denied);
  cfs_->mkdir("/inbox/d");
  EXPECT_EQ(status_of([&] { cfs_->rename("/inbox/d", "/inbox/e", false); }),
            Status::permission_denied);
  cfs_->rename("/inbox/b", "/inbox/d/b", false);
  EXPECT_EQ(status_of([&] { cfs_->rename("/inbox/missing", "/inbox/x", false); }),
            Status::no_such_file);
}

TEST_F(ClientFsTest, ErrorMessagesNeverNameServerPaths) {
  std::vector<std::function<void()>> operations = {
      [&] { cfs_->open("/outbox/missing", kOpenRead); },
      [&] { cfs_->stat("/inbox/nothing"); },
      [&] { cfs_->rmdir("/inbox/nothing"); },
      [&] { cfs_->opendir("/inbox/nothing"); },
      [&] { cfs_->open(root_.string(), kOpenRead); },
  };
  for (const auto& operation : operations) {
    const std::string message = message_of(operation);
    EXPECT_FALSE(message.empty());
    EXPECT_EQ(message.find("/tmp"), std::string::npos) << message;
  }
}

TEST_F(ClientFsTest, StatvfsReportsTheFileSystem) {
  const FsStatVfs vfs = cfs_->statvfs("/");
  EXPECT_GT(vfs.block_size, 0u);
  EXPECT_GT(vfs.name_max, 0u);
}

}  // namespace
}  // namespace popgate::sftp
