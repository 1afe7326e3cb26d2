// Reads the national platform's resource listing (a JSON array of records, as in its
// tchMaterial and syncClassroom parts) and maps each textbook record onto BookRecord.
// A record that is no textbook or cannot be mapped becomes an LST-* finding naming its id
// and the failing tag, never dropped silently (docs/formats/platform-listing.md).
#pragma once
#include <cstddef>
#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <vector>

#include "core/package/book.hpp"
#include "core/package/scan.hpp"
#include "core/util/result.hpp"
#include "core/findings/finding.hpp"

namespace eductl {

struct ListingReadResult {
  std::size_t records = 0;        // records seen
  std::vector<BookRecord> books;  // source "platform-listing", package_id = record id
  Findings findings;              // Finding::entry = record id, or "record[N]" without one
};

// Error bad_input when the file is not readable, not JSON, or not a JSON array. A file
// that is no regular file, or is over `max_bytes`, is never read: one LST-FILE-TYPE or
// LST-FILE-TOO-LARGE finding with an empty entry (the whole file).
Result<ListingReadResult> read_platform_listing(const std::filesystem::path& file,
                                                std::uint64_t max_bytes = k_default_max_sidecar);

ListingReadResult map_platform_listing(const nlohmann::json& records);

}  // namespace eductl
