#include "core/mirror/export.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <map>

#include "core/mirror/snapshot.hpp"
#include "core/mirror/tree.hpp"
#include "core/util/cancel.hpp"
#include "core/util/fs.hpp"
#include "core/util/sha256.hpp"

namespace eductl::mirror {
namespace fs = std::filesystem;

namespace {

enum class CopyOutcome { copied, kept, source_missing, source_corrupt };

struct Copier {
  std::vector<char> buf = std::vector<char>(1 << 20);
  bool verify_existing = false;

  // Hashes while copying; the file gets its final name only when its bytes are right.
  Result<CopyOutcome> copy(const fs::path& src, const fs::path& dst, const std::string& sha, std::uint64_t size,
                           const std::function<void(std::uint64_t)>& moved) {
    struct stat st {};
    if (::lstat(dst.c_str(), &st) == 0 && S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) == size) {
      if (!verify_existing || hash_file(dst) == sha) return CopyOutcome::kept;
    }
    int in = ::open(src.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) return CopyOutcome::source_missing;
    if (auto s = make_dirs(dst.parent_path()); !s) {
      ::close(in);
      return s.error();
    }
    fs::path tmp = dst.string() + ".partial";
    int out = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (out < 0) {
      int e = errno;
      ::close(in);
      return make_error(ErrorKind::internal, "cannot write: " + errno_text(e), tmp.string());
    }
    Sha256 hash;
    std::uint64_t total = 0;
    std::optional<Error> err;
    for (;;) {
      if (interrupted()) {
        err = make_error(ErrorKind::interrupted, "interrupted; run the export again to resume");
        break;
      }
      ssize_t n = ::read(in, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        err = make_error(ErrorKind::internal, "read error: " + errno_text(errno), src.string());
        break;
      }
      if (n == 0) break;
      hash.update(buf.data(), static_cast<std::size_t>(n));
      total += static_cast<std::uint64_t>(n);
      for (ssize_t off = 0; off < n && !err;) {
        ssize_t w = ::write(out, buf.data() + off, static_cast<std::size_t>(n - off));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) err = make_error(ErrorKind::internal, "cannot write: " + errno_text(errno), tmp.string());
        else off += w;
      }
      if (err) break;
      if (moved) moved(static_cast<std::uint64_t>(n));
    }
    ::close(in);
    ::close(out);
    if (err) {
      if (err->kind != ErrorKind::interrupted) ::unlink(tmp.c_str());
      return *err;
    }
    if (total != size || hash.finish_hex() != sha) {
      ::unlink(tmp.c_str());
      return CopyOutcome::source_corrupt;
    }
    if (::rename(tmp.c_str(), dst.c_str()) != 0)
      return make_error(ErrorKind::internal, "cannot rename: " + errno_text(errno), dst.string());
    return CopyOutcome::copied;
  }

  std::string hash_file(const fs::path& p) {
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return {};
    Sha256 h;
    for (;;) {
      ssize_t n = ::read(fd, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      h.update(buf.data(), static_cast<std::size_t>(n));
    }
    ::close(fd);
    return h.finish_hex();
  }
};

}  // namespace

Result<ExportResult> export_tree(const DataFolder& data, const ExportOptions& o) {
  ExportResult r;
  auto lock = data.lock("mirror export");  // the served tree must not switch under the copy
  if (!lock) return lock.error();
  const fs::path tree = data.public_dir();
  auto index_text = read_file(tree / snapshot::k_index_file, snapshot::k_max_index_bytes);
  if (!index_text)
    return make_error(ErrorKind::bad_input,
                      "nothing to export: this data folder serves no snapshot yet (run `eductl mirror publish` or `eductl mirror sync`)",
                      tree.string());
  auto sig_text = read_file(tree / snapshot::k_signature_file, 64 * 1024);
  if (!sig_text) return sig_text.error();
  auto parsed = snapshot::parse_index(*index_text);
  if (!parsed.index) {
    r.findings = parsed.findings;
    return r;
  }
  const auto& index = *parsed.index;
  r.version = index.version;

  std::vector<std::pair<std::string, std::uint64_t>> parts;  // sha, size
  std::map<std::string, std::uint64_t> blobs;
  for (const auto& e : index.parts) {
    if (!o.selection.matches(e.facts)) continue;
    auto text = read_file(tree / snapshot::part_path(e.sha256), snapshot::k_max_part_bytes);
    if (!text) continue;  // a partial mirror does not hold every book the index names
    auto part = snapshot::parse_part(*text, snapshot::part_path(e.sha256));
    if (!part.part) continue;
    parts.emplace_back(e.sha256, e.size);
    for (const auto& f : part.part->record.files)
      if (!f.sha256.empty()) blobs.emplace(f.sha256, f.size);
  }
  std::uint64_t total_bytes = 0;
  for (const auto& [sha, size] : blobs) total_bytes += size;
  if (o.on_plan) o.on_plan(parts.size() + blobs.size(), total_bytes);
  if (auto s = make_dirs(o.dir); !s) return s.error();

  Copier copier;
  copier.verify_existing = o.verify_existing;
  std::uint64_t done_bytes = 0, done_files = 0;
  auto moved = [&](std::uint64_t n) {
    done_bytes += n;
    if (o.progress) o.progress(done_bytes, done_files);
  };
  auto account = [&](CopyOutcome c, const std::string& name, const std::string& sha, std::uint64_t size) {
    ++done_files;
    if (c == CopyOutcome::copied) {
      ++r.files_written;
      r.bytes_written += size;
    } else if (c == CopyOutcome::kept) {
      ++r.files_kept;
      done_bytes += size;
    } else {
      r.findings.push_back(make_finding(c == CopyOutcome::source_missing ? "MIR-BLOB-MISSING" : "MIR-BLOB-CORRUPT", name,
                                        sha + (c == CopyOutcome::source_missing ? " is missing from " : " is damaged in ") +
                                            tree.string()));
    }
  };
  for (const auto& [sha, size] : parts) {
    std::string name = snapshot::part_path(sha);
    auto c = copier.copy(tree / name, o.dir / name, sha, size, moved);
    if (!c) return c.error();
    account(*c, name, sha, size);
  }
  for (const auto& [sha, size] : blobs) {
    std::string name = snapshot::object_path(sha);
    auto c = copier.copy(tree / name, o.dir / name, sha, size, moved);
    if (!c) return c.error();
    account(*c, name, sha, size);
    r.blobs++;
    r.bytes += size;
  }
  r.books = parts.size();
  if (!r.findings.empty()) return r;  // no index: the export is not finished
  // One flush for all the bytes, then the index that vouches for them.
  if (auto s = sync_file_system(o.dir); !s) return s.error();
  // Which books the disk holds: `mirror sync DIR` takes these when given no filters.
  nlohmann::json info = {{"schema", "eductl.mirror.export-info/1"}, {"version", index.version},
                         {"selection", snapshot::selection_to_json(o.selection)}, {"books", r.books}};
  if (auto s = write_file_atomic(o.dir / k_export_info, info.dump() + "\n"); !s) return s.error();
  if (auto s = write_file_atomic(o.dir / snapshot::k_signature_file, *sig_text); !s) return s.error();
  if (auto s = write_file_atomic(o.dir / snapshot::k_index_file, *index_text); !s) return s.error();
  auto removed = remove_unnamed(o.dir, index, nullptr);
  if (removed) r.removed = *removed;
  return r;
}

}  // namespace eductl::mirror
