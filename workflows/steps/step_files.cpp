#include "workflows/steps/step_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "adapters/posix/unique_fd.h"

namespace popgate::workflows::steps {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void io_error(const std::string& what, const fs::path& path) {
  throw StepError(what + " " + path.string() + ": " + std::strerror(errno), true);
}

void write_all(int fd, const char* data, size_t size, const fs::path& path) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      io_error("cannot write", path);
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
}

void sync_directory(const fs::path& dir) {
  posix::UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() < 0 || ::fsync(dir_fd.get()) != 0) io_error("cannot sync directory", dir);
}

void create_parent(const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to.parent_path(), ec);
  if (ec) throw StepError("cannot create " + to.parent_path().string() + ": " + ec.message(), true);
}

}  // namespace

fs::path work_file_or_input(const StepContext& context, const std::string& name) {
  auto it = context.params.find(name);
  if (it != context.params.end() && !it->second.empty()) return context.work_dir / it->second;
  if (context.input_file.empty())
    throw StepError("step " + context.step_id + ": no '" + name + "' and the job has no input",
                    false);
  return context.input_file;
}

void copy_atomically(const fs::path& from, const fs::path& to) {
  const fs::path dir = to.parent_path();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw StepError("cannot create " + dir.string() + ": " + ec.message(), true);
  const fs::path temp = dir / ("." + to.filename().string() + ".tmp");

  posix::UniqueFd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) {
    // A missing source will not appear by retrying.
    throw StepError("cannot open " + from.string() + ": " + std::strerror(errno), errno != ENOENT);
  }
  posix::UniqueFd out(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
  if (out.get() < 0) io_error("cannot create", temp);
  std::array<char, 64 * 1024> buffer{};
  for (;;) {
    const ssize_t n = ::read(in.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      io_error("cannot read", from);
    }
    if (n == 0) break;
    write_all(out.get(), buffer.data(), static_cast<size_t>(n), temp);
  }
  // The data must be on disk before the name points at it, or a power loss could leave a
  // complete-looking empty file in the outbox.
  if (::fsync(out.get()) != 0) io_error("cannot sync", temp);
  if (out.close() != 0) io_error("cannot close", temp);
  if (::rename(temp.c_str(), to.c_str()) != 0) io_error("cannot rename into", to);
  sync_directory(dir);
}

void write_atomically(const fs::path& to, std::string_view content) {
  create_parent(to);
  const fs::path temp = to.parent_path() / ("." + to.filename().string() + ".tmp");
  posix::UniqueFd out(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
  if (out.get() < 0) io_error("cannot create", temp);
  write_all(out.get(), content.data(), content.size(), temp);
  if (::fsync(out.get()) != 0) io_error("cannot sync", temp);
  if (out.close() != 0) io_error("cannot close", temp);
  if (::rename(temp.c_str(), to.c_str()) != 0) io_error("cannot rename into", to);
  sync_directory(to.parent_path());
}

void move_atomically(const fs::path& from, const fs::path& to) {
  create_parent(to);
  {
    // The data must be on disk before the outbox name points at it.
    posix::UniqueFd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
    if (in.get() < 0) io_error("cannot open", from);
    if (::fsync(in.get()) != 0) io_error("cannot sync", from);
  }
  if (::rename(from.c_str(), to.c_str()) == 0) {
    sync_directory(to.parent_path());
    return;
  }
  if (errno != EXDEV) io_error("cannot rename into", to);
  copy_atomically(from, to);
  std::error_code ec;
  fs::remove(from, ec);
}

std::string iso_utc(std::int64_t epoch_ms) {
  const std::time_t seconds = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace popgate::workflows::steps
