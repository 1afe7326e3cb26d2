// Content-addressed blob store: objects/ab/cd/<sha256>. A blob is written into the
// staging folder while it is hashed, checked against the hash and size it must have,
// fsynced, then renamed into place, so an object file always holds exactly the bytes
// its name says. Identical bytes are stored once across all books.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/access.hpp"
#include "core/util/result.hpp"
#include "core/util/sha256.hpp"

namespace eductl {


// The one spelling of the store's layout: "ab/cd/<sha256>" below objects/. The content
// store, a published snapshot tree and a USB export all use it.
std::string object_relpath(std::string_view sha256);

// A blob whose bytes are in the staging folder, checked, not yet in the store. Its
// temp file goes when it is dropped uncommitted.
class StagedBlob {
 public:
  StagedBlob() = default;
  StagedBlob(StagedBlob&&) noexcept;
  StagedBlob& operator=(StagedBlob&&) noexcept;
  StagedBlob(const StagedBlob&) = delete;
  ~StagedBlob();

  const std::string& sha256() const { return m_sha256; }
  std::uint64_t size() const { return m_size; }
  void discard();

 private:
  friend class BlobStore;
  friend class BlobWriter;
  std::filesystem::path m_tmp;
  std::string m_sha256;
  std::uint64_t m_size = 0;
};

// Writes one blob into staging, hashing the bytes itself. finish() refuses content
// whose hash or size is not the expected one (a manifest's declaration, a snapshot's
// index): an object's name is never taken on trust.
class BlobWriter {
 public:
  BlobWriter(BlobWriter&&) noexcept;
  BlobWriter& operator=(BlobWriter&&) = delete;
  BlobWriter(const BlobWriter&) = delete;
  ~BlobWriter();

  // bad_input when more bytes arrive than expected; internal on a write error.
  Status write(const void* data, std::size_t size);
  // bad_input on a hash or size mismatch (the temp file is removed).
  Result<StagedBlob> finish();

 private:
  friend class BlobStore;
  BlobWriter(int fd, std::filesystem::path tmp, std::string sha256, std::uint64_t size);
  int m_fd = -1;
  std::filesystem::path m_tmp;
  std::string m_expected_sha;
  std::uint64_t m_expected_size = 0;
  std::uint64_t m_written = 0;
  Sha256 m_hash;
};

struct CommitStats {
  std::uint64_t stored_blobs = 0, stored_bytes = 0;  // new objects
  std::uint64_t dedup_blobs = 0, dedup_bytes = 0;    // already present
  std::uint64_t restored_blobs = 0;                  // replaced a missing or damaged object
};

struct VerifyProblem {
  std::string sha256;
  std::string problem;  // "missing", "corrupt: content hashes to …", "wrong size …"
};

struct VerifyResult {
  std::uint64_t checked = 0, bytes = 0;
  bool interrupted = false;
  std::vector<VerifyProblem> problems;
};

class BlobStore {
 public:
  // read_only creates nothing; read_write creates the folders, and refuses a staging
  // folder that is a symbolic link (its target is not eductl's to write or clean).
  static Result<BlobStore> open(const std::filesystem::path& objects_dir, const std::filesystem::path& tmp_dir,
                                Access access);

  std::filesystem::path object_path(const std::string& sha256) const;
  // True when the object is a regular file of exactly this size (a truncated or
  // replaced object is not "stored", so an import restores it).
  bool has(const std::string& sha256, std::uint64_t size) const;
  // Starts a blob that must hash to `sha256` and be `size` bytes long.
  Result<BlobWriter> begin(const std::string& sha256, std::uint64_t size);
  // Takes a file the caller hashed to `sha256` byte by byte as it wrote it (a verified
  // download, on the staging folder's file system) as a staged blob, ready to commit.
  static StagedBlob adopt_verified(const std::filesystem::path& file, std::string sha256, std::uint64_t size);
  // Flushes a staged blob and moves it into place, replacing a damaged object of that
  // name, or drops it when a sound object is already there. The object's directory is
  // fsynced now, or added to `dirs_to_sync` for one sync_dirs() after a batch of commits.
  // `bytes_synced`: the caller flushed the staged bytes already (one syncfs for a batch
  // of downloads), so the per-blob fdatasync is skipped.
  Status commit(StagedBlob& blob, CommitStats& stats, std::set<std::filesystem::path>* dirs_to_sync = nullptr,
                bool bytes_synced = false);
  Status sync_dirs(const std::set<std::filesystem::path>& dirs) const;

  // Re-hashes the named objects; stops at an interrupt with what was checked so far.
  VerifyResult verify(const std::vector<std::pair<std::string, std::uint64_t>>& objects,
                      const std::function<void(std::uint64_t)>& progress = {}) const;
  // Moves damaged objects out of the store into `quarantine_dir` (kept for inspection),
  // so that the next import of content with those bytes stores them again.
  Status quarantine(const std::vector<std::string>& sha256s, const std::filesystem::path& quarantine_dir) const;

  struct GcResult {
    std::uint64_t objects = 0, bytes = 0;     // unreferenced objects (removed unless dry run)
    std::uint64_t temps = 0, temp_bytes = 0;  // staging leftovers of interrupted imports
    std::vector<std::string> removed;
    std::vector<std::string> left_alone;      // entries of the staging folder that are not eductl's
  };
  // Needs the writer lock held: staging files are then all leftovers. Removes only
  // objects and eductl's own staging files; never follows a link.
  Result<GcResult> gc(const std::set<std::string>& referenced, bool dry_run) const;

  // Every object in the store with its size.
  std::vector<std::pair<std::string, std::uint64_t>> list_objects() const;

 private:
  BlobStore(std::filesystem::path objects, std::filesystem::path tmp) : m_objects(std::move(objects)), m_tmp(std::move(tmp)) {}
  std::filesystem::path m_objects;
  std::filesystem::path m_tmp;
};

}  // namespace eductl
