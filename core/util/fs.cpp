#include "core/util/fs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace eductl {
namespace fs = std::filesystem;

std::string errno_text(int err) { return std::strerror(err); }

Status fsync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return make_error(ErrorKind::internal, "cannot open directory: " + errno_text(errno), dir.string());
  int r = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (r != 0) return make_error(ErrorKind::internal, "fsync failed: " + errno_text(err), dir.string());
  return ok_status();
}

Status make_dirs(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return make_error(ErrorKind::internal, "cannot create directory: " + ec.message(), dir.string());
  return ok_status();
}

Status write_file_atomic(const fs::path& path, std::string_view data, unsigned mode) {
  static std::atomic<unsigned> counter{0};
  fs::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) return make_error(ErrorKind::internal, "cannot create: " + errno_text(errno), tmp.string());
  const char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return make_error(ErrorKind::internal, "write failed: " + errno_text(err), tmp.string());
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return make_error(ErrorKind::internal, "fsync failed: " + errno_text(err), tmp.string());
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return make_error(ErrorKind::internal, "rename failed: " + errno_text(err), path.string());
  }
  return fsync_dir(path.parent_path().empty() ? fs::path(".") : path.parent_path());
}

Result<std::string> read_file(const fs::path& path, std::uint64_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorKind::bad_input, "cannot read: " + errno_text(errno), path.string());
  std::string data;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    data.append(buf, static_cast<std::size_t>(in.gcount()));
    if (data.size() > max_bytes)
      return make_error(ErrorKind::bad_input, "file is larger than " + std::to_string(max_bytes) + " bytes", path.string());
  }
  return data;
}

}  // namespace eductl
