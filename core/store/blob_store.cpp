#include "core/store/blob_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <vector>

#include "core/util/cancel.hpp"
#include "core/util/fs.hpp"
#include "core/util/sha256.hpp"

namespace eductl {
namespace fs = std::filesystem;

StagedBlob::StagedBlob(StagedBlob&& o) noexcept
    : m_fd(o.m_fd), m_tmp(std::move(o.m_tmp)), m_sha256(std::move(o.m_sha256)), m_size(o.m_size) {
  o.m_fd = -1;
  o.m_tmp.clear();
}

StagedBlob& StagedBlob::operator=(StagedBlob&& o) noexcept {
  if (this != &o) {
    discard();
    m_fd = o.m_fd;
    m_tmp = std::move(o.m_tmp);
    m_sha256 = std::move(o.m_sha256);
    m_size = o.m_size;
    o.m_fd = -1;
    o.m_tmp.clear();
  }
  return *this;
}

StagedBlob::~StagedBlob() { discard(); }

void StagedBlob::discard() {
  if (m_fd >= 0) ::close(m_fd);
  m_fd = -1;
  if (!m_tmp.empty()) ::unlink(m_tmp.c_str());
  m_tmp.clear();
}

Status StagedBlob::write(const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(m_fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error(ErrorKind::internal, "cannot write to the content store: " + errno_text(errno), m_tmp.string());
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return ok_status();
}

Status StagedBlob::finish(const std::string& sha256, std::uint64_t size) {
  m_sha256 = sha256;
  m_size = size;
  // Start writeback now without waiting; commit() waits for it (fdatasync works on
  // the inode, whichever descriptor), so the flush overlaps reading the next files.
  ::sync_file_range(m_fd, 0, 0, SYNC_FILE_RANGE_WRITE);
  if (::close(m_fd) != 0) {
    m_fd = -1;
    return make_error(ErrorKind::internal, "cannot write to the content store: " + errno_text(errno), m_tmp.string());
  }
  m_fd = -1;
  return ok_status();
}

Result<BlobStore> BlobStore::open(const fs::path& data_dir) {
  for (const char* sub : {"objects", "tmp"})
    if (auto st = make_dirs(data_dir / sub); !st) return st.error();
  return BlobStore(data_dir);
}

fs::path BlobStore::object_path(const std::string& sha) const {
  return m_root / "objects" / sha.substr(0, 2) / sha.substr(2, 2) / sha;
}

bool BlobStore::contains(const std::string& sha) const {
  std::error_code ec;
  return fs::exists(object_path(sha), ec);
}

Result<StagedBlob> BlobStore::stage() {
  static std::atomic<unsigned> counter{0};
  StagedBlob b;
  b.m_tmp = m_root / "tmp" / ("blob-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  b.m_fd = ::open(b.m_tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0444);
  if (b.m_fd < 0) {
    auto path = b.m_tmp;
    b.m_tmp.clear();
    return make_error(ErrorKind::internal, "cannot create a staging file: " + errno_text(errno), path.string());
  }
  return b;
}

Status BlobStore::commit(StagedBlob& blob, CommitStats& stats, std::set<fs::path>* dirs_to_sync) {
  const fs::path target = object_path(blob.m_sha256);
  if (contains(blob.m_sha256)) {
    ++stats.dedup_blobs;
    stats.dedup_bytes += blob.m_size;
    blob.discard();
    return ok_status();
  }
  // The bytes must be durable before the name that vouches for them appears.
  int fd = ::open(blob.m_tmp.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fdatasync(fd) != 0) {
    int err = errno;
    if (fd >= 0) ::close(fd);
    return make_error(ErrorKind::internal, "cannot flush to the content store: " + errno_text(err), blob.m_tmp.string());
  }
  ::close(fd);
  if (auto st = make_dirs(target.parent_path()); !st) return st;
  if (::rename(blob.m_tmp.c_str(), target.c_str()) != 0)
    return make_error(ErrorKind::internal, "cannot move a blob into the store: " + errno_text(errno), target.string());
  blob.m_tmp.clear();
  ++stats.stored_blobs;
  stats.stored_bytes += blob.m_size;
  if (dirs_to_sync) {
    dirs_to_sync->insert(target.parent_path());
    return ok_status();
  }
  return fsync_dir(target.parent_path());
}

Status BlobStore::sync_dirs(const std::set<fs::path>& dirs) const {
  for (const auto& d : dirs)
    if (auto st = fsync_dir(d); !st) return st;
  return ok_status();
}

std::vector<std::pair<std::string, std::uint64_t>> BlobStore::list_objects() const {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(m_root / "objects", ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    std::string name = it->path().filename().string();
    if (is_sha256_hex(name)) out.emplace_back(name, it->file_size(ec));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<VerifyProblem> BlobStore::verify(const std::vector<std::pair<std::string, std::uint64_t>>& objects,
                                             const std::function<void(std::uint64_t)>& progress) const {
  std::vector<VerifyProblem> problems;
  std::vector<char> buf(1 << 20);
  for (const auto& [sha, size] : objects) {
    if (interrupted()) break;
    const fs::path p = object_path(sha);
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      problems.push_back({sha, "missing"});
      continue;
    }
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    Sha256 h;
    std::uint64_t total = 0;
    ssize_t n;
    while ((n = ::read(fd, buf.data(), buf.size())) > 0) {
      h.update(buf.data(), static_cast<std::size_t>(n));
      total += static_cast<std::uint64_t>(n);
      if (progress) progress(static_cast<std::uint64_t>(n));
    }
    ::close(fd);
    std::string got = h.finish_hex();
    if (n < 0) problems.push_back({sha, "unreadable: " + errno_text(errno)});
    else if (got != sha) problems.push_back({sha, "corrupt: content hashes to " + got});
    else if (size != 0 && total != size) problems.push_back({sha, "wrong size " + std::to_string(total)});
  }
  return problems;
}

Result<BlobStore::GcResult> BlobStore::gc(const std::set<std::string>& referenced, bool dry_run) const {
  GcResult r;
  for (const auto& [sha, size] : list_objects()) {
    if (referenced.count(sha)) continue;
    ++r.objects;
    r.bytes += size;
    r.removed.push_back(sha);
    if (!dry_run) {
      std::error_code ec;
      fs::remove(object_path(sha), ec);
      if (ec) return make_error(ErrorKind::internal, "cannot remove: " + ec.message(), object_path(sha).string());
    }
  }
  std::error_code ec;
  for (fs::directory_iterator it(m_root / "tmp", ec), end; !ec && it != end; it.increment(ec)) {
    ++r.temps;
    r.temp_bytes += it->is_regular_file(ec) ? it->file_size(ec) : 0;
    if (!dry_run) fs::remove_all(it->path(), ec);
  }
  return r;
}

}  // namespace eductl
