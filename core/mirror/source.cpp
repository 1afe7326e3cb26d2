#include "core/mirror/source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>

#include "core/mirror/source_impl.hpp"
#include "core/util/fs.hpp"

namespace eductl::mirror {
namespace fs = std::filesystem;

fs::path download_path(const fs::path& work_dir, const std::string& sha256) { return work_dir / ("dl-" + sha256); }

Result<std::unique_ptr<Source>> open_source(const std::string& source, const HttpOptions& options) {
  if (source.rfind("http://", 0) == 0 || source.rfind("https://", 0) == 0) {
    std::string base = source;
    if (base.back() != '/') base += '/';
    return make_http_source(base, options);
  }
  if (source.find("://") != std::string::npos)
    return make_error(ErrorKind::usage, "SOURCE must be an http:// or https:// URL or a folder, not " + source);
  std::error_code ec;
  if (!fs::is_directory(source, ec))
    return make_error(ErrorKind::bad_input, "is not a folder (give a published tree, an export, or an http(s):// URL)", source);
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  return make_local_source(fs::absolute(source).lexically_normal(),
                           std::min(cores, static_cast<unsigned>(std::max(1, options.jobs))));
}

VerifiedSink::VerifiedSink(const Wanted& wanted, fs::path work_dir) : m_wanted(wanted), m_work_dir(std::move(work_dir)) {
  if (!m_wanted.to_memory) m_file = download_path(m_work_dir, m_wanted.sha256);
}

VerifiedSink::VerifiedSink(VerifiedSink&& o) noexcept
    : m_wanted(std::move(o.m_wanted)),
      m_work_dir(std::move(o.m_work_dir)),
      m_file(std::move(o.m_file)),
      m_fd(o.m_fd),
      m_hash(std::move(o.m_hash)),
      m_received(o.m_received),
      m_body(std::move(o.m_body)),
      m_write_failed(o.m_write_failed),
      m_write_errno(o.m_write_errno) {
  o.m_fd = -1;
}

VerifiedSink::~VerifiedSink() {
  if (m_fd >= 0) ::close(m_fd);
}

Status VerifiedSink::open_fresh() {
  m_hash = Sha256();
  m_received = 0;
  m_body.clear();
  m_write_failed = false;
  if (m_wanted.to_memory) return ok_status();
  if (m_fd >= 0) ::close(m_fd);
  ::unlink(m_file.c_str());
  m_fd = ::open(m_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (m_fd < 0) return make_error(ErrorKind::internal, "cannot write: " + errno_text(errno), m_file.string());
  return ok_status();
}

Result<std::uint64_t> VerifiedSink::open_resume() {
  if (m_wanted.to_memory) {
    auto s = open_fresh();
    if (!s) return s.error();
    return std::uint64_t{0};
  }
  if (m_fd >= 0) {
    ::close(m_fd);
    m_fd = -1;
  }
  int fd = ::open(m_file.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || static_cast<std::uint64_t>(st.st_size) >= m_wanted.size) {
    if (fd >= 0) ::close(fd);
    auto s = open_fresh();
    if (!s) return s.error();
    return std::uint64_t{0};
  }
  m_hash = Sha256();
  m_received = 0;
  std::vector<char> buf(1 << 20);
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    m_hash.update(buf.data(), static_cast<std::size_t>(n));
    m_received += static_cast<std::uint64_t>(n);
  }
  if (m_received != static_cast<std::uint64_t>(st.st_size) || ::lseek(fd, 0, SEEK_END) < 0) {
    ::close(fd);
    auto s = open_fresh();
    if (!s) return s.error();
    return std::uint64_t{0};
  }
  m_fd = fd;
  return m_received;
}

Status VerifiedSink::restart() { return open_fresh(); }

bool VerifiedSink::accept(const void* data, std::size_t size) {
  if (m_received + size > m_wanted.size) return false;
  m_hash.update(data, size);
  m_received += size;
  if (m_wanted.to_memory) {
    m_body.append(static_cast<const char*>(data), size);
    return true;
  }
  const char* p = static_cast<const char*>(data);
  while (size > 0 && !m_write_failed) {
    ssize_t w = ::write(m_fd, p, size);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) {
      m_write_failed = true;
      m_write_errno = errno;
      break;
    }
    p += w;
    size -= static_cast<std::size_t>(w);
  }
  return true;
}

void VerifiedSink::suspend() {
  if (m_fd >= 0) ::close(m_fd);
  m_fd = -1;
}

Result<VerifiedSink::Verdict> VerifiedSink::finish(bool too_long) {
  Verdict v;
  if (m_write_failed) {
    suspend();
    ::unlink(m_file.c_str());
    return make_error(ErrorKind::internal,
                      "cannot write: " + errno_text(m_write_errno), m_file.string());
  }
  std::string got = m_hash.finish_hex();
  std::string problem;
  if (too_long)
    problem = "is longer than the " + std::to_string(m_wanted.size) + " bytes the index declares (the rest was refused)";
  else if (m_received != m_wanted.size)
    problem = "has " + std::to_string(m_received) + " bytes, the index declares " + std::to_string(m_wanted.size);
  else if (got != m_wanted.sha256)
    problem = "hashes to " + got + ", the index declares " + m_wanted.sha256;
  if (!problem.empty()) {
    suspend();
    if (!m_wanted.to_memory) ::unlink(m_file.c_str());
    v.finding = make_finding("MIR-HASH-MISMATCH", m_wanted.name, m_wanted.name + " " + problem);
    return v;
  }
  if (!m_wanted.to_memory) {
    suspend();  // made durable by whoever takes the file (the store's commit)
    v.file = m_file;
  } else {
    v.body = std::move(m_body);
  }
  return v;
}

}  // namespace eductl::mirror
