// Text helpers: UTF-8 validation, GBK/CP936 decoding (zip names written by Chinese
// tools), NFC checks and terminal display width (CJK characters take two columns).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <utf8proc.h>

namespace eductl {

// Calls `visit(cp, bytes)` for each code point of UTF-8 text until it returns false.
// Returns false when the text is not valid UTF-8 (the visit stops there).
template <class Visit>
bool for_each_codepoint(std::string_view utf8, Visit visit) {
  auto p = reinterpret_cast<const utf8proc_uint8_t*>(utf8.data());
  auto left = static_cast<utf8proc_ssize_t>(utf8.size());
  while (left > 0) {
    utf8proc_int32_t cp = 0;
    const utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0 || cp < 0) return false;
    if (!visit(static_cast<char32_t>(cp), std::string_view(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n))))
      return true;
    p += n;
    left -= n;
  }
  return true;
}

bool is_valid_utf8(std::string_view s);
// Decodes GBK/CP936 bytes to UTF-8; nullopt when the bytes are not valid GBK.
std::optional<std::string> gbk_to_utf8(std::string_view s);
std::optional<std::string> utf8_to_gbk(std::string_view s);
// True when the (valid UTF-8) text is already in Unicode Normalization Form C.
bool is_nfc(std::string_view utf8);
std::string to_nfc(std::string_view utf8);
// Unicode full case folding of the NFC form (ß and SS fold alike): for comparing names
// the way case-insensitive file systems and OCF's uniqueness rule do.
std::string fold_case_nfc(std::string_view utf8);
std::size_t codepoint_count(std::string_view utf8);
// Columns the text takes in a terminal (East Asian wide characters count two).
std::size_t display_width(std::string_view utf8);
std::string to_lower_ascii(std::string_view s);
// "1.5 GiB", "320 KiB", "12 B"
std::string human_bytes(std::uint64_t bytes);
// Parses "1048576", "64KiB", "20GiB", "1.5MB"; nullopt on garbage.
std::optional<std::uint64_t> parse_bytes(std::string_view text);
// Code points that must never reach a terminal from untrusted text: C0 controls, DEL,
// C1 controls (U+0080-U+009F) and the bidi embedding/override/isolate controls
// (U+202A-U+202E, U+2066-U+2069) that reorder what is displayed.
bool is_unsafe_codepoint(char32_t cp);
// The first unsafe code point of valid UTF-8 text, if any.
std::optional<char32_t> first_unsafe_codepoint(std::string_view utf8);
// "U+001B", "U+202E"
std::string codepoint_name(char32_t cp);
// Escapes unsafe code points and invalid bytes for safe display: "\x1b" for C0 controls,
// DEL and invalid bytes, "\u{202e}" for C1 and bidi controls.
std::string printable(std::string_view s);

// %XX escapes decoded (URLs, JSON pointer fragments); a malformed escape stays as it is.
std::string percent_decode(std::string_view s);

}  // namespace eductl
