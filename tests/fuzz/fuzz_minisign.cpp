// Feeds arbitrary bytes to the minisign parsers as a mirror would meet them from the
// network or a careless operator: a signature file, a public key file or string, and a
// secret key file (without a password, so a crafted key cannot make each run pay scrypt).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/mirror/minisign.hpp"

namespace ms = eductl::minisign;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ms::KeyPair pair = *ms::generate_key_pair();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // Whatever the bytes, verify returns a finding or a verified signature, never a crash.
  const ms::Verification v = ms::verify("snapshot index", text, pair.public_key, "fuzz.minisig");
  if (v.ok() && v.signature.key_id != pair.public_key.key_id) __builtin_trap();
  (void)ms::parse_public_key(text);
  (void)ms::parse_public_key_file(text);
  (void)ms::secret_key_is_encrypted(text);
  (void)ms::parse_secret_key_file(text, std::nullopt);
  return 0;
}
