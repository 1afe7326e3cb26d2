#include "core/mirror/status.hpp"

#include <ctime>
#include <map>

#include "core/mirror/selection.hpp"
#include "core/mirror/snapshot.hpp"
#include "core/mirror/tree.hpp"
#include "core/util/fs.hpp"

namespace eductl::mirror {
namespace fs = std::filesystem;

Result<StatusReport> mirror_status(const DataFolder& data, bool deep, std::int64_t now) {
  StatusReport r;
  if (!now) now = static_cast<std::int64_t>(std::time(nullptr));
  auto state = load_state(data.root());
  if (!state) return state.error();
  r.state = *state;
  r.role = data.is_mirror() ? "mirror" : "publisher";
  const fs::path tree = data.public_dir();
  auto index = read_index_unverified(tree);
  if (!index)
    return make_error(ErrorKind::bad_input,
                      "this data folder serves no snapshot yet (run `eductl mirror publish`, or `eductl mirror sync` for a mirror)",
                      tree.string());
  r.version = index->version;
  r.created = index->created;
  r.expires = index->expires;
  r.origin = index->origin;
  if (auto c = snapshot::parse_utc(index->created)) r.age_seconds = now - *c;
  if (auto e = snapshot::parse_utc(index->expires)) r.expired = *e <= now;

  // The blobs of the parts this tree holds (a partial mirror holds some of them).
  std::map<std::string, std::uint64_t> blobs;
  for (const auto& e : index->parts) {
    auto text = read_file(tree / snapshot::part_path(e.sha256), snapshot::k_max_part_bytes);
    if (!text) continue;
    auto part = snapshot::parse_part(*text, e.sha256);
    if (!part.part) continue;
    ++r.books;
    // A mirror holds the renditions its selection chose; a publisher all of them.
    blobs.merge(snapshot::part_blobs(*part.part, r.state ? r.state->selection : snapshot::Selection{}));
  }
  auto store = BlobStore::open(tree / "objects", data.tmp_dir(), Access::read_only);
  if (!store) return store.error();
  std::vector<std::pair<std::string, std::uint64_t>> present;
  for (const auto& [sha, size] : blobs) {
    ++r.blobs;
    r.bytes += size;
    if (!store->has(sha, size)) {
      ++r.missing_blobs;
      if (r.problems.size() < 50) r.problems.push_back(sha + ": missing");
    } else {
      present.emplace_back(sha, size);
    }
  }
  if (deep) {
    r.deep = true;
    auto v = store->verify(present);
    r.interrupted = v.interrupted;
    r.corrupt_blobs = v.problems.size();
    for (const auto& p : v.problems)
      if (r.problems.size() < 50) r.problems.push_back(p.sha256 + ": " + p.problem);
  }
  return r;
}

}  // namespace eductl::mirror
