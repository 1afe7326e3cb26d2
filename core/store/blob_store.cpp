#include "core/store/blob_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <vector>

#include "core/util/cancel.hpp"
#include "core/util/fs.hpp"

namespace eductl {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_staging_prefix = "blob-";

bool is_link(const fs::path& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

}  // namespace

StagedBlob::StagedBlob(StagedBlob&& o) noexcept
    : m_tmp(std::move(o.m_tmp)), m_sha256(std::move(o.m_sha256)), m_size(o.m_size) {
  o.m_tmp.clear();
}

StagedBlob& StagedBlob::operator=(StagedBlob&& o) noexcept {
  if (this != &o) {
    discard();
    m_tmp = std::move(o.m_tmp);
    m_sha256 = std::move(o.m_sha256);
    m_size = o.m_size;
    o.m_tmp.clear();
  }
  return *this;
}

StagedBlob::~StagedBlob() { discard(); }

void StagedBlob::discard() {
  if (!m_tmp.empty()) ::unlink(m_tmp.c_str());
  m_tmp.clear();
}

BlobWriter::BlobWriter(int fd, fs::path tmp, std::string sha256, std::uint64_t size)
    : m_fd(fd), m_tmp(std::move(tmp)), m_expected_sha(std::move(sha256)), m_expected_size(size) {}

BlobWriter::BlobWriter(BlobWriter&& o) noexcept
    : m_fd(o.m_fd), m_tmp(std::move(o.m_tmp)), m_expected_sha(std::move(o.m_expected_sha)),
      m_expected_size(o.m_expected_size), m_written(o.m_written), m_hash(std::move(o.m_hash)) {
  o.m_fd = -1;
  o.m_tmp.clear();
}

BlobWriter::~BlobWriter() {
  if (m_fd >= 0) ::close(m_fd);
  if (!m_tmp.empty()) ::unlink(m_tmp.c_str());
}

Status BlobWriter::write(const void* data, std::size_t size) {
  if (m_written + size > m_expected_size)
    return make_error(ErrorKind::bad_input, "more bytes than the expected " + std::to_string(m_expected_size) +
                                                " of " + m_expected_sha.substr(0, 16) + "…; the content changed since it was checked");
  m_hash.update(data, size);
  m_written += size;
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

Result<StagedBlob> BlobWriter::finish() {
  // Start writeback now without waiting; commit() waits for it (fdatasync works on the
  // inode, whichever descriptor), so the flush overlaps reading the next files.
  ::sync_file_range(m_fd, 0, 0, SYNC_FILE_RANGE_WRITE);
  const int closed = ::close(m_fd);
  const int err = errno;
  m_fd = -1;
  if (closed != 0) return make_error(ErrorKind::internal, "cannot write to the content store: " + errno_text(err), m_tmp.string());
  const std::string got = m_hash.finish_hex();
  if (m_written != m_expected_size || got != m_expected_sha)
    return make_error(ErrorKind::bad_input, "content is " + std::to_string(m_written) + " bytes hashing to " +
                                                got.substr(0, 16) + "…, not the expected " + std::to_string(m_expected_size) +
                                                " bytes hashing to " + m_expected_sha.substr(0, 16) +
                                                "…; the content changed since it was checked");
  StagedBlob b;
  b.m_tmp = std::move(m_tmp);
  m_tmp.clear();
  b.m_sha256 = m_expected_sha;
  b.m_size = m_written;
  return b;
}

Result<BlobStore> BlobStore::open(const fs::path& objects_dir, const fs::path& tmp_dir, Access access) {
  if (access == Access::read_write) {
    if (is_link(tmp_dir))
      return make_error(ErrorKind::bad_input,
                        "the staging folder is a symbolic link; eductl neither writes nor cleans through links: "
                        "remove the link (eductl creates the folder again)",
                        tmp_dir.string());
    for (const fs::path& dir : {objects_dir, tmp_dir})
      if (auto st = make_dirs(dir); !st) return st.error();
  }
  return BlobStore(objects_dir, tmp_dir);
}

std::string object_relpath(std::string_view sha) {
  std::string p;
  p.reserve(6 + sha.size());
  p.append(sha.substr(0, 2)).append("/").append(sha.substr(2, 2)).append("/").append(sha);
  return p;
}

fs::path BlobStore::object_path(const std::string& sha) const { return m_objects / object_relpath(sha); }

bool BlobStore::has(const std::string& sha, std::uint64_t size) const {
  struct stat st {};
  return ::lstat(object_path(sha).c_str(), &st) == 0 && S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) == size;
}

Result<BlobWriter> BlobStore::begin(const std::string& sha256, std::uint64_t size) {
  if (!is_sha256_hex(sha256)) return make_error(ErrorKind::bad_input, "not a SHA-256: " + sha256);
  static std::atomic<unsigned> counter{0};
  fs::path tmp = m_tmp / (std::string(k_staging_prefix) + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
  if (fd < 0) return make_error(ErrorKind::internal, "cannot create a staging file: " + errno_text(errno), tmp.string());
  return BlobWriter(fd, std::move(tmp), sha256, size);
}

StagedBlob BlobStore::adopt_verified(const fs::path& file, std::string sha256, std::uint64_t size) {
  StagedBlob b;
  b.m_tmp = file;
  b.m_sha256 = std::move(sha256);
  b.m_size = size;
  return b;
}

Status BlobStore::commit(StagedBlob& blob, CommitStats& stats, std::set<fs::path>* dirs_to_sync, bool bytes_synced) {
  const fs::path target = object_path(blob.m_sha256);
  if (has(blob.m_sha256, blob.m_size)) {
    ++stats.dedup_blobs;
    stats.dedup_bytes += blob.m_size;
    blob.discard();
    return ok_status();
  }
  const bool replacing = fs::exists(fs::symlink_status(target));
  // The bytes must be durable before the name that vouches for them appears.
  if (!bytes_synced) {
    int fd = ::open(blob.m_tmp.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::fdatasync(fd) != 0) {
      int err = errno;
      if (fd >= 0) ::close(fd);
      return make_error(ErrorKind::internal, "cannot flush to the content store: " + errno_text(err), blob.m_tmp.string());
    }
    ::close(fd);
  }
  if (auto st = make_dirs(target.parent_path()); !st) return st;
  // rename() replaces a damaged object (or a link planted at its name) atomically.
  if (::rename(blob.m_tmp.c_str(), target.c_str()) != 0)
    return make_error(ErrorKind::internal, "cannot move a blob into the store: " + errno_text(errno), target.string());
  blob.m_tmp.clear();
  ++stats.stored_blobs;
  stats.stored_bytes += blob.m_size;
  if (replacing) ++stats.restored_blobs;
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
  for (fs::recursive_directory_iterator it(m_objects, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
    std::string name = it->path().filename().string();
    if (is_sha256_hex(name)) out.emplace_back(name, it->file_size(ec));
  }
  std::sort(out.begin(), out.end());
  return out;
}

VerifyResult BlobStore::verify(const std::vector<std::pair<std::string, std::uint64_t>>& objects,
                               const std::function<void(std::uint64_t)>& progress) const {
  VerifyResult r;
  for (const auto& [sha, size] : objects) {
    if (interrupted()) {
      r.interrupted = true;
      break;
    }
    ++r.checked;
    const fs::path p = object_path(sha);
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
      r.problems.push_back({sha, errno == ENOENT ? std::string("missing") : "unreadable: " + errno_text(errno)});
      continue;
    }
    auto d = sha256_fd(fd, p.string(), [&](std::uint64_t n) {
      r.bytes += n;
      if (progress) progress(n);
      return !interrupted();  // a large video should not hold up Ctrl-C
    });
    ::close(fd);
    if (!d && d.error().kind == ErrorKind::interrupted) {
      --r.checked;  // this one was not finished
      r.interrupted = true;
      break;
    }
    if (!d) r.problems.push_back({sha, "unreadable: " + d.error().message});
    else if (size != 0 && d->size != size)
      r.problems.push_back({sha, "wrong size: " + std::to_string(d->size) + " bytes, the catalogue says " + std::to_string(size)});
    else if (d->sha256 != sha) r.problems.push_back({sha, "corrupt: content hashes to " + d->sha256});
  }
  return r;
}

Status BlobStore::quarantine(const std::vector<std::string>& sha256s, const fs::path& quarantine_dir) const {
  if (auto st = make_dirs(quarantine_dir); !st) return st;
  for (const auto& sha : sha256s) {
    const fs::path from = object_path(sha);
    if (!fs::exists(fs::symlink_status(from))) continue;
    if (::rename(from.c_str(), (quarantine_dir / sha).c_str()) != 0)
      return make_error(ErrorKind::internal, "cannot move a damaged object aside: " + errno_text(errno), from.string());
  }
  return fsync_dir(quarantine_dir);
}

Result<BlobStore::GcResult> BlobStore::gc(const std::set<std::string>& referenced, bool dry_run) const {
  GcResult r;
  for (const auto& [sha, size] : list_objects()) {
    if (referenced.count(sha)) continue;
    ++r.objects;
    r.bytes += size;
    r.removed.push_back(sha);
    if (!dry_run && ::unlink(object_path(sha).c_str()) != 0 && errno != ENOENT)
      return make_error(ErrorKind::internal, "cannot remove: " + errno_text(errno), object_path(sha).string());
  }
  if (is_link(m_tmp)) {
    r.left_alone.push_back(m_tmp.string() + " (a symbolic link)");
    return r;
  }
  std::error_code ec;
  for (fs::directory_iterator it(m_tmp, ec), end; !ec && it != end; it.increment(ec)) {
    struct stat st {};
    const std::string name = it->path().filename().string();
    // Only eductl's own staging files: regular files named blob-*, never a link or a folder.
    if (::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode) || !name.starts_with(k_staging_prefix)) {
      r.left_alone.push_back(it->path().string());
      continue;
    }
    ++r.temps;
    r.temp_bytes += static_cast<std::uint64_t>(st.st_size);
    if (!dry_run && ::unlink(it->path().c_str()) != 0 && errno != ENOENT)
      return make_error(ErrorKind::internal, "cannot remove: " + errno_text(errno), it->path().string());
  }
  return r;
}

}  // namespace eductl
