#include "adapters/sftp/client_fs_handle.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "adapters/sftp/client_fs_error.h"
#include "adapters/sftp/client_fs_open.h"

namespace popgate::sftp {

HandleSlot::HandleSlot(std::shared_ptr<ClientFsContext> context) : context_(std::move(context)) {
  const std::size_t limit = context_->limits.max_open_handles;
  if (limit != 0 && context_->open_handles >= limit)
    throw FsException(Status::failure,
                      "too many open handles (limit " + std::to_string(limit) + ")");
  ++context_->open_handles;
}

HandleSlot::~HandleSlot() {
  if (context_) --context_->open_handles;
}

FileHandle::FileHandle(HandleSlot slot, std::string client_path, base::UniqueFd file)
    : slot_(std::move(slot)), client_path_(std::move(client_path)), file_(std::move(file)) {}

FileHandle::FileHandle(HandleSlot slot, std::string client_path, std::unique_ptr<Upload> upload,
                       bool append)
    : slot_(std::move(slot)),
      client_path_(std::move(client_path)),
      upload_(std::move(upload)),
      append_(append) {}

void FileHandle::refuse(const std::string& what) const {
  const std::string line = client_path_ + ": " + what;
  slot_.context()->log("refused: " + line);
  throw FsException(Status::permission_denied, line);
}

std::size_t FileHandle::read(std::uint64_t offset, std::span<char> out) {
  if (closed_) throw FsException(Status::failure, client_path_ + ": handle closed");
  if (upload_) refuse("uploads are write-only");
  for (;;) {
    const ssize_t n = ::pread(file_.get(), out.data(), out.size(), static_cast<off_t>(offset));
    if (n >= 0) {
      note_read(offset, static_cast<std::uint64_t>(n));
      return static_cast<std::size_t>(n);
    }
    if (errno != EINTR) throw_errno(errno, client_path_);
  }
}

void FileHandle::write(std::uint64_t offset, std::string_view data) {
  if (closed_) throw FsException(Status::failure, client_path_ + ": handle closed");
  if (!upload_) refuse("opened for reading");
  upload_->write(append_ ? upload_->size() : offset, data);
}

FileAttributes FileHandle::fstat() const {
  struct stat st {};
  if (upload_) {
    st = upload_->stat();
  } else if (::fstat(file_.get(), &st) != 0) {
    throw_errno(errno, client_path_);
  }
  return to_attributes(st);
}

void FileHandle::fsetstat(const FileAttributes& attrs) {
  if (upload_ && attrs.size) upload_->truncate(*attrs.size);
}

void FileHandle::fsync() {
  if (upload_) upload_->sync();
}

void FileHandle::close() {
  if (closed_) throw FsException(Status::failure, client_path_ + ": handle closed");
  closed_ = true;
  if (upload_) {
    const std::unique_ptr<Upload> upload = std::move(upload_);
    upload->commit();
    return;
  }
  if (file_.valid() && read_whole_file() && slot_.context()->callbacks.on_download_complete) {
    slot_.context()->callbacks.on_download_complete(client_path_.substr(1));
  }
  if (file_.valid()) file_.close();
}

void FileHandle::note_read(std::uint64_t offset, std::uint64_t size) {
  if (size == 0) return;
  std::uint64_t start = offset;
  std::uint64_t end = offset + size;
  auto it = sent_.upper_bound(start);
  if (it != sent_.begin()) {
    auto before = std::prev(it);
    if (before->second >= start) {  // overlaps or touches the range before
      start = before->first;
      end = std::max(end, before->second);
      it = sent_.erase(before);
    }
  }
  while (it != sent_.end() && it->first <= end) {  // swallow the ranges it reaches
    end = std::max(end, it->second);
    it = sent_.erase(it);
  }
  sent_[start] = end;
}

bool FileHandle::read_whole_file() const {
  struct stat st {};
  if (::fstat(file_.get(), &st) != 0) return false;
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size == 0) return true;
  return !sent_.empty() && sent_.begin()->first == 0 && sent_.begin()->second >= size;
}

void FileHandle::abandon() noexcept {
  if (upload_) upload_->abandon();
}

DirHandle::DirHandle(HandleSlot slot, std::string client_path, std::vector<DirEntry> entries)
    : slot_(std::move(slot)), client_path_(std::move(client_path)), entries_(std::move(entries)) {}

std::vector<DirEntry> DirHandle::next_batch(std::size_t max) {
  std::vector<DirEntry> batch;
  while (next_ < entries_.size() && batch.size() < max)
    batch.push_back(entries_[next_++]);
  return batch;
}

std::string long_name(const std::string& name, const FileAttributes& attrs) {
  const std::uint32_t mode = attrs.permissions.value_or(0);
  std::string perms = S_ISDIR(mode) ? "d" : "-";
  static constexpr char kRwx[] = "rwx";
  for (int bit = 8; bit >= 0; --bit)
    perms += (mode & (1u << bit)) ? kRwx[(8 - bit) % 3] : '-';
  char when[32] = "";
  const std::time_t mtime = attrs.mtime.value_or(0);
  std::tm tm{};
  if (::gmtime_r(&mtime, &tm) != nullptr) std::strftime(when, sizeof when, "%b %e %H:%M", &tm);
  return perms + "    1 0        0        " + std::to_string(attrs.size.value_or(0)) + " " + when +
         " " + name;
}

}  // namespace popgate::sftp
