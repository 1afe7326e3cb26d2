// `mirror sync`: takes a signed snapshot from an upstream (URL or folder) into a mirror's
// data folder. Everything is verified before anything is used; the new snapshot becomes
// visible (catalogue, public/) only when complete, by renames; a refusal or a failure
// leaves the mirror at its previous version.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/data/data_folder.hpp"
#include "core/findings/finding.hpp"
#include "core/mirror/minisign.hpp"
#include "core/mirror/selection.hpp"
#include "core/mirror/source.hpp"

namespace eductl::mirror {

struct SyncOptions {
  std::string source;
  std::optional<minisign::PublicKey> trust;  // required on the first sync
  bool retrust = false;                      // replace the remembered key with --trust
  std::optional<snapshot::Selection> selection;  // nullopt: keep the mirror's selection
  HttpOptions http;
  bool allow_expired = false;
  std::int64_t now = 0;  // 0: the clock
  std::function<void(std::uint64_t files, std::uint64_t bytes)> on_plan;
  FetchProgress progress;
};

enum class SyncOutcome { updated, unchanged, refused };

struct SyncResult {
  SyncOutcome outcome = SyncOutcome::unchanged;
  std::string upstream;
  std::int64_t version = 0, previous_version = 0;
  std::string expires;
  std::uint64_t books = 0, blobs = 0, bytes = 0;  // what the mirror now holds
  std::uint64_t parts_fetched = 0, blobs_fetched = 0, bytes_fetched = 0;  // what this sync fetched
  std::uint64_t bytes_transferred = 0, requests = 0;
  std::uint64_t removed_blobs = 0;
  bool key_rotated = false;
  std::string trusted_key_id;
  Findings findings;  // why a refused sync was refused
};

Result<SyncResult> sync(const DataFolder& data, const SyncOptions& options);

}  // namespace eductl::mirror
