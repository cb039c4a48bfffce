#include "adapters/archive/archive_unpack.h"

#include <gtest/gtest.h>

#include <chrono>

#include "adapters/archive/archive_error.h"
#include "tests/unit/archive/archive_test_support.h"

namespace popgate::archive {
namespace {

namespace fs = std::filesystem;
using testing::k_python_archive_helpers;
using testing::read_file;
using testing::run_python;
using testing::run_shell;
using testing::TempDir;
using testing::write_file;

class UnpackTest : public ::testing::Test {
 protected:
  UnpackTest() {
    fs::create_directories(dir_.path() / "src/sub");
    write_file(dir_.file("src/a.csv"), "id;name\r\n1;x\r\n");
    write_file(dir_.file("src/sub/b.txt"), "bee\n");
    fs::create_directories(dir_.path() / "jail");
  }

  // Runs `command` (bsdtar, zstd, ...) in the test's directory; it must succeed.
  void shell(const std::string& command) {
    const auto result = run_shell(dir_.path(), command);
    ASSERT_EQ(result.exit_code, 0) << command << "\n" << result.out;
  }
  // Crafts an archive with Python's tarfile/zipfile, which write what they are told.
  void python(const std::string& script) {
    const auto result = run_python(dir_.path(), k_python_archive_helpers + script);
    ASSERT_EQ(result.exit_code, 0) << script << "\n" << result.out;
  }

  UnpackSummary unpack(const std::string& archive) {
    return unpack_archive(dir_.path() / archive, dest(), limits_);
  }

  // The refusal's client message; fails the test if `archive` unpacks.
  std::string refusal(const std::string& archive) {
    try {
      unpack(archive);
    } catch (const ArchiveRefused& e) {
      // The client is never told where on this machine the file was.
      EXPECT_EQ(e.client_message().find(dir_.path().string()), std::string::npos);
      EXPECT_NE(std::string(e.what()).find(e.client_message()), std::string::npos);
      return e.client_message();
    }
    ADD_FAILURE() << archive << " was unpacked";
    return {};
  }

  // Nothing in the destination and nothing next to it: the jail directory holds only what the
  // test put there.
  void expect_nothing_written() {
    EXPECT_FALSE(fs::exists(dest())) << "the destination should be removed";
    EXPECT_TRUE(fs::is_empty(dir_.path() / "jail"));
    EXPECT_FALSE(fs::exists(dir_.path() / "x"));
    EXPECT_FALSE(fs::exists("/tmp/popgate-archive-test-escape"));
  }

  fs::path dest() const { return dir_.path() / "jail/dest"; }

  TempDir dir_;
  UnpackLimits limits_;
};

TEST_F(UnpackTest, UnpacksArchivesBuiltByBsdtarInEveryFormat) {
  for (const std::string name : {"t.tar", "t.tar.gz", "t.tar.zst", "t.zip"}) {
    const std::string flags = name == "t.zip"       ? "--format zip"
                              : name == "t.tar.gz"  ? "-z"
                              : name == "t.tar.zst" ? "--zstd"
                                                    : "--format pax";
    shell("bsdtar " + flags + " -cf " + name + " -C src a.csv sub");
    const UnpackSummary summary = unpack(name);
    ASSERT_EQ(summary.files.size(), 2u) << name;
    EXPECT_EQ(summary.files[0].path, "a.csv");
    EXPECT_EQ(summary.files[0].bytes, 14u);
    EXPECT_EQ(summary.files[1].path, "sub/b.txt");
    EXPECT_EQ(summary.total_bytes, 18u);
    EXPECT_EQ(read_file((dest() / "sub/b.txt").string()), "bee\n");
    EXPECT_EQ(fs::status(dest() / "a.csv").permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
    fs::remove_all(dest());
  }
}

TEST_F(UnpackTest, DotSlashNamesFromTarOfADirectoryAreFine) {
  shell("tar -cf dot.tar -C src .");
  const UnpackSummary summary = unpack("dot.tar");
  EXPECT_EQ(summary.files.size(), 2u);
  EXPECT_TRUE(fs::exists(dest() / "sub/b.txt"));
}

TEST_F(UnpackTest, AnExistingEmptyDestinationIsUsedAndEmptiedOnRefusal) {
  fs::create_directories(dest());
  python("write_tar('up.tar', [tar_entry('ok.csv'), tar_entry('../x')])\n");
  EXPECT_NE(refusal("up.tar").find("'..'"), std::string::npos);
  EXPECT_TRUE(fs::exists(dest()));
  EXPECT_TRUE(fs::is_empty(dest()));
  write_file((dest() / "old").string(), "x");
  EXPECT_THROW(unpack("up.tar"), ArchiveError);  // not empty: refused before reading
  EXPECT_TRUE(fs::exists(dest() / "old"));
}

TEST_F(UnpackTest, RefusesTraversalInTarAndZip) {
  python(
      "write_tar('up.tar', [tar_entry('ok.csv'), tar_entry('../x')])\n"
      "write_zip('up.zip', [('ok.csv', b'x'), ('sub/../../x', b'x')])\n");
  EXPECT_EQ(refusal("up.tar"), "entry '../x': '..' components are not allowed");
  expect_nothing_written();
  EXPECT_EQ(refusal("up.zip"), "entry 'sub/../../x': '..' components are not allowed");
  expect_nothing_written();
}

TEST_F(UnpackTest, RefusesAbsolutePaths) {
  python(
      "write_tar('abs.tar', [tar_entry('/tmp/popgate-archive-test-escape')])\n"
      "write_zip('abs.zip', [('/tmp/popgate-archive-test-escape', b'x')])\n");
  EXPECT_EQ(refusal("abs.tar"),
            "entry '/tmp/popgate-archive-test-escape': absolute paths are not allowed");
  expect_nothing_written();
  EXPECT_EQ(refusal("abs.zip"),
            "entry '/tmp/popgate-archive-test-escape': absolute paths are not allowed");
  expect_nothing_written();
}

TEST_F(UnpackTest, RefusesEmptyNamesAndControlCharacters) {
  python(
      "write_zip('empty.zip', [('ok.csv', b'x'), ('', b'x')])\n"
      "write_tar('ctl.tar', [tar_entry('a\\nb.csv')])\n"
      "write_tar('bs.tar', [tar_entry('..\\\\x.csv')])\n");
  EXPECT_EQ(refusal("empty.zip"), "entry '': empty names are not allowed");
  expect_nothing_written();
  EXPECT_EQ(refusal("ctl.tar"), "entry 'a\\x0ab.csv': control characters in names are not allowed");
  expect_nothing_written();
  EXPECT_EQ(refusal("bs.tar"), "entry '..\\x.csv': backslashes in names are not allowed");
  expect_nothing_written();
}

TEST_F(UnpackTest, RefusesLinksDevicesAndFifos) {
  python(
      "write_tar('sym.tar', [tar_entry('ok.csv'), tar_entry('link', tarfile.SYMTYPE, "
      "link='/etc/passwd')])\n"
      "write_tar('hard.tar', [tar_entry('ok.csv'), tar_entry('hard', tarfile.LNKTYPE, "
      "link='ok.csv')])\n"
      "write_tar('dev.tar', [tar_entry('null', tarfile.CHRTYPE)])\n"
      "write_tar('blk.tar', [tar_entry('sda', tarfile.BLKTYPE)])\n"
      "write_tar('fifo.tar', [tar_entry('pipe', tarfile.FIFOTYPE)])\n");
  EXPECT_EQ(refusal("sym.tar"), "entry 'link': symbolic links are not allowed");
  expect_nothing_written();
  EXPECT_EQ(refusal("hard.tar"), "entry 'hard': hard links are not allowed");
  expect_nothing_written();
  for (const auto& [archive, name] :
       {std::pair{"dev.tar", "null"}, std::pair{"blk.tar", "sda"}, std::pair{"fifo.tar", "pipe"}}) {
    EXPECT_EQ(refusal(archive),
              "entry '" + std::string(name) + "': device files, FIFOs and sockets are not allowed");
    expect_nothing_written();
  }
}

TEST_F(UnpackTest, RefusesASymlinkInAZipBuiltByBsdtar) {
  fs::create_symlink("/etc/passwd", dir_.path() / "src/link");
  shell("bsdtar --format zip -cf link.zip -C src a.csv link");
  EXPECT_EQ(refusal("link.zip"), "entry 'link': symbolic links are not allowed");
  expect_nothing_written();
}

TEST_F(UnpackTest, RefusesDuplicateNames) {
  python(
      "import warnings\n"
      "warnings.simplefilter('ignore')\n"
      "write_zip('dup.zip', [('a.csv', b'1'), ('b.csv', b'2'), ('a.csv', b'3')])\n"
      "write_tar('dup.tar', [tar_entry('d/a.csv'), tar_entry('./d//a.csv')])\n");
  EXPECT_EQ(refusal("dup.zip"), "entry 'a.csv': appears twice (duplicate names are not allowed)");
  expect_nothing_written();
  EXPECT_EQ(refusal("dup.tar"),
            "entry './d//a.csv': appears twice (duplicate names are not allowed)");
  expect_nothing_written();
}

TEST_F(UnpackTest, RefusesAFileUsedAsADirectory) {
  python("write_tar('clash.tar', [tar_entry('a'), tar_entry('a/b.csv')])\n");
  EXPECT_EQ(refusal("clash.tar"), "entry 'a/b.csv': 'a' is a file, not a directory");
  expect_nothing_written();
}

TEST_F(UnpackTest, RefusesEncryptedZipEntries) {
  shell(
      "bsdtar --format zip --options zip:encryption=traditional --passphrase secret "
      "-cf enc.zip -C src a.csv");
  EXPECT_EQ(refusal("enc.zip"),
            "entry 'a.csv': encrypted entries are not supported; encrypt the whole file with "
            "CMS instead");
  expect_nothing_written();
}

TEST_F(UnpackTest, RefusesTooManyEntries) {
  python("write_zip('many.zip', [('f%02d.csv' % i, b'x') for i in range(11)])\n");
  limits_.max_entries = 10;
  EXPECT_EQ(refusal("many.zip"), "the archive has more than 10 entries (limit max_entries)");
  expect_nothing_written();
  limits_.max_entries = 11;
  EXPECT_EQ(unpack("many.zip").files.size(), 11u);
}

// 256 MiB of zeros deflated to about 250 KB: stopped by the ratio long before it is written.
TEST_F(UnpackTest, StopsAZipBombByRatioEarly) {
  python(R"(
with zipfile.ZipFile('bomb.zip', 'w', zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    z.writestr('ok.csv', b'a;b\n')
    with z.open('zeros.csv', 'w', force_zip64=True) as f:
        chunk = bytes(1 << 20)
        for i in range(256): f.write(chunk)
)");
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(refusal("bomb.zip"),
            "entry 'zeros.csv': the archive expands to more than 200 times its own size "
            "(limit max_ratio)");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  expect_nothing_written();
}

// 1 GiB of zeros in a tar.zst of about 35 KB: stopped at max_bytes, not after writing it all.
TEST_F(UnpackTest, StopsATarZstBombAtMaxBytes) {
  if (!testing::have_program("zstd")) GTEST_SKIP() << "zstd not installed";
  // Python streams the tar into zstd: nothing of the gigabyte is held anywhere.
  write_file(dir_.file("bomb.py"), R"(
import io, sys, tarfile
class Zeros(io.RawIOBase):
    def __init__(self, n): self.n = n
    def readable(self): return True
    def readinto(self, b):
        k = min(len(b), self.n); b[:k] = bytes(k); self.n -= k; return k
with tarfile.open(fileobj=sys.stdout.buffer, mode='w|', format=tarfile.PAX_FORMAT) as t:
    info = tarfile.TarInfo('zeros.csv'); info.size = 1 << 30
    t.addfile(info, Zeros(info.size))
)");
  shell("python3 bomb.py | zstd -q -c > bomb.tar.zst");
  ASSERT_LT(fs::file_size(dir_.path() / "bomb.tar.zst"), 1'000'000u);
  limits_.max_ratio = 1'000'000;  // only max_bytes may stop it
  limits_.max_bytes = 50'000'000;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(refusal("bomb.tar.zst"),
            "entry 'zeros.csv': the archive expands to more than 50000000 bytes (limit "
            "max_bytes)");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  expect_nothing_written();
}

TEST_F(UnpackTest, CountsTheHolesOfSparseEntriesAgainstTheLimits) {
  shell(
      "truncate -s 300M src/sparse.csv && bsdtar --read-sparse --format pax -cf sparse.tar "
      "-C src sparse.csv");
  ASSERT_LT(fs::file_size(dir_.path() / "sparse.tar"), 100'000u);
  limits_.max_bytes = 100'000'000;
  limits_.max_ratio = 1'000'000'000;
  EXPECT_EQ(refusal("sparse.tar"),
            "entry 'sparse.csv': the archive expands to more than 100000000 bytes (limit "
            "max_bytes)");
  expect_nothing_written();
}

TEST_F(UnpackTest, SmallCompressibleFilesAreNotTakenForBombs) {
  write_file(dir_.file("src/rep.csv"), std::string(200'000, ';'));
  shell("bsdtar --format zip -cf rep.zip -C src rep.csv");
  ASSERT_LT(fs::file_size(dir_.path() / "rep.zip"), 1000u);  // a ratio over 200
  EXPECT_EQ(unpack("rep.zip").total_bytes, 200'000u);
}

TEST_F(UnpackTest, ReportsAFileThatIsNoArchive) {
  write_file(dir_.file("plain.csv"), "id;name\r\n1;Virtanen\r\n");
  write_file(dir_.file("empty.csv"), "");
  for (const std::string name : {"plain.csv", "empty.csv"}) {
    try {
      unpack(name);
      ADD_FAILURE() << name;
    } catch (const NotAnArchive& e) {
      EXPECT_EQ(e.client_message(), "not an archive (zip, tar, tar.gz or tar.zst)");
    }
    expect_nothing_written();
  }
}

TEST_F(UnpackTest, RefusesTruncatedAndCorruptArchives) {
  shell("head -c 3000000 /dev/urandom > src/random.bin");
  shell(
      "bsdtar --zstd -cf full.tar.zst -C src random.bin a.csv && head -c 1500000 full.tar.zst "
      "> cut.tar.zst");
  shell(
      "bsdtar --format zip -cf full.zip -C src a.csv random.bin && head -c 1500000 full.zip > "
      "cut.zip");
  // A zip whose data was overwritten in the middle: the CRC check must catch it.
  shell(
      "cp full.zip bad.zip && printf 'XXXXXXXXXXXXXXXX' | dd of=bad.zip bs=1 seek=1000000 "
      "conv=notrunc 2>/dev/null");
  for (const std::string name : {"cut.tar.zst", "cut.zip", "bad.zip"}) {
    const std::string message = refusal(name);
    EXPECT_TRUE(message.starts_with("the archive is damaged or truncated"))
        << name << ": " << message;
    expect_nothing_written();
  }
}

TEST_F(UnpackTest, StopsWhenCancelled) {
  shell("bsdtar --format zip -cf t.zip -C src a.csv sub");
  limits_.cancelled = [] { return true; };
  EXPECT_THROW(unpack("t.zip"), ArchiveCancelled);
  expect_nothing_written();
}

TEST_F(UnpackTest, AMissingArchiveIsAnErrorNotARefusal) {
  try {
    unpack("missing.zip");
    FAIL();
  } catch (const ArchiveRefused&) {
    FAIL() << "a missing file is not the client's archive being bad";
  } catch (const ArchiveError& e) {
    EXPECT_NE(std::string(e.what()).find("missing.zip"), std::string::npos);
  }
  expect_nothing_written();
}

}  // namespace
}  // namespace popgate::archive
