// A published tree on disk (a publisher's OUT, a mirror's snapshot folder, an export):
// index.json + index.json.minisig, parts/<sha256>.json, objects/ab/cd/<sha256>.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <vector>
#include <optional>
#include <set>
#include <string>

#include "core/mirror/snapshot.hpp"
#include "core/util/result.hpp"

namespace eductl::mirror {

// The tree's own index, read without checking its signature: only for the publisher's
// bookkeeping (the next version number, what a reader may still fetch), never for trust.
std::optional<snapshot::Index> read_index_unverified(const std::filesystem::path& tree);

// Every blob hash the index's parts name, read from the tree's parts folder. Parts that
// are missing or unreadable are skipped (what they named is then not protected).
std::set<std::string> blobs_named(const std::filesystem::path& tree, const snapshot::Index& index);

// The blobs a tree held by a mirror names, for deciding what clean-up may delete: the
// index must read and parse, and so must every part the tree holds (a part it does not
// hold is a book the mirror did not take). Any doubt is an error, never a smaller set.
Result<std::set<std::string>> blobs_held(const std::filesystem::path& tree);

// Removes part and blob files that neither index names; returns how many went.
Result<std::uint64_t> remove_unnamed(const std::filesystem::path& tree, const snapshot::Index& current,
                                     const snapshot::Index* previous);

enum class CopyOutcome { copied, kept, source_missing, source_corrupt };

// Copies files of a tree (blob or part, named by hash), hashing while it copies: the copy
// gets its final name only when its bytes are the ones its name says, and a file already
// there with the right size is kept (re-hashed first with `verify_existing`). Nothing is
// flushed: callers flush the file system once for a batch (sync_file_system).
class VerifiedCopier {
 public:
  bool verify_existing = false;
  Result<CopyOutcome> copy(const std::filesystem::path& src, const std::filesystem::path& dst, const std::string& sha,
                           std::uint64_t size, const std::function<void(std::uint64_t)>& moved = {});

 private:
  static bool has_digest(const std::filesystem::path& p, const std::string& sha);
  std::vector<char> m_buf = std::vector<char>(1 << 20);
};

}  // namespace eductl::mirror
