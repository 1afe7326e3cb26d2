// What a file's bytes show about its type, gathered while the file streams past once:
// magic numbers from the head, the PDF trailer, encryption and page count, and the
// structure of zip containers (EPUB 3 OCF, courseware bundles).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/findings/finding.hpp"

namespace eductl {

inline constexpr std::size_t k_head_bytes = 64 * 1024;
inline constexpr std::size_t k_tail_bytes = 1024;

// The media types the contract accepts.
bool is_accepted_media_type(std::string_view type);

// Streams a PDF's bytes and keeps what the checks need.
class PdfScanner {
 public:
  void feed(const char* data, std::size_t size);
  void finish();
  bool encrypted() const { return m_encrypted; }
  // Pages from the page tree's /Count (largest, the root) or else from the number of
  // /Type /Page objects; -1 if neither was seen (e.g. compressed object streams).
  int pages() const;

 private:
  void scan(std::string_view buf, std::size_t limit);
  std::string m_carry;
  bool m_encrypted = false;
  int m_max_count = -1;
  int m_page_objects = 0;
};

struct ZipInspection;  // defined in zip_inspect.hpp

// Content facts of one file, kept small (a few dozen bytes) because a package may hold
// 100,000 files and the manifest that says what to check may come last.
struct MediaFacts {
  std::string magic;       // the first k_magic_bytes
  bool text_utf8 = true;   // the head (k_head_bytes) is valid UTF-8
  char first_char = 0;     // first character of the head after a BOM and white space
  bool ends_with_eof = false;  // the tail ends with %%EOF (trailing white space allowed)
  bool is_pdf = false;
  bool pdf_encrypted = false;
  int pdf_pages = -1;
  bool is_zip = false;
  Findings epub_findings;  // what an EPUB reading of this zip found wrong
  Findings zip_findings;   // what a courseware-zip reading found wrong
};

inline constexpr std::size_t k_magic_bytes = 64;

// Fills the head/tail facts of `facts` from a file's first and last bytes.
void summarise_media(std::string_view head, std::string_view tail, MediaFacts& facts);

// Findings for a file declared as `declared` (entry = the file's path). Empty when the
// content agrees with the declaration.
Findings check_media(std::string_view entry, std::string_view declared, const MediaFacts& facts);

}  // namespace eductl
