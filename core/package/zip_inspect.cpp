#include "core/package/zip_inspect.hpp"

#include <functional>
#include <map>

#include "core/package/epub.hpp"
#include "core/package/ocf_names.hpp"
#include "core/package/path_rules.hpp"
#include "core/util/text.hpp"

namespace eductl {
namespace {

std::uint32_t le16(std::string_view s, std::size_t at) {
  return static_cast<unsigned char>(s[at]) | (static_cast<unsigned char>(s[at + 1]) << 8);
}

// OCF: the first local header must be "mimetype", stored, holding exactly the type,
// with no extra field (EPUBCheck PKG-005), so that the type sits at byte 38.
Findings check_mimetype_header(const std::string& outer, std::string_view head) {
  Findings out;
  const std::string where = outer + "!mimetype";
  bool ok = false;
  std::string why = "the first entry is not `mimetype`";
  if (head.size() >= 30 && head.starts_with("PK\x03\x04")) {
    const std::uint32_t method = le16(head, 8), name_len = le16(head, 26), extra_len = le16(head, 28);
    if (head.size() >= 30 + name_len && head.substr(30, name_len) == "mimetype") {
      if (extra_len != 0)
        out.push_back(make_finding("EPUB-MIMETYPE-EXTRA", where,
                                   "the local header of `mimetype` has an extra field of " + std::to_string(extra_len) +
                                       " bytes, which OCF forbids"));
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
  if (!ok) out.push_back(make_finding("EPUB-MIMETYPE", where, why));
  return out;
}

// Path problems an EPUB reading leaves to check_ocf_names, which words them as OCF does:
// OCF limits a name to 255 bytes, not a path; it forbids control characters and
// backslashes among others; it asks names to be unique after normalisation, not NFC.
bool covered_by_ocf_names(std::string_view code) {
  return code == "PKG-PATH-TOO-LONG" || code == "PKG-PATH-CONTROL" || code == "PKG-PATH-BACKSLASH" ||
         code == "PKG-PATH-NFC";
}

// Which entries are held in memory for the XML checks. container.xml always; once it has
// been read, only the package document it names. Before that (a zip may store the
// package document first), any XML-looking entry, whatever its name, within the caps.
class SmallFiles {
 public:
  explicit SmallFiles(std::uint64_t max_size) : m_max_size(max_size) {}

  bool wanted(const std::string& name) const {
    if (name == k_container_path) return true;
    if (m_container_read) return name == m_opf_path;
    return m_texts.size() < k_max_candidates;
  }
  // Called with the entry's text so far; false drops it (too big, or not XML).
  bool keep_growing(const std::string& name, const std::string& text) const {
    if (text.size() > m_max_size) return false;
    if (name == k_container_path || m_container_read) return true;
    return text.empty() || looks_like_xml(text);
  }
  void store(const std::string& name, std::string text) {
    if (name == k_container_path) {
      m_container_read = true;
      m_opf_path = rootfile_path(text);
    }
    m_texts[name] = std::move(text);
  }
  const std::string* find(const std::string& name) const {
    auto it = m_texts.find(name);
    return it == m_texts.end() ? nullptr : &it->second;
  }

 private:
  static constexpr std::size_t k_max_candidates = 16;
  static bool looks_like_xml(std::string_view text) {
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    const auto first = text.find_first_not_of(" \t\r\n");
    return first == std::string_view::npos || text[first] == '<';
  }
  std::uint64_t m_max_size;
  bool m_container_read = false;
  std::string m_opf_path;
  std::map<std::string, std::string> m_texts;
};

// Reads an entry to its end, so libarchive checks its CRC-32: a damaged chapter is
// found, not only a damaged OPF. The bytes count against a bound; `take` sees each block.
Status read_entry(EntryData& data, std::uint64_t& unpacked, std::uint64_t max_unpacked,
                  const std::function<void(std::string_view)>& take) {
  const void* block;
  std::size_t size;
  for (;;) {
    auto more = data.next_block(&block, &size);
    if (!more) return more.error();
    if (!*more) return ok_status();
    unpacked += size;
    if (unpacked > max_unpacked)
      return make_error(ErrorKind::bad_input,
                        "unpacks to more than " + human_bytes(max_unpacked) + " (zip bomb guard); reading stopped");
    take(std::string_view(static_cast<const char*>(block), size));
  }
}

}  // namespace

ZipInspectResult inspect_nested_zip(std::string_view outer, std::string_view head, ReadCallback read,
                                    const ZipInspectLimits& limits) {
  ZipInspectResult r;
  const std::string o(outer);
  r.epub = check_mimetype_header(o, head);
  Findings epub_zip;  // zip-level problems, as the EPUB reading words them
  std::vector<std::string> names;
  SmallFiles small(limits.max_small_file);
  RemoteUses uses;  // how content documents reference remote resources
  std::uint64_t unpacked = 0;
  auto both = [&](const std::string& name, std::string message) {
    epub_zip.push_back(make_finding("EPUB-CORRUPT", o + "!" + name, message));
    r.zip.push_back(make_finding("ZIP-CORRUPT", o + "!" + name, std::move(message)));
  };
  auto source = open_nested_archive(std::move(read));
  Status walked = ok_status();
  if (source) {
    walked = (*source)->walk([&](const RawEntry& e, EntryData& data) -> Status {
      if (++r.entries > limits.max_entries)
        return make_error(ErrorKind::bad_input, "more than " + std::to_string(limits.max_entries) + " entries");
      std::string name = normalise_entry_path(e.name);
      for (const auto& p : path_problems(name)) {
        if (covered_by_ocf_names(p.code)) r.zip.push_back(make_finding("ZIP-CORRUPT", o + "!" + name, p.detail));
        else both(name, p.detail);
      }
      if (!e.name_decoded) both(name, "entry name is neither UTF-8 nor GBK");
      // A package may carry GBK names (Chinese Windows zip tools); OCF says UTF-8.
      else if (!is_valid_utf8(e.raw_name))
        epub_zip.push_back(make_finding("EPUB-FILENAME-ENCODING", o + "!" + name,
                                        "entry name is not UTF-8 (it reads as GBK); OCF requires UTF-8 file names"));
      if (e.type == EntryType::symlink || e.type == EntryType::hardlink || e.type == EntryType::special)
        both(name, "link or special file inside the bundle");
      if (e.type != EntryType::file) return ok_status();
      names.push_back(name);
      bool keep = small.wanted(name);
      ContentKind scan = content_kind(name);
      std::string text;
      Status read = read_entry(data, unpacked, limits.max_unpacked, [&](std::string_view block) {
        if (!keep && scan == ContentKind::none) return;
        text.append(block);
        if (keep) keep = small.keep_growing(name, text);
        if (text.size() > limits.max_small_file) scan = ContentKind::none;
        if (!keep && scan == ContentKind::none) std::string().swap(text);
      });
      if (!read) return read;
      if (scan == ContentKind::css) uses.scan_css(text);
      if (scan == ContentKind::markup) uses.scan_markup(text);
      if (keep) small.store(name, std::move(text));
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
  Findings names_found = check_ocf_names(o, names);
  r.epub.insert(r.epub.end(), names_found.begin(), names_found.end());
  Findings xml_found = check_epub_structure(o, names, small.find(std::string(k_container_path)),
                                            [&](const std::string& path) { return small.find(path); }, uses);
  r.epub.insert(r.epub.end(), xml_found.begin(), xml_found.end());
  // An EPUB is read as EPUB; its zip-level problems are part of that reading too.
  r.epub.insert(r.epub.end(), epub_zip.begin(), epub_zip.end());
  return r;
}

}  // namespace eductl
