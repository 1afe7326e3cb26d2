// How the content documents of an EPUB (XHTML, SVG, CSS) use remote resources. EPUB 3.3
// "Resource locations" lets audio, video and fonts live outside the container, and
// scripts fetch what they like; whether a remote manifest item is one of those depends
// on where it is referenced, not on its media type alone. Each document is scanned as
// it streams past and only the remote references are kept.
#pragma once
#include <map>
#include <string>
#include <string_view>

namespace eductl {

// How one remote URL is referenced; a URL may be used several ways.
enum RemoteUse : unsigned {
  k_remote_font = 1,   // CSS @font-face src, SVG font-face-uri: any media type may be remote
  k_remote_media = 2,  // the source of an audio or video element
  k_remote_param = 4,  // the value of an object's param: the plug-in fetches it
  k_remote_other = 8,  // img, iframe, script, stylesheet, object data...: must be inside
};

struct RemoteUses {
  std::map<std::string, unsigned> by_url;  // remote URL without fragment -> RemoteUse bits
  bool scripts = false;                    // some content document holds a script element

  // The uses a remote manifest item's URL has (0: referenced nowhere).
  unsigned of(const std::string& url) const;
  void scan_css(std::string_view css);
  void scan_markup(std::string_view xml);  // XHTML or SVG
};

enum class ContentKind { none, css, markup };

// Which entries hold references worth scanning, by name: .css, .xhtml/.html/.htm, .svg.
ContentKind content_kind(std::string_view path);

}  // namespace eductl
