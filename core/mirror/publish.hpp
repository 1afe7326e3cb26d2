// `mirror publish`: writes the tree a plain HTTP server serves to the next mirror level.
// New parts and blobs go in first, the signature and then the index last, each by
// atomic rename, so a reader sees the old snapshot or the new one. Files that the new
// or the previous index names are never removed, so a reader that fetched the previous
// index a moment ago still finds everything it names.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/data/data_folder.hpp"
#include "core/mirror/minisign.hpp"
#include "core/mirror/selection.hpp"
#include "core/mirror/tree.hpp"
#include "core/util/result.hpp"

namespace eductl::mirror {

struct PublishOptions {
  std::filesystem::path out;      // the tree to write (default <data>/public)
  std::int64_t expires_seconds = 7 * 86400;
  snapshot::Selection selection;
  std::string origin;             // free text naming this site in the index
  std::vector<minisign::PublicKey> next_keys;  // keys that may sign later snapshots (rotation)
  std::int64_t now = 0;           // 0: the clock
};

struct PublishResult {
  std::int64_t version = 0;
  std::string created, expires;
  std::filesystem::path out;
  std::uint64_t books = 0, blobs = 0, bytes = 0;
  std::uint64_t parts_written = 0;   // new part files
  std::uint64_t blobs_linked = 0, blobs_copied = 0;  // new blob files (hard link or copy)
  std::uint64_t removed = 0;         // files no index still names
  std::string key_id;
};

Result<PublishResult> publish(const DataFolder& data, const minisign::SecretKey& key, const PublishOptions& options);

// Puts `src` at `dst` (a blob-by-hash path) unless a file of that size is there: a hard
// link when both are on one file system (one copy on disk), else a copy hashed on the
// way (VerifiedCopier); the caller flushes the file system once for the batch.
enum class Placed { present, linked, copied };
Result<Placed> place_file(VerifiedCopier& copier, const std::filesystem::path& src, const std::filesystem::path& dst,
                          const std::string& sha, std::uint64_t size);

}  // namespace eductl::mirror
