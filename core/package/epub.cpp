#include "core/package/epub.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>

#include "core/package/epub_refs.hpp"
#include "core/package/epub_url.hpp"
#include "core/package/xml_doc.hpp"

namespace eductl {
namespace {

constexpr std::string_view k_container_ns = "urn:oasis:names:tc:opendocument:xmlns:container";
constexpr std::string_view k_opf_type = "application/oebps-package+xml";
constexpr std::string_view k_opf_ns = "http://www.idpf.org/2007/opf";
constexpr std::string_view k_dc_ns = "http://purl.org/dc/elements/1.1/";

bool named(xmlNodePtr n, std::string_view local) {
  return n && n->type == XML_ELEMENT_NODE && local == reinterpret_cast<const char*>(n->name);
}

std::string_view ns_of(xmlNodePtr n) {
  return n->ns && n->ns->href ? std::string_view(reinterpret_cast<const char*>(n->ns->href)) : std::string_view();
}

std::optional<std::string> attr(xmlNodePtr n, const char* name) {
  xmlChar* v = xmlGetNoNsProp(n, reinterpret_cast<const xmlChar*>(name));
  if (!v) return std::nullopt;
  std::string s(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return s;
}

// XML ID and IDREF values are whitespace-normalised: " chap1 " means chap1.
std::string id_attr(xmlNodePtr n, const char* name) {
  std::string s = attr(n, name).value_or("");
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

void collect(xmlNodePtr n, std::string_view local, std::vector<xmlNodePtr>& out) {
  for (; n; n = n->next) {
    if (named(n, local)) out.push_back(n);
    collect(n->children, local, out);
  }
}

std::vector<xmlNodePtr> children(xmlNodePtr parent, std::string_view local, std::string_view ns) {
  std::vector<xmlNodePtr> out;
  for (xmlNodePtr n = parent ? parent->children : nullptr; n; n = n->next)
    if (named(n, local) && ns_of(n) == ns) out.push_back(n);
  return out;
}

using Breach = std::function<void(std::string)>;

bool is_blank(const xmlChar* text) {
  for (const xmlChar* p = text; p && *p; ++p)
    if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') return false;
  return true;
}

std::string element_name(xmlNodePtr n) { return "<" + std::string(reinterpret_cast<const char*>(n->name)) + ">"; }

// The element children of `parent`, each checked against `allowed` (local names in
// `ns`); other elements and text other than white space break element-only content.
std::vector<xmlNodePtr> model_children(xmlNodePtr parent, std::string_view ns,
                                       std::initializer_list<std::string_view> allowed, const Breach& breach) {
  std::vector<xmlNodePtr> out;
  for (xmlNodePtr n = parent->children; n; n = n->next) {
    if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && !is_blank(n->content))
      breach(element_name(parent) + " holds text; only elements are allowed in it");
    if (n->type != XML_ELEMENT_NODE) continue;
    const bool known = ns_of(n) == ns && std::any_of(allowed.begin(), allowed.end(), [&](std::string_view a) {
                         return named(n, a);
                       });
    if (known) out.push_back(n);
    else breach("element " + element_name(n) + " is not allowed in " + element_name(parent));
  }
  return out;
}

// OCF 3.3 "Container file" content model beyond the rootfiles (the schema EPUBCheck
// checks, RSC-005): container = rootfiles, links?; links = link+ with href and rel;
// rootfile and link are empty.
void check_container_model(xmlNodePtr root, std::string_view ns, const Breach& breach) {
  const auto kids = model_children(root, ns, {"rootfiles", "links"}, breach);
  if (!kids.empty() && !named(kids.front(), "rootfiles") &&
      std::any_of(kids.begin(), kids.end(), [](xmlNodePtr n) { return named(n, "rootfiles"); }))
    breach("<rootfiles> must be the first child of <container>");
  const auto links = std::count_if(kids.begin(), kids.end(), [](xmlNodePtr n) { return named(n, "links"); });
  if (links > 1) breach("<container> holds " + std::to_string(links) + " <links>; at most one is allowed");
  for (auto* kid : kids) {
    const bool is_links = named(kid, "links");
    const auto inner = model_children(kid, ns, {is_links ? "link" : "rootfile"}, breach);
    if (is_links && inner.empty()) breach("<links> holds no <link>");
    for (auto* leaf : inner) {
      model_children(leaf, ns, {}, breach);
      if (is_links && (!attr(leaf, "href") || !attr(leaf, "rel"))) breach("<link> needs both href and rel");
    }
  }
}

// The first rootfile of the package document type, and the content-model
// breaches of OCF 3.3 "Container file": root `container` in its namespace,
// version 1.0, exactly one `rootfiles`, at least one `rootfile`, each with
// full-path and media-type, the first one a package document.
std::string read_container(xmlNodePtr root, const Breach& breach) {
  if (!named(root, "container") || ns_of(root) != k_container_ns)
    breach("the root element is not <container> in namespace " + std::string(k_container_ns));
  else if (attr(root, "version") != "1.0")
    breach("<container> must carry version=\"1.0\"");
  // Children are looked up in the root's own namespace, so one wrong namespace
  // is one finding and the package document is still found.
  const std::string_view ns = root ? ns_of(root) : k_container_ns;
  if (root) check_container_model(root, ns, breach);
  const auto sets = children(root, "rootfiles", ns);
  if (sets.size() != 1) breach("<container> must hold exactly one <rootfiles>, not " + std::to_string(sets.size()));
  std::vector<xmlNodePtr> rootfiles;
  for (auto* set : sets)
    for (auto* rf : children(set, "rootfile", ns)) rootfiles.push_back(rf);
  if (!sets.empty() && rootfiles.empty()) breach("<rootfiles> holds no <rootfile>");
  std::string opf;
  for (std::size_t i = 0; i < rootfiles.size(); ++i) {
    const auto path = attr(rootfiles[i], "full-path");
    const auto type = attr(rootfiles[i], "media-type");
    if (!path || path->empty()) breach("<rootfile> #" + std::to_string(i + 1) + " has no full-path");
    if (!type)
      breach("<rootfile> #" + std::to_string(i + 1) + " has no media-type");
    else if (i == 0 && *type != k_opf_type)
      breach("the first <rootfile> has media-type \"" + *type + "\"; it must be " + std::string(k_opf_type));
    if (opf.empty() && path && type == k_opf_type) opf = *path;
  }
  return opf;
}

// Remote resources may be audio, video and fonts only (EPUB 3.3 "Resource
// locations").
bool may_be_remote(std::string_view type) {
  constexpr std::array<std::string_view, 5> k_font_types = {"application/font-sfnt", "application/font-woff",
                                                            "application/vnd.ms-opentype", "application/x-font-ttf",
                                                            "application/x-font-otf"};
  return type.starts_with("audio/") || type.starts_with("video/") || type.starts_with("font/") ||
         std::find(k_font_types.begin(), k_font_types.end(), type) != k_font_types.end();
}

struct OpfContext {
  std::string outer;
  std::string path;  // the package document's container path
  std::string base;  // its folder, with a trailing '/' unless at the root
  std::set<std::string> present;
  Findings* out;
  const RemoteUses* uses = nullptr;
  bool scripted = false;         // some document is scripted: scripts may fetch remote resources
  std::set<std::string> spine{};  // idrefs of the spine
  bool epub3 = true;  // version 3.x: a nav document and dcterms:modified are required
  std::string where(std::string_view inner) const { return outer + "!" + std::string(inner); }
  void add(std::string_view code, std::string_view inner, std::string message) const {
    out->push_back(make_finding(code, where(inner), std::move(message)));
  }
};

bool has_token(std::string_view list, std::string_view token) {
  std::size_t start = 0;
  while (start < list.size()) {
    std::size_t end = list.find_first_of(" \t\r\n", start);
    if (end == std::string_view::npos) end = list.size();
    if (list.substr(start, end - start) == token) return true;
    start = end + 1;
  }
  return false;
}

// EPUB 3.3 "The package element" and "The metadata section": what every package
// document holds - a version, a unique-identifier naming a dc:identifier, a
// title, a language and (EPUB 3) one last-modified date.
void check_package_head(OpfContext& c, xmlNodePtr root) {
  if (!named(root, "package") || ns_of(root) != k_opf_ns) {
    c.add("EPUB-PACKAGE", c.path, "the root element is not <package> in namespace " + std::string(k_opf_ns));
    return;
  }
  const std::string version = attr(root, "version").value_or("");
  if (version.empty()) c.add("EPUB-PACKAGE", c.path, "<package> has no version attribute");
  c.epub3 = version.empty() || version.starts_with('3');
  const auto metadata = children(root, "metadata", k_opf_ns);
  if (metadata.size() != 1) {
    c.add("EPUB-METADATA", c.path,
          "the package document holds " + std::to_string(metadata.size()) +
              " <metadata> elements; exactly one is required");
    if (metadata.empty()) return;
  }
  auto dc = [&](const char* name) { return children(metadata[0], name, k_dc_ns); };
  const std::string uid = id_attr(root, "unique-identifier");
  const auto identifiers = dc("identifier");
  if (uid.empty())
    c.add("EPUB-PACKAGE", c.path, "<package> has no unique-identifier attribute");
  else if (std::none_of(identifiers.begin(), identifiers.end(), [&](xmlNodePtr n) { return id_attr(n, "id") == uid; }))
    c.add("EPUB-PACKAGE", c.path, "unique-identifier \"" + uid + "\" names no dc:identifier");
  for (const char* required : {"identifier", "title", "language"})
    if (dc(required).empty()) c.add("EPUB-METADATA", c.path, std::string("<metadata> has no dc:") + required);
  if (!c.epub3) return;
  const auto metas = children(metadata[0], "meta", k_opf_ns);
  const auto modified = std::count_if(metas.begin(), metas.end(),
                                      [](xmlNodePtr n) { return id_attr(n, "property") == "dcterms:modified"; });
  if (modified != 1)
    c.add("EPUB-METADATA", c.path,
          "<metadata> has " + std::to_string(modified) +
              " <meta property=\"dcterms:modified\">; exactly one is required");
}

// EPUB 3.3 "Resource locations" for a remote manifest item that is not audio, video or
// a font by media type (EPUBCheck OPF-018, RSC-006, RSC-006b): a spine item must be
// inside; so must anything referenced as an image, frame, stylesheet, script or object
// data. A font reference makes any type a font. What only an object's param names, or
// what nothing references in a scripted book, a script or plug-in may fetch: allowed,
// but nothing here can verify it, hence a warning.
void check_remote_item(const OpfContext& c, const std::string& id, const std::string& url, const std::string& label) {
  const unsigned use = c.uses ? c.uses->of(url) : 0;
  const std::string inside = "; only audio, video and fonts may be remote, this must be inside the EPUB";
  if (c.spine.count(id))
    c.add("EPUB-REMOTE-RESOURCE", c.path, label + " is remote and in the spine" + inside);
  else if (use & k_remote_other)
    c.add("EPUB-REMOTE-RESOURCE", c.path,
          label + " is remote and a content document uses it other than as audio, video or a font" + inside);
  else if (use & (k_remote_font | k_remote_media))
    return;
  else if (use & k_remote_param)
    c.add("EPUB-REMOTE-UNVERIFIED", c.path,
          label + " is remote and only an object's <param> names it; check that the plug-in may fetch it");
  else if (c.scripted)
    c.add("EPUB-REMOTE-UNVERIFIED", c.path,
          label + " is remote and no content document references it; check that a script fetches it");
  else
    c.add("EPUB-REMOTE-RESOURCE", c.path, label + " is remote but nothing uses it as audio, video or a font" + inside);
}

// Manifest items: each resource inside the container (or remote where allowed),
// present, and declared once (EPUB 3.3 "The manifest element"; EPUBCheck
// OPF-074).
std::set<std::string> check_manifest(const OpfContext& c, xmlNodePtr root) {
  std::vector<xmlNodePtr> items;
  collect(root, "item", items);
  std::set<std::string> ids;
  std::map<std::string, std::string> declared;  // resource -> id of the first item
  std::size_t navs = 0;
  for (auto* it : items) {
    const std::string id = id_attr(it, "id");
    if (has_token(attr(it, "properties").value_or(""), "nav")) ++navs;
    const std::string href = attr(it, "href").value_or("");
    const std::string type = attr(it, "media-type").value_or("");
    ids.insert(id);
    if (href.empty()) continue;
    const ResolvedHref r = resolve_href(c.base, href);
    const std::string label = "manifest item \"" + id + "\" (" + href + ", " + type + ")";
    if (r.kind == HrefKind::outside) {
      c.add("EPUB-HREF-OUTSIDE", c.path, label + " " + r.why);
      continue;
    }
    if (r.kind == HrefKind::remote && !may_be_remote(type)) check_remote_item(c, id, r.target, label);
    auto [first, fresh] = declared.emplace(r.target, id);
    if (!fresh)
      c.add("EPUB-MANIFEST-DUPLICATE", c.path, label + " declares the same resource as item \"" + first->second + "\"");
    if (r.kind == HrefKind::local && r.target == c.path)
      c.add("EPUB-MANIFEST-SELF", c.path,
            label + " names the package document itself, which the manifest must not list");
    if (r.kind == HrefKind::local && !c.present.count(r.target))
      c.add("EPUB-MANIFEST-ITEM", r.target,
            "manifest item \"" + id + "\" points at " + href + ", which is not in the EPUB");
  }
  if (c.epub3 && navs != 1)
    c.add("EPUB-NAV", c.path, std::to_string(navs) + " manifest items have properties=\"nav\"; exactly one must");
  return ids;
}

// What the remote-resource rule needs before the manifest is read: the spine's
// idrefs, and whether any item is scripted (its manifest properties, or a script
// element seen in a content document).
void read_spine_and_scripts(OpfContext& c, xmlNodePtr root) {
  std::vector<xmlNodePtr> itemrefs, items;
  collect(root, "itemref", itemrefs);
  for (auto* ref : itemrefs) c.spine.insert(id_attr(ref, "idref"));
  collect(root, "item", items);
  c.scripted = (c.uses && c.uses->scripts) || std::any_of(items.begin(), items.end(), [](xmlNodePtr n) {
                 return has_token(attr(n, "properties").value_or(""), "scripted");
               });
}

// Every id of the package document is unique after whitespace normalisation
// (XML ID).
void check_ids(const OpfContext& c, xmlNodePtr n, std::set<std::string>& seen) {
  for (; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE) continue;
    if (const std::string id = id_attr(n, "id"); !id.empty() && !seen.insert(id).second)
      c.add("EPUB-ID-DUPLICATE", c.path, "id \"" + id + "\" is used by more than one element");
    check_ids(c, n->children, seen);
  }
}

// The spine: present, not empty, each itemref naming a manifest item, none
// twice.
void check_spine(const OpfContext& c, xmlNodePtr root, const std::set<std::string>& ids) {
  std::vector<xmlNodePtr> spines, itemrefs;
  collect(root, "spine", spines);
  collect(root, "itemref", itemrefs);
  if (spines.empty() || itemrefs.empty()) c.add("EPUB-SPINE", c.path, "the spine is missing or empty");
  // A reading system opens the book at the first linear item; with none there is no start.
  if (!itemrefs.empty() &&
      std::all_of(itemrefs.begin(), itemrefs.end(), [](xmlNodePtr n) { return id_attr(n, "linear") == "no"; }))
    c.add("EPUB-SPINE-LINEAR", c.path,
          "every spine itemref has linear=\"no\"; at least one must be in the reading order");
  std::set<std::string> used;
  for (auto* ref : itemrefs) {
    const std::string idref = id_attr(ref, "idref");
    if (!ids.count(idref))
      c.add("EPUB-SPINE", c.path, "spine itemref \"" + idref + "\" names no manifest item");
    else if (!used.insert(idref).second)
      c.add("EPUB-SPINE-DUPLICATE", c.path, "spine itemref \"" + idref + "\" names an item the spine already holds");
  }
}

}  // namespace

std::string rootfile_path(const std::string& container_xml) {
  XmlDoc doc(container_xml);
  if (!doc) return {};
  const std::string path = read_container(doc.root(), [](std::string) {});
  if (path.empty()) return {};
  const ResolvedHref r = resolve_href("", path);
  return r.kind == HrefKind::local ? r.target : std::string();
}

Findings check_epub_structure(std::string_view outer, const std::vector<std::string>& names,
                              const std::string* container_xml,
                              const std::function<const std::string*(const std::string&)>& file_text,
                              const RemoteUses& uses) {
  Findings out;
  OpfContext c{
      .outer = std::string(outer), .path = {}, .base = {}, .present = {names.begin(), names.end()}, .out = &out, .uses = &uses};
  const std::string container(k_container_path);
  if (!container_xml) {
    c.add("EPUB-CONTAINER", container, "META-INF/container.xml is missing");
    return out;
  }
  XmlDoc doc(*container_xml);
  if (!doc) {
    c.add("EPUB-CONTAINER", container, "container.xml is not well-formed XML");
    return out;
  }
  const std::string full_path =
      read_container(doc.root(), [&](std::string why) { c.add("EPUB-CONTAINER-MODEL", container, std::move(why)); });
  if (full_path.empty()) {
    c.add("EPUB-CONTAINER", container, "no <rootfile full-path=…> of type application/oebps-package+xml");
    return out;
  }
  const ResolvedHref r = resolve_href("", full_path);
  if (r.kind != HrefKind::local) {
    c.add("EPUB-HREF-OUTSIDE", container, "rootfile full-path " + full_path + " " + r.why);
    return out;
  }
  c.path = r.target;
  c.base = c.path.find('/') == std::string::npos ? "" : c.path.substr(0, c.path.rfind('/') + 1);
  const std::string* opf = file_text(c.path);
  if (!opf) {
    c.add("EPUB-OPF", c.path,
          c.present.count(c.path) ? "the package document could not be read: it is over the size cap"
                                  : "the package document named by container.xml does not exist");
    return out;
  }
  XmlDoc pkg(*opf);
  if (!pkg) {
    c.add("EPUB-OPF", c.path, "the package document is not well-formed XML");
    return out;
  }
  check_package_head(c, pkg.root());
  read_spine_and_scripts(c, pkg.root());
  std::set<std::string> seen_ids;
  check_ids(c, pkg.root(), seen_ids);
  check_spine(c, pkg.root(), check_manifest(c, pkg.root()));
  return out;
}

}  // namespace eductl
