// Structural checks of a zip nested in a package (EPUB 3 OCF container or courseware
// bundle), done on the stream as the outer entry is read: no temp file, one level deep.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "core/package/entry_source.hpp"
#include "core/findings/finding.hpp"

namespace eductl {

struct ZipInspectLimits {
  std::uint64_t max_entries = 100000;
  std::uint64_t max_small_file = 4 << 20;  // container.xml / OPF buffered up to this size
  std::uint64_t max_unpacked = 20ull << 30;  // all entries together
};

struct ZipInspectResult {
  Findings epub;            // findings if the file is read as EPUB 3
  Findings zip;             // findings if the file is read as a courseware zip
  std::uint64_t entries = 0;
};

// `outer_entry` names the file in the package (used in finding entries as
// "outer!inner"); `head` is the file's first bytes (for the local header of the first
// entry); `read` pulls the file's bytes.
ZipInspectResult inspect_nested_zip(std::string_view outer_entry, std::string_view head, ReadCallback read,
                                    const ZipInspectLimits& limits);

}  // namespace eductl
