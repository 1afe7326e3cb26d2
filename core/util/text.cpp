#include "core/util/text.hpp"

#include <iconv.h>
#include <utf8proc.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>

namespace eductl {

bool is_valid_utf8(std::string_view s) {
  return for_each_codepoint(s, [](char32_t, std::string_view) { return true; });
}

namespace {
std::optional<std::string> convert(const char* to, const char* from, std::string_view s) {
  iconv_t cd = iconv_open(to, from);
  if (cd == reinterpret_cast<iconv_t>(-1)) return std::nullopt;
  std::unique_ptr<void, int (*)(iconv_t)> guard(cd, iconv_close);
  std::string in(s);
  std::string out(s.size() * 4 + 16, '\0');
  char* inp = in.data();
  size_t inleft = in.size();
  char* outp = out.data();
  size_t outleft = out.size();
  if (iconv(cd, &inp, &inleft, &outp, &outleft) == static_cast<size_t>(-1)) return std::nullopt;
  if (iconv(cd, nullptr, nullptr, &outp, &outleft) == static_cast<size_t>(-1)) return std::nullopt;
  out.resize(out.size() - outleft);
  return out;
}
}  // namespace

std::optional<std::string> gbk_to_utf8(std::string_view s) {
  auto out = convert("UTF-8", "CP936", s);
  if (out && !is_valid_utf8(*out)) return std::nullopt;
  return out;
}

std::optional<std::string> utf8_to_gbk(std::string_view s) { return convert("CP936", "UTF-8", s); }

namespace {
// utf8proc_map with `options`; the input unchanged when it is not valid UTF-8.
std::string map_utf8(std::string_view utf8, int options) {
  utf8proc_uint8_t* out = nullptr;
  utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(utf8.data()),
                                    static_cast<utf8proc_ssize_t>(utf8.size()), &out,
                                    static_cast<utf8proc_option_t>(options));
  if (n < 0) return std::string(utf8);
  std::string result(reinterpret_cast<char*>(out), static_cast<std::size_t>(n));
  std::free(out);
  return result;
}
}  // namespace

std::string to_nfc(std::string_view utf8) { return map_utf8(utf8, UTF8PROC_STABLE | UTF8PROC_COMPOSE); }

// utf8proc decomposes before folding and composes after, so canonically equivalent
// spellings meet in one form.
std::string fold_case_nfc(std::string_view utf8) {
  return map_utf8(utf8, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD);
}

bool is_nfc(std::string_view utf8) {
  for (unsigned char c : utf8)
    if (c >= 0x80) return to_nfc(utf8) == utf8;
  return true;  // ASCII is always NFC
}

std::size_t codepoint_count(std::string_view utf8) {
  std::size_t n = 0;
  for (unsigned char c : utf8)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

std::size_t display_width(std::string_view utf8) {
  auto p = reinterpret_cast<const utf8proc_uint8_t*>(utf8.data());
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(utf8.size());
  std::size_t width = 0;
  while (left > 0) {
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0) {
      ++width;
      ++p;
      --left;
      continue;
    }
    int w = utf8proc_charwidth(cp);
    width += w < 0 ? 0 : static_cast<std::size_t>(w);
    p += n;
    left -= n;
  }
  return width;
}

std::string to_lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string human_bytes(std::uint64_t bytes) {
  static constexpr const char* k_units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  if (u == 0)
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  else
    std::snprintf(buf, sizeof buf, v < 10 ? "%.2f %s" : (v < 100 ? "%.1f %s" : "%.0f %s"), v, k_units[u]);
  return buf;
}

std::optional<std::uint64_t> parse_bytes(std::string_view text) {
  std::string s(text);
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(s.c_str(), &end);
  if (errno || end == s.c_str() || v < 0 || !std::isfinite(v)) return std::nullopt;
  std::string unit = to_lower_ascii(std::string_view(end));
  if (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
  double mult = 1;
  if (unit.empty() || unit == "b") mult = 1;
  else if (unit == "k" || unit == "kib") mult = 1024.0;
  else if (unit == "m" || unit == "mib") mult = 1024.0 * 1024;
  else if (unit == "g" || unit == "gib") mult = 1024.0 * 1024 * 1024;
  else if (unit == "t" || unit == "tib") mult = 1024.0 * 1024 * 1024 * 1024;
  else if (unit == "kb") mult = 1e3;
  else if (unit == "mb") mult = 1e6;
  else if (unit == "gb") mult = 1e9;
  else if (unit == "tb") mult = 1e12;
  else return std::nullopt;
  double r = v * mult;
  if (r > 1.8e19) return std::nullopt;
  return static_cast<std::uint64_t>(r);
}

bool is_unsafe_codepoint(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

namespace {
}  // namespace

std::optional<char32_t> first_unsafe_codepoint(std::string_view utf8) {
  std::optional<char32_t> found;
  for_each_codepoint(utf8, [&](char32_t cp, std::string_view) {
    if (is_unsafe_codepoint(cp)) found = cp;
    return !found;
  });
  return found;
}

std::string codepoint_name(char32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
  return buf;
}

std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  char buf[16];
  if (is_valid_utf8(s)) {
    for_each_codepoint(s, [&](char32_t cp, std::string_view bytes) {
      if (cp < 0x20 || cp == 0x7f) {
        std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(cp));
        out += buf;
      } else if (is_unsafe_codepoint(cp)) {
        std::snprintf(buf, sizeof buf, "\\u{%x}", static_cast<unsigned>(cp));
        out += buf;
      } else {
        out += bytes;
      }
      return true;
    });
    return out;
  }
  for (unsigned char c : s) {
    if (c < 0x20 || c >= 0x7f) {
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string percent_decode(std::string_view s) {
  auto hex = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace eductl
