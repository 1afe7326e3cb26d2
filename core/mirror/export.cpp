#include "core/mirror/export.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <thread>

#include "core/mirror/snapshot.hpp"
#include "core/mirror/tree.hpp"
#include "core/util/cancel.hpp"
#include "core/util/fs.hpp"
#include "core/util/parallel.hpp"
#include "core/util/sha256.hpp"

namespace eductl::mirror {
namespace fs = std::filesystem;


namespace {

// One file of the export: a part or a blob, named by hash.
struct Item {
  std::string name, sha;
  std::uint64_t size;
  bool blob;
};

// The chosen books' parts that the tree holds, then their blobs.
std::vector<Item> plan_export(const fs::path& tree, const snapshot::Index& index, const snapshot::Selection& selection) {
  std::vector<Item> items;
  std::map<std::string, std::uint64_t> blobs;
  for (const auto& e : index.parts) {
    if (!selection.matches(e.facts)) continue;
    auto text = read_file(tree / snapshot::part_path(e.sha256), snapshot::k_max_part_bytes);
    if (!text) continue;  // a partial mirror does not hold every book the index names
    auto part = snapshot::parse_part(*text, snapshot::part_path(e.sha256));
    if (!part.part) continue;
    items.push_back({snapshot::part_path(e.sha256), e.sha256, e.size, false});
    blobs.merge(snapshot::part_blobs(*part.part, selection));
  }
  for (const auto& [sha, size] : blobs) items.push_back({snapshot::object_path(sha), sha, size, true});
  return items;
}

// Copies the items by one thread per core (hashing bounds a local copy); results are
// counted in order on this thread.
Status copy_items(const fs::path& tree, const std::vector<Item>& items, const ExportOptions& o, ExportResult& r) {
  std::uint64_t done_bytes = 0, done_files = 0;
  std::optional<Error> failure;
  const unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  parallel_ordered<Result<CopyOutcome>>(
      items.size(), jobs,
      [&](std::size_t i) -> Result<CopyOutcome> {
        thread_local VerifiedCopier copier;
        copier.verify_existing = o.verify_existing;
        return copier.copy(tree / items[i].name, o.dir / items[i].name, items[i].sha, items[i].size);
      },
      [&](std::size_t i, Result<CopyOutcome> c) {
        const Item& it = items[i];
        if (!c) {
          if (!failure) failure = c.error();
          return;
        }
        ++done_files;
        done_bytes += it.size;
        if (*c == CopyOutcome::copied) {
          ++r.files_written;
          r.bytes_written += it.size;
        } else if (*c == CopyOutcome::kept) {
          ++r.files_kept;
        } else {
          const bool missing = *c == CopyOutcome::source_missing;
          r.findings.push_back(make_finding(missing ? "MIR-BLOB-MISSING" : "MIR-BLOB-CORRUPT", it.name,
                                            it.sha + (missing ? " is missing from " : " is damaged in ") + tree.string()));
        }
        if (it.blob) {
          r.blobs++;
          r.bytes += it.size;
        }
        if (o.progress) o.progress(done_bytes, done_files);
      });
  if (failure) return *failure;
  return ok_status();
}

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
  const std::vector<Item> items = plan_export(tree, index, o.selection);
  std::uint64_t total_bytes = 0, parts = 0;
  for (const auto& it : items) {
    if (it.blob) total_bytes += it.size;
    else ++parts;
  }
  if (o.on_plan) o.on_plan(items.size(), total_bytes);
  if (auto s = make_dirs(o.dir); !s) return s.error();
  if (auto s = copy_items(tree, items, o, r); !s) return s.error();
  r.books = parts;
  if (!r.findings.empty()) return r;  // no index: the export is not finished
  // One flush for all the bytes, then the index that vouches for them.
  if (auto s = sync_file_system(o.dir); !s) return s.error();
  // Which books the disk holds, for the operator (unsigned: `mirror sync` takes books by
  // its own filters only, and names these in its message when the disk lacks a book).
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
