#include "core/package/ocf_names.hpp"

#include <cstdio>
#include <map>
#include <vector>

#include "core/util/text.hpp"

namespace eductl {
namespace {

struct ForbiddenRange {
  long first;
  long last;
  std::string_view what;
};

// OCF 3.3 "File names": code points that file systems or tools in common use
// treat differently. Non-characters at the end of every plane are handled
// apart.
constexpr ForbiddenRange k_forbidden[] = {
    {0x0000, 0x001F, "a C0 control character"},
    {'"', '"', ""},
    {'*', '*', ""},
    {':', ':', ""},
    {'<', '<', ""},
    {'>', '>', ""},
    {'?', '?', ""},
    {'\\', '\\', ""},
    {'|', '|', ""},
    {0x007F, 0x009F, "DEL or a C1 control character"},
    {0x2028, 0x2029, "a line or paragraph separator"},
    {0xE000, 0xF8FF, "a private use character"},
    {0xFDD0, 0xFDEF, "a non-character"},
    {0xFFF0, 0xFFFF, "a specials character"},
    {0xE0000, 0xE007F, "a tag character outside an emoji tag sequence"},
    {0xF0000, 0x10FFFF, "a supplementary private use character"},
};

bool is_plane_end_nonchar(long cp) { return (cp & 0xFFFE) == 0xFFFE; }

constexpr long k_tag_spec_first = 0xE0020;
constexpr long k_tag_spec_last = 0xE007E;
constexpr long k_cancel_tag = 0xE007F;

// A tag base of UTS #51 (ED-14a): an emoji, possibly followed by VS16 or a skin-tone
// modifier. Judged by the blocks that hold emoji; flags such as England's are black
// flag U+1F3F4 plus tags.
bool is_emoji_tag_base(long cp) {
  return (cp >= 0x1F000 && cp <= 0x1FAFF) || (cp >= 0x2300 && cp <= 0x23FF) || (cp >= 0x2600 && cp <= 0x27BF) ||
         (cp >= 0x2B00 && cp <= 0x2BFF) || cp == 0xFE0F;
}

// OCF forbids tag characters, except U+E0020-U+E007F inside an emoji tag sequence
// (UTS #51 ED-14a: a tag base, one or more tag specs U+E0020-U+E007E, then CANCEL TAG
// U+E007F), as in the flag of England. Marks the code points of every such sequence.
std::vector<bool> in_emoji_tag_sequence(const std::vector<long>& cps) {
  std::vector<bool> in(cps.size(), false);
  for (std::size_t i = 1; i < cps.size(); ++i) {
    if (!is_emoji_tag_base(cps[i - 1])) continue;
    std::size_t end = i;
    while (end < cps.size() && cps[end] >= k_tag_spec_first && cps[end] <= k_tag_spec_last) ++end;
    if (end == i || end == cps.size() || cps[end] != k_cancel_tag) continue;
    for (std::size_t k = i; k <= end; ++k) in[k] = true;
    i = end;
  }
  return in;
}

std::string describe(long cp) {
  for (const auto& r : k_forbidden)
    if (cp >= r.first && cp <= r.last && r.what.empty()) return "'" + std::string(1, static_cast<char>(cp)) + "'";
  char buf[24];
  std::snprintf(buf, sizeof buf, "U+%04lX", cp);
  for (const auto& r : k_forbidden)
    if (cp >= r.first && cp <= r.last) return std::string(buf) + " (" + std::string(r.what) + ")";
  return std::string(buf) + " (a non-character)";
}

std::string_view last_segment(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// The checks that concern one name (the last segment of `path`).
void check_name(const std::string& where, std::string_view path, Findings& out) {
  const std::string_view name = last_segment(path);
  if (name == "." || name == "..") return;  // no names: a traversal, which the zip walk reports
  if (long cp = forbidden_ocf_char(name); cp >= 0)
    out.push_back(
        make_finding("EPUB-FILENAME-CHAR", where, "file name contains " + describe(cp) + " which OCF forbids"));
  if (name.ends_with('.'))
    out.push_back(make_finding("EPUB-FILENAME-DOT", where, "file name ends with '.', which OCF forbids"));
  if (name.size() > k_ocf_max_name_bytes)
    out.push_back(make_finding("EPUB-FILENAME-LENGTH", where,
                               "file name is " + std::to_string(name.size()) + " bytes; OCF allows at most 255"));
  if (path.size() > k_ocf_max_path_bytes)
    out.push_back(make_finding("EPUB-FILENAME-LENGTH", where,
                               "path is " + std::to_string(path.size()) + " bytes; OCF allows at most 65535"));
}

}  // namespace

long forbidden_ocf_char(std::string_view name) {
  std::vector<long> cps;
  const bool valid = for_each_codepoint(name, [&](char32_t c, std::string_view) {
    cps.push_back(static_cast<long>(c));
    return true;
  });
  if (!valid) return -1;
  const std::vector<bool> tagged = in_emoji_tag_sequence(cps);
  for (std::size_t i = 0; i < cps.size(); ++i) {
    const long cp = cps[i];
    if (tagged[i]) continue;
    for (const auto& r : k_forbidden)
      if (cp >= r.first && cp <= r.last) return cp;
    if (is_plane_end_nonchar(cp)) return cp;
  }
  return -1;
}

Findings check_ocf_names(std::string_view outer, const std::vector<std::string>& paths) {
  Findings out;
  const std::string o(outer);
  // Folders count as names too: "Images/a.png" and "images/b.png" put two
  // folders whose names collide into one parent.
  enum Kind { file = 1, folder = 2, both = 3 };
  std::map<std::string, int> seen;            // files and folders as spelled -> Kind
  std::map<std::string, std::string> folded;  // folded spelling -> first spelling
  auto visit = [&](const std::string& path, Kind kind) {
    if (auto [it, fresh] = seen.emplace(path, kind); !fresh) {
      if (kind == file && it->second == file)
        out.push_back(make_finding("EPUB-DUPLICATE-ENTRY", o + "!" + path, "the zip holds this entry more than once"));
      else if (it->second != both && it->second != kind)  // once, however many entries follow
        out.push_back(make_finding("EPUB-DUPLICATE-ENTRY", o + "!" + path, "a file and a folder share this path"));
      it->second |= kind;
      return;
    }
    check_name(o + "!" + path, path, out);
    auto [it, fresh] = folded.emplace(fold_case_nfc(path), path);
    if (!fresh)
      out.push_back(make_finding("EPUB-CASE-COLLISION", o + "!" + path,
                                 "name equals " + it->second + " after Unicode normalisation and case folding"));
  };
  for (const auto& path : paths) {
    for (std::size_t slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1))
      visit(path.substr(0, slash), folder);
    visit(path, file);
  }
  return out;
}

}  // namespace eductl
