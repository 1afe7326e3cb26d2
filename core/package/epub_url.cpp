#include "core/package/epub_url.hpp"

#include <vector>

#include "core/util/text.hpp"

namespace eductl {
namespace {

// The scheme of an absolute URL ("https", "file", "data"), or empty for a
// relative one.
std::string_view scheme_of(std::string_view href) {
  for (std::size_t i = 0; i < href.size(); ++i) {
    const char c = href[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (c == ':') return i > 0 ? href.substr(0, i) : std::string_view();
    if (!alpha && (i == 0 || !((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))) break;
  }
  return {};
}

}  // namespace

ResolvedHref resolve_href(std::string_view base_dir, std::string_view href) {
  href = href.substr(0, href.find('#'));
  const std::string_view scheme = scheme_of(href);
  if (scheme == "http" || scheme == "https" || href.starts_with("//")) return {HrefKind::remote, std::string(href), {}};
  if (!scheme.empty())
    return {HrefKind::outside, {}, "is a " + std::string(scheme) + ": URL, which names no resource of the container"};
  if (href.starts_with('/'))
    return {HrefKind::outside, {}, "is an absolute path; it must be relative to the package document"};
  const std::string joined = std::string(base_dir) + percent_decode(href.substr(0, href.find('?')));
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= joined.size()) {
    std::size_t end = joined.find('/', start);
    if (end == std::string::npos) end = joined.size();
    const std::string seg = joined.substr(start, end - start);
    if (seg == "..") {
      if (parts.empty()) return {HrefKind::outside, {}, "climbs above the root of the container through `..`"};
      parts.pop_back();
    } else if (!seg.empty() && seg != ".") {
      parts.push_back(seg);
    }
    start = end + 1;
  }
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "/") + p;
  return {HrefKind::local, out, {}};
}

}  // namespace eductl
