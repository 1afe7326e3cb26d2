// `mirror status`: what a data folder serves and whether it is whole: upstream, version,
// age, expiry, books, bytes, and the blobs its catalogue needs that are missing or
// (with a deep check) damaged.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/data/data_folder.hpp"
#include "core/mirror/state.hpp"

namespace eductl::mirror {

struct StatusReport {
  std::string role;  // "mirror" (synced from an upstream) or "publisher" (publishes its own)
  std::optional<MirrorState> state;
  std::int64_t version = 0;
  std::string created, expires, origin;
  std::int64_t age_seconds = 0;    // since the snapshot was created
  bool expired = false;
  std::uint64_t books = 0, blobs = 0, bytes = 0;
  std::uint64_t missing_blobs = 0, corrupt_blobs = 0;
  bool deep = false;               // blobs were re-hashed
  bool interrupted = false;
  std::vector<std::string> problems;  // sha256 + what is wrong, at most a few dozen
};

Result<StatusReport> mirror_status(const DataFolder& data, bool deep, std::int64_t now = 0);

}  // namespace eductl::mirror
