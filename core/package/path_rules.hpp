// The contract's rules for a path inside a package, shared by the archive walker (entry
// names) and the manifest checks (files[].path), so both judge paths the same way.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace eductl {

struct PathProblem {
  std::string_view code;  // PKG-PATH-* rule code
  std::string detail;
};

// Problems of a UTF-8 path: traversal, absolute, backslash, control characters, length
// over 255 bytes, not NFC. Empty when the path is acceptable.
std::vector<PathProblem> path_problems(std::string_view path);

// Removes a trailing '/' and any "./" prefix, the spellings archivers use for the same path.
std::string normalise_entry_path(std::string_view path);

}  // namespace eductl
