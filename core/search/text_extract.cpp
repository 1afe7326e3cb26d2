#include "core/search/text_extract.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-page.h>

#include "core/package/epub.hpp"
#include "core/util/fs.hpp"

namespace eductl::search {
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t k_max_document = 256ull << 20;  // a textbook PDF with scans can be large
constexpr std::uint64_t k_max_epub_part = 16ull << 20;
constexpr int k_max_pages = 5000;

bool block_element(const char* name) {
  static const char* const k_blocks[] = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
                                         "section", "article", "td", "th", "dt", "dd", "blockquote", "pre", "title"};
  for (const char* b : k_blocks)
    if (xmlStrcasecmp(reinterpret_cast<const xmlChar*>(name), reinterpret_cast<const xmlChar*>(b)) == 0) return true;
  return false;
}

void collect_text(xmlNode* node, std::string& out) {
  for (xmlNode* n = node; n; n = n->next) {
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
      if (n->content) out += reinterpret_cast<const char*>(n->content);
    } else if (n->type == XML_ELEMENT_NODE) {
      const char* name = reinterpret_cast<const char*>(n->name);
      if (xmlStrcasecmp(n->name, BAD_CAST "script") == 0 || xmlStrcasecmp(n->name, BAD_CAST "style") == 0) continue;
      const bool block = block_element(name);
      if (block && !out.empty() && out.back() != '\n') out += '\n';
      collect_text(n->children, out);
      if (block && !out.empty() && out.back() != '\n') out += '\n';
    }
  }
}

struct ArchiveFree {
  void operator()(archive* a) const { archive_read_free(a); }
};

// container.xml, the package document, and every (X)HTML entry of an EPUB, bounded.
Result<std::map<std::string, std::string>> read_epub_parts(const fs::path& file) {
  std::unique_ptr<archive, ArchiveFree> a(archive_read_new());
  archive_read_support_format_zip(a.get());
  if (archive_read_open_filename(a.get(), file.c_str(), 1 << 16) != ARCHIVE_OK)
    return make_error(ErrorKind::bad_input, std::string("not a readable EPUB: ") + archive_error_string(a.get()), file.string());
  std::map<std::string, std::string> parts;
  std::uint64_t total = 0;
  archive_entry* e = nullptr;
  for (int r; (r = archive_read_next_header(a.get(), &e)) != ARCHIVE_EOF;) {
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
      return make_error(ErrorKind::bad_input, std::string("corrupt EPUB: ") + archive_error_string(a.get()), file.string());
    const char* raw = archive_entry_pathname_utf8(e);
    if (!raw) raw = archive_entry_pathname(e);
    const std::string name = raw ? raw : "";
    const bool wanted = name == k_container_path || name.ends_with(".opf") || name.ends_with(".xhtml") ||
                        name.ends_with(".html") || name.ends_with(".htm");
    if (!wanted) continue;
    std::string data;
    char buf[65536];
    for (la_ssize_t n; (n = archive_read_data(a.get(), buf, sizeof buf)) != 0;) {
      if (n < 0) return make_error(ErrorKind::bad_input, "corrupt EPUB entry " + name, file.string());
      data.append(buf, static_cast<std::size_t>(n));
      total += static_cast<std::uint64_t>(n);
      if (data.size() > k_max_epub_part || total > k_max_document)
        return make_error(ErrorKind::bad_input, "EPUB entry " + name + " is larger than the text reader's limit", file.string());
    }
    parts[name] = std::move(data);
  }
  return parts;
}

std::string attr(xmlNode* n, const char* name) {
  xmlChar* v = xmlGetProp(n, BAD_CAST name);
  std::string s = v ? reinterpret_cast<const char*>(v) : "";
  xmlFree(v);
  return s;
}

// The spine's documents in reading order (paths inside the EPUB); empty when the
// package document cannot be read (the caller then takes the entries in name order).
std::vector<std::string> spine_order(const std::string& opf_path, const std::string& opf) {
  std::vector<std::string> order;
  xmlDoc* doc = xmlReadMemory(opf.data(), static_cast<int>(opf.size()), opf_path.c_str(), nullptr,
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (!doc) return order;
  const std::string base = opf_path.find('/') == std::string::npos ? "" : opf_path.substr(0, opf_path.rfind('/') + 1);
  std::map<std::string, std::string> hrefs;
  std::vector<std::string> idrefs;
  std::function<void(xmlNode*)> walk = [&](xmlNode* n) {
    for (; n; n = n->next) {
      if (n->type != XML_ELEMENT_NODE) continue;
      if (xmlStrcmp(n->name, BAD_CAST "item") == 0) hrefs[attr(n, "id")] = attr(n, "href");
      if (xmlStrcmp(n->name, BAD_CAST "itemref") == 0) idrefs.push_back(attr(n, "idref"));
      walk(n->children);
    }
  };
  walk(xmlDocGetRootElement(doc));
  xmlFreeDoc(doc);
  for (const auto& id : idrefs)
    if (auto it = hrefs.find(id); it != hrefs.end()) order.push_back(base + it->second);
  return order;
}

Result<DocumentText> epub_text(const fs::path& file) {
  auto parts = read_epub_parts(file);
  if (!parts) return parts.error();
  DocumentText out{TextUnit::section, {}};
  std::vector<std::string> order;
  if (auto c = parts->find(std::string(k_container_path)); c != parts->end()) {
    const std::string opf = rootfile_path(c->second);
    if (auto o = parts->find(opf); o != parts->end()) order = spine_order(opf, o->second);
  }
  if (order.empty())
    for (const auto& [name, data] : *parts)
      if (!name.ends_with(".opf") && name != k_container_path) order.push_back(name);
  for (const auto& name : order)
    if (auto it = parts->find(name); it != parts->end()) out.parts.push_back(html_text(it->second));
  return out;
}

Result<DocumentText> pdf_text(const fs::path& file) {
  // poppler prints parser complaints on stderr; a hostile file must not flood it. Set
  // once: index reads PDFs on several threads.
  static std::once_flag quiet;
  std::call_once(quiet, [] { poppler::set_debug_error_function([](const std::string&, void*) {}, nullptr); });
  auto bytes = read_file(file, k_max_document);
  if (!bytes) return bytes.error();
  poppler::byte_array data(bytes->begin(), bytes->end());
  std::unique_ptr<poppler::document> doc(poppler::document::load_from_data(&data));
  if (!doc) return make_error(ErrorKind::bad_input, "not a readable PDF (poppler could not open it)", file.string());
  if (doc->is_locked()) return make_error(ErrorKind::bad_input, "the PDF is encrypted; its text cannot be indexed", file.string());
  DocumentText out{TextUnit::page, {}};
  const int pages = std::min(doc->pages(), k_max_pages);
  for (int i = 0; i < pages; ++i) {
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    if (!page) {
      out.parts.emplace_back();
      continue;
    }
    const poppler::byte_array utf8 = page->text().to_utf8();
    out.parts.emplace_back(utf8.begin(), utf8.end());
  }
  return out;
}

}  // namespace

bool has_text(std::string_view t) {
  return t == "application/pdf" || t == "application/epub+zip" || t == "text/html" || t == "application/xhtml+xml" ||
         t == "text/vtt" || t == "text/plain";
}

std::string html_text(std::string_view html) {
  htmlDocPtr doc = htmlReadMemory(html.data(), static_cast<int>(html.size()), nullptr, "UTF-8",
                                  HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
  if (!doc) return {};
  std::string out;
  collect_text(xmlDocGetRootElement(doc), out);
  xmlFreeDoc(doc);
  return out;
}

std::string vtt_text(std::string_view vtt) {
  std::string out;
  bool in_note = false;
  std::size_t pos = 0;
  std::vector<std::string_view> lines;
  while (pos <= vtt.size()) {
    std::size_t nl = vtt.find('\n', pos);
    if (nl == std::string_view::npos) nl = vtt.size();
    std::string_view line = vtt.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    pos = nl + 1;
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (line.empty()) {
      in_note = false;
      continue;
    }
    if (in_note || line.starts_with("WEBVTT") || line.starts_with("NOTE") || line.starts_with("STYLE") ||
        line.starts_with("REGION")) {
      in_note = !line.starts_with("WEBVTT");
      continue;
    }
    if (line.find("-->") != std::string_view::npos) continue;
    if (i + 1 < lines.size() && lines[i + 1].find("-->") != std::string_view::npos) continue;  // cue id
    bool in_tag = false;
    for (char c : line) {
      if (c == '<') in_tag = true;
      else if (c == '>') in_tag = false;
      else if (!in_tag) out += c;
    }
    out += '\n';
  }
  return out;
}

Result<DocumentText> extract_text(const fs::path& file, std::string_view media_type) {
  if (media_type == "application/pdf") return pdf_text(file);
  if (media_type == "application/epub+zip") return epub_text(file);
  auto bytes = read_file(file, k_max_epub_part);
  if (!bytes) return bytes.error();
  if (media_type == "text/vtt") return DocumentText{TextUnit::whole, {vtt_text(*bytes)}};
  if (media_type == "text/html" || media_type == "application/xhtml+xml")
    return DocumentText{TextUnit::whole, {html_text(*bytes)}};
  if (media_type == "text/plain") return DocumentText{TextUnit::whole, {std::move(*bytes)}};
  return make_error(ErrorKind::usage, "no text reader for media type " + std::string(media_type), file.string());
}

}  // namespace eductl::search
