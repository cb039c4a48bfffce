#include "adapters/sftp/upload_writer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "adapters/crypto/sha256.h"
#include "base/unique_fd.h"

namespace popgate::sftp {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kRequest = 255 * 1024;  // OpenSSH's sftp client writes this much at a time

// Bytes that differ from offset to offset, so that a chunk written at the wrong place shows.
std::string pattern(std::size_t size, unsigned seed = 1) {
  std::string s(size, '\0');
  std::uint32_t x = seed * 2654435761u + 1;
  for (char& c : s) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

class UploadWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern_path[] = "/tmp/upload_writer_test.XXXXXX";
    ASSERT_NE(::mkdtemp(pattern_path), nullptr);
    dir_ = pattern_path;
    path_ = dir_ / "upload";
    fd_ = base::UniqueFd(::open(path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    ASSERT_TRUE(fd_.valid());
  }
  void TearDown() override {
    fd_.close();
    fs::remove_all(dir_);
  }
  std::string contents() const {
    std::ifstream in(path_, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  std::uint64_t file_size() const {
    struct stat st {};
    return ::fstat(fd_.get(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
  }
  // Writes `data` at `offset` in requests of kRequest bytes, as a client does.
  static void write_in_requests(UploadWriter& w, std::uint64_t offset, const std::string& data) {
    for (std::size_t at = 0; at < data.size(); at += kRequest)
      ASSERT_EQ(w.write(offset + at, std::string_view(data).substr(at, kRequest)), 0);
  }

  fs::path dir_, path_;
  base::UniqueFd fd_;
};

TEST_F(UploadWriterTest, ASmallUploadIsWrittenByFlushWithoutAThread) {
  UploadWriter w(fd_.get());
  ASSERT_EQ(w.write(0, "hello "), 0);
  ASSERT_EQ(w.write(6, "world"), 0);
  EXPECT_EQ(file_size(), 0u);  // coalesced in the chunk until flushed
  ASSERT_EQ(w.flush(), 0);
  EXPECT_EQ(contents(), "hello world");
  EXPECT_FALSE(w.threaded());
  EXPECT_EQ(w.digest_of_first(11).value_or("none"), crypto::sha256_hex("hello world"));
}

TEST_F(UploadWriterTest, ALargeUploadIsWrittenInOrderOnItsThreadAndDigested) {
  // More than kChunks chunks, so that write() has to wait for the thread to free them.
  const std::string data = pattern(UploadWriter::kChunkBytes * (UploadWriter::kChunks + 3) + 12345);
  UploadWriter w(fd_.get());
  write_in_requests(w, 0, data);
  ASSERT_EQ(w.flush(), 0);
  EXPECT_TRUE(w.threaded());
  EXPECT_EQ(contents(), data);
  EXPECT_EQ(w.digest_of_first(data.size()).value_or("none"), crypto::sha256_hex(data));
}

TEST_F(UploadWriterTest, TheDigestCoversOnlyTheWholeFile) {
  const std::string data = pattern(3 * kRequest);
  UploadWriter w(fd_.get());
  write_in_requests(w, 0, data);
  ASSERT_EQ(w.flush(), 0);
  EXPECT_FALSE(w.digest_of_first(data.size() - 1).has_value());  // the file is longer
}

TEST_F(UploadWriterTest, BeyondOneThreadPerCoreUploadsAreWrittenOnTheCallersThread) {
  // Each writer below gets a file of its own (the fixture's is the last one's).
  const std::string data = pattern(2 * UploadWriter::kChunkBytes + 5);
  std::vector<base::UniqueFd> files;
  std::vector<std::unique_ptr<UploadWriter>> busy;
  for (std::size_t i = 0; i < UploadWriter::max_threads(); ++i) {
    files.emplace_back(::open((dir_ / ("busy" + std::to_string(i))).c_str(),
                              O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    ASSERT_TRUE(files.back().valid());
    busy.push_back(std::make_unique<UploadWriter>(files.back().get()));
    write_in_requests(*busy.back(), 0, data);
    ASSERT_TRUE(busy.back()->threaded());
  }
  {
    UploadWriter inline_writer(fd_.get());
    write_in_requests(inline_writer, 0, data);
    ASSERT_EQ(inline_writer.flush(), 0);
    EXPECT_FALSE(inline_writer.threaded());
    EXPECT_EQ(contents(), data);
    EXPECT_EQ(inline_writer.digest_of_first(data.size()).value_or("none"),
              crypto::sha256_hex(data));
  }
  busy.pop_back();  // its thread ends and frees its place
  ASSERT_EQ(::ftruncate(fd_.get(), 0), 0);
  UploadWriter again(fd_.get());
  write_in_requests(again, 0, data);
  ASSERT_EQ(again.flush(), 0);
  EXPECT_TRUE(again.threaded());
  EXPECT_EQ(contents(), data);
}

TEST_F(UploadWriterTest, WritesOutOfOrderGiveTheRightFileButNoStreamedDigest) {
  const std::string data = pattern(4 * kRequest + 7);
  const std::size_t half = 2 * kRequest;
  UploadWriter w(fd_.get());
  write_in_requests(w, half, data.substr(half));
  write_in_requests(w, 0, data.substr(0, half));
  ASSERT_EQ(w.flush(), 0);
  EXPECT_EQ(contents(), data);
  EXPECT_FALSE(w.digest_of_first(data.size()).has_value());
}

TEST_F(UploadWriterTest, OverlappingWritesEndAsWrittenOneByOne) {
  const std::size_t mib = 1024 * 1024;
  std::string expected(mib, 'a');
  expected.replace(mib / 2, mib, std::string(mib, 'b'));
  expected.replace(100, 10, std::string(10, 'c'));
  UploadWriter w(fd_.get());
  ASSERT_EQ(w.write(0, std::string(mib, 'a')), 0);
  ASSERT_EQ(w.write(mib / 2, std::string(mib, 'b')), 0);
  ASSERT_EQ(w.write(100, std::string(10, 'c')), 0);
  ASSERT_EQ(w.flush(), 0);
  EXPECT_EQ(contents(), expected);
}

TEST_F(UploadWriterTest, WritingGoesOnAfterAFlush) {
  // FSTAT in the middle of an upload flushes; the upload then continues where it was.
  const std::string data = pattern(2 * UploadWriter::kChunkBytes + 99);
  const std::size_t first = UploadWriter::kChunkBytes + 5;
  UploadWriter w(fd_.get());
  ASSERT_EQ(w.write(0, std::string_view(data).substr(0, first)), 0);
  ASSERT_EQ(w.flush(), 0);
  EXPECT_EQ(file_size(), first);
  ASSERT_EQ(w.write(first, std::string_view(data).substr(first)), 0);
  ASSERT_EQ(w.flush(), 0);
  EXPECT_EQ(contents(), data);
  EXPECT_EQ(w.digest_of_first(data.size()).value_or("none"), crypto::sha256_hex(data));
}

TEST_F(UploadWriterTest, ATruncationKeepsTheDigestOnlyWhereItEnds) {
  const std::string data = pattern(kRequest);
  {
    UploadWriter w(fd_.get());
    ASSERT_EQ(w.write(0, data), 0);
    ASSERT_EQ(w.flush(), 0);
    w.truncated(data.size());  // to where the digest ends: it still holds
    EXPECT_EQ(w.digest_of_first(data.size()).value_or("none"), crypto::sha256_hex(data));
  }
  UploadWriter w(fd_.get());
  ASSERT_EQ(w.write(0, data), 0);
  ASSERT_EQ(w.flush(), 0);
  ASSERT_EQ(::ftruncate(fd_.get(), 10), 0);
  w.truncated(10);
  EXPECT_FALSE(w.digest_of_first(10).has_value());
}

TEST_F(UploadWriterTest, AFailedWriteIsReportedByLaterWritesAndByFlush) {
  // /dev/full fails every write with ENOSPC, as a full disk does.
  base::UniqueFd full(::open("/dev/full", O_WRONLY | O_CLOEXEC));
  ASSERT_TRUE(full.valid());
  UploadWriter w(full.get());
  const std::string data = pattern(kRequest);
  int reported = 0;
  // The first chunk goes to the thread when the second begins; its failure shows in a later
  // write, at the latest once every chunk is waiting for the failed writer.
  for (std::uint64_t offset = 0; reported == 0 && offset < 64 * UploadWriter::kChunkBytes;
       offset += data.size())
    reported = w.write(offset, data);
  EXPECT_EQ(reported, ENOSPC);
  EXPECT_EQ(w.write(1ull << 30, "more"), ENOSPC);
  EXPECT_EQ(w.flush(), ENOSPC);
}

TEST_F(UploadWriterTest, AFailedSmallUploadIsReportedByFlush) {
  base::UniqueFd full(::open("/dev/full", O_WRONLY | O_CLOEXEC));
  ASSERT_TRUE(full.valid());
  UploadWriter w(full.get());
  ASSERT_EQ(w.write(0, "small"), 0);
  EXPECT_EQ(w.flush(), ENOSPC);
  EXPECT_FALSE(w.digest_of_first(5).has_value());
}

TEST_F(UploadWriterTest, DestroyingWithChunksInFlightDropsThem) {
  // An abandoned upload: nothing may be written after the writer is gone (the caller closes
  // and unlinks the file next), and the destructor must not wait for a flush.
  const std::string data = pattern(UploadWriter::kChunks * UploadWriter::kChunkBytes);
  {
    UploadWriter w(fd_.get());
    write_in_requests(w, 0, data);
  }
  const std::uint64_t size_after = file_size();
  EXPECT_LE(size_after, data.size());
  ::usleep(20000);
  EXPECT_EQ(file_size(), size_after);
}

}  // namespace
}  // namespace popgate::sftp
