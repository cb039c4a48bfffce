#include "adapters/archive/archive_writer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "adapters/archive/archive_error.h"
#include "adapters/archive/archive_unpack.h"
#include "base/atomic_file.h"
#include "tests/unit/archive/archive_test_support.h"

namespace popgate::archive {
namespace {

namespace fs = std::filesystem;
using testing::read_file;
using testing::run_shell;
using testing::TempDir;
using testing::write_file;

// 2026-01-02T03:04:05Z, a job's creation time.
constexpr std::int64_t kJobCreated = 1767323045;

class ArchiveWriterTest : public ::testing::Test {
 protected:
  ArchiveWriterTest() {
    write_file(dir_.file("result.csv"), "hetu;name\r\n010101-123N;\"Virtanen\nMatti\"\r\n");
    write_file(dir_.file("notes.txt"), "ääkköset ok\n");
    options_.mtime = kJobCreated;
  }

  std::vector<ArchiveMember> members() const {
    return {ArchiveMember::from_text("manifest.json", "{\"format\":1}\n"),
            ArchiveMember::file("result.csv", dir_.file("result.csv")),
            ArchiveMember::file("notes.txt", dir_.file("notes.txt"))};
  }

  fs::path write(const std::string& name, ArchiveFormat format) {
    const fs::path out = dir_.path() / name;
    write_archive(out, format, members(), options_);
    return out;
  }

  TempDir dir_;
  WriteOptions options_;
};

TEST_F(ArchiveWriterTest, ZipIsListedAndReadByBsdtarWithFixedMetadata) {
  write("out.zip", ArchiveFormat::zip);
  const auto listing = run_shell(dir_.path(), "TZ=UTC bsdtar -tvf out.zip");
  ASSERT_EQ(listing.exit_code, 0) << listing.out;
  // In the given order, 0644, owner 0/0 without names, the caller's time.
  EXPECT_EQ(listing.out,
            "-rw-r--r--  0 0      0          13 Jan  2  2026 manifest.json\n"
            "-rw-r--r--  0 0      0          41 Jan  2  2026 result.csv\n"
            "-rw-r--r--  0 0      0          15 Jan  2  2026 notes.txt\n");
  const auto content = run_shell(dir_.path(), "bsdtar -xOf out.zip result.csv");
  EXPECT_EQ(content.exit_code, 0);
  EXPECT_EQ(content.out, read_file(dir_.file("result.csv")));
}

TEST_F(ArchiveWriterTest, ZipPassesPythonsIntegrityTest) {
  if (!testing::have_program("python3")) GTEST_SKIP() << "python3 not installed";
  write("out.zip", ArchiveFormat::zip);
  const auto check = run_shell(dir_.path(), "python3 -m zipfile -t out.zip");
  EXPECT_EQ(check.exit_code, 0) << check.out;
  const auto info = testing::run_python(dir_.path(), R"(
import zipfile
for i in zipfile.ZipFile("out.zip").infolist():
    print(i.filename, i.compress_type, i.date_time)
)");
  EXPECT_EQ(info.out,
            "manifest.json 8 (2026, 1, 2, 3, 4, 4)\n"  // DOS time: 2-second steps
            "result.csv 8 (2026, 1, 2, 3, 4, 4)\n"
            "notes.txt 8 (2026, 1, 2, 3, 4, 4)\n");
}

TEST_F(ArchiveWriterTest, TarZstIsReadByBsdtarAndZstd) {
  write("out.tar.zst", ArchiveFormat::tar_zstd);
  const auto listing = run_shell(dir_.path(), "TZ=UTC bsdtar -tvf out.tar.zst");
  ASSERT_EQ(listing.exit_code, 0) << listing.out;
  EXPECT_EQ(listing.out,
            "-rw-r--r--  0 0      0          13 Jan  2  2026 manifest.json\n"
            "-rw-r--r--  0 0      0          41 Jan  2  2026 result.csv\n"
            "-rw-r--r--  0 0      0          15 Jan  2  2026 notes.txt\n");
  EXPECT_EQ(run_shell(dir_.path(), "bsdtar -xOf out.tar.zst notes.txt").out, "ääkköset ok\n");
  if (testing::have_program("zstd")) {
    const auto check = run_shell(dir_.path(), "zstd -t -q out.tar.zst");
    EXPECT_EQ(check.exit_code, 0) << check.out;
  }
}

TEST_F(ArchiveWriterTest, SameInputsGiveByteIdenticalArchives) {
  for (const ArchiveFormat format : {ArchiveFormat::zip, ArchiveFormat::tar_zstd}) {
    const fs::path first = write("first", format);
    // The sources' own times and the clock move on; the archive must not notice.
    fs::last_write_time(dir_.file("result.csv"),
                        fs::last_write_time(dir_.file("result.csv")) - std::chrono::hours(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    const fs::path second = write("second", format);
    EXPECT_EQ(read_file(first.string()), read_file(second.string())) << format_name(format);
    options_.mtime += 2;
    const fs::path later = write("later", format);
    EXPECT_NE(read_file(first.string()), read_file(later.string())) << format_name(format);
    options_.mtime -= 2;
  }
}

TEST_F(ArchiveWriterTest, NonAsciiNamesSurviveBothFormats) {
  for (const ArchiveFormat format : {ArchiveFormat::zip, ArchiveFormat::tar_zstd}) {
    const fs::path out = dir_.path() / ("names." + std::string(format_name(format)));
    write_archive(out, format, {ArchiveMember::file("tulos-ä.csv", dir_.file("result.csv"))},
                  options_);
    const auto listing =
        run_shell(dir_.path(), "LC_ALL=C.UTF-8 bsdtar -tf " + out.filename().string());
    EXPECT_EQ(listing.out, "tulos-ä.csv\n") << format_name(format);
    const UnpackSummary summary =
        unpack_archive(out, dir_.path() / ("x." + out.filename().string()));
    ASSERT_EQ(summary.files.size(), 1u);
    EXPECT_EQ(summary.files[0].path, "tulos-ä.csv");
  }
}

TEST_F(ArchiveWriterTest, UnpackGivesBackWhatWasWritten) {
  for (const ArchiveFormat format : {ArchiveFormat::zip, ArchiveFormat::tar_zstd}) {
    const fs::path out = write("round", format);
    const fs::path dest = dir_.path() / ("unpacked-" + std::string(format_name(format)));
    const UnpackSummary summary = unpack_archive(out, dest);
    ASSERT_EQ(summary.files.size(), 3u);
    EXPECT_EQ(summary.files[1].path, "result.csv");
    EXPECT_EQ(read_file((dest / "result.csv").string()), read_file(dir_.file("result.csv")));
    EXPECT_EQ(read_file((dest / "manifest.json").string()), "{\"format\":1}\n");
    EXPECT_EQ(summary.total_bytes, 13u + 41u + 15u);
  }
}

// Over 50 MB through both formats: streamed in chunks, checked byte for byte by bsdtar's own
// reader.
TEST_F(ArchiveWriterTest, LargeFileStreamsThroughBothFormats) {
  {
    std::ofstream big(dir_.file("big.csv"), std::ios::binary);
    std::string line;
    for (int i = 0; i < 1'400'000; ++i) {
      line = std::to_string(std::int64_t{i} * 7919) + ";row " + std::to_string(i) +
             ";abcdefghijklmnop\n";
      big << line;
    }
  }
  const auto source_digest = run_shell(dir_.path(), "sha256sum < big.csv").out;
  for (const ArchiveFormat format : {ArchiveFormat::zip, ArchiveFormat::tar_zstd}) {
    const std::string name = "big." + std::string(format_name(format));
    write_archive(dir_.path() / name, format,
                  {ArchiveMember::file("big.csv", dir_.file("big.csv"))}, options_);
    EXPECT_LT(fs::file_size(dir_.path() / name), fs::file_size(dir_.file("big.csv")) / 3);
    EXPECT_EQ(run_shell(dir_.path(), "bsdtar -xOf " + name + " big.csv | sha256sum").out,
              source_digest)
        << name;
  }
  EXPECT_GT(fs::file_size(dir_.file("big.csv")), 50'000'000u);
}

TEST_F(ArchiveWriterTest, ZstdThreadsGiveTheSameBytesWhateverTheirNumber) {
  options_.zstd_threads = 1;
  const fs::path one = write("one.tar.zst", ArchiveFormat::tar_zstd);
  options_.zstd_threads = 2;
  const fs::path two = write("two.tar.zst", ArchiveFormat::tar_zstd);
  EXPECT_EQ(read_file(one.string()), read_file(two.string()));
  EXPECT_EQ(run_shell(dir_.path(), "bsdtar -xOf two.tar.zst result.csv").out,
            read_file(dir_.file("result.csv")));
}

TEST_F(ArchiveWriterTest, ReplacesAnOldArchiveAndLeavesNoTemporaryFile) {
  write_file(dir_.file("out.zip"), "old");
  write_file(base::temp_path_for(dir_.file("out.zip")).string(), "left by a crash");
  write("out.zip", ArchiveFormat::zip);
  EXPECT_EQ(run_shell(dir_.path(), "bsdtar -tf out.zip").exit_code, 0);
  EXPECT_FALSE(fs::exists(base::temp_path_for(dir_.file("out.zip"))));
}

TEST_F(ArchiveWriterTest, CancelledWriteLeavesNothing) {
  std::atomic<int> calls{0};
  options_.cancelled = [&] { return ++calls > 2; };
  EXPECT_THROW(write("out.zip", ArchiveFormat::zip), ArchiveCancelled);
  EXPECT_FALSE(fs::exists(dir_.file("out.zip")));
  EXPECT_FALSE(fs::exists(base::temp_path_for(dir_.file("out.zip"))));
}

TEST_F(ArchiveWriterTest, AMissingSourceIsNamedAndNothingIsLeft) {
  try {
    write_archive(dir_.path() / "out.zip", ArchiveFormat::zip,
                  {ArchiveMember::file("gone.csv", dir_.file("gone.csv"))}, options_);
    FAIL();
  } catch (const ArchiveError& e) {
    EXPECT_NE(std::string(e.what()).find(dir_.file("gone.csv")), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("No such file"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(base::temp_path_for(dir_.file("out.zip"))));
  EXPECT_FALSE(fs::exists(dir_.file("out.zip")));
}

TEST_F(ArchiveWriterTest, RefusesUnsafeMemberNames) {
  for (const std::string name :
       {"", "/abs", "../up", "a/../b", "./a", "a//b", "tab\tname", "a\\b", "not-utf8-\xff.csv"}) {
    EXPECT_THROW(write_archive(dir_.path() / "out.zip", ArchiveFormat::zip,
                               {ArchiveMember::file(name, dir_.file("notes.txt"))}, options_),
                 ArchiveError)
        << name;
  }
  EXPECT_FALSE(fs::exists(dir_.file("out.zip")));
}

TEST(ArchiveFormatNames, ParseWhatTheyPrint) {
  EXPECT_EQ(parse_format("zip"), ArchiveFormat::zip);
  EXPECT_EQ(parse_format("tar.zst"), ArchiveFormat::tar_zstd);
  EXPECT_EQ(parse_format("tar"), std::nullopt);
  EXPECT_EQ(format_name(ArchiveFormat::tar_zstd), "tar.zst");
}

}  // namespace
}  // namespace popgate::archive
