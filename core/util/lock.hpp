// The data folder's writer lock: an flock on its lock file holding the owner's pid. The
// kernel drops it when the process dies, so a crash never leaves a stale lock.
#pragma once
#include <filesystem>

#include "core/util/result.hpp"

namespace eductl {

class WriterLock {
 public:
  // Error locked (exit 5) naming the holder's pid when another process holds it.
  static Result<WriterLock> acquire(const std::filesystem::path& lock_file, const char* purpose);
  WriterLock(WriterLock&& other) noexcept : m_fd(other.m_fd) { other.m_fd = -1; }
  WriterLock& operator=(WriterLock&&) = delete;
  WriterLock(const WriterLock&) = delete;
  ~WriterLock();

 private:
  explicit WriterLock(int fd) : m_fd(fd) {}
  int m_fd;
};

}  // namespace eductl
