#include "core/package/epub_refs.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include "core/package/epub_url.hpp"
#include "core/package/xml_doc.hpp"

namespace eductl {
namespace {

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n\f");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n\f") - first + 1);
}

bool starts_with_nocase(std::string_view s, std::size_t at, std::string_view word) {
  if (s.size() - at < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[at + i])) != word[i]) return false;
  return true;
}

std::string strip_css_comments(std::string_view css) {
  std::string out;
  for (std::size_t i = 0; i < css.size(); ++i) {
    if (css.substr(i, 2) == "/*") {
      const auto end = css.find("*/", i + 2);
      if (end == std::string_view::npos) break;
      i = end + 1;
      out += ' ';
    } else {
      out += css[i];
    }
  }
  return out;
}

// A quoted CSS string at `at` (its opening quote); returns its text and moves `at`
// past the closing quote.
std::string_view css_string(std::string_view css, std::size_t& at) {
  const char quote = css[at];
  const auto end = css.find(quote, at + 1);
  const std::size_t stop = end == std::string_view::npos ? css.size() : end;
  const std::string_view text = css.substr(at + 1, stop - at - 1);
  at = stop;
  return text;
}

// The argument of url( at `at` (just past the parenthesis); moves `at` to its ')'.
std::string_view css_url(std::string_view css, std::size_t& at) {
  while (at < css.size() && std::isspace(static_cast<unsigned char>(css[at]))) ++at;
  if (at < css.size() && (css[at] == '"' || css[at] == '\'')) {
    const std::string_view text = css_string(css, at);
    at = std::min(css.find(')', at), css.size());
    return text;
  }
  const auto end = std::min(css.find(')', at), css.size());
  const std::string_view text = trim(css.substr(at, end - at));
  at = end;
  return text;
}

bool is_remote(std::string_view url) {
  return !url.empty() && resolve_href("", url).kind == HrefKind::remote;
}

const char* attr_text(xmlAttrPtr a) {
  return a->children && a->children->content ? reinterpret_cast<const char*>(a->children->content) : "";
}

std::string_view local_name(xmlNodePtr n) { return reinterpret_cast<const char*>(n->name); }

// How an element's URL-bearing attribute uses its target; 0 for hyperlinks and the
// like, which point at a resource without making it part of the publication.
unsigned use_of(xmlNodePtr element, std::string_view attribute, bool stylesheet_link) {
  const std::string_view name = local_name(element);
  const std::string_view parent = element->parent && element->parent->type == XML_ELEMENT_NODE
                                      ? local_name(element->parent)
                                      : std::string_view();
  if (name == "a" || name == "area" || attribute == "cite") return 0;
  if (name == "link") return stylesheet_link && attribute == "href" ? unsigned{k_remote_other} : 0u;
  if (name == "param") return attribute == "value" ? unsigned{k_remote_param} : 0u;
  if (name == "font-face-uri") return attribute == "href" ? unsigned{k_remote_font} : 0u;
  if ((name == "audio" || name == "video") && attribute == "src") return k_remote_media;
  if (name == "source" && (parent == "audio" || parent == "video") && attribute == "src") return k_remote_media;
  const bool url_attribute = attribute == "src" || attribute == "href" || attribute == "data" || attribute == "poster";
  return url_attribute ? unsigned{k_remote_other} : 0u;
}

void scan_element(RemoteUses& uses, xmlNodePtr element) {
  if (local_name(element) == "script") uses.scripts = true;
  bool stylesheet_link = false;
  for (xmlAttrPtr a = element->properties; a; a = a->next)
    if (std::string_view(reinterpret_cast<const char*>(a->name)) == "rel") {
      const std::string rel = attr_text(a);
      stylesheet_link = rel.find("stylesheet") != std::string::npos;
    }
  for (xmlAttrPtr a = element->properties; a; a = a->next) {
    const std::string_view attribute = reinterpret_cast<const char*>(a->name);
    if (attribute == "style") {
      uses.scan_css(attr_text(a));
      continue;
    }
    const std::string_view value = trim(attr_text(a));
    if (const unsigned use = use_of(element, attribute, stylesheet_link); use && is_remote(value))
      uses.by_url[resolve_href("", value).target] |= use;
  }
  if (local_name(element) == "style")
    for (xmlNodePtr t = element->children; t; t = t->next)
      if (t->content) uses.scan_css(reinterpret_cast<const char*>(t->content));
}

// <?xml-stylesheet href="..."?> in an SVG or XHTML document.
void scan_stylesheet_pi(RemoteUses& uses, xmlNodePtr pi) {
  const std::string_view content = pi->content ? reinterpret_cast<const char*>(pi->content) : "";
  const auto at = content.find("href=");
  if (at == std::string_view::npos || at + 5 >= content.size()) return;
  std::size_t quote = at + 5;
  const std::string_view url = trim(css_string(content, quote));
  if (is_remote(url)) uses.by_url[resolve_href("", url).target] |= k_remote_other;
}

void scan_nodes(RemoteUses& uses, xmlNodePtr n) {
  for (; n; n = n->next) {
    if (n->type == XML_PI_NODE && std::string_view(reinterpret_cast<const char*>(n->name)) == "xml-stylesheet")
      scan_stylesheet_pi(uses, n);
    if (n->type != XML_ELEMENT_NODE) continue;
    scan_element(uses, n);
    scan_nodes(uses, n->children);
  }
}

}  // namespace

unsigned RemoteUses::of(const std::string& url) const {
  const auto it = by_url.find(url);
  return it == by_url.end() ? 0 : it->second;
}

// Every url() inside an @font-face block is a font; @import and any other url() are
// other uses.
void RemoteUses::scan_css(std::string_view text) {
  const std::string css = strip_css_comments(text);
  std::vector<bool> blocks;  // per open '{': inside @font-face
  bool font_face_next = false;
  auto record = [&](std::string_view url, unsigned use) {
    if (is_remote(url)) by_url[resolve_href("", url).target] |= use;
  };
  for (std::size_t i = 0; i < css.size(); ++i) {
    const char c = css[i];
    if (c == '@' && starts_with_nocase(css, i + 1, "font-face")) {
      font_face_next = true;
    } else if (c == '@' && starts_with_nocase(css, i + 1, "import")) {
      i += 7;
      while (i < css.size() && std::isspace(static_cast<unsigned char>(css[i]))) ++i;
      if (i < css.size() && (css[i] == '"' || css[i] == '\'')) record(css_string(css, i), k_remote_other);
      else if (starts_with_nocase(css, i, "url(")) record(css_url(css, i += 4), k_remote_other);
    } else if (c == '{') {
      blocks.push_back(font_face_next || (!blocks.empty() && blocks.back()));
      font_face_next = false;
    } else if (c == '}') {
      if (!blocks.empty()) blocks.pop_back();
    } else if (c == '"' || c == '\'') {
      css_string(css, i);
    } else if (starts_with_nocase(css, i, "url(")) {
      i += 4;
      record(css_url(css, i), !blocks.empty() && blocks.back() ? k_remote_font : k_remote_other);
    }
  }
}

void RemoteUses::scan_markup(std::string_view xml) {
  const XmlDoc doc(std::string(xml), XmlRecovery::recover);
  if (doc) scan_nodes(*this, doc.doc()->children);
}

ContentKind content_kind(std::string_view path) {
  auto ends = [&](std::string_view ext) { return path.size() >= ext.size() && starts_with_nocase(path, path.size() - ext.size(), ext); };
  if (ends(".css")) return ContentKind::css;
  if (ends(".xhtml") || ends(".html") || ends(".htm") || ends(".svg")) return ContentKind::markup;
  return ContentKind::none;
}

}  // namespace eductl
