// Plain text out of the documents lessons and textbooks come as, for the search index:
// PDF page by page (poppler-cpp), EPUB spine document by spine document, HTML/XHTML,
// WebVTT subtitles and plain text. The files are untrusted: sizes are bounded, parser
// errors become bad_input naming the file, nothing is executed or fetched.
#pragma once
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/result.hpp"

namespace eductl::search {

enum class TextUnit { page, section, whole };  // PDF pages, EPUB spine items, one piece

struct DocumentText {
  TextUnit unit = TextUnit::whole;
  std::vector<std::string> parts;  // UTF-8; parts[i] is page / section i + 1
};

// True for the media types extract_text() reads.
bool has_text(std::string_view media_type);

// `media_type` decides the reader (the catalogue's declared, sniff-checked type).
Result<DocumentText> extract_text(const std::filesystem::path& file, std::string_view media_type);

// The text of an HTML/XHTML document (scripts and styles left out; blocks on new lines).
std::string html_text(std::string_view html);
// The cue text of a WebVTT file (header, timings, cue ids and tags left out).
std::string vtt_text(std::string_view vtt);

}  // namespace eductl::search
