// An owned POSIX file descriptor: closed exactly once, on every path out of its scope.
// Shared by every adapter that works with descriptors (digests, step files, SFTP, archives).
#ifndef POPGATE_BASE_UNIQUE_FD_H_
#define POPGATE_BASE_UNIQUE_FD_H_

#include <unistd.h>

#include <utility>

namespace popgate::base {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

  // Closes now and returns close()'s result: a write error may first show here (NFS, quotas),
  // so a writer must check it rather than leave closing to the destructor.
  int close() { return ::close(std::exchange(fd_, -1)); }

 private:
  void reset() {
    if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  }
  int fd_ = -1;
};

}  // namespace popgate::base

#endif  // POPGATE_BASE_UNIQUE_FD_H_
