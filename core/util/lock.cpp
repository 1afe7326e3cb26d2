#include "core/util/lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "core/util/fs.hpp"

namespace eductl {

Result<WriterLock> WriterLock::acquire(const std::filesystem::path& lock_file, const char* purpose) {
  const auto& path = lock_file;
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return make_error(ErrorKind::internal, "cannot open lock file: " + errno_text(errno), path.string());
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    char buf[128] = {};
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
    if (err != EWOULDBLOCK) return make_error(ErrorKind::internal, "cannot lock: " + errno_text(err), path.string());
    std::string holder = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "unknown";
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    return make_error(ErrorKind::locked,
                      "the data folder is locked by another eductl (" + holder +
                          "); wait for it to finish, or check that the process still runs",
                      path.parent_path().string());
  }
  std::string me = "pid " + std::to_string(::getpid()) + ", " + purpose + "\n";
  if (::ftruncate(fd, 0) == 0) {
    ssize_t ignored = ::pwrite(fd, me.data(), me.size(), 0);
    (void)ignored;
  }
  return WriterLock(fd);
}

WriterLock::~WriterLock() {
  if (m_fd >= 0) {
    if (::ftruncate(m_fd, 0) != 0) {
    }
    ::flock(m_fd, LOCK_UN);
    ::close(m_fd);
  }
}

}  // namespace eductl
