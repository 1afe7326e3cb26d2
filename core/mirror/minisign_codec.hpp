// Internals shared by the minisign key and signature code: the format's constants and
// byte layouts, base64 and line handling, wiping of secret buffers. Not part of the API
// (core/mirror/minisign.hpp is); only core/mirror/minisign*.cpp include it.
#pragma once
#include <sodium.h>

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/mirror/minisign.hpp"

namespace eductl::minisign::detail {

constexpr std::string_view k_untrusted_prefix = "untrusted comment: ";
constexpr std::string_view k_trusted_prefix = "trusted comment: ";
constexpr std::string_view k_alg_legacy = "Ed";
constexpr std::string_view k_alg_prehashed = "ED";

// Key and signature files are a few hundred bytes; anything large is not one.
inline constexpr std::uint64_t k_max_key_file = 64 << 10;

// Wipes a buffer that held secret material when the scope ends, on every path.
class Wipe {
 public:
  Wipe(void* p, std::size_t n) : m_p(p), m_n(n) {}
  ~Wipe() { sodium_memzero(m_p, m_n); }
  Wipe(const Wipe&) = delete;
  Wipe& operator=(const Wipe&) = delete;

 private:
  void* m_p;
  std::size_t m_n;
};

Status sodium_ready();

std::string to_base64(const std::uint8_t* p, std::size_t n);

enum class Decoded { ok, not_base64, wrong_length };
// Decodes exactly out.size() bytes; `got` says how many the input held.
Decoded from_base64(std::string_view b64, std::span<std::uint8_t> out, std::size_t* got);

// Surrounding blanks (and a line's CR) are not part of a base64 value.
std::string_view trim(std::string_view s);
// Lines without their "\n" or "\r\n".
std::vector<std::string_view> split_lines(std::string_view text);
bool starts_with(std::string_view s, std::string_view prefix);
// Two algorithm bytes as they appear in messages, e.g. "Ed" or "\x00\x00".
std::string quoted_alg(const std::uint8_t* p);
bool bytes_equal(const std::uint8_t* p, std::string_view s);

Error bad_input(std::string message, const std::string& origin);
Result<std::string> read_small(const std::filesystem::path& file);

}  // namespace eductl::minisign::detail
