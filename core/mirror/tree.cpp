#include "core/mirror/tree.hpp"

#include <unistd.h>

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
    for (const auto& f : part.part->record.files)
      if (!f.sha256.empty()) out.insert(f.sha256);
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

}  // namespace eductl::mirror
