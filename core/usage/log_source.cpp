#include "core/usage/log_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/util/fs.hpp"

namespace eductl::usage {

struct LogSource::Impl {
  gzFile gz = nullptr;
  int fd = -1;
  std::string head;        // bytes read ahead by head(), replayed first
  std::size_t head_pos = 0;
  ~Impl() {
    if (gz) gzclose_r(gz);  // closes fd too
  }
};

Result<LogSource> LogSource::open(const std::string& name) {
  LogSource s;
  s.m_name = name;
  s.m = std::make_unique<Impl>();
  int fd;
  if (name == "-") {
    s.m_stdin = true;
    fd = ::dup(STDIN_FILENO);
  } else {
    fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  }
  if (fd < 0) return make_error(ErrorKind::bad_input, "cannot open the log: " + errno_text(errno), name);
  struct stat st{};
  if (::fstat(fd, &st) != 0 || (!s.m_stdin && !S_ISREG(st.st_mode))) {
    ::close(fd);
    return make_error(ErrorKind::bad_input, "not a regular file (a log is a file, or '-' for standard input)", name);
  }
  if (!s.m_stdin) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  s.m_device = static_cast<std::uint64_t>(st.st_dev);
  s.m_inode = static_cast<std::uint64_t>(st.st_ino);
  s.m_size = static_cast<std::uint64_t>(st.st_size);
  // gzdopen reads plain files as they are ("transparent" mode) and gzip of any number
  // of members, so one reader serves both.
  s.m->gz = gzdopen(fd, "rb");
  if (!s.m->gz) {
    ::close(fd);
    return make_error(ErrorKind::internal, "out of memory opening the log", name);
  }
  gzbuffer(s.m->gz, 1 << 20);
  s.m->fd = fd;
  return s;
}

LogSource::LogSource(LogSource&&) noexcept = default;
LogSource& LogSource::operator=(LogSource&&) noexcept = default;
LogSource::~LogSource() = default;

namespace {
Result<std::size_t> gz_read(gzFile gz, char* buf, std::size_t cap, const std::string& name) {
  const int n = gzread(gz, buf, static_cast<unsigned>(std::min<std::size_t>(cap, 1u << 30)));
  if (n < 0) {
    int err = 0;
    const char* msg = gzerror(gz, &err);
    return make_error(ErrorKind::bad_input, std::string("corrupt compressed log: ") + (msg ? msg : "?"), name);
  }
  if (n == 0) {
    int err = 0;
    gzerror(gz, &err);
    if (err == Z_BUF_ERROR)  // the stream ends in the middle of a member
      return make_error(ErrorKind::bad_input, "truncated compressed log (unexpected end of the gzip stream)", name);
  }
  return static_cast<std::size_t>(n);
}
}  // namespace

Result<std::string> LogSource::head(std::size_t n) {
  while (m->head.size() < n) {
    char buf[4096];
    auto r = gz_read(m->gz, buf, n - m->head.size(), m_name);
    if (!r) return r.error();
    if (*r == 0) break;
    m->head.append(buf, *r);
  }
  return m->head.substr(0, n);
}

Status LogSource::skip(std::uint64_t n) {
  std::vector<char> buf(1 << 16);
  while (n > 0) {
    auto r = read(buf.data(), static_cast<std::size_t>(std::min<std::uint64_t>(n, buf.size())));
    if (!r) return r.error();
    if (*r == 0) return make_error(ErrorKind::bad_input, "the log is shorter than the part read before", m_name);
    n -= *r;
  }
  return ok_status();
}

Result<std::size_t> LogSource::read(char* buf, std::size_t cap) {
  if (m->head_pos < m->head.size()) {
    const std::size_t n = std::min(cap, m->head.size() - m->head_pos);
    std::memcpy(buf, m->head.data() + m->head_pos, n);
    m->head_pos += n;
    return n;
  }
  return gz_read(m->gz, buf, cap, m_name);
}

std::uint64_t LogSource::raw_position() const {
  const z_off_t off = gzoffset(m->gz);
  return off < 0 ? 0 : static_cast<std::uint64_t>(off);
}

}  // namespace eductl::usage
