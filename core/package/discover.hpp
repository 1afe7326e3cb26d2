// Turns command-line PATHs into the list of packages to work on: an archive, an unpacked
// package folder (it has manifest.json), or a batch folder holding packages (one level,
// or every level with `recursive`). Order is stable (sorted) so runs are repeatable.
// What a batch folder holds besides packages comes back too, marked skipped.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/util/result.hpp"

namespace eductl {

struct PackageInput {
  std::filesystem::path path;
  std::optional<Error> error;  // the input could not be read at all
  std::uint64_t size = 0;      // bytes on disk, for progress
  // Non-empty: found in a batch folder but not taken as a package (a symbolic link, an
  // unsupported archive, any other file); reported as skipped with this reason, never
  // dropped in silence.
  std::string skipped;
};

std::vector<PackageInput> discover_packages(const std::vector<std::filesystem::path>& inputs, bool recursive);

bool looks_like_archive(const std::filesystem::path& file);

}  // namespace eductl
