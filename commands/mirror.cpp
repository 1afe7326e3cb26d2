// eductl mirror keygen / sign / verify: the signing keys of published snapshots, in
// minisign's formats so that a mirror operator can also check with the stock tool.
#include "commands/mirror.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <memory>

#include "commands/password.hpp"
#include "commands/render.hpp"
#include "core/data/data_folder.hpp"
#include "core/mirror/minisign.hpp"
#include "core/util/fs.hpp"
#include "core/util/text.hpp"

namespace eductl {

namespace fs = std::filesystem;

// Loads the secret key, asking for a password only when the file is encrypted.
Result<minisign::SecretKey> load_signing_key(const fs::path& key_file) {
  auto text = read_file(key_file, 64 << 10);
  if (!text) return text.error();
  auto encrypted = minisign::secret_key_is_encrypted(*text, key_file.string());
  if (!encrypted) return encrypted.error();
  std::optional<std::string> password;
  if (*encrypted) {
    auto pw = obtain_password("Password for " + printable(key_file.string()) + ": ", Confirm::once);
    if (!pw) return pw.error();
    password = std::move(pw).value();
  }
  auto key = minisign::parse_secret_key_file(*text, password, key_file.string());
  if (password) wipe_secret(*password);
  wipe_secret(*text);
  return key;
}

// --trust takes a .pub file or, like minisign -P, the base64 key itself.
Result<minisign::PublicKey> load_trusted_key(const std::string& trust) {
  std::error_code ec;
  if (fs::is_regular_file(trust, ec)) return minisign::load_public_key(trust);
  auto key = minisign::parse_public_key(trust, "--trust");
  // Base64 may contain '/', so a path-like value is only judged a path once it is no key.
  if (!key && (trust.find('/') != std::string::npos || trust.ends_with(".pub")))
    return make_error(ErrorKind::bad_input, "no such public key file, and not a base64 public key either", trust);
  return key;
}

namespace {


constexpr const char* k_public_key_name = "eductl.pub";
constexpr const char* k_secret_key_name = "eductl.key";

struct KeygenOptions {
  std::string out;  // empty: <data>/keys
  bool no_password = false;
  bool force = false;
  std::string comment;
};

struct SignOptions {
  std::string file;
  std::string key;
  std::optional<std::string> trusted_comment;
  std::string output;  // empty: FILE.minisig
};

struct VerifyOptions {
  std::string file;
  std::string trust;      // a .pub file or the base64 key itself
  std::string signature;  // empty: FILE.minisig
};

std::string signature_path(const std::string& file, const std::string& given) {
  return given.empty() ? file + std::string(minisign::k_signature_suffix) : given;
}

// The key directory holds a secret: when keygen creates it, only the owner may enter it.
Status prepare_key_dir(const fs::path& dir) {
  std::error_code ec;
  const bool existed = fs::exists(dir, ec);
  if (auto s = make_dirs(dir); !s) return s;
  if (!existed && ::chmod(dir.c_str(), 0700) != 0)
    return make_error(ErrorKind::internal, "cannot restrict permissions: " + errno_text(errno), dir.string());
  return ok_status();
}

int run_keygen(const KeygenOptions& o, const Context& ctx) {
  const fs::path dir = o.out.empty() ? DataFolder(ctx.data_dir).keys_dir() : fs::path(o.out);
  const fs::path pub_file = dir / k_public_key_name, key_file = dir / k_secret_key_name;
  if (auto c = minisign::check_comment(o.comment, minisign::k_max_untrusted_comment, "--comment"); !c)
    return report_error(ctx, c.error());
  if (!o.force) {
    std::error_code ec;
    for (const fs::path& p : {key_file, pub_file})
      if (fs::exists(fs::symlink_status(p, ec)))
        return report_error(ctx, make_error(ErrorKind::usage,
                                            "refusing to replace an existing key: what it signed would no longer verify "
                                            "against the new public key; use --force to replace it",
                                            p.string()));
  }
  std::optional<std::string> password;
  if (!o.no_password) {
    auto pw = obtain_password("Password for the new secret key: ", Confirm::twice,
                              "or use --no-password for an unencrypted key guarded by file permissions only");
    if (!pw) return report_error(ctx, pw.error());
    password = std::move(pw).value();
  }
  auto pair = minisign::generate_key_pair();
  if (!pair) return report_error(ctx, pair.error());
  const std::string id = minisign::key_id_hex(pair->public_key.key_id);
  const std::string pub_comment = o.comment.empty() ? "eductl public key " + id : o.comment;
  const std::string key_comment =
      (o.comment.empty() ? std::string("eductl") : o.comment) + (password ? " encrypted secret key " : " secret key ") + id;
  auto key_text = minisign::secret_key_file_text(pair->secret_key, password, key_comment);
  if (password) wipe_secret(*password);
  if (!key_text) return report_error(ctx, key_text.error());
  if (auto s = prepare_key_dir(dir); !s) return report_error(ctx, s.error());
  // An existing folder keeps its mode (it may be shared on purpose), but the operator should know.
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0 && (st.st_mode & 0077) != 0)
    ctx.warn(printable(dir.string()) + " is open to other users; the secret key file itself is 0600");
  // The secret key first: a public key without its secret would be a key nobody can use.
  auto wrote = write_file_atomic(key_file, *key_text, 0600);
  wipe_secret(*key_text);
  if (!wrote) return report_error(ctx, wrote.error());
  if (auto s = write_file_atomic(pub_file, pair->public_key.file_text(pub_comment)); !s) return report_error(ctx, s.error());

  if (ctx.json) {
    print_json(ctx, {{"schema", "eductl.mirror.keygen/1"}, {"key_id", id}, {"public_key", pair->public_key.base64()},
                     {"public_key_file", pub_file.string()}, {"secret_key_file", key_file.string()},
                     {"encrypted", password.has_value()}});
    return 0;
  }
  std::ostream& out = *ctx.out;
  out << "key id      " << id << '\n'
      << "public key  " << pair->public_key.base64() << '\n'
      << "wrote " << printable(pub_file.string()) << " (give it to the mirrors) and " << printable(key_file.string())
      << (password ? " (secret, encrypted with the password)" : " (secret, NOT encrypted: only its file mode 0600 guards it)")
      << '\n'
      << "check a signature with: minisign -Vm FILE -P " << pair->public_key.base64() << '\n';
  return 0;
}

int run_sign(const SignOptions& o, const Context& ctx) {
  const std::string sig_file = signature_path(o.file, o.output);
  auto key = load_signing_key(o.key);
  if (!key) return report_error(ctx, key.error());
  const std::string comment = o.trusted_comment ? *o.trusted_comment : minisign::default_trusted_comment(o.file);
  auto sig = minisign::sign_file(o.file, *key, comment);
  if (!sig) return report_error(ctx, sig.error());
  if (auto s = write_file_atomic(sig_file, sig->file_text()); !s) return report_error(ctx, s.error());
  const std::string id = minisign::key_id_hex(sig->key_id);
  if (ctx.json) {
    print_json(ctx, {{"schema", "eductl.mirror.sign/1"}, {"file", o.file}, {"signature_file", sig_file}, {"key_id", id},
                     {"algorithm", "ED"}, {"trusted_comment", comment}});
  } else {
    *ctx.out << "signed " << printable(o.file) << " with key " << id << ": " << printable(sig_file) << '\n';
  }
  return 0;
}

// minisign's trusted comments separate fields with tabs; keep those, escape the rest.
std::string printable_comment(const std::string& comment) {
  std::string out;
  std::size_t start = 0;
  for (;;) {
    const auto tab = comment.find('\t', start);
    out += printable(comment.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) return out;
    out += '\t';
    start = tab + 1;
  }
}

int run_verify(const VerifyOptions& o, const Context& ctx) {
  const std::string sig_file = signature_path(o.file, o.signature);
  auto trusted = load_trusted_key(o.trust);
  if (!trusted) return report_error(ctx, trusted.error());
  auto v = minisign::verify_file(o.file, sig_file, *trusted);
  if (!v) return report_error(ctx, v.error());
  const std::string id = minisign::key_id_hex(trusted->key_id);
  if (ctx.json) {
    Findings findings;
    if (v->finding) findings.push_back(*v->finding);
    nlohmann::json doc = {{"schema", "eductl.mirror.verify/1"}, {"file", o.file}, {"signature_file", sig_file},
                          {"trusted_key_id", id}, {"valid", v->ok()}, {"findings", findings_json(findings)}};
    doc["trusted_comment"] = v->ok() ? nlohmann::json(v->signature.trusted_comment) : nlohmann::json(nullptr);
    doc["algorithm"] = v->ok() ? nlohmann::json(v->signature.algorithm == minisign::SignatureAlgorithm::prehashed ? "ED" : "Ed")
                               : nlohmann::json(nullptr);
    print_json(ctx, doc);
  } else if (v->ok()) {
    *ctx.out << paint(ctx, Color::green, "✓ ") << "good signature by key " << id << " on " << printable(o.file) << '\n'
             << "trusted comment: " << printable_comment(v->signature.trusted_comment) << '\n';
  } else {
    *ctx.out << paint(ctx, Color::red, "✗ ") << printable(o.file) << ": signature refused\n";
    print_findings_text(ctx, {*v->finding});
  }
  return v->ok() ? 0 : static_cast<int>(ErrorKind::findings);
}

void register_keygen(CLI::App* mirror, Context& ctx, int& exit_code) {
  auto o = std::make_shared<KeygenOptions>();
  CLI::App* cmd = mirror->add_subcommand("keygen", "Make the Ed25519 key pair that signs published snapshots (minisign format)");
  cmd->add_option("--out", o->out, "Folder for eductl.pub and eductl.key (default <data>/keys)");
  cmd->add_flag("--no-password", o->no_password, "Store the secret key unencrypted (like minisign -W); only its file mode guards it");
  cmd->add_flag("--force", o->force, "Replace an existing key pair in the folder");
  cmd->add_option("--comment", o->comment, "Untrusted comment written on the key files' first line (default names the key id)");
  cmd->footer(
      "The secret key is encrypted with a password (scrypt, as minisign does) taken from\n"
      "$EDUCTL_KEY_PASSWORD, or asked twice on the terminal. Without a terminal and without\n"
      "that variable, keygen stops unless --no-password is given. eductl.key is written with\n"
      "mode 0600; keep it off the mirrors, which only need eductl.pub. The files are\n"
      "minisign 0.11 files: `minisign -S -s eductl.key` and `minisign -V -p eductl.pub` work.\n\n"
      "Exit status: 0 written, 2 usage (existing key without --force, no password source).\n\n"
      "Examples:\n"
      "  eductl mirror keygen --out /etc/eductl/keys\n"
      "  EDUCTL_KEY_PASSWORD=\"$(pass show eductl/signing)\" eductl mirror keygen --out keys --json\n"
      "  eductl mirror keygen --out ci-keys --no-password --comment \"CI test key\"");
  cmd->callback([o, &ctx, &exit_code] { exit_code = run_keygen(*o, ctx); });
}

void register_sign(CLI::App* mirror, Context& ctx, int& exit_code) {
  auto o = std::make_shared<SignOptions>();
  CLI::App* cmd = mirror->add_subcommand("sign", "Sign a file with a minisign-format secret key: writes FILE.minisig");
  cmd->add_option("FILE", o->file, "File to sign")->required();
  cmd->add_option("--key", o->key, "Secret key file (eductl's or minisign's)")->required();
  cmd->add_option("--trusted-comment", o->trusted_comment,
                  "One line the signature vouches for (default: timestamp:<now>\\tfile:<name>\\thashed, as minisign)");
  cmd->add_option("-o,--output", o->output, "Signature file (default FILE.minisig)");
  cmd->footer(
      "The signature is minisign's prehashed \"ED\" kind (BLAKE2b-512 of the file, signed with\n"
      "Ed25519), so files of any size stream. An encrypted key's password comes from\n"
      "$EDUCTL_KEY_PASSWORD or the terminal.\n\n"
      "Exit status: 0 signed, 2 usage (no password source), 3 unreadable file or key, wrong password.\n\n"
      "Examples:\n"
      "  eductl mirror sign snapshots/index.json --key /etc/eductl/keys/eductl.key\n"
      "  eductl mirror sign index.json --key eductl.key --trusted-comment \"snapshot 42\" && minisign -Vm index.json -p eductl.pub");
  cmd->callback([o, &ctx, &exit_code] { exit_code = run_sign(*o, ctx); });
}

void register_verify(CLI::App* mirror, Context& ctx, int& exit_code) {
  auto o = std::make_shared<VerifyOptions>();
  CLI::App* cmd = mirror->add_subcommand("verify", "Check a file's minisign signature against a trusted public key");
  cmd->add_option("FILE", o->file, "Signed file")->required();
  cmd->add_option("--trust", o->trust, "Trusted public key: a .pub file, or the base64 key itself (as minisign -P)")->required();
  cmd->add_option("-x,--signature", o->signature, "Signature file (default FILE.minisig)");
  cmd->footer(
      "Accepts prehashed (\"ED\") and legacy (\"Ed\") signatures made by eductl or minisign.\n"
      "Only a good signature vouches for its trusted comment; a refused one prints a finding\n"
      "(MIR-SIGNATURE, MIR-SIG-COMMENT, MIR-SIG-KEY-MISMATCH, MIR-SIG-MALFORMED, MIR-SIG-ALGORITHM;\n"
      "see docs/findings.md).\n\n"
      "Exit status: 0 good signature, 1 signature refused, 3 unreadable file, signature or key.\n\n"
      "Examples:\n"
      "  eductl mirror verify index.json --trust /etc/eductl/upstream.pub\n"
      "  eductl mirror verify index.json --trust RWSyc9ie3rQhaw8iG3GLl2FDLGiLWEmBatgmhBHG3R2Krb4FnZXLBCHR --json");
  cmd->callback([o, &ctx, &exit_code] { exit_code = run_verify(*o, ctx); });
}

}  // namespace

void register_mirror(CLI::App& app, Context& ctx, int& exit_code) {
  CLI::App* mirror = app.add_subcommand(
      "mirror", "Signed catalogue snapshots for provincial mirrors: keygen, publish, sync, status, export, sign, verify");
  mirror->require_subcommand(1);
  register_keygen(mirror, ctx, exit_code);
  register_mirror_publish(mirror, ctx, exit_code);
  register_mirror_sync(mirror, ctx, exit_code);
  register_mirror_status(mirror, ctx, exit_code);
  register_mirror_export(mirror, ctx, exit_code);
  register_sign(mirror, ctx, exit_code);
  register_verify(mirror, ctx, exit_code);
}

}  // namespace eductl
