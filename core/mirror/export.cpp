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
    blobs.merge(snapshot::part_blobs(*part.part, o.selection));
  }
  std::uint64_t total_bytes = 0;
  for (const auto& [sha, size] : blobs) total_bytes += size;
  if (o.on_plan) o.on_plan(parts.size() + blobs.size(), total_bytes);
  if (auto s = make_dirs(o.dir); !s) return s.error();

  VerifiedCopier copier;
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
