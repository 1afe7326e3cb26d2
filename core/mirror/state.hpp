// What a mirror remembers between syncs (<data>/mirror.json, written atomically): its
// upstream, the key it trusts (set by the first `--trust`, moved only by a rotation the
// old key signed), the snapshot it serves, and what makes a no-change sync one request.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/data/data_folder.hpp"
#include "core/mirror/selection.hpp"
#include "core/util/result.hpp"

namespace eductl::mirror {

struct MirrorState {
  std::string upstream;
  std::string trusted_key;             // minisign public key, base64
  std::vector<std::string> next_keys;  // named by the last verified index: a rotation may switch to them
  std::int64_t version = 0;
  std::string index_sha256;
  std::string created, expires, origin;
  std::string snapshot_dir;            // under <data>/snapshots/
  std::string etag, last_modified;     // of the upstream's index.json
  std::string synced_at;
  snapshot::Selection selection;
  std::uint64_t books = 0, blobs = 0, bytes = 0;
  std::string previous_snapshot_dir;   // kept one version for readers that began on it
};

std::filesystem::path state_file(const std::filesystem::path& data_root);

// A sync writes only into a mirror's own folder: one with the mirror's marker (or state
// file), or an empty or absent one. Anything else (an editor's catalogue in whatever
// state, a content store, a published tree) is a usage error (exit 2), decided from the
// folder's entries alone, before anything is opened or written.
Status check_mirror_folder(const DataFolder& data);
// Claims an empty folder for the mirror role (the marker), once, before the first write.
Status mark_mirror_folder(const DataFolder& data);
// nullopt when the folder is not a mirror; an error when the file is damaged.
Result<std::optional<MirrorState>> load_state(const std::filesystem::path& data_root);
Status save_state(const std::filesystem::path& data_root, const MirrorState& state);

}  // namespace eductl::mirror
