#include "core/mirror/tree.hpp"

#include "core/mirror/selection.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "core/util/cancel.hpp"
#include "core/util/fs.hpp"
#include "core/util/sha256.hpp"

namespace eductl::mirror {
namespace fs = std::filesystem;

std::optional<snapshot::Index> read_index_unverified(const fs::path& tree) {
  auto text = read_file(tree / snapshot::k_index_file, snapshot::k_max_index_bytes);
  if (!text) return std::nullopt;
  auto parsed = snapshot::parse_index(*text);
  return parsed.index;
}

std::set<std::string> blobs_named(const fs::path& tree, const snapshot::Index& index) {
  std::set<std::string> out;
  for (const auto& e : index.parts) {
    auto text = read_file(tree / snapshot::part_path(e.sha256), snapshot::k_max_part_bytes);
    if (!text) continue;
    auto part = snapshot::parse_part(*text, e.sha256);
    if (!part.part) continue;
    for (const auto& [sha, size] : snapshot::part_blobs(*part.part, {})) out.insert(sha);
  }
  return out;
}

Result<std::set<std::string>> blobs_held(const fs::path& tree) {
  auto text = read_file(tree / snapshot::k_index_file, snapshot::k_max_index_bytes);
  if (!text) return text.error();
  auto index = snapshot::parse_index(*text);
  if (!index.index)
    return make_error(ErrorKind::bad_input, "cannot be parsed: " + index.findings.front().message,
                      (tree / snapshot::k_index_file).string());
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& e : index.index->parts) {
    const fs::path file = tree / snapshot::part_path(e.sha256);
    if (!fs::exists(fs::symlink_status(file, ec))) continue;
    auto part_text = read_file(file, snapshot::k_max_part_bytes);
    if (!part_text) return part_text.error();
    auto part = snapshot::parse_part(*part_text, e.sha256);
    if (!part.part) return make_error(ErrorKind::bad_input, "cannot be parsed: " + part.findings.front().message, file.string());
    for (const auto& [sha, size] : snapshot::part_blobs(*part.part, {})) out.insert(sha);
  }
  return out;
}

Result<std::uint64_t> remove_unnamed(const fs::path& tree, const snapshot::Index& current,
                                     const snapshot::Index* previous) {
  std::set<std::string> parts, blobs = blobs_named(tree, current);
  for (const auto& e : current.parts) parts.insert(e.sha256);
  if (previous) {
    for (const auto& e : previous->parts) parts.insert(e.sha256);
    blobs.merge(blobs_named(tree, *previous));
  }
  std::uint64_t removed = 0;
  std::error_code ec;
  // Only names of the tree's own shape are touched; anything else an operator put
  // there (a README, a robots.txt) stays.
  for (fs::directory_iterator it(tree / "parts", ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.size() != 69 || name.substr(64) != ".json" || !is_sha256_hex(name.substr(0, 64))) continue;
    if (parts.count(name.substr(0, 64)) || !it->is_regular_file(ec)) continue;
    if (::unlink(it->path().c_str()) == 0) ++removed;
  }
  ec.clear();
  for (fs::recursive_directory_iterator it(tree / "objects", fs::directory_options::none, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it.depth() < 2 || !it->is_regular_file(ec) || it->is_symlink(ec)) continue;
    std::string name = it->path().filename().string();
    if (!is_sha256_hex(name) || blobs.count(name)) continue;
    if (::unlink(it->path().c_str()) == 0) ++removed;
  }
  return removed;
}

Result<CopyOutcome> VerifiedCopier::copy(const fs::path& src, const fs::path& dst, const std::string& sha,
                                       std::uint64_t size, const std::function<void(std::uint64_t)>& moved) {
  struct stat st {};
  if (::lstat(dst.c_str(), &st) == 0 && S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) == size) {
    if (!verify_existing || has_digest(dst, sha)) return CopyOutcome::kept;
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
    ssize_t n = ::read(in, m_buf.data(), m_buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      err = make_error(ErrorKind::internal, "read error: " + errno_text(errno), src.string());
      break;
    }
    if (n == 0) break;
    hash.update(m_buf.data(), static_cast<std::size_t>(n));
    total += static_cast<std::uint64_t>(n);
    for (ssize_t off = 0; off < n && !err;) {
      ssize_t w = ::write(out, m_buf.data() + off, static_cast<std::size_t>(n - off));
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

bool VerifiedCopier::has_digest(const fs::path& p, const std::string& sha) {
  auto d = sha256_file(p);  // a read error is a mismatch, never a digest of what was read so far
  return d && d->sha256 == sha;
}

}  // namespace eductl::mirror
