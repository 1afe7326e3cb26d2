#include "core/package/zip_inspect.hpp"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <map>
#include <set>

#include "core/package/path_rules.hpp"
#include "core/util/text.hpp"

namespace eductl {
namespace {

std::uint32_t le16(std::string_view s, std::size_t at) {
  return static_cast<unsigned char>(s[at]) | (static_cast<unsigned char>(s[at + 1]) << 8);
}

struct XmlDoc {
  xmlDocPtr doc = nullptr;
  explicit XmlDoc(const std::string& text) {
    // No network, no entity expansion: package XML is untrusted.
    doc = xmlReadMemory(text.data(), static_cast<int>(text.size()), "package.xml", nullptr,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  }
  ~XmlDoc() {
    if (doc) xmlFreeDoc(doc);
  }
  XmlDoc(const XmlDoc&) = delete;
  XmlDoc& operator=(const XmlDoc&) = delete;
};

bool named(xmlNodePtr n, const char* local) {
  return n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, reinterpret_cast<const xmlChar*>(local)) == 0;
}

std::string attr(xmlNodePtr n, const char* name) {
  xmlChar* v = xmlGetProp(n, reinterpret_cast<const xmlChar*>(name));
  if (!v) return {};
  std::string s(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return s;
}

void collect(xmlNodePtr n, const char* local, std::vector<xmlNodePtr>& out) {
  for (; n; n = n->next) {
    if (named(n, local)) out.push_back(n);
    collect(n->children, local, out);
  }
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Resolves an OPF href against the OPF's folder, collapsing "." and "..".
std::string resolve(std::string_view base_dir, std::string_view href) {
  std::string h = percent_decode(href.substr(0, href.find('#')));
  std::vector<std::string> parts;
  std::string joined = std::string(base_dir) + h;
  std::size_t start = 0;
  while (start <= joined.size()) {
    std::size_t end = joined.find('/', start);
    if (end == std::string::npos) end = joined.size();
    std::string seg = joined.substr(start, end - start);
    if (seg == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!seg.empty() && seg != ".") {
      parts.push_back(seg);
    }
    start = end + 1;
  }
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "/") + p;
  return out;
}

}  // namespace

Findings check_epub_structure(std::string_view outer, const std::vector<std::string>& names,
                              const std::string* container_xml,
                              const std::function<const std::string*(const std::string&)>& file_text) {
  Findings out;
  const std::string o(outer);
  auto where = [&](std::string_view inner) { return o + "!" + std::string(inner); };
  if (!container_xml) {
    out.push_back(make_finding("EPUB-CONTAINER", where("META-INF/container.xml"), "META-INF/container.xml is missing"));
    return out;
  }
  XmlDoc container(*container_xml);
  if (!container.doc) {
    out.push_back(make_finding("EPUB-CONTAINER", where("META-INF/container.xml"), "container.xml is not well-formed XML"));
    return out;
  }
  std::vector<xmlNodePtr> rootfiles;
  collect(xmlDocGetRootElement(container.doc), "rootfile", rootfiles);
  std::string opf_path;
  for (auto* rf : rootfiles) {
    std::string mt = attr(rf, "media-type");
    if (mt.empty() || mt == "application/oebps-package+xml") {
      opf_path = attr(rf, "full-path");
      break;
    }
  }
  if (opf_path.empty()) {
    out.push_back(make_finding("EPUB-CONTAINER", where("META-INF/container.xml"), "no <rootfile full-path=…> for the OPF package document"));
    return out;
  }
  const std::string* opf = file_text(opf_path);
  if (!opf) {
    out.push_back(make_finding("EPUB-OPF", where(opf_path), "the package document named by container.xml does not exist"));
    return out;
  }
  XmlDoc pkg(*opf);
  if (!pkg.doc) {
    out.push_back(make_finding("EPUB-OPF", where(opf_path), "the package document is not well-formed XML"));
    return out;
  }
  const std::set<std::string> present(names.begin(), names.end());
  const std::string base = opf_path.find('/') == std::string::npos ? "" : opf_path.substr(0, opf_path.rfind('/') + 1);
  std::vector<xmlNodePtr> items, itemrefs, spines;
  xmlNodePtr root = xmlDocGetRootElement(pkg.doc);
  collect(root, "item", items);
  collect(root, "itemref", itemrefs);
  collect(root, "spine", spines);
  std::set<std::string> ids;
  for (auto* it : items) {
    std::string id = attr(it, "id"), href = attr(it, "href");
    ids.insert(id);
    if (href.empty() || href.find("://") != std::string::npos) continue;  // remote resources are allowed
    std::string target = resolve(base, href);
    if (!present.count(target))
      out.push_back(make_finding("EPUB-MANIFEST-ITEM", where(target), "manifest item \"" + id + "\" points at " + href + ", which is not in the EPUB"));
  }
  if (spines.empty() || itemrefs.empty())
    out.push_back(make_finding("EPUB-SPINE", where(opf_path), "the spine is missing or empty"));
  for (auto* ref : itemrefs) {
    std::string idref = attr(ref, "idref");
    if (!ids.count(idref))
      out.push_back(make_finding("EPUB-SPINE", where(opf_path), "spine itemref \"" + idref + "\" names no manifest item"));
  }
  return out;
}

ZipInspectResult inspect_nested_zip(std::string_view outer, std::string_view head, ReadCallback read,
                                    const ZipInspectLimits& limits) {
  ZipInspectResult r;
  const std::string o(outer);
  // OCF: the first local header must be "mimetype", stored, holding exactly the type.
  {
    bool ok = false;
    std::string why = "the first entry is not `mimetype`";
    if (head.size() >= 30 && head.starts_with("PK\x03\x04")) {
      std::uint32_t method = le16(head, 8), name_len = le16(head, 26), extra_len = le16(head, 28);
      if (head.size() >= 30 + name_len && head.substr(30, name_len) == "mimetype") {
        std::string_view content = head.size() >= 30 + name_len + extra_len + 20
                                       ? head.substr(30 + name_len + extra_len, 20)
                                       : std::string_view();
        // Exactly those 20 bytes: the sizes say so, or (with a data descriptor, bit 3)
        // the next signature follows right after them.
        const std::uint32_t flags = le16(head, 6);
        const std::size_t after = 30 + name_len + extra_len + 20;
        const bool exact = (flags & 0x08) ? head.size() >= after + 2 && head.substr(after, 2) == "PK"
                                          : le16(head, 22) == 20 && le16(head, 24) == 0;
        if (method != 0) why = "`mimetype` is compressed; it must be stored";
        else if (content != "application/epub+zip" || !exact)
          why = "`mimetype` must hold exactly application/epub+zip (no newline or other bytes)";
        else ok = true;
      }
    }
    if (!ok) r.epub.push_back(make_finding("EPUB-MIMETYPE", o + "!mimetype", why));
  }
  std::vector<std::string> names;
  std::map<std::string, std::string> small;  // container.xml and *.opf texts
  std::uint64_t unpacked = 0;
  auto source = open_nested_archive(std::move(read));
  Status walked = ok_status();
  if (source) {
    walked = (*source)->walk([&](const RawEntry& e, EntryData& data) -> Status {
      if (++r.entries > limits.max_entries)
        return make_error(ErrorKind::bad_input, "more than " + std::to_string(limits.max_entries) + " entries");
      std::string name = normalise_entry_path(e.name);
      for (const auto& p : path_problems(name))
        r.zip.push_back(make_finding("ZIP-CORRUPT", o + "!" + name, std::string(p.detail)));
      if (!e.name_decoded) r.zip.push_back(make_finding("ZIP-CORRUPT", o + "!" + name, "entry name is neither UTF-8 nor GBK"));
      if (e.type == EntryType::symlink || e.type == EntryType::hardlink || e.type == EntryType::special)
        r.zip.push_back(make_finding("ZIP-CORRUPT", o + "!" + name, "link or special file inside the bundle"));
      if (e.type != EntryType::file) return ok_status();
      names.push_back(name);
      // Every entry is read to its end, so libarchive checks its CRC-32: a damaged
      // chapter is found, not only a damaged OPF. The bytes count against a bound.
      const bool wanted = (name == "META-INF/container.xml" || to_lower_ascii(name).ends_with(".opf")) && small.size() <= 16;
      std::string text;
      bool keep = wanted;
      const void* block;
      std::size_t size;
      for (;;) {
        auto more = data.next_block(&block, &size);
        if (!more) return more.error();
        if (!*more) break;
        unpacked += size;
        if (unpacked > limits.max_unpacked)
          return make_error(ErrorKind::bad_input, "unpacks to more than " + human_bytes(limits.max_unpacked) +
                                                      " (zip bomb guard); reading stopped");
        if (keep && text.size() + size > limits.max_small_file) keep = false;
        if (keep) text.append(static_cast<const char*>(block), size);
      }
      if (keep) small[name] = std::move(text);
      return ok_status();
    });
  } else {
    walked = source.error();
  }
  if (!walked) {
    if (walked.error().kind == ErrorKind::interrupted) return r;
    r.epub.push_back(make_finding("EPUB-CORRUPT", o, walked.error().message));
    r.zip.push_back(make_finding("ZIP-CORRUPT", o, walked.error().message));
    return r;
  }
  auto it = small.find("META-INF/container.xml");
  Findings epub = check_epub_structure(o, names, it == small.end() ? nullptr : &it->second,
                                       [&](const std::string& path) -> const std::string* {
                                         auto f = small.find(path);
                                         return f == small.end() ? nullptr : &f->second;
                                       });
  r.epub.insert(r.epub.end(), epub.begin(), epub.end());
  // An EPUB is read as EPUB; its zip-level problems are part of that reading too.
  for (const auto& f : r.zip) r.epub.push_back(make_finding("EPUB-CORRUPT", f.entry, f.message));
  return r;
}

}  // namespace eductl
