// A published tree on disk (a publisher's OUT, a mirror's snapshot folder, an export):
// index.json + index.json.minisig, parts/<sha256>.json, objects/ab/cd/<sha256>.
#pragma once
#include <cstdint>
#include <filesystem>
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

// Removes part and blob files that neither index names; returns how many went.
Result<std::uint64_t> remove_unnamed(const std::filesystem::path& tree, const snapshot::Index& current,
                                     const snapshot::Index* previous);

}  // namespace eductl::mirror
