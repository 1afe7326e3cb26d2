// Ed25519 keys and signatures in minisign's file formats (minisign 0.11), so that a
// mirror can check a snapshot with eductl or with the stock minisign tool, and an
// operator can sign with a key made by either. Parsing trusts no length, prefix or
// algorithm byte; each way a key or signature can be wrong gets its own message.
#pragma once
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/findings/finding.hpp"
#include "core/util/result.hpp"

namespace eductl::minisign {

constexpr std::size_t k_key_id_bytes = 8;
constexpr std::size_t k_public_key_bytes = 32;
constexpr std::size_t k_secret_key_bytes = 64;  // seed + public key, libsodium's layout
constexpr std::size_t k_signature_bytes = 64;
// minisign reads comment lines into fixed buffers; longer lines would split there.
constexpr std::size_t k_max_untrusted_comment = 1000;
constexpr std::size_t k_max_trusted_comment = 8000;
constexpr std::string_view k_signature_suffix = ".minisig";

using KeyId = std::array<std::uint8_t, k_key_id_bytes>;

// As minisign prints it: the id read as a little-endian 64-bit number, 16 hex digits.
std::string key_id_hex(const KeyId& id);

// How the signed bytes are fed to Ed25519: `prehashed` (algorithm bytes "ED", minisign's
// default since 0.9) signs the BLAKE2b-512 of the data, so files of any size stream;
// `legacy` ("Ed") signs the data itself.
enum class SignatureAlgorithm { prehashed, legacy };

struct PublicKey {
  KeyId key_id{};
  std::array<std::uint8_t, k_public_key_bytes> key{};

  // The one-line base64 form minisign accepts with -P.
  std::string base64() const;
  // The .pub file: an untrusted comment line, then base64().
  std::string file_text(std::string_view untrusted_comment) const;
};

// Holds the secret key bytes and wipes them when it goes away.
class SecretKey {
 public:
  SecretKey() = default;
  SecretKey(const KeyId& id, const std::uint8_t (&bytes)[k_secret_key_bytes]);
  SecretKey(const SecretKey& other);
  SecretKey& operator=(const SecretKey& other);
  ~SecretKey();

  const KeyId& key_id() const { return m_key_id; }
  const std::uint8_t* bytes() const { return m_bytes.data(); }
  PublicKey public_key() const;

 private:
  KeyId m_key_id{};
  std::array<std::uint8_t, k_secret_key_bytes> m_bytes{};
};

// scrypt cost of the key file encryption. minisign's defaults (libsodium's "sensitive"
// limits: 1 GiB, a few seconds) protect a stolen key file; tests pass cheaper ones.
struct KdfLimits {
  std::uint64_t opslimit = 0;
  std::uint64_t memlimit = 0;
};
KdfLimits default_kdf_limits();
KdfLimits interactive_kdf_limits();

struct KeyPair {
  PublicKey public_key;
  SecretKey secret_key;
};

Result<KeyPair> generate_key_pair();

// The .key file. With a password the key is encrypted with a scrypt-derived stream;
// without one it is stored in the clear (minisign -W), and only file permissions guard it.
Result<std::string> secret_key_file_text(const SecretKey& key, const std::optional<std::string>& password,
                                         std::string_view untrusted_comment, KdfLimits limits = default_kdf_limits());

// `origin` names the file (or "--trust") in error messages.
Result<PublicKey> parse_public_key(std::string_view base64, const std::string& origin = {});
Result<PublicKey> parse_public_key_file(std::string_view text, const std::string& origin = {});
Result<PublicKey> load_public_key(const std::filesystem::path& file);

// Whether the key file needs a password, so that a command prompts only when it must.
Result<bool> secret_key_is_encrypted(std::string_view text, const std::string& origin = {});
// A wrong password and a damaged file both show as a failing checksum; the message says which is likely.
Result<SecretKey> parse_secret_key_file(std::string_view text, const std::optional<std::string>& password,
                                        const std::string& origin = {});
Result<SecretKey> load_secret_key(const std::filesystem::path& file, const std::optional<std::string>& password);

struct Signature {
  SignatureAlgorithm algorithm = SignatureAlgorithm::prehashed;
  KeyId key_id{};
  std::array<std::uint8_t, k_signature_bytes> signature{};
  std::string untrusted_comment;
  std::string trusted_comment;
  std::array<std::uint8_t, k_signature_bytes> global_signature{};  // over signature || trusted comment

  // The .minisig file: four lines.
  std::string file_text() const;
};

// Comments are single lines of bounded length; a newline would forge the file layout.
Status check_comment(std::string_view comment, std::size_t max_bytes, std::string_view what);

Result<Signature> sign(std::string_view data, const SecretKey& key, std::string_view trusted_comment,
                       std::string_view untrusted_comment = "signature from eductl secret key",
                       SignatureAlgorithm algorithm = SignatureAlgorithm::prehashed);
// Streams the file through BLAKE2b-512; the file may be larger than memory.
Result<Signature> sign_file(const std::filesystem::path& file, const SecretKey& key, std::string_view trusted_comment,
                            std::string_view untrusted_comment = "signature from eductl secret key");

// minisign's default trusted comment: "timestamp:<unix time>\tfile:<name>\thashed".
std::string default_trusted_comment(const std::filesystem::path& file);

// The outcome of checking a signature: a finding (MIR-SIG-*, MIR-SIGNATURE) when it fails.
// Only a signature without a finding vouches for its trusted comment.
struct Verification {
  std::optional<Finding> finding;
  Signature signature;  // as parsed; meaningful unless the finding is MIR-SIG-MALFORMED / MIR-SIG-ALGORITHM
  bool ok() const { return !finding.has_value(); }
};

// The signature file's own faults (layout, base64, lengths, algorithm) are findings too:
// for a mirror they are as untrustworthy as a forged signature. `origin` names it.
Verification verify(std::string_view data, std::string_view signature_text, const PublicKey& trusted,
                    const std::string& origin = {});
// Errors only when a file cannot be read; everything about the signature is a finding.
Result<Verification> verify_file(const std::filesystem::path& file, const std::filesystem::path& signature_file,
                                 const PublicKey& trusted);

}  // namespace eductl::minisign
