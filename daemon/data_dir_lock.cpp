#include "daemon/data_dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace popgate::daemon {

base::UniqueFd lock_data_dir(const std::filesystem::path& data_dir) {
  std::filesystem::create_directories(data_dir);
  const std::filesystem::path lock = data_dir / "popgate.lock";
  base::UniqueFd fd(::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd.valid()) {
    throw std::runtime_error("cannot open " + lock.string() + ": " + std::strerror(errno));
  }
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    throw std::runtime_error("another popgate process is using " + data_dir.string() + " (" +
                             lock.string() + " is locked)");
  }
  return fd;
}

}  // namespace popgate::daemon
