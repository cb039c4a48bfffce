#include "adapters/sftp/client_fs_upload.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <optional>
#include <vector>

#include "adapters/crypto/sha256.h"
#include "adapters/sftp/client_fs_error.h"
#include "base/atomic_file.h"
#include "base/random_hex.h"

namespace popgate::sftp {
namespace {

constexpr std::size_t kCopyBlock = 256 * 1024;

std::string random_hex() {
  try {
    return base::random_hex(8);
  } catch (const std::system_error&) {
    throw FsException(Status::failure, "cannot create a temporary name");
  }
}

// ".<name>.<16 hex>.part", the name cut so the whole stays within NAME_MAX.
std::string temp_name_for(const std::string& name) {
  const std::string suffix = "." + random_hex() + ".part";
  const std::size_t room = kMaxNameBytes - 1 - suffix.size();
  return "." + name.substr(0, room) + suffix;
}

}  // namespace

std::unique_ptr<Upload> Upload::begin(std::shared_ptr<ClientFsContext> context, ClientPath target,
                                      base::UniqueFd dir, int resume_from,
                                      std::uint64_t usage_before) {
  const std::string client_path = target.canonical();
  std::unique_ptr<base::AtomicFile> file;
  for (int attempt = 0; attempt < 4 && !file; ++attempt) {
    try {
      file = std::make_unique<base::AtomicFile>(dir.get(), target.leaf(),
                                                temp_name_for(target.leaf()), client_path);
    } catch (const std::system_error& e) {
      if (e.code() != std::errc::file_exists) throw_errno(e.code().value(), client_path);
    }
  }
  if (!file) throw FsException(Status::failure, client_path + ": cannot create upload");
  std::unique_ptr<Upload> upload(new Upload(std::move(context), std::move(target), std::move(dir),
                                            std::move(file), usage_before));
  if (resume_from >= 0) upload->copy_from(resume_from);
  return upload;
}

Upload::Upload(std::shared_ptr<ClientFsContext> context, ClientPath target, base::UniqueFd dir,
               std::unique_ptr<base::AtomicFile> file, std::uint64_t usage_before)
    : context_(std::move(context)),
      target_(std::move(target)),
      client_path_(target_.canonical()),
      dir_(std::move(dir)),
      file_(std::move(file)),
      usage_before_(usage_before),
      writer_(std::make_unique<UploadWriter>(file_->fd())) {}

void Upload::copy_from(int source) {
  std::vector<char> block(kCopyBlock);
  std::uint64_t offset = 0;
  for (;;) {
    const ssize_t n = ::pread(source, block.data(), block.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno(errno, client_path_);
    if (n == 0) break;
    if (const int err =
            writer_->write(offset, std::string_view(block.data(), static_cast<std::size_t>(n))))
      doom_errno(err);
    offset += static_cast<std::uint64_t>(n);
  }
  initial_size_ = size_ = offset;
}

void Upload::doom(std::string message) {
  // Logged once (later writes see failure_): which upload, how far it got, and why.
  context_->log("refused upload " + client_path_ + " at " + std::to_string(size_) +
                " bytes: " + message);
  failure_ = message;
  throw FsException(Status::failure, std::move(message));
}

void Upload::doom_errno(int err) {
  doom(errno_error(err, client_path_).message);
}

void Upload::flush() {
  if (const int err = writer_->flush()) doom_errno(err);
}

std::optional<std::string> short_of_disk_space(const ClientFsContext& context) {
  const std::uint64_t wanted = context.limits.min_free_bytes;
  if (wanted == 0) return std::nullopt;
  struct statvfs fs {};
  if (::fstatvfs(context.root.get(), &fs) != 0) return std::nullopt;  // the write will tell
  const std::uint64_t free_bytes = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
  if (free_bytes >= wanted) return std::nullopt;
  return "the appliance is short of disk space (" + std::to_string(free_bytes / (1024 * 1024)) +
         " MiB free, uploads need " + std::to_string(wanted / (1024 * 1024)) +
         " MiB): uploads are refused until space is freed; try again later";
}

void Upload::check_limits(std::uint64_t new_end) {
  const ClientLimits& limits = context_->limits;
  if (new_end >= next_space_check_) {
    next_space_check_ = new_end + kFreeSpaceCheckBytes;
    if (const std::optional<std::string> short_of_space = short_of_disk_space(*context_))
      doom(*short_of_space);
  }
  if (limits.max_file_size != 0 && new_end > limits.max_file_size)
    doom("file too large (limit " + std::to_string(limits.max_file_size) + " bytes)");
  // The resumed copy was already counted in usage_before; only growth beyond it is new.
  const std::uint64_t growth = new_end > initial_size_ ? new_end - initial_size_ : 0;
  if (limits.quota_bytes != 0 && usage_before_ + growth > limits.quota_bytes)
    doom("quota exceeded (limit " + std::to_string(limits.quota_bytes) + " bytes)");
}

void Upload::write(std::uint64_t offset, std::string_view data) {
  if (done_) throw FsException(Status::failure, client_path_ + ": upload already closed");
  if (!failure_.empty()) throw FsException(Status::failure, failure_);
  const std::uint64_t end = offset + data.size();
  if (end < offset) doom("write offset out of range");
  check_limits(end);
  // A failure reported here may be an earlier write's: the upload is lost either way.
  if (const int err = writer_->write(offset, data)) doom_errno(err);
  if (end > size_) size_ = end;
}

void Upload::truncate(std::uint64_t size) {
  if (done_ || !failure_.empty()) throw FsException(Status::failure, client_path_ + ": closed");
  check_limits(size);
  flush();
  if (::ftruncate(file_->fd(), static_cast<off_t>(size)) != 0) throw_errno(errno, client_path_);
  writer_->truncated(size);
  size_ = size;
}

void Upload::sync() {
  if (done_) return;
  if (!failure_.empty()) throw FsException(Status::failure, failure_);
  flush();
  if (::fsync(file_->fd()) != 0) throw_errno(errno, client_path_);
}

struct stat Upload::stat() {
  if (!done_ && failure_.empty()) flush();
  struct stat st {};
  if (::fstat(file_->fd(), &st) != 0) throw_errno(errno, client_path_);
  return st;
}

std::string sha256_of_fd(int fd, const std::string& client_path) {
  crypto::Sha256 digest;
  std::vector<char> block(kCopyBlock);
  std::uint64_t offset = 0;
  for (;;) {
    const ssize_t n = ::pread(fd, block.data(), block.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno(errno, client_path);
    if (n == 0) break;
    digest.update(std::string_view(block.data(), static_cast<std::size_t>(n)));
    offset += static_cast<std::uint64_t>(n);
  }
  return digest.finish_hex();
}

void Upload::commit() {
  if (done_) throw FsException(Status::failure, client_path_ + ": upload already closed");
  if (!failure_.empty()) {
    const std::string why = failure_;
    abandon();
    throw FsException(Status::failure, client_path_ + ": upload discarded: " + why);
  }
  try {
    flush();
    // The file size is the truth (a client may leave holes); hash the file when the streamed
    // digest does not cover exactly that.
    const auto size = static_cast<std::uint64_t>(stat().st_size);
    const std::optional<std::string> streamed = writer_->digest_of_first(size);
    const std::string sha = streamed ? *streamed : sha256_of_fd(file_->fd(), client_path_);
    writer_.reset();  // its thread ends before the descriptor is handed on
    try {
      file_->commit();  // fsync, rename into the inbox, fsync the inbox
    } catch (const std::system_error& e) {
      throw_errno(e.code().value(), client_path_);
    }
    done_ = true;
    if (context_->callbacks.on_upload_complete)
      context_->callbacks.on_upload_complete(target_.relative(), size, sha);
  } catch (const FsException&) {
    abandon();
    throw;
  }
}

void Upload::abandon() noexcept {
  if (done_) return;
  done_ = true;
  writer_.reset();  // drops what is queued; its thread ends before the file goes
  file_->discard();
}

}  // namespace popgate::sftp
