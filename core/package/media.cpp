#include "core/package/media.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "core/util/text.hpp"

namespace eductl {

namespace {
constexpr std::array<std::string_view, 12> k_accepted = {
    "application/pdf", "application/epub+zip", "video/mp4", "audio/mpeg", "audio/mp4", "image/png",
    "image/jpeg", "text/vtt", "application/json", "text/html", "application/zip"};

bool is_delim(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\0' || c == '/' ||
         c == '<' || c == '>' || c == '[' || c == ']' || c == '(' || c == ')' || c == '%';
}
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\0'; }

std::string_view skip_bom_ws(std::string_view s) {
  if (s.starts_with("\xEF\xBB\xBF")) s.remove_prefix(3);
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  return s;
}

// A head cut by the k_head_bytes limit may end inside a multi-byte character; that
// partial character must not count as invalid UTF-8.
bool head_is_utf8(std::string_view head) {
  if (head.size() >= k_head_bytes) {
    std::size_t i = head.size(), back = 0;
    while (i > 0 && back < 3 && (static_cast<unsigned char>(head[i - 1]) & 0xC0) == 0x80) --i, ++back;
    if (i > 0 && static_cast<unsigned char>(head[i - 1]) >= 0xC0) --i;
    head = head.substr(0, i);
  }
  return is_valid_utf8(head);
}
}  // namespace

void summarise_media(std::string_view head, std::string_view tail, MediaFacts& f) {
  f.magic.assign(head.substr(0, k_magic_bytes));
  f.text_utf8 = head_is_utf8(head);
  std::string_view h = skip_bom_ws(head);
  f.first_char = h.empty() ? '\0' : h.front();
  while (!tail.empty() && is_space(tail.back())) tail.remove_suffix(1);
  f.ends_with_eof = tail.ends_with("%%EOF");
}

bool is_accepted_media_type(std::string_view type) {
  return std::find(k_accepted.begin(), k_accepted.end(), type) != k_accepted.end() && !type.empty();
}

// Every match start is examined once, with at least k_lookahead bytes after it except
// at the very end, so tokens split across blocks are still seen.
constexpr std::size_t k_lookahead = 48;

void PdfScanner::feed(const char* data, std::size_t size) {
  m_carry.append(data, size);
  if (m_carry.size() <= k_lookahead) return;
  std::size_t limit = m_carry.size() - k_lookahead;
  scan(m_carry, limit);
  m_carry.erase(0, limit);
}

void PdfScanner::finish() {
  scan(m_carry, m_carry.size());
  m_carry.clear();
}

void PdfScanner::scan(std::string_view buf, std::size_t limit) {
  const char* base = buf.data();
  std::size_t pos = 0;
  while (pos < limit) {
    const void* hit = std::memchr(base + pos, '/', limit - pos);
    if (!hit) break;
    std::size_t i = static_cast<const char*>(hit) - base;
    std::string_view rest = buf.substr(i);
    if (rest.starts_with("/Encrypt") && (rest.size() == 8 || is_delim(rest[8]))) {
      m_encrypted = true;
    } else if (rest.starts_with("/Type")) {
      std::size_t j = 5;
      while (j < rest.size() && is_space(rest[j])) ++j;
      std::string_view v = rest.substr(j);
      if (v.starts_with("/Page") && (v.size() == 5 || is_delim(v[5]))) ++m_page_objects;
    } else if (rest.starts_with("/Count")) {
      std::size_t j = 6;
      while (j < rest.size() && is_space(rest[j])) ++j;
      long long n = 0;
      std::size_t digits = 0;
      while (j < rest.size() && rest[j] >= '0' && rest[j] <= '9' && digits < 9) n = n * 10 + (rest[j++] - '0'), ++digits;
      if (digits) m_max_count = std::max(m_max_count, static_cast<int>(n));
    }
    pos = i + 1;
  }
}

int PdfScanner::pages() const {
  if (m_max_count > 0) return m_max_count;
  return m_page_objects > 0 ? m_page_objects : -1;
}

Findings check_media(std::string_view entry, std::string_view declared, const MediaFacts& f) {
  Findings out;
  std::string e(entry);
  auto mismatch = [&](std::string what) {
    out.push_back(make_finding("MEDIA-MISMATCH", e, "declared " + std::string(declared) + " but " + what));
  };
  std::string_view head = f.magic;
  const bool zip = head.starts_with("PK\x03\x04") || head.starts_with("PK\x05\x06");
  const bool ftyp = head.size() >= 8 && head.substr(4, 4) == "ftyp";
  if (declared == "application/pdf") {
    if (!head.starts_with("%PDF-")) {
      out.push_back(make_finding("PDF-HEADER", e, "content does not start with %PDF-"));
      return out;
    }
    if (!f.ends_with_eof)
      out.push_back(make_finding("PDF-TRAILER", e, "no %%EOF at the end: the file is truncated"));
    if (f.pdf_encrypted)
      out.push_back(make_finding("PDF-ENCRYPTED", e, "the trailer has an /Encrypt dictionary"));
    if (f.pdf_pages < 0)
      out.push_back(make_finding("PDF-PAGES", e, "no page tree /Count or /Type /Page object found"));
  } else if (declared == "application/epub+zip") {
    if (!zip) mismatch("the content is not a zip container");
    else out.insert(out.end(), f.epub_findings.begin(), f.epub_findings.end());
  } else if (declared == "application/zip") {
    if (!zip) mismatch("the content is not a zip archive");
    else out.insert(out.end(), f.zip_findings.begin(), f.zip_findings.end());
  } else if (declared == "video/mp4" || declared == "audio/mp4") {
    if (!ftyp) mismatch("the content is not an ISO BMFF file (no ftyp box first)");
  } else if (declared == "audio/mpeg") {
    bool sync = head.size() >= 2 && static_cast<unsigned char>(head[0]) == 0xFF &&
                (static_cast<unsigned char>(head[1]) & 0xE0) == 0xE0;
    if (!head.starts_with("ID3") && !sync) mismatch("the content is not MPEG audio (no ID3 tag or frame sync)");
  } else if (declared == "image/png") {
    if (!head.starts_with("\x89PNG\r\n\x1a\n")) mismatch("the content has no PNG signature");
  } else if (declared == "image/jpeg") {
    if (!head.starts_with("\xFF\xD8\xFF")) mismatch("the content has no JPEG SOI marker");
  } else if (declared == "text/vtt") {
    std::string_view h = head;
    if (h.starts_with("\xEF\xBB\xBF")) h.remove_prefix(3);
    if (!h.starts_with("WEBVTT") || (h.size() > 6 && !is_space(h[6])) || !f.text_utf8)
      mismatch("the content does not start with WEBVTT");
  } else if (declared == "application/json") {
    if (!f.first_char || std::string_view("{[\"-0123456789tfn").find(f.first_char) == std::string_view::npos ||
        !f.text_utf8)
      mismatch("the content is not UTF-8 JSON");
  } else if (declared == "text/html") {
    if (f.first_char != '<' || !f.text_utf8) mismatch("the content is not HTML text");
  }
  return out;
}

}  // namespace eductl
