#include "core/package/path_rules.hpp"

#include <optional>

#include "core/util/text.hpp"

namespace eductl {

std::string normalise_entry_path(std::string_view path) {
  while (path.starts_with("./")) path.remove_prefix(2);
  while (path.size() > 1 && path.ends_with('/')) path.remove_suffix(1);
  return std::string(path);
}

std::vector<PathProblem> path_problems(std::string_view path) {
  std::vector<PathProblem> out;
  if (path.starts_with('/') || (path.size() >= 2 && path[1] == ':' &&
                                ((path[0] >= 'A' && path[0] <= 'Z') || (path[0] >= 'a' && path[0] <= 'z'))))
    out.push_back({"PKG-PATH-ABSOLUTE", "path is absolute"});
  if (path.find('\\') != std::string_view::npos)
    out.push_back({"PKG-PATH-BACKSLASH", "path contains a backslash"});
  // A `..` segment, also when spelled with backslashes, which Windows tools honour.
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find_first_of("/\\", start);
    if (end == std::string_view::npos) end = path.size();
    if (path.substr(start, end - start) == "..") {
      out.push_back({"PKG-PATH-TRAVERSAL", "path leaves the package through `..`"});
      break;
    }
    start = end + 1;
  }
  // C1 and bidi controls too: a name with U+202E displays reversed (a "fdp.exe" trick).
  std::optional<char32_t> control;
  for (unsigned char c : path)
    if (c < 0x20 || c == 0x7f) {
      control = c;
      break;
    }
  if (!control && is_valid_utf8(path)) control = first_unsafe_codepoint(path);
  if (control) out.push_back({"PKG-PATH-CONTROL", "path contains the control character " + codepoint_name(*control)});
  if (path.size() > 255)
    out.push_back({"PKG-PATH-TOO-LONG", "path is " + std::to_string(path.size()) + " bytes, over 255"});
  if (is_valid_utf8(path) && !is_nfc(path))
    out.push_back({"PKG-PATH-NFC", "path is not in Unicode NFC form"});
  return out;
}

}  // namespace eductl
