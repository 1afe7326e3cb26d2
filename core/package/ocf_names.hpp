// OCF 3.3 file name rules for the entries of an EPUB container: characters the
// spec forbids, a trailing full stop, name and path length, and names that are
// equal after canonical normalisation and full case folding (or plainly equal:
// duplicate entries).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "core/findings/finding.hpp"

namespace eductl {

inline constexpr std::size_t k_ocf_max_name_bytes = 255;    // one file or folder name
inline constexpr std::size_t k_ocf_max_path_bytes = 65535;  // the whole path

// The first code point of `name` that OCF forbids in file names, or -1 if none.
// `name` is UTF-8; undecodable bytes are someone else's finding.
long forbidden_ocf_char(std::string_view name);

// Findings for the entry paths of an EPUB (UTF-8, '/'-separated, in container
// order, directories included), named "outer!path" in the findings.
Findings check_ocf_names(std::string_view outer_entry, const std::vector<std::string>& paths);

}  // namespace eductl
