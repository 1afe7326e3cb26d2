// Signatures: minisign's .minisig layout, signing (prehashed by default) and verifying
// either kind, with every fault of a signature file reported as a finding.
#include "core/mirror/minisign.hpp"

#include <sodium.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <fstream>

#include "core/mirror/minisign_codec.hpp"
#include "core/util/fs.hpp"

namespace eductl::minisign {

using namespace detail;

namespace {

constexpr std::size_t k_signature_struct = 2 + k_key_id_bytes + k_signature_bytes;  // 74
// A legacy signature covers the whole file in memory, as minisign itself does.
constexpr std::uint64_t k_max_legacy_message = 1ull << 30;

// Signature file faults are findings, so the parser returns the code with the message.
struct ParsedSignature {
  std::optional<Signature> signature;
  std::string_view code;
  std::string message;
};

ParsedSignature malformed(std::string message) { return {std::nullopt, "MIR-SIG-MALFORMED", std::move(message)}; }

ParsedSignature parse_signature_text(std::string_view text) {
  const auto lines = split_lines(text);
  if (lines.size() < 4)
    return malformed("the signature file has " + std::to_string(lines.size()) +
                     " lines; a minisign signature has 4 (comment, signature, trusted comment, comment signature)");
  if (!starts_with(lines[0], k_untrusted_prefix)) return malformed("the first line does not start with 'untrusted comment: '");
  if (!starts_with(lines[2], k_trusted_prefix)) return malformed("the third line does not start with 'trusted comment: '");
  Signature s;
  s.untrusted_comment = lines[0].substr(k_untrusted_prefix.size());
  s.trusted_comment = lines[2].substr(k_trusted_prefix.size());
  std::uint8_t raw[k_signature_struct];
  std::size_t got = 0;
  switch (from_base64(trim(lines[1]), raw, &got)) {
    case Decoded::not_base64:
      return malformed("the signature line is not valid base64");
    case Decoded::wrong_length:
      return malformed("the signature line decodes to " + std::to_string(got) + " bytes, not " +
                       std::to_string(k_signature_struct));
    case Decoded::ok:
      break;
  }
  if (bytes_equal(raw, k_alg_prehashed)) {
    s.algorithm = SignatureAlgorithm::prehashed;
  } else if (bytes_equal(raw, k_alg_legacy)) {
    s.algorithm = SignatureAlgorithm::legacy;
  } else {
    return {std::nullopt, "MIR-SIG-ALGORITHM",
            "unsupported signature algorithm " + quoted_alg(raw) + " (minisign signatures are \"ED\" or legacy \"Ed\")"};
  }
  std::copy_n(raw + 2, k_key_id_bytes, s.key_id.begin());
  std::copy_n(raw + 2 + k_key_id_bytes, k_signature_bytes, s.signature.begin());
  switch (from_base64(trim(lines[3]), s.global_signature, &got)) {
    case Decoded::not_base64:
      return malformed("the trusted comment's signature line is not valid base64");
    case Decoded::wrong_length:
      return malformed("the trusted comment's signature decodes to " + std::to_string(got) + " bytes, not " +
                       std::to_string(k_signature_bytes));
    case Decoded::ok:
      break;
  }
  return {std::move(s), {}, {}};
}

// BLAKE2b-512 with no key: what "ED" signatures sign.
class Blake2b512 {
 public:
  Blake2b512() { crypto_generichash_init(&m_state, nullptr, 0, crypto_generichash_BYTES_MAX); }
  void update(const void* p, std::size_t n) { crypto_generichash_update(&m_state, static_cast<const std::uint8_t*>(p), n); }
  std::array<std::uint8_t, crypto_generichash_BYTES_MAX> final() {
    std::array<std::uint8_t, crypto_generichash_BYTES_MAX> out{};
    crypto_generichash_final(&m_state, out.data(), out.size());
    return out;
  }

 private:
  crypto_generichash_state m_state;
};

Result<std::array<std::uint8_t, crypto_generichash_BYTES_MAX>> hash_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return bad_input("cannot read: " + errno_text(errno), file.string());
  Blake2b512 h;
  std::vector<char> buf(1 << 16);
  while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0)
    h.update(buf.data(), static_cast<std::size_t>(in.gcount()));
  if (in.bad()) return bad_input("read failed: " + errno_text(errno), file.string());
  return h.final();
}

Result<Signature> sign_message(const std::uint8_t* message, std::size_t n, SignatureAlgorithm algorithm, const SecretKey& key,
                               std::string_view trusted_comment, std::string_view untrusted_comment) {
  if (auto s = sodium_ready(); !s) return s.error();
  if (auto c = check_comment(trusted_comment, k_max_trusted_comment, "trusted comment"); !c) return c.error();
  if (auto c = check_comment(untrusted_comment, k_max_untrusted_comment, "untrusted comment"); !c) return c.error();
  Signature s;
  s.algorithm = algorithm;
  s.key_id = key.key_id();
  s.untrusted_comment = untrusted_comment;
  s.trusted_comment = trusted_comment;
  crypto_sign_detached(s.signature.data(), nullptr, message, n, key.bytes());
  std::string covered(reinterpret_cast<const char*>(s.signature.data()), s.signature.size());
  covered += trusted_comment;
  crypto_sign_detached(s.global_signature.data(), nullptr, reinterpret_cast<const std::uint8_t*>(covered.data()),
                       covered.size(), key.bytes());
  return s;
}

// Checks a parsed signature over `message` (the data, or its BLAKE2b-512 for "ED").
Verification check_signature(Signature s, const std::uint8_t* message, std::size_t n, const PublicKey& trusted,
                             const std::string& origin) {
  Verification v;
  if (s.key_id != trusted.key_id) {
    v.finding = make_finding("MIR-SIG-KEY-MISMATCH", origin,
                             "signed by key " + key_id_hex(s.key_id) + ", but the trusted key is " + key_id_hex(trusted.key_id));
  } else if (crypto_sign_verify_detached(s.signature.data(), message, n, trusted.key.data()) != 0) {
    v.finding = make_finding("MIR-SIGNATURE", origin,
                             "the signature does not match the data: the file was changed after signing, or the "
                             "signature was made for another file");
  } else {
    std::string covered(reinterpret_cast<const char*>(s.signature.data()), s.signature.size());
    covered += s.trusted_comment;
    if (crypto_sign_verify_detached(s.global_signature.data(), reinterpret_cast<const std::uint8_t*>(covered.data()),
                                    covered.size(), trusted.key.data()) != 0)
      v.finding = make_finding("MIR-SIG-COMMENT", origin,
                               "the trusted comment does not match its signature: it was altered after signing");
  }
  v.signature = std::move(s);
  return v;
}

Verification refused(const ParsedSignature& p, const std::string& origin) {
  Verification v;
  v.finding = make_finding(p.code, origin, p.message);
  return v;
}

}  // namespace

Status check_comment(std::string_view comment, std::size_t max_bytes, std::string_view what) {
  if (comment.size() > max_bytes)
    return make_error(ErrorKind::usage, std::string(what) + " is longer than " + std::to_string(max_bytes) + " bytes");
  for (char c : comment)
    if (c == '\n' || c == '\r' || c == '\0')
      return make_error(ErrorKind::usage, std::string(what) + " must be one line (no line breaks or NUL bytes)");
  return ok_status();
}

std::string Signature::file_text() const {
  std::uint8_t raw[k_signature_struct];
  const std::string_view alg = algorithm == SignatureAlgorithm::prehashed ? k_alg_prehashed : k_alg_legacy;
  std::copy(alg.begin(), alg.end(), raw);
  std::copy(key_id.begin(), key_id.end(), raw + 2);
  std::copy(signature.begin(), signature.end(), raw + 2 + k_key_id_bytes);
  return std::string(k_untrusted_prefix) + untrusted_comment + "\n" + to_base64(raw, sizeof raw) + "\n" +
         std::string(k_trusted_prefix) + trusted_comment + "\n" +
         to_base64(global_signature.data(), global_signature.size()) + "\n";
}

Result<Signature> sign(std::string_view data, const SecretKey& key, std::string_view trusted_comment,
                       std::string_view untrusted_comment, SignatureAlgorithm algorithm) {
  if (auto s = sodium_ready(); !s) return s.error();
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(data.data());
  if (algorithm == SignatureAlgorithm::legacy)
    return sign_message(bytes, data.size(), algorithm, key, trusted_comment, untrusted_comment);
  Blake2b512 h;
  h.update(bytes, data.size());
  const auto digest = h.final();
  return sign_message(digest.data(), digest.size(), algorithm, key, trusted_comment, untrusted_comment);
}

Result<Signature> sign_file(const std::filesystem::path& file, const SecretKey& key, std::string_view trusted_comment,
                            std::string_view untrusted_comment) {
  if (auto s = sodium_ready(); !s) return s.error();
  auto digest = hash_file(file);
  if (!digest) return digest.error();
  return sign_message(digest->data(), digest->size(), SignatureAlgorithm::prehashed, key, trusted_comment, untrusted_comment);
}

std::string default_trusted_comment(const std::filesystem::path& file) {
  std::string name = file.filename().string();
  for (char& c : name)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return "timestamp:" + std::to_string(static_cast<long long>(std::time(nullptr))) + "\tfile:" + name + "\thashed";
}

Verification verify(std::string_view data, std::string_view signature_text, const PublicKey& trusted, const std::string& origin) {
  if (!sodium_ready()) return refused({std::nullopt, "MIR-SIGNATURE", "libsodium failed to initialise"}, origin);
  ParsedSignature p = parse_signature_text(signature_text);
  if (!p.signature) return refused(p, origin);
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(data.data());
  if (p.signature->algorithm == SignatureAlgorithm::legacy)
    return check_signature(std::move(*p.signature), bytes, data.size(), trusted, origin);
  Blake2b512 h;
  h.update(bytes, data.size());
  const auto digest = h.final();
  return check_signature(std::move(*p.signature), digest.data(), digest.size(), trusted, origin);
}

Result<Verification> verify_file(const std::filesystem::path& file, const std::filesystem::path& signature_file,
                                 const PublicKey& trusted) {
  if (auto s = sodium_ready(); !s) return s.error();
  auto text = read_small(signature_file);
  if (!text) return text.error();
  const std::string origin = signature_file.string();
  ParsedSignature p = parse_signature_text(*text);
  if (!p.signature) return refused(p, origin);
  if (p.signature->algorithm == SignatureAlgorithm::legacy) {
    auto data = read_file(file, k_max_legacy_message);
    if (!data) return data.error();
    return check_signature(std::move(*p.signature), reinterpret_cast<const std::uint8_t*>(data->data()), data->size(), trusted,
                           origin);
  }
  auto digest = hash_file(file);
  if (!digest) return digest.error();
  return check_signature(std::move(*p.signature), digest->data(), digest->size(), trusted, origin);
}

}  // namespace eductl::minisign
