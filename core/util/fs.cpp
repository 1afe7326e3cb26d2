#include "core/util/fs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "core/util/text.hpp"

namespace eductl {
namespace fs = std::filesystem;

std::string errno_text(int err) { return std::strerror(err); }

namespace {

// Opens DIR and applies OP (fsync, syncfs) to it; FAILED names the failure in the message.
Status on_directory(const fs::path& dir, int (*op)(int), const char* failed) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return make_error(ErrorKind::internal, "cannot open directory: " + errno_text(errno), dir.string());
  int r = op(fd);
  int err = errno;
  ::close(fd);
  if (r != 0) return make_error(ErrorKind::internal, std::string(failed) + ": " + errno_text(err), dir.string());
  return ok_status();
}

}  // namespace

Status fsync_dir(const fs::path& dir) { return on_directory(dir, ::fsync, "fsync failed"); }

Status fsync_file(const fs::path& file) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return make_error(ErrorKind::internal, "cannot open: " + errno_text(errno), file.string());
  int r = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (r != 0) return make_error(ErrorKind::internal, "fsync failed: " + errno_text(err), file.string());
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

namespace {
std::string kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "is a directory";
  if (S_ISFIFO(mode)) return "is a FIFO (named pipe)";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "is a device";
  if (S_ISSOCK(mode)) return "is a socket";
  return "is not a regular file";
}
}  // namespace

BoundedRead read_untrusted_file(const fs::path& path, std::uint64_t max_bytes) {
  BoundedRead out;
  auto refuse = [&](FileRefusal why, std::string detail) {
    out.data.clear();
    out.refusal = why;
    out.detail = std::move(detail);
    return std::move(out);
  };
  // O_NONBLOCK: opening a FIFO with no writer would otherwise wait for ever.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) return refuse(FileRefusal::missing, "does not exist");
    if (err == ELOOP) return refuse(FileRefusal::symlink, "is a symbolic link");
    return refuse(FileRefusal::unreadable, "cannot be opened: " + errno_text(err));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return refuse(FileRefusal::unreadable, "cannot be examined: " + errno_text(errno));
  if (!S_ISREG(st.st_mode)) return refuse(FileRefusal::not_regular, kind_of(st.st_mode));
  const auto too_large = [&] { return "is larger than the limit of " + human_bytes(max_bytes); };
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) return refuse(FileRefusal::too_large, too_large());
  // A regular file never blocks, but reading goes on only up to the cap: the file may grow.
  out.data.reserve(static_cast<std::size_t>(st.st_size));
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return refuse(FileRefusal::unreadable, "cannot be read: " + errno_text(errno));
    if (n == 0) break;
    out.data.append(buf, static_cast<std::size_t>(n));
    if (out.data.size() > max_bytes) return refuse(FileRefusal::too_large, too_large());
  }
  return out;
}

Status check_database_files(const fs::path& file) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    const fs::path f = file.string() + suffix;
    struct stat st {};
    if (::lstat(f.c_str(), &st) != 0) {
      if (errno == ENOENT) continue;
      return make_error(ErrorKind::bad_input, "cannot be examined: " + errno_text(errno), f.string());
    }
    if (S_ISREG(st.st_mode)) continue;
    const std::string what = S_ISLNK(st.st_mode) ? "is a symbolic link" : kind_of(st.st_mode);
    return make_error(ErrorKind::bad_input,
                      what + ", not a database file eductl wrote; move it away (the command that builds it makes a new one)",
                      f.string());
  }
  return ok_status();
}

Result<std::string> read_file(const fs::path& path, std::uint64_t max_bytes) {
  BoundedRead r = read_untrusted_file(path, max_bytes);
  if (r.refusal != FileRefusal::none) return make_error(ErrorKind::bad_input, r.detail, path.string());
  return std::move(r.data);
}

Status sync_file_system(const std::filesystem::path& dir) { return on_directory(dir, ::syncfs, "cannot flush the disk"); }

}  // namespace eductl
