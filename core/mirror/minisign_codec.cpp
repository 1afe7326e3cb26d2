#include "core/mirror/minisign_codec.hpp"

#include <algorithm>

#include "core/util/fs.hpp"

namespace eductl::minisign::detail {

Status sodium_ready() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) return make_error(ErrorKind::internal, "libsodium failed to initialise");
  return ok_status();
}

std::string to_base64(const std::uint8_t* p, std::size_t n) {
  std::string out(sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), p, n, sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

// The scratch buffer is as long as the input can decode to, so a too-long value is
// reported by its length rather than as an overflow.
Decoded from_base64(std::string_view b64, std::span<std::uint8_t> out, std::size_t* got) {
  std::vector<std::uint8_t> buf(b64.size() / 4 * 3 + 3);
  Wipe wipe(buf.data(), buf.size());
  std::size_t len = 0;
  if (b64.empty() || sodium_base642bin(buf.data(), buf.size(), b64.data(), b64.size(), nullptr, &len, nullptr,
                                       sodium_base64_VARIANT_ORIGINAL) != 0)
    return Decoded::not_base64;
  *got = len;
  if (len != out.size()) return Decoded::wrong_length;
  std::copy_n(buf.begin(), len, out.begin());
  return Decoded::ok;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::string quoted_alg(const std::uint8_t* p) {
  std::string s;
  for (int i = 0; i < 2; ++i) {
    const unsigned char c = p[i];
    if (c >= 0x20 && c < 0x7f) {
      s += static_cast<char>(c);
    } else {
      static constexpr char k_hex[] = "0123456789abcdef";
      s += "\\x";
      s += k_hex[c >> 4];
      s += k_hex[c & 15];
    }
  }
  return '"' + s + '"';
}

bool bytes_equal(const std::uint8_t* p, std::string_view s) { return std::equal(s.begin(), s.end(), p, [](char a, std::uint8_t b) { return static_cast<std::uint8_t>(a) == b; }); }

Error bad_input(std::string message, const std::string& origin) {
  return make_error(ErrorKind::bad_input, std::move(message), origin);
}

Result<std::string> read_small(const std::filesystem::path& file) {
  auto text = read_file(file, k_max_key_file);
  if (!text) return text.error();
  return text;
}

}  // namespace eductl::minisign::detail
