// The data folder's layout in one place (catalogue, content store, staging, lock, and
// the files later capabilities add) and the way commands open what they need: readers
// read-only, creating and writing nothing; writers behind the lock.
#pragma once
#include <filesystem>

#include "core/util/access.hpp"
#include "core/catalog/catalog.hpp"
#include "core/store/blob_store.hpp"
#include "core/util/lock.hpp"
#include "core/util/result.hpp"

namespace eductl {


class DataFolder {
 public:
  explicit DataFolder(std::filesystem::path root) : m_root(std::move(root)) {}

  const std::filesystem::path& root() const { return m_root; }
  std::filesystem::path catalog_file() const { return m_root / "catalog.sqlite"; }
  std::filesystem::path objects_dir() const { return m_root / "objects"; }
  std::filesystem::path tmp_dir() const { return m_root / "tmp"; }
  std::filesystem::path quarantine_dir() const { return m_root / "quarantine"; }
  std::filesystem::path lock_file() const { return m_root / "lock"; }
  std::filesystem::path usage_file() const { return m_root / "usage.sqlite"; }
  std::filesystem::path index_file() const { return m_root / "index.sqlite"; }
  std::filesystem::path snapshots_dir() const { return m_root / "snapshots"; }
  std::filesystem::path public_dir() const { return m_root / "public"; }
  std::filesystem::path keys_dir() const { return m_root / "keys"; }
  // Present only in a mirror's folder (core/mirror/state.hpp): its catalogue comes from
  // the upstream's signed snapshot and is never written by anything else.
  std::filesystem::path mirror_state_file() const { return m_root / "mirror.json"; }
  // Written by a mirror's first sync before anything else, into an empty folder: the
  // folder's role, readable without opening (or trusting) its catalogue.
  std::filesystem::path mirror_marker_file() const { return m_root / "mirror.marker"; }
  // The marker or the state file is there: the catalogue is the upstream's, not an editor's.
  bool is_mirror() const;

  // Error locked (exit 5) naming the holder when another writer has the folder.
  Result<WriterLock> lock(const char* purpose) const;
  // read_write is refused in a mirror's folder (exit 2): import into the upstream.
  Result<Catalog> catalog(Access access) const;
  Result<BlobStore> store(Access access) const;

 private:
  std::filesystem::path m_root;
};

}  // namespace eductl
