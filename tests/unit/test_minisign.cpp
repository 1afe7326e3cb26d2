#include <sodium.h>

#include <catch2/catch.hpp>
#include <functional>

#include "core/mirror/minisign.hpp"
#include "support.hpp"

using namespace eductl;
namespace ms = eductl::minisign;

namespace {

// Made by minisign 0.11: `minisign -G -W`, then `minisign -S` (prehashed) and
// `minisign -S -l` (legacy) over k_vector_data. They pin the formats to the reference tool.
constexpr const char* k_vector_pub =
    "untrusted comment: minisign public key 6B21B4DE9ED873B2\n"
    "RWSyc9ie3rQhaw8iG3GLl2FDLGiLWEmBatgmhBHG3R2Krb4FnZXLBCHR\n";
constexpr const char* k_vector_key =
    "untrusted comment: minisign encrypted secret key\n"
    "RWQAAEIyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAsnPYnt60IWsC2lnioSAzTR8W7ij13fAdhN/j78uS6hPz8F"
    "eFKky9UQ8iG3GLl2FDLGiLWEmBatgmhBHG3R2Krb4FnZXLBCHRAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
constexpr const char* k_vector_data = "eductl test vector\n";
constexpr const char* k_vector_prehashed =
    "untrusted comment: signature from minisign secret key\n"
    "RUSyc9ie3rQha+jcjQRMOAWdaUcbnYePjmv20n+O+y4MDOotty467k6hnm3vLbwxE6AwluPa7/A4BfFR+xNDs2A4a/Keaxg0EQc=\n"
    "trusted comment: vector prehashed\n"
    "0iGQuOFJw9PavMflZDLOjY5q0APJaOkJ7CAqvjRT2R0VDNjf92yS2+HesKBYbcwLIzS1JNXIT5vpNy2EKfeYAg==\n";
constexpr const char* k_vector_legacy =
    "untrusted comment: signature from minisign secret key\n"
    "RWSyc9ie3rQha7ymTmDuYCL6rPKQNbs3DvkvsMHSx/xbw0u05h4HsCJvGleL7H6EdUj+biorPJLdkFQ7kw5kyiRHRf3V0eDmtw0=\n"
    "trusted comment: vector legacy\n"
    "wp6fP6SNwnY38DgmxQ8fOOvUfQiTw7HfQCg7Rd7+3PVBx1oBKxILKklwXPU4K3AmW2shw04CIZgQImmN/+SmDg==\n";

ms::KeyPair new_pair() {
  auto pair = ms::generate_key_pair();
  REQUIRE(pair);
  return std::move(pair).value();
}

std::string code_of(const ms::Verification& v) { return v.finding ? v.finding->code : std::string("ok"); }

bool mentions(const Error& e, const std::string& text) { return e.message.find(text) != std::string::npos; }

// Replaces line `n` (0-based) of a minisign file.
std::string with_line(const std::string& text, std::size_t n, const std::string& line) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto nl = text.find('\n', start);
    lines.push_back(text.substr(start, nl - start));
    start = nl == std::string::npos ? text.size() : nl + 1;
  }
  lines.at(n) = line;
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::string line_of(const std::string& text, std::size_t n) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < n; ++i) start = text.find('\n', start) + 1;
  return text.substr(start, text.find('\n', start) - start);
}

// Re-encodes a base64 line after changing the raw bytes.
std::string patch_base64(const std::string& b64, const std::function<void(std::vector<unsigned char>&)>& change) {
  std::vector<unsigned char> raw(b64.size());
  std::size_t len = 0;
  REQUIRE(sodium_base642bin(raw.data(), raw.size(), b64.data(), b64.size(), nullptr, &len, nullptr,
                            sodium_base64_VARIANT_ORIGINAL) == 0);
  raw.resize(len);
  change(raw);
  std::string out(sodium_base64_ENCODED_LEN(raw.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), raw.data(), raw.size(), sodium_base64_VARIANT_ORIGINAL);
  out.pop_back();
  return out;
}

}  // namespace

TEST_CASE("minisign: a new key pair signs and verifies, unencrypted key file round trip", "[minisign]") {
  auto pair = new_pair();
  auto key_text = ms::secret_key_file_text(pair.secret_key, std::nullopt, "test key");
  REQUIRE(key_text);
  CHECK(key_text->rfind("untrusted comment: test key\n", 0) == 0);
  auto encrypted = ms::secret_key_is_encrypted(*key_text);
  REQUIRE(encrypted);
  CHECK_FALSE(*encrypted);
  auto loaded = ms::parse_secret_key_file(*key_text, std::nullopt);
  REQUIRE(loaded);
  CHECK(loaded->key_id() == pair.public_key.key_id);

  auto pub = ms::parse_public_key_file(pair.public_key.file_text("pub"));
  REQUIRE(pub);
  CHECK(pub->key == pair.public_key.key);
  CHECK(ms::parse_public_key(pair.public_key.base64())->key_id == pair.public_key.key_id);
  CHECK(pair.public_key.base64().size() == 56);

  auto sig = ms::sign("the snapshot index", *loaded, "snapshot 7");
  REQUIRE(sig);
  CHECK(sig->algorithm == ms::SignatureAlgorithm::prehashed);
  const std::string text = sig->file_text();
  CHECK(line_of(text, 1).rfind("RU", 0) == 0);  // base64 of "ED"
  auto v = ms::verify("the snapshot index", text, *pub, "index.minisig");
  CHECK(code_of(v) == "ok");
  CHECK(v.signature.trusted_comment == "snapshot 7");
}

TEST_CASE("minisign: an encrypted key needs its password; a wrong one fails the checksum", "[minisign]") {
  auto pair = new_pair();
  auto key_text = ms::secret_key_file_text(pair.secret_key, std::string("correct horse"), "enc", ms::interactive_kdf_limits());
  REQUIRE(key_text);
  CHECK(*ms::secret_key_is_encrypted(*key_text));

  auto good = ms::parse_secret_key_file(*key_text, std::string("correct horse"));
  REQUIRE(good);
  CHECK(good->public_key().key == pair.public_key.key);

  auto wrong = ms::parse_secret_key_file(*key_text, std::string("battery staple"), "k.key");
  REQUIRE_FALSE(wrong);
  CHECK(mentions(wrong.error(), "wrong password"));
  CHECK(wrong.error().file == "k.key");

  auto none = ms::parse_secret_key_file(*key_text, std::nullopt);
  REQUIRE_FALSE(none);
  CHECK(mentions(none.error(), "password is needed"));

  auto sig = ms::sign("data", *good, "tc");
  REQUIRE(sig);
  CHECK(ms::verify("data", sig->file_text(), pair.public_key).ok());
}

TEST_CASE("minisign: key files are written and read back from disk", "[minisign]") {
  test::TempDir dir;
  auto pair = new_pair();
  test::write_file(dir / "k.pub", pair.public_key.file_text("pub"));
  test::write_file(dir / "k.key", *ms::secret_key_file_text(pair.secret_key, std::nullopt, "sec"));
  test::write_file(dir / "data.bin", std::string(200000, 'x'));
  auto pub = ms::load_public_key(dir / "k.pub");
  auto sec = ms::load_secret_key(dir / "k.key", std::nullopt);
  REQUIRE(pub);
  REQUIRE(sec);
  auto sig = ms::sign_file(dir / "data.bin", *sec, "file tc");
  REQUIRE(sig);
  test::write_file(dir / "data.bin.minisig", sig->file_text());
  auto v = ms::verify_file(dir / "data.bin", dir / "data.bin.minisig", *pub);
  REQUIRE(v);
  CHECK(code_of(*v) == "ok");
  // The same bytes signed in memory and streamed from the file agree.
  CHECK(ms::verify(std::string(200000, 'x'), sig->file_text(), *pub).ok());

  test::write_file(dir / "data.bin", std::string(200000, 'y'));
  v = ms::verify_file(dir / "data.bin", dir / "data.bin.minisig", *pub);
  REQUIRE(v);
  CHECK(code_of(*v) == "MIR-SIGNATURE");

  CHECK_FALSE(ms::load_public_key(dir / "missing.pub"));
  auto no_file = ms::verify_file(dir / "missing", dir / "data.bin.minisig", *pub);
  REQUIRE_FALSE(no_file);
  CHECK(no_file.error().kind == ErrorKind::bad_input);
}

TEST_CASE("minisign: tampering with data, trusted comment or key is told apart", "[minisign]") {
  auto pair = new_pair();
  auto other = new_pair();
  auto sig = ms::sign("payload", pair.secret_key, "snapshot 12");
  REQUIRE(sig);
  const std::string text = sig->file_text();

  CHECK(code_of(ms::verify("payload", text, pair.public_key)) == "ok");
  CHECK(code_of(ms::verify("payloaD", text, pair.public_key)) == "MIR-SIGNATURE");
  CHECK(code_of(ms::verify("payload", with_line(text, 2, "trusted comment: snapshot 13"), pair.public_key)) ==
        "MIR-SIG-COMMENT");
  const auto mismatch = ms::verify("payload", text, other.public_key, "x.minisig");
  CHECK(code_of(mismatch) == "MIR-SIG-KEY-MISMATCH");
  CHECK(mismatch.finding->entry == "x.minisig");
  CHECK(mismatch.finding->message.find(ms::key_id_hex(pair.public_key.key_id)) != std::string::npos);

  // Same key id, other key: the signature itself fails.
  ms::PublicKey impostor = other.public_key;
  impostor.key_id = pair.public_key.key_id;
  CHECK(code_of(ms::verify("payload", text, impostor)) == "MIR-SIGNATURE");

  // A flipped bit in the signature bytes.
  const std::string flipped = patch_base64(line_of(text, 1), [](auto& raw) { raw[20] ^= 1; });
  CHECK(code_of(ms::verify("payload", with_line(text, 1, flipped), pair.public_key)) == "MIR-SIGNATURE");
  // The untrusted comment is not covered: changing it changes nothing.
  CHECK(ms::verify("payload", with_line(text, 0, "untrusted comment: anything"), pair.public_key).ok());
}

TEST_CASE("minisign: malformed signature files are findings, each with its own message", "[minisign]") {
  auto pair = new_pair();
  const std::string text = ms::sign("payload", pair.secret_key, "tc")->file_text();
  auto check = [&](const std::string& sig, const std::string& code, const std::string& words) {
    const auto v = ms::verify("payload", sig, pair.public_key);
    CHECK(code_of(v) == code);
    if (v.finding) CHECK_THAT(v.finding->message, Catch::Contains(words));
  };
  check("", "MIR-SIG-MALFORMED", "has 0 lines");
  check(text.substr(0, text.size() / 2), "MIR-SIG-MALFORMED", "lines");
  check(with_line(text, 0, "comment: x"), "MIR-SIG-MALFORMED", "untrusted comment");
  check(with_line(text, 2, "tc"), "MIR-SIG-MALFORMED", "trusted comment");
  check(with_line(text, 1, "not*base64!"), "MIR-SIG-MALFORMED", "not valid base64");
  check(with_line(text, 1, line_of(text, 1).substr(0, 40)), "MIR-SIG-MALFORMED", "decodes to 30 bytes, not 74");
  check(with_line(text, 3, "%%%"), "MIR-SIG-MALFORMED", "not valid base64");
  check(with_line(text, 3, line_of(text, 3).substr(0, 44)), "MIR-SIG-MALFORMED", "not 64");
  const std::string other_alg = patch_base64(line_of(text, 1), [](auto& raw) { raw[0] = 'X'; raw[1] = 'y'; });
  check(with_line(text, 1, other_alg), "MIR-SIG-ALGORITHM", "\"Xy\"");
  // CRLF line ends (a file passed through a Windows editor) still verify.
  std::string crlf;
  for (char c : text) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  CHECK(ms::verify("payload", crlf, pair.public_key).ok());
}

TEST_CASE("minisign: malformed keys are refused with the reason", "[minisign]") {
  auto pair = new_pair();
  const std::string pub = pair.public_key.base64();
  CHECK_THAT(ms::parse_public_key("").error().message, Catch::Contains("not valid base64"));
  CHECK_THAT(ms::parse_public_key("RW$%").error().message, Catch::Contains("not valid base64"));
  CHECK_THAT(ms::parse_public_key(pub.substr(0, 40)).error().message, Catch::Contains("decodes to 30 bytes, not 42"));
  CHECK_THAT(ms::parse_public_key(patch_base64(pub, [](auto& raw) { raw[1] = 'X'; })).error().message,
             Catch::Contains("unsupported public key algorithm \"EX\""));
  CHECK_THAT(ms::parse_public_key_file(pub).error().message, Catch::Contains("untrusted comment"));
  CHECK(ms::parse_public_key("  " + pub + " \r\n"));

  const std::string key = *ms::secret_key_file_text(pair.secret_key, std::nullopt, "k");
  const std::string b64 = line_of(key, 1);
  auto key_with = [&](const std::function<void(std::vector<unsigned char>&)>& change) {
    return with_line(key, 1, patch_base64(b64, change));
  };
  CHECK_THAT(ms::parse_secret_key_file(with_line(key, 1, b64.substr(0, 100)), std::nullopt).error().message,
             Catch::Contains("decodes to 75 bytes, not 158"));
  CHECK_THAT(ms::parse_secret_key_file(with_line(key, 1, "!!"), std::nullopt).error().message, Catch::Contains("base64"));
  CHECK_THAT(ms::parse_secret_key_file(key_with([](auto& r) { r[0] = 'E'; r[1] = 'D'; }), std::nullopt).error().message,
             Catch::Contains("secret key algorithm \"ED\""));
  CHECK_THAT(ms::parse_secret_key_file(key_with([](auto& r) { r[2] = 'A'; r[3] = 'r'; }), std::nullopt).error().message,
             Catch::Contains("key derivation \"Ar\""));
  CHECK_THAT(ms::parse_secret_key_file(key_with([](auto& r) { r[4] = 'S'; r[5] = 'H'; }), std::nullopt).error().message,
             Catch::Contains("checksum algorithm \"SH\""));
  CHECK_THAT(ms::parse_secret_key_file(key_with([](auto& r) { r[70] ^= 1; }), std::nullopt).error().message,
             Catch::Contains("damaged"));
  // A public key file handed over as the secret key.
  CHECK_THAT(ms::parse_secret_key_file(pair.public_key.file_text("p"), std::nullopt).error().message,
             Catch::Contains("not 158"));
  // A crafted encrypted key that asks for more scrypt memory than minisign ever uses.
  const std::string enc = *ms::secret_key_file_text(pair.secret_key, std::string("pw"), "k", ms::interactive_kdf_limits());
  const std::string greedy = with_line(enc, 1, patch_base64(line_of(enc, 1), [](auto& r) { r[53] = 0x7f; }));
  CHECK_THAT(ms::parse_secret_key_file(greedy, std::string("pw")).error().message, Catch::Contains("refusing"));
}

TEST_CASE("minisign: minisign 0.11's own files verify, legacy Ed included", "[minisign]") {
  auto pub = ms::parse_public_key_file(k_vector_pub);
  REQUIRE(pub);
  CHECK(ms::key_id_hex(pub->key_id) == "6B21B4DE9ED873B2");

  auto prehashed = ms::verify(k_vector_data, k_vector_prehashed, *pub);
  CHECK(code_of(prehashed) == "ok");
  CHECK(prehashed.signature.algorithm == ms::SignatureAlgorithm::prehashed);
  CHECK(prehashed.signature.trusted_comment == "vector prehashed");

  auto legacy = ms::verify(k_vector_data, k_vector_legacy, *pub);
  CHECK(code_of(legacy) == "ok");
  CHECK(legacy.signature.algorithm == ms::SignatureAlgorithm::legacy);
  CHECK(code_of(ms::verify("eductl test vector!\n", k_vector_legacy, *pub)) == "MIR-SIGNATURE");
  CHECK(code_of(ms::verify(k_vector_data, with_line(k_vector_legacy, 2, "trusted comment: vector"), *pub)) ==
        "MIR-SIG-COMMENT");

  // minisign -W leaves the checksum zero; the key still loads and signs what minisign's public key accepts.
  auto sec = ms::parse_secret_key_file(k_vector_key, std::nullopt);
  REQUIRE(sec);
  CHECK(sec->key_id() == pub->key_id);
  auto sig = ms::sign("new data", *sec, "tc");
  REQUIRE(sig);
  CHECK(ms::verify("new data", sig->file_text(), *pub).ok());
  // eductl's legacy signatures verify as well.
  auto old = ms::sign("new data", *sec, "tc", "legacy", ms::SignatureAlgorithm::legacy);
  REQUIRE(old);
  CHECK(line_of(old->file_text(), 1).rfind("RW", 0) == 0);  // base64 of "Ed"
  CHECK(ms::verify("new data", old->file_text(), *pub).ok());
}

TEST_CASE("minisign: comments are single bounded lines", "[minisign]") {
  auto pair = new_pair();
  CHECK_FALSE(ms::sign("x", pair.secret_key, "two\nlines"));
  CHECK_FALSE(ms::sign("x", pair.secret_key, std::string(ms::k_max_trusted_comment + 1, 'a')));
  CHECK(ms::sign("x", pair.secret_key, std::string(ms::k_max_trusted_comment, 'a')));
  CHECK_FALSE(ms::secret_key_file_text(pair.secret_key, std::nullopt, "a\rb"));
  const auto tc = ms::default_trusted_comment("/srv/snap/index\n.json");
  CHECK(tc.rfind("timestamp:", 0) == 0);
  CHECK_THAT(tc, Catch::EndsWith("\tfile:index?.json\thashed"));
}
