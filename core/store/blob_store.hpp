// Content-addressed blob store: <data>/objects/ab/cd/<sha256>. A blob is staged in
// <data>/tmp, fsynced, then renamed into place, so an object file always holds exactly
// the bytes its name says. Identical bytes are stored once across all books.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "core/util/result.hpp"

namespace eductl {

// A file being written into the store's staging area.
class StagedBlob {
 public:
  StagedBlob() = default;
  StagedBlob(StagedBlob&&) noexcept;
  StagedBlob& operator=(StagedBlob&&) noexcept;
  StagedBlob(const StagedBlob&) = delete;
  ~StagedBlob();  // removes the temp file unless committed

  Status write(const void* data, std::size_t size);
  // Ends writing and starts writeback; the caller supplies the hash it computed while
  // writing. BlobStore::commit waits for the bytes to be on disk.
  Status finish(const std::string& sha256, std::uint64_t size);
  const std::string& sha256() const { return m_sha256; }
  std::uint64_t size() const { return m_size; }
  void discard();

 private:
  friend class BlobStore;
  int m_fd = -1;
  std::filesystem::path m_tmp;
  std::string m_sha256;
  std::uint64_t m_size = 0;
};

struct CommitStats {
  std::uint64_t stored_blobs = 0, stored_bytes = 0;  // new objects
  std::uint64_t dedup_blobs = 0, dedup_bytes = 0;    // already present
};

struct VerifyProblem {
  std::string sha256;
  std::string problem;  // "missing", "corrupt: hash is …", "wrong size"
};

class BlobStore {
 public:
  static Result<BlobStore> open(const std::filesystem::path& data_dir);

  std::filesystem::path object_path(const std::string& sha256) const;
  bool contains(const std::string& sha256) const;
  Result<StagedBlob> stage();
  // Flushes a finished blob and moves it into place (or drops it if the object exists).
  // The object's directory is fsynced now, or added to `dirs_to_sync` for one
  // sync_dirs() after a batch of commits. The StagedBlob is consumed either way.
  Status commit(StagedBlob& blob, CommitStats& stats, std::set<std::filesystem::path>* dirs_to_sync = nullptr);
  Status sync_dirs(const std::set<std::filesystem::path>& dirs) const;

  // Re-hashes the named objects; `progress` gets bytes hashed.
  std::vector<VerifyProblem> verify(const std::vector<std::pair<std::string, std::uint64_t>>& objects,
                                    const std::function<void(std::uint64_t)>& progress = {}) const;

  struct GcResult {
    std::uint64_t objects = 0, bytes = 0;  // unreferenced objects (removed unless dry run)
    std::uint64_t temps = 0, temp_bytes = 0;  // staging leftovers of interrupted imports
    std::vector<std::string> removed;
  };
  // Needs the writer lock held: staging files are then all leftovers.
  Result<GcResult> gc(const std::set<std::string>& referenced, bool dry_run) const;

  // Every object in the store with its size.
  std::vector<std::pair<std::string, std::uint64_t>> list_objects() const;
  const std::filesystem::path& root() const { return m_root; }

 private:
  explicit BlobStore(std::filesystem::path root) : m_root(std::move(root)) {}
  std::filesystem::path m_root;  // the data folder
};

}  // namespace eductl
