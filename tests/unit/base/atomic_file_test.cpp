// base/atomic_file: what a reader can see, and the order of the system calls that makes a
// publication durable, watched with strace and broken at each step with strace's fault
// injection.
#include "base/atomic_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace popgate::base {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void put(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("atomic-file-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_))
      names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path dir_;
};

TEST_F(AtomicFileTest, ReplacesTheTargetAndLeavesNoTemporaryFile) {
  put(dir_ / "out.txt", "old");
  put(temp_path_for(dir_ / "out.txt"), "left by a crash");
  write_file_atomically(dir_ / "out.txt", "new", 0600);
  EXPECT_EQ(read(dir_ / "out.txt"), "new");
  EXPECT_EQ(entries(), std::vector<std::string>{"out.txt"});
  EXPECT_EQ(fs::status(dir_ / "out.txt").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
}

TEST_F(AtomicFileTest, MakesNoDirectory) {
  try {
    write_file_atomically(dir_ / "a" / "out.txt", "x");
    FAIL() << "published into a directory that does not exist";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), std::errc::no_such_file_or_directory);
  }
  EXPECT_EQ(entries(), std::vector<std::string>{});
}

TEST_F(AtomicFileTest, AnUncommittedFileLeavesNothingAndTheOldTargetStays) {
  put(dir_ / "out.txt", "old");
  {
    AtomicFile file(dir_ / "out.txt");
    file.write("half of it");
    EXPECT_TRUE(fs::exists(file.temp_path()));
  }
  EXPECT_EQ(read(dir_ / "out.txt"), "old");
  EXPECT_EQ(entries(), std::vector<std::string>{"out.txt"});
}

TEST_F(AtomicFileTest, NeverWritesThroughALinkLeftAtTheTemporaryName) {
  put(dir_ / "victim", "keep me");
  fs::create_symlink(dir_ / "victim", temp_path_for(dir_ / "out.txt"));
  write_file_atomically(dir_ / "out.txt", "new");
  EXPECT_EQ(read(dir_ / "victim"), "keep me");
  EXPECT_EQ(read(dir_ / "out.txt"), "new");
}

TEST_F(AtomicFileTest, CommitIfAbsentKeepsTheFirstWritersFile) {
  {
    AtomicFile first(dir_ / "key", 0600, TempName::unique);
    first.write("first");
    EXPECT_TRUE(first.commit_if_absent());
  }
  {
    AtomicFile second(dir_ / "key", 0600, TempName::unique);
    second.write("second");
    EXPECT_FALSE(second.commit_if_absent());
  }
  EXPECT_EQ(read(dir_ / "key"), "first");
  EXPECT_EQ(entries(), std::vector<std::string>{"key"});
}

TEST_F(AtomicFileTest, CopiesAndMoves) {
  const std::string big(3 << 20, 'z');
  put(dir_ / "source", big);
  copy_file_atomically(dir_ / "source", dir_ / "copy");
  EXPECT_EQ(read(dir_ / "copy"), big);
  move_file_atomically(dir_ / "copy", dir_ / "moved");
  EXPECT_EQ(read(dir_ / "moved"), big);
  EXPECT_EQ(entries(), (std::vector<std::string>{"moved", "source"}));
  try {
    copy_file_atomically(dir_ / "missing", dir_ / "copy");
    FAIL() << "copied a missing file";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), std::errc::no_such_file_or_directory);
    EXPECT_NE(std::string(e.what()).find("missing"), std::string::npos) << e.what();
  }
}

// A sparse file: `data` at each offset, holes between them, and a hole up to `size`.
void put_sparse(const fs::path& path, const std::vector<std::pair<off_t, std::string>>& parts,
                off_t size) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  for (const auto& [at, data] : parts)
    ASSERT_EQ(::pwrite(fd, data.data(), data.size(), at), static_cast<ssize_t>(data.size()));
  ASSERT_EQ(::ftruncate(fd, size), 0);
  ::close(fd);
}

struct stat stat_of(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st;
}

std::string read_at(const fs::path& path, off_t at, std::size_t n) {
  std::string out(n, '\0');
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  out.resize(static_cast<std::size_t>(std::max<ssize_t>(::pread(fd, out.data(), n, at), 0)));
  ::close(fd);
  return out;
}

// paramiko's f.seek(500 << 20); f.write(b"x\n") makes a file of a few KB on disk: its copies
// (the upload's snapshot in inputs/, a step's copy) must not take 500 MB.
TEST_F(AtomicFileTest, CopiesKeepHoles) {
  const off_t mib = 1 << 20;
  put_sparse(dir_ / "sparse", {{0, "head"}, {64 * mib, "middle"}, {500 * mib, "x\n"}},
             500 * mib + 2);
  put_sparse(dir_ / "hole-at-end", {{10, "data"}}, 300 * mib);
  const struct stat source = stat_of(dir_ / "sparse");
  ASSERT_LT(source.st_blocks * 512, 1 * mib) << "the file system keeps no holes";

  copy_file_atomically(dir_ / "sparse", dir_ / "copy");
  const struct stat copy = stat_of(dir_ / "copy");
  EXPECT_EQ(copy.st_size, source.st_size);
  EXPECT_LE(copy.st_blocks, source.st_blocks);
  EXPECT_EQ(read_at(dir_ / "copy", 0, 5), std::string("head\0", 5));
  EXPECT_EQ(read_at(dir_ / "copy", 64 * mib - 1, 8), std::string("\0middle\0", 8));
  EXPECT_EQ(read_at(dir_ / "copy", 300 * mib, 4), std::string(4, '\0'));
  EXPECT_EQ(read_at(dir_ / "copy", 500 * mib, 10), "x\n");

  copy_file_atomically(dir_ / "hole-at-end", dir_ / "copy-end");
  EXPECT_EQ(stat_of(dir_ / "copy-end").st_size, 300 * mib);
  EXPECT_LE(stat_of(dir_ / "copy-end").st_blocks, stat_of(dir_ / "hole-at-end").st_blocks);
  EXPECT_EQ(read_at(dir_ / "copy-end", 8, 8), std::string("\0\0data\0\0", 8));
}

// The daemon's snapshot: a copy of at most `max_bytes` from the descriptor's position, after
// what the writer already wrote; both descriptors end up after the copy.
TEST_F(AtomicFileTest, CopyFromADescriptorKeepsHolesAndStopsAtTheLimit) {
  const off_t mib = 1 << 20;
  put_sparse(dir_ / "sparse", {{0, "skip"}, {4, "from here"}, {200 * mib, "end"}}, 300 * mib);
  const int in = ::open((dir_ / "sparse").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(in, 0);
  ASSERT_EQ(::lseek(in, 4, SEEK_SET), 4);
  {
    AtomicFile out(dir_ / "part");
    out.write("prefix:");
    out.copy_from(in, dir_ / "sparse", 200 * mib);
    EXPECT_EQ(::lseek(in, 0, SEEK_CUR), 200 * mib + 4);
    EXPECT_EQ(::lseek(out.fd(), 0, SEEK_CUR), 200 * mib + 7);
    out.commit();
  }
  ::close(in);
  EXPECT_EQ(stat_of(dir_ / "part").st_size, 200 * mib + 7);
  EXPECT_LT(stat_of(dir_ / "part").st_blocks * 512, 1 * mib);
  EXPECT_EQ(read_at(dir_ / "part", 0, 17), "prefix:from here" + std::string(1, '\0'));
  EXPECT_EQ(read_at(dir_ / "part", 200 * mib + 3, 10), std::string("end\0", 4));
}

// Pipes have no holes and no size: the copy reads them to their end.
TEST_F(AtomicFileTest, CopyFromAPipe) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ASSERT_EQ(::write(fds[1], "piped", 5), 5);
  ::close(fds[1]);
  AtomicFile out(dir_ / "piped");
  out.copy_from(fds[0], "pipe");
  out.commit();
  ::close(fds[0]);
  EXPECT_EQ(read(dir_ / "piped"), "piped");
}

TEST_F(AtomicFileTest, WritesInsideADirectoryByDescriptor) {
  const int dir = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(dir, 0);
  {
    AtomicFile file(dir, "upload.csv", ".upload.csv.1234.part", "inbox/upload.csv");
    file.write("a;b\n");
    EXPECT_EQ(file.temp_path(), fs::path("inbox/.upload.csv.1234.part"));
    file.commit();
  }
  try {
    put(dir_ / ".taken.part", "someone else's");
    AtomicFile clash(dir, "taken", ".taken.part", "inbox/taken");
    FAIL() << "reused a temporary name";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), std::errc::file_exists);
  }
  ::close(dir);
  EXPECT_EQ(read(dir_ / "upload.csv"), "a;b\n");
  EXPECT_EQ(read(dir_ / ".taken.part"), "someone else's");  // not removed by the failed writer
}

// --- The system calls, under strace -------------------------------------------------------

// Run by the tests below in a child process under strace: publishes "new" over the "old"
// target in $POPGATE_ATOMIC_DIR and prints what happened.
TEST(AtomicFileChild, Publish) {
  const char* dir = std::getenv("POPGATE_ATOMIC_DIR");
  if (dir == nullptr) GTEST_SKIP() << "runs only as the strace tests' child";
  try {
    write_file_atomically(fs::path(dir) / "out.txt", "new");
    std::cout << "RESULT committed\n";
  } catch (const std::system_error& e) {
    std::cout << "RESULT failed: " << e.what() << "\n";
  }
}

struct Traced {
  std::vector<std::string> calls;  // the lines of the trace, in order
  std::string result;              // what the child printed after RESULT
};

class AtomicFileStraceTest : public AtomicFileTest {
 protected:
  // Runs AtomicFileChild.Publish under strace, with `inject` (e.g. "fsync:error=EIO") when not
  // empty, on the system calls about `only` (strace -P: the path, or a descriptor of it).
  Traced publish_under_strace(const std::string& inject = "", const fs::path& only = {}) {
    put(dir_ / "out.txt", "old");
    const fs::path trace = dir_.parent_path() / (dir_.filename().string() + ".trace");
    const fs::path out = dir_.parent_path() / (dir_.filename().string() + ".out");
    // LeakSanitizer cannot run under ptrace; the same code runs leak-checked in the tests above.
    std::string command = "ASAN_OPTIONS=detect_leaks=0 POPGATE_ATOMIC_DIR='" + dir_.string() +
                          "' strace -f -qq -o '" + trace.string() +
                          "' -e trace=openat,write,fsync,close,rename,renameat,renameat2,unlink,"
                          "unlinkat";
    if (!inject.empty()) command += " -e inject=" + inject;
    if (!only.empty()) command += " -P '" + only.string() + "'";
    command += " /proc/" + std::to_string(::getpid()) +
               "/exe --gtest_filter=AtomicFileChild.Publish > '" + out.string() + "' 2>&1";
    EXPECT_EQ(std::system(command.c_str()), 0) << command << "\n" << read(out);
    Traced traced;
    std::istringstream lines(read(trace));
    for (std::string line; std::getline(lines, line);) {
      // Only the calls about our files: the test runner itself opens and writes others.
      if (line.find(dir_.filename().string()) != std::string::npos ||
          line.find("fsync") != std::string::npos || line.find("write(") != std::string::npos)
        traced.calls.push_back(line);
    }
    const std::string printed = read(out);
    const std::size_t at = printed.find("RESULT ");
    if (at != std::string::npos)
      traced.result = printed.substr(at + 7, printed.find('\n', at) - at - 7);
    fs::remove(trace);
    fs::remove(out);
    return traced;
  }

  // The index of the first call from `from` on that matches `pattern`, or -1.
  static int find(const Traced& t, const std::string& pattern, int from = 0) {
    const std::regex re(pattern);
    for (auto i = static_cast<std::size_t>(std::max(from, 0)); i < t.calls.size(); ++i)
      if (std::regex_search(t.calls[i], re)) return static_cast<int>(i);
    return -1;
  }

  static std::string dump(const Traced& t) {
    std::string text = "result: " + t.result + "\n";
    for (const std::string& c : t.calls)
      text += c + "\n";
    return text;
  }
};

TEST_F(AtomicFileStraceTest, WritesSyncsRenamesThenSyncsTheDirectory) {
  if (std::system("strace -V > /dev/null 2>&1") != 0) GTEST_SKIP() << "strace is not installed";
  const Traced t = publish_under_strace();
  ASSERT_EQ(t.result, "committed") << dump(t);
  std::smatch m;
  const int open_temp = find(t, R"(openat\(.*/\.out\.txt\.tmp", O_RDWR\|O_CREAT\|O_EXCL)");
  ASSERT_GE(open_temp, 0) << dump(t);
  ASSERT_TRUE(
      std::regex_search(t.calls[static_cast<std::size_t>(open_temp)], m, std::regex(R"(= (\d+)$)")))
      << dump(t);
  const std::string fd = m[1];
  const int write = find(t, "write\\(" + fd + ", \"new\", 3\\)");
  const int sync_file = find(t, "fsync\\(" + fd + "\\)");
  const int rename = find(t, R"(rename(at2?)?\(.*\.out\.txt\.tmp", .*/out\.txt")");
  const int open_dir = find(t, R"(openat\(.*atomic-file-[^"]*", O_RDONLY\|O_CLOEXEC\|O_DIRECTORY)");
  ASSERT_GE(open_dir, 0) << dump(t);
  ASSERT_TRUE(
      std::regex_search(t.calls[static_cast<std::size_t>(open_dir)], m, std::regex(R"(= (\d+)$)")))
      << dump(t);
  // Descriptors are reused: the directory's fsync is the first on its number after its open.
  const int sync_dir = find(t, "fsync\\(" + std::string(m[1]) + "\\)", open_dir);
  EXPECT_GE(write, 0) << dump(t);
  EXPECT_LT(open_temp, write) << dump(t);
  EXPECT_LT(write, sync_file) << dump(t);
  EXPECT_LT(sync_file, rename) << dump(t);
  EXPECT_LT(rename, open_dir) << dump(t);
  EXPECT_LT(open_dir, sync_dir) << dump(t);
  EXPECT_EQ(read(dir_ / "out.txt"), "new");
}

TEST_F(AtomicFileStraceTest, AFailureAtEachStepIsReportedAndNeverLeavesAPart) {
  if (std::system("strace -V > /dev/null 2>&1") != 0) GTEST_SKIP() << "strace is not installed";
  struct Step {
    std::string inject;
    fs::path only;
    std::string published;  // the target's content afterwards
  };
  const fs::path temp = temp_path_for(dir_ / "out.txt");
  const std::vector<Step> steps = {
      {"openat:error=ENOSPC", temp, "old"},  // cannot create the temporary file
      {"write:error=ENOSPC", temp, "old"},   // the disk is full
      {"fsync:error=EIO", temp, "old"},      // the file's data did not reach the disk
      {"rename,renameat,renameat2:error=EIO", temp, "old"},
      {"fsync:error=EIO", dir_, "new"},  // renamed, but the rename may not be durable
  };
  for (const Step& step : steps) {
    SCOPED_TRACE(step.inject);
    const Traced t = publish_under_strace(step.inject, step.only);
    EXPECT_EQ(t.result.rfind("failed: ", 0), 0u) << dump(t);
    EXPECT_EQ(read(dir_ / "out.txt"), step.published);
    EXPECT_EQ(entries(), std::vector<std::string>{"out.txt"}) << dump(t);
  }
}

}  // namespace
}  // namespace popgate::base
