#include "core/package/entry_source.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <system_error>
#include <vector>

#include "core/util/cancel.hpp"
#include "core/util/text.hpp"

namespace eductl {
namespace fs = std::filesystem;

void decode_entry_name(RawEntry& e) {
  if (is_valid_utf8(e.raw_name)) {
    e.name = e.raw_name;
    e.name_decoded = true;
  } else if (auto gbk = gbk_to_utf8(e.raw_name)) {
    e.name = std::move(*gbk);
    e.name_decoded = true;
  } else {
    e.name = printable(e.raw_name);
    e.name_decoded = false;
  }
}

namespace {

constexpr std::size_t k_block = 1 << 20;

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveDeleter>;

ArchivePtr new_reader(bool seekable_zip) {
  ArchivePtr a(archive_read_new());
  // The contract's containers only: zip and tar, plain or gzip/zstd/xz compressed.
  if (seekable_zip)
    archive_read_support_format_zip_seekable(a.get());
  else
    archive_read_support_format_zip_streamable(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_format_gnutar(a.get());
  archive_read_support_filter_gzip(a.get());
  archive_read_support_filter_zstd(a.get());
  archive_read_support_filter_xz(a.get());
  archive_read_support_filter_none(a.get());
  return a;
}

class ArchiveData final : public EntryData {
 public:
  explicit ArchiveData(archive* a) : m_a(a) {}
  Result<bool> next_block(const void** data, std::size_t* size) override {
    if (interrupted()) return make_error(ErrorKind::interrupted, "interrupted");
    if (!m_has_pending) {
      la_int64_t offset = 0;
      int r = archive_read_data_block(m_a, &m_pending.data, &m_pending.size, &offset);
      if (r == ARCHIVE_EOF) return false;
      // Data reads warn only when the data is damaged ("ZIP bad CRC"), which is corruption.
      if (r <= ARCHIVE_WARN)
        return make_error(ErrorKind::bad_input, archive_error_string(m_a) ? archive_error_string(m_a) : "read error");
      if (offset < 0 || static_cast<std::uint64_t>(offset) < m_pos)
        return make_error(ErrorKind::bad_input, "entry data out of order");
      m_pending.offset = static_cast<std::uint64_t>(offset);
      m_has_pending = true;
    }
    if (m_pos < m_pending.offset) {
      // Sparse hole: hand out zeros so hashes match the unpacked file.
      m_zeros.assign(std::min<std::uint64_t>(m_pending.offset - m_pos, k_block), 0);
      *data = m_zeros.data();
      *size = m_zeros.size();
    } else {
      *data = m_pending.data;
      *size = m_pending.size;
      m_has_pending = false;
    }
    m_pos += *size;
    return true;
  }
  std::int64_t packed_position() const override { return archive_filter_bytes(m_a, -1); }

 private:
  struct Pending {
    const void* data = nullptr;
    std::size_t size = 0;
    std::uint64_t offset = 0;
  };
  archive* m_a;
  std::uint64_t m_pos = 0;
  std::vector<char> m_zeros;
  Pending m_pending;
  bool m_has_pending = false;
};

EntryType entry_type(archive_entry* e) {
  if (archive_entry_hardlink(e)) return EntryType::hardlink;
  switch (archive_entry_filetype(e)) {
    case AE_IFREG: return EntryType::file;
    case AE_IFDIR: return EntryType::directory;
    case AE_IFLNK: return EntryType::symlink;
    default: return EntryType::special;
  }
}

Status walk_archive(archive* a, const EntryVisitor& visit) {
  for (;;) {
    if (interrupted()) return make_error(ErrorKind::interrupted, "interrupted");
    archive_entry* ae = nullptr;
    int r = archive_read_next_header(a, &ae);
    if (r == ARCHIVE_EOF) return ok_status();
    if (r < ARCHIVE_WARN) {
      const char* msg = archive_error_string(a);
      return make_error(ErrorKind::bad_input, msg ? msg : "corrupt archive header");
    }
    RawEntry e;
    // The locale-encoded name; under a locale that cannot hold it, the UTF-8 one.
    const char* raw = archive_entry_pathname(ae);
    if (!raw) raw = archive_entry_pathname_utf8(ae);
    e.raw_name = raw ? raw : "";
    decode_entry_name(e);
    e.type = entry_type(ae);
    if (const char* t = archive_entry_hardlink(ae)) e.link_target = t;
    else if (const char* s = archive_entry_symlink(ae)) e.link_target = s;
    e.header_size = archive_entry_size_is_set(ae) ? archive_entry_size(ae) : -1;
    ArchiveData data(a);
    if (auto st = visit(e, data); !st) return st;
    // Whatever the visitor left unread is skipped (and checked) by libarchive.
    r = archive_read_data_skip(a);
    if (r < ARCHIVE_WARN) {
      const char* msg = archive_error_string(a);
      return make_error(ErrorKind::bad_input, msg ? msg : "corrupt entry data");
    }
  }
}

class ArchiveSource final : public EntrySource {
 public:
  explicit ArchiveSource(fs::path path) : m_path(std::move(path)) {}
  ContainerKind kind() const override { return ContainerKind::archive; }
  Status walk(const EntryVisitor& visit) override {
    ArchivePtr a = new_reader(true);
    if (archive_read_open_filename(a.get(), m_path.c_str(), k_block) != ARCHIVE_OK)
      return make_error(ErrorKind::bad_input, archive_error_string(a.get()) ? archive_error_string(a.get()) : "cannot open archive");
    return walk_archive(a.get(), visit);
  }

 private:
  fs::path m_path;
};

class FileData final : public EntryData {
 public:
  explicit FileData(int fd) : m_fd(fd), m_buf(k_block) {}
  Result<bool> next_block(const void** data, std::size_t* size) override {
    if (interrupted()) return make_error(ErrorKind::interrupted, "interrupted");
    ssize_t n;
    do n = ::read(m_fd, m_buf.data(), m_buf.size());
    while (n < 0 && errno == EINTR);
    if (n < 0) return make_error(ErrorKind::bad_input, std::strerror(errno));
    if (n == 0) return false;
    *data = m_buf.data();
    *size = static_cast<std::size_t>(n);
    return true;
  }
  std::int64_t packed_position() const override { return -1; }

 private:
  int m_fd;
  std::vector<char> m_buf;
};

class NoData final : public EntryData {
 public:
  Result<bool> next_block(const void**, std::size_t*) override { return false; }
  std::int64_t packed_position() const override { return -1; }
};

class DirectorySource final : public EntrySource {
 public:
  explicit DirectorySource(fs::path root) : m_root(std::move(root)) {}
  ContainerKind kind() const override { return ContainerKind::directory; }
  Status walk(const EntryVisitor& visit) override {
    // Sorted, so results and hashes are independent of directory order.
    std::vector<fs::path> paths;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(m_root, fs::directory_options::none, ec), end; it != end;
         it.increment(ec)) {
      if (ec) return make_error(ErrorKind::bad_input, ec.message(), it->path().string());
      paths.push_back(it->path());
    }
    if (ec) return make_error(ErrorKind::bad_input, ec.message(), m_root.string());
    std::sort(paths.begin(), paths.end());
    for (const auto& p : paths) {
      if (interrupted()) return make_error(ErrorKind::interrupted, "interrupted");
      struct stat st {};
      if (::lstat(p.c_str(), &st) != 0) return make_error(ErrorKind::bad_input, std::strerror(errno), p.string());
      RawEntry e;
      e.raw_name = p.lexically_relative(m_root).generic_string();
      decode_entry_name(e);
      // A link count over 1 only says that a name elsewhere (cp -al, a backup tool) shares
      // the inode; inside the folder it is an ordinary file. PKG-HARDLINK is for archive
      // link entries, which have no content of their own.
      if (S_ISREG(st.st_mode)) e.type = EntryType::file;
      else if (S_ISDIR(st.st_mode)) e.type = EntryType::directory;
      else if (S_ISLNK(st.st_mode)) e.type = EntryType::symlink;
      else e.type = EntryType::special;
      e.header_size = S_ISREG(st.st_mode) ? st.st_size : 0;
      if (e.type == EntryType::symlink) {
        std::error_code lec;
        e.link_target = fs::read_symlink(p, lec).string();
      }
      if (e.type == EntryType::file) {
        int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) return make_error(ErrorKind::bad_input, std::strerror(errno), p.string());
        ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
        FileData data(fd);
        auto r = visit(e, data);
        ::close(fd);
        if (!r) return r;
      } else {
        NoData none;
        if (auto r = visit(e, none); !r) return r;
      }
    }
    return ok_status();
  }

 private:
  fs::path m_root;
};

// A zip inside a package, read from a stream the caller drives.
class NestedSource final : public EntrySource {
 public:
  explicit NestedSource(ReadCallback read) : m_read(std::move(read)) {}
  ContainerKind kind() const override { return ContainerKind::archive; }
  Status walk(const EntryVisitor& visit) override {
    ArchivePtr a = new_reader(false);
    if (archive_read_open(a.get(), this, nullptr, &NestedSource::read_cb, nullptr) != ARCHIVE_OK)
      return make_error(ErrorKind::bad_input, m_error.empty() ? (archive_error_string(a.get()) ? archive_error_string(a.get()) : "not a zip") : m_error);
    auto st = walk_archive(a.get(), visit);
    if (!st && !m_error.empty()) return make_error(st.error().kind == ErrorKind::interrupted ? ErrorKind::interrupted : ErrorKind::bad_input, m_error);
    return st;
  }

 private:
  static la_ssize_t read_cb(archive*, void* self_ptr, const void** buf) {
    auto* self = static_cast<NestedSource*>(self_ptr);
    std::size_t size = 0;
    auto r = self->m_read(buf, &size);
    if (!r) {
      self->m_error = r.error().message;
      return -1;
    }
    return *r ? static_cast<la_ssize_t>(size) : 0;
  }
  ReadCallback m_read;
  std::string m_error;
};

}  // namespace

Result<std::unique_ptr<EntrySource>> open_entry_source(const fs::path& path) {
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (ec || !fs::exists(status))
    return make_error(ErrorKind::bad_input, "no such file or directory", path.string());
  if (fs::is_directory(status)) return std::unique_ptr<EntrySource>(new DirectorySource(path));
  if (!fs::is_regular_file(status))
    return make_error(ErrorKind::bad_input, "not a regular file or directory", path.string());
  if (::access(path.c_str(), R_OK) != 0)
    return make_error(ErrorKind::bad_input, std::strerror(errno), path.string());
  return std::unique_ptr<EntrySource>(new ArchiveSource(path));
}

std::unique_ptr<EntryData> open_file_data(int fd) { return std::make_unique<FileData>(fd); }

Result<std::unique_ptr<EntrySource>> open_nested_archive(ReadCallback read) {
  return std::unique_ptr<EntrySource>(new NestedSource(std::move(read)));
}

}  // namespace eductl
