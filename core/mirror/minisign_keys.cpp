// Key pairs and key files: generation, minisign's public and secret key layouts, and the
// scrypt encryption of the secret key.
#include <sodium.h>

#include <algorithm>

#include "core/mirror/minisign.hpp"
#include "core/mirror/minisign_codec.hpp"

namespace eductl::minisign {

using namespace detail;

namespace {

constexpr std::string_view k_kdf_scrypt = "Sc";
constexpr std::string_view k_kdf_none{"\0\0", 2};
constexpr std::string_view k_checksum_blake2b = "B2";

// Byte layouts of minisign's key structs (src/minisign.h), all packed.
constexpr std::size_t k_public_struct = 2 + k_key_id_bytes + k_public_key_bytes;  // 42
constexpr std::size_t k_salt_bytes = crypto_pwhash_scryptsalsa208sha256_SALTBYTES;  // 32
constexpr std::size_t k_checksum_bytes = crypto_generichash_BYTES;                  // 32
// keynum_sk: key id, secret key, checksum; the part the password encrypts.
constexpr std::size_t k_keynum_sk = k_key_id_bytes + k_secret_key_bytes + k_checksum_bytes;  // 104
constexpr std::size_t k_off_kdf = 2, k_off_chk = 4, k_off_salt = 6;
constexpr std::size_t k_off_ops = k_off_salt + k_salt_bytes, k_off_mem = k_off_ops + 8, k_off_keynum = k_off_mem + 8;
constexpr std::size_t k_off_sk = k_off_keynum + k_key_id_bytes, k_off_checksum = k_off_sk + k_secret_key_bytes;
constexpr std::size_t k_secret_struct = k_off_keynum + k_keynum_sk;  // 158

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

}  // namespace eductl::minisign
