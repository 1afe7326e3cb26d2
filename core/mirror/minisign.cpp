#include "core/mirror/minisign.hpp"

#include <sodium.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <fstream>
#include <span>
#include <vector>

#include "core/util/fs.hpp"

namespace eductl::minisign {

namespace {

constexpr std::string_view k_untrusted_prefix = "untrusted comment: ";
constexpr std::string_view k_trusted_prefix = "trusted comment: ";
constexpr std::string_view k_alg_legacy = "Ed";
constexpr std::string_view k_alg_prehashed = "ED";
constexpr std::string_view k_kdf_scrypt = "Sc";
constexpr std::string_view k_kdf_none{"\0\0", 2};
constexpr std::string_view k_checksum_blake2b = "B2";

// Byte layouts of minisign's structs (src/minisign.h), all packed.
constexpr std::size_t k_public_struct = 2 + k_key_id_bytes + k_public_key_bytes;  // 42
constexpr std::size_t k_signature_struct = 2 + k_key_id_bytes + k_signature_bytes;  // 74
constexpr std::size_t k_salt_bytes = crypto_pwhash_scryptsalsa208sha256_SALTBYTES;  // 32
constexpr std::size_t k_checksum_bytes = crypto_generichash_BYTES;                  // 32
// keynum_sk: key id, secret key, checksum; the part the password encrypts.
constexpr std::size_t k_keynum_sk = k_key_id_bytes + k_secret_key_bytes + k_checksum_bytes;  // 104
constexpr std::size_t k_off_kdf = 2, k_off_chk = 4, k_off_salt = 6;
constexpr std::size_t k_off_ops = k_off_salt + k_salt_bytes, k_off_mem = k_off_ops + 8, k_off_keynum = k_off_mem + 8;
constexpr std::size_t k_off_sk = k_off_keynum + k_key_id_bytes, k_off_checksum = k_off_sk + k_secret_key_bytes;
constexpr std::size_t k_secret_struct = k_off_keynum + k_keynum_sk;  // 158

// Key and signature files are a few hundred bytes; anything large is not one.
constexpr std::uint64_t k_max_key_file = 64 << 10;
// A legacy signature covers the whole file in memory, as minisign itself does.
constexpr std::uint64_t k_max_legacy_message = 1ull << 30;

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

enum class Decoded { ok, not_base64, wrong_length };

// Decodes exactly out.size() bytes; the scratch buffer is as long as the input can decode
// to, so a too-long value is reported by its length rather than as an overflow.
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

void put_le64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
std::uint64_t get_le64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

// BLAKE2b-256 over algorithm, key id and secret key: minisign's way to tell a wrong
// password (or a damaged file) from a good key.
void secret_checksum(const std::uint8_t* secret_struct, std::uint8_t* out) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, k_checksum_bytes);
  crypto_generichash_update(&st, secret_struct, 2);
  crypto_generichash_update(&st, secret_struct + k_off_keynum, k_key_id_bytes);
  crypto_generichash_update(&st, secret_struct + k_off_sk, k_secret_key_bytes);
  crypto_generichash_final(&st, out, k_checksum_bytes);
  sodium_memzero(&st, sizeof st);
}

// XORs keynum_sk with the scrypt stream of the password: encrypts and decrypts alike.
Status apply_password(std::uint8_t* secret_struct, const std::string& password, const std::string& origin) {
  std::uint8_t stream[k_keynum_sk];
  Wipe wipe(stream, sizeof stream);
  const std::uint64_t ops = get_le64(secret_struct + k_off_ops), mem = get_le64(secret_struct + k_off_mem);
  if (crypto_pwhash_scryptsalsa208sha256(stream, sizeof stream, password.data(), password.size(),
                                         secret_struct + k_off_salt, ops, static_cast<std::size_t>(mem)) != 0)
    return make_error(ErrorKind::internal,
                      "cannot derive the key from the password (scrypt with " + std::to_string(mem >> 20) +
                          " MiB of memory failed; is memory short?)",
                      origin);
  for (std::size_t i = 0; i < k_keynum_sk; ++i) secret_struct[k_off_keynum + i] ^= stream[i];
  return ok_status();
}

Error bad_input(std::string message, const std::string& origin) {
  return make_error(ErrorKind::bad_input, std::move(message), origin);
}

// Decodes the base64 line of a key file; `what` is "public key" or "secret key".
Status decode_key_line(std::string_view line, std::span<std::uint8_t> out, std::string_view what, const std::string& origin) {
  std::size_t got = 0;
  switch (from_base64(trim(line), out, &got)) {
    case Decoded::ok:
      return ok_status();
    case Decoded::not_base64:
      return bad_input("not a minisign " + std::string(what) + ": the key line is not valid base64", origin);
    case Decoded::wrong_length:
      break;
  }
  return bad_input("not a minisign " + std::string(what) + ": the key decodes to " + std::to_string(got) + " bytes, not " +
                       std::to_string(out.size()) + " (truncated or another kind of key?)",
                   origin);
}

// The second line of a key file, after checking the first is a comment.
Result<std::string_view> key_line(std::string_view text, std::string_view what, const std::string& origin) {
  const auto lines = split_lines(text);
  if (lines.size() < 2 || !starts_with(lines[0], k_untrusted_prefix))
    return bad_input("not a minisign " + std::string(what) + " file: expected an 'untrusted comment:' line followed by the key",
                     origin);
  return lines[1];
}

Result<std::string> read_small(const std::filesystem::path& file) {
  auto text = read_file(file, k_max_key_file);
  if (!text) return text.error();
  return text;
}

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

std::string key_id_hex(const KeyId& id) {
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string s;
  for (std::size_t i = id.size(); i-- > 0;) {
    s += k_hex[id[i] >> 4];
    s += k_hex[id[i] & 15];
  }
  return s;
}

std::string PublicKey::base64() const {
  std::uint8_t raw[k_public_struct];
  std::copy(k_alg_legacy.begin(), k_alg_legacy.end(), raw);
  std::copy(key_id.begin(), key_id.end(), raw + 2);
  std::copy(key.begin(), key.end(), raw + 2 + k_key_id_bytes);
  return to_base64(raw, sizeof raw);
}

std::string PublicKey::file_text(std::string_view untrusted_comment) const {
  return std::string(k_untrusted_prefix) + std::string(untrusted_comment) + "\n" + base64() + "\n";
}

SecretKey::SecretKey(const KeyId& id, const std::uint8_t (&bytes)[k_secret_key_bytes]) : m_key_id(id) {
  std::copy(std::begin(bytes), std::end(bytes), m_bytes.begin());
}
SecretKey::SecretKey(const SecretKey& other) : m_key_id(other.m_key_id), m_bytes(other.m_bytes) {}
SecretKey& SecretKey::operator=(const SecretKey& other) {
  m_key_id = other.m_key_id;
  m_bytes = other.m_bytes;
  return *this;
}
SecretKey::~SecretKey() { sodium_memzero(m_bytes.data(), m_bytes.size()); }

PublicKey SecretKey::public_key() const {
  PublicKey pk;
  pk.key_id = m_key_id;
  // libsodium's secret key is seed || public key.
  std::copy_n(m_bytes.begin() + 32, k_public_key_bytes, pk.key.begin());
  return pk;
}

KdfLimits default_kdf_limits() {
  return {crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_SENSITIVE, crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_SENSITIVE};
}
KdfLimits interactive_kdf_limits() {
  return {crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_INTERACTIVE, crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_INTERACTIVE};
}

Result<KeyPair> generate_key_pair() {
  if (auto s = sodium_ready(); !s) return s.error();
  std::uint8_t pk[k_public_key_bytes], sk[k_secret_key_bytes];
  Wipe wipe(sk, sizeof sk);
  crypto_sign_keypair(pk, sk);
  KeyId id;
  randombytes_buf(id.data(), id.size());
  KeyPair pair{PublicKey{}, SecretKey(id, sk)};
  pair.public_key = pair.secret_key.public_key();
  return pair;
}

Status check_comment(std::string_view comment, std::size_t max_bytes, std::string_view what) {
  if (comment.size() > max_bytes)
    return make_error(ErrorKind::usage, std::string(what) + " is longer than " + std::to_string(max_bytes) + " bytes");
  for (char c : comment)
    if (c == '\n' || c == '\r' || c == '\0')
      return make_error(ErrorKind::usage, std::string(what) + " must be one line (no line breaks or NUL bytes)");
  return ok_status();
}

Result<std::string> secret_key_file_text(const SecretKey& key, const std::optional<std::string>& password,
                                         std::string_view untrusted_comment, KdfLimits limits) {
  if (auto s = sodium_ready(); !s) return s.error();
  if (auto c = check_comment(untrusted_comment, k_max_untrusted_comment, "the key comment"); !c) return c.error();
  std::uint8_t raw[k_secret_struct] = {};
  Wipe wipe(raw, sizeof raw);
  std::copy(k_alg_legacy.begin(), k_alg_legacy.end(), raw);
  std::copy(k_checksum_blake2b.begin(), k_checksum_blake2b.end(), raw + k_off_chk);
  std::copy(key.key_id().begin(), key.key_id().end(), raw + k_off_keynum);
  std::copy_n(key.bytes(), k_secret_key_bytes, raw + k_off_sk);
  secret_checksum(raw, raw + k_off_checksum);
  if (password) {
    // Unencrypted keys keep salt and limits zero, as minisign -W writes them.
    std::copy(k_kdf_scrypt.begin(), k_kdf_scrypt.end(), raw + k_off_kdf);
    randombytes_buf(raw + k_off_salt, k_salt_bytes);
    put_le64(raw + k_off_ops, limits.opslimit);
    put_le64(raw + k_off_mem, limits.memlimit);
    if (auto s = apply_password(raw, *password, {}); !s) return s.error();
  } else {
    std::copy(k_kdf_none.begin(), k_kdf_none.end(), raw + k_off_kdf);
  }
  std::string text = std::string(k_untrusted_prefix) + std::string(untrusted_comment) + "\n" + to_base64(raw, sizeof raw) + "\n";
  return text;
}

Result<PublicKey> parse_public_key(std::string_view base64, const std::string& origin) {
  std::uint8_t raw[k_public_struct];
  if (auto s = decode_key_line(base64, raw, "public key", origin); !s) return s.error();
  if (!bytes_equal(raw, k_alg_legacy))
    return bad_input("unsupported public key algorithm " + quoted_alg(raw) + " (minisign Ed25519 keys start with \"Ed\")",
                     origin);
  PublicKey pk;
  std::copy_n(raw + 2, k_key_id_bytes, pk.key_id.begin());
  std::copy_n(raw + 2 + k_key_id_bytes, k_public_key_bytes, pk.key.begin());
  return pk;
}

Result<PublicKey> parse_public_key_file(std::string_view text, const std::string& origin) {
  auto line = key_line(text, "public key", origin);
  if (!line) return line.error();
  return parse_public_key(*line, origin);
}

Result<PublicKey> load_public_key(const std::filesystem::path& file) {
  auto text = read_small(file);
  if (!text) return text.error();
  return parse_public_key_file(*text, file.string());
}

namespace {

// Decodes the secret key file into its raw struct and checks the algorithm bytes.
Status decode_secret_struct(std::string_view text, std::uint8_t (&raw)[k_secret_struct], const std::string& origin) {
  auto line = key_line(text, "secret key", origin);
  if (!line) return line.error();
  if (auto s = decode_key_line(*line, raw, "secret key", origin); !s) return s.error();
  if (!bytes_equal(raw, k_alg_legacy))
    return bad_input("unsupported secret key algorithm " + quoted_alg(raw) + " (minisign Ed25519 keys start with \"Ed\")",
                     origin);
  if (!bytes_equal(raw + k_off_kdf, k_kdf_scrypt) && !bytes_equal(raw + k_off_kdf, k_kdf_none))
    return bad_input("unsupported key derivation " + quoted_alg(raw + k_off_kdf) + " (minisign uses \"Sc\", scrypt, or none)",
                     origin);
  if (!bytes_equal(raw + k_off_chk, k_checksum_blake2b))
    return bad_input("unsupported checksum algorithm " + quoted_alg(raw + k_off_chk) + " (minisign uses \"B2\", BLAKE2b)",
                     origin);
  return ok_status();
}

}  // namespace

Result<bool> secret_key_is_encrypted(std::string_view text, const std::string& origin) {
  std::uint8_t raw[k_secret_struct];
  Wipe wipe(raw, sizeof raw);
  if (auto s = decode_secret_struct(text, raw, origin); !s) return s.error();
  return bytes_equal(raw + k_off_kdf, k_kdf_scrypt);
}

Result<SecretKey> parse_secret_key_file(std::string_view text, const std::optional<std::string>& password,
                                        const std::string& origin) {
  if (auto s = sodium_ready(); !s) return s.error();
  std::uint8_t raw[k_secret_struct];
  Wipe wipe(raw, sizeof raw);
  if (auto s = decode_secret_struct(text, raw, origin); !s) return s.error();
  const bool encrypted = bytes_equal(raw + k_off_kdf, k_kdf_scrypt);
  if (encrypted) {
    if (!password)
      return make_error(ErrorKind::usage, "the secret key is encrypted: a password is needed", origin);
    // The limits come from the file: cap them, or a crafted key file could demand any
    // amount of memory and time before the checksum can say it is wrong.
    const KdfLimits most = default_kdf_limits();
    if (get_le64(raw + k_off_ops) > most.opslimit || get_le64(raw + k_off_mem) > most.memlimit)
      return bad_input("the secret key asks for scrypt limits above minisign's (opslimit " +
                           std::to_string(get_le64(raw + k_off_ops)) + ", memlimit " + std::to_string(get_le64(raw + k_off_mem)) +
                           "); refusing to spend that memory",
                       origin);
    if (auto s = apply_password(raw, *password, origin); !s) return s.error();
  }
  std::uint8_t checksum[k_checksum_bytes];
  secret_checksum(raw, checksum);
  // minisign -W leaves an unencrypted key's checksum zero (it computes it only when
  // encrypting); eductl writes it, so a non-zero one is checked either way.
  const bool checksum_absent = !encrypted && sodium_is_zero(raw + k_off_checksum, k_checksum_bytes);
  if (!checksum_absent && sodium_memcmp(checksum, raw + k_off_checksum, k_checksum_bytes) != 0)
    return bad_input(encrypted ? "wrong password for this secret key (the decrypted key fails its checksum)"
                               : "the secret key is damaged: it fails its checksum",
                     origin);
  // The key's second half is its public key; a mismatch means damage the checksum could not catch.
  std::uint8_t pk[k_public_key_bytes], sk_check[k_secret_key_bytes];
  Wipe wipe_check(sk_check, sizeof sk_check);
  crypto_sign_seed_keypair(pk, sk_check, raw + k_off_sk);
  if (sodium_memcmp(pk, raw + k_off_sk + 32, k_public_key_bytes) != 0)
    return bad_input("the secret key is damaged: its public half does not belong to its seed", origin);
  KeyId id;
  std::copy_n(raw + k_off_keynum, k_key_id_bytes, id.begin());
  std::uint8_t sk[k_secret_key_bytes];
  Wipe wipe_sk(sk, sizeof sk);
  std::copy_n(raw + k_off_sk, k_secret_key_bytes, sk);
  return SecretKey(id, sk);
}

Result<SecretKey> load_secret_key(const std::filesystem::path& file, const std::optional<std::string>& password) {
  auto text = read_small(file);
  if (!text) return text.error();
  Wipe wipe(text->data(), text->size());
  return parse_secret_key_file(*text, password, file.string());
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
