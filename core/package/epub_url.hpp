// Where a URL written in an EPUB's XML (a manifest href, a rootfile full-path)
// points: at an entry of the container, at a remote resource, or outside the
// container, which OCF 3.3 forbids ("URLs in the OCF abstract container": no
// leaking past the root).
#pragma once
#include <string>
#include <string_view>

namespace eductl {

enum class HrefKind { local, remote, outside };

struct ResolvedHref {
  HrefKind kind = HrefKind::local;
  std::string target;  // local: the entry path, percent-decoded; remote: the URL
                       // without fragment
  std::string why;     // outside: what makes it leave the container, for messages
};

// Resolves `href` against `base_dir` (a container folder, "" or ending in '/').
ResolvedHref resolve_href(std::string_view base_dir, std::string_view href);


}  // namespace eductl
