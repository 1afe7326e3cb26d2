// eductl mirror publish: a signed snapshot of the catalogue and content store, for mirrors.
#include <memory>

#include "commands/mirror.hpp"
#include "commands/mirror_shared.hpp"
#include "commands/render.hpp"
#include "core/data/data_folder.hpp"
#include "core/mirror/publish.hpp"
#include "core/mirror/state.hpp"
#include "core/util/text.hpp"

namespace eductl {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// "7d", "12h", "90m", "3600s": seconds. The unit is required: a bare "7" would be read
// as seven seconds by some and seven days by others. Throws CLI::ValidationError.
std::int64_t parse_duration(const std::string& option, const std::string& text, long long max_seconds) {
  std::size_t used = 0;
  long long n = 0;
  try {
    n = std::stoll(text, &used);
  } catch (...) {
    throw CLI::ValidationError(option, "'" + printable(text) + "' is not a duration like 7d, 12h, 90m, 30s");
  }
  std::string unit = text.substr(used);
  long long mult = unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : unit == "d" ? 86400 : 0;
  if (mult == 0)
    throw CLI::ValidationError(option, "'" + printable(text) + "' needs a unit: s, m, h or d (e.g. 7d, 12h, 90m, 30s)");
  if (n <= 0 || n > max_seconds / mult)
    throw CLI::ValidationError(option, "'" + printable(text) + "' is out of range (1s to " + std::to_string(max_seconds) + "s)");
  return n * mult;
}

struct PublishArgs {
  std::string out;
  std::string key;
  std::string expires = "7d";
  std::string origin;
  std::vector<std::string> next_keys;
  SelectionArgs select;
};

int run_publish(const PublishArgs& a, const Context& ctx) {
  DataFolder data(ctx.data_dir);
  mirror::PublishOptions o;
  o.out = a.out.empty() ? data.public_dir() : fs::path(a.out);
  o.expires_seconds = parse_duration("--expires", a.expires, 3650LL * 86400);
  o.selection = a.select.selection;
  o.origin = a.origin;
  for (const auto& k : a.next_keys) {
    auto key = load_trusted_key(k);
    if (!key) return report_error(ctx, key.error());
    o.next_keys.push_back(*key);
  }
  if (data.is_mirror() && a.out.empty())
    return report_error(ctx, make_error(ErrorKind::usage,
                                        "this data folder is a mirror: its public/ serves the upstream's signed snapshot; "
                                        "publish from the upstream",
                                        data.root().string()));
  auto key = load_signing_key(a.key);
  if (!key) return report_error(ctx, key.error());
  auto r = mirror::publish(data, *key, o);
  if (!r) return report_error(ctx, r.error());
  if (ctx.json) {
    print_json(ctx, {{"schema", "eductl.mirror.publish/1"}, {"out", r->out.string()}, {"version", r->version},
                     {"created", r->created}, {"expires", r->expires}, {"key_id", r->key_id}, {"books", r->books},
                     {"blobs", r->blobs}, {"bytes", r->bytes}, {"parts_written", r->parts_written},
                     {"blobs_linked", r->blobs_linked}, {"blobs_copied", r->blobs_copied}, {"removed", r->removed},
                     {"selection", snapshot::selection_to_json(o.selection)}});
  } else {
    *ctx.out << "published version " << r->version << " to " << printable(r->out.string()) << ": " << r->books
             << " books, " << r->blobs << " blobs, " << human_bytes(r->bytes) << "; signed by key " << r->key_id
             << ", expires " << r->expires << '\n'
             << "  new: " << r->parts_written << " parts, " << r->blobs_linked << " blobs linked, " << r->blobs_copied
             << " copied; removed " << r->removed << " files no index names\n";
  }
  return 0;
}

}  // namespace

void register_mirror_publish(CLI::App* mirror, Context& ctx, int& exit_code) {
  auto a = std::make_shared<PublishArgs>();
  CLI::App* cmd = mirror->add_subcommand("publish", "Write a signed snapshot of the catalogue and content store for mirrors");
  cmd->add_option("OUT", a->out, "Tree to write (default <data>/public), served as-is by any HTTP server");
  cmd->add_option("--key", a->key, "Secret key file (eductl mirror keygen, or minisign -G)")->required();
  cmd->add_option("--expires", a->expires, "How long mirrors accept this snapshot (default 7d; s, m, h, d)");
  cmd->add_option("--origin", a->origin, "Free text naming this site, shown by mirror status");
  cmd->add_option("--next-key", a->next_keys, "Public key that may sign later snapshots (key rotation; repeatable)");
  a->select.add_to(cmd);
  cmd->footer(
      "Writes OUT/index.json (signed: OUT/index.json.minisig), OUT/parts/<sha256>.json (one per\n"
      "book) and OUT/objects/ab/cd/<sha256> (hard links to the store where possible). New files\n"
      "first, the signature and index last, each by atomic rename; files the new or the previous\n"
      "index names are kept, so re-publishing while nginx serves OUT is safe. The version is\n"
      "max(previous + 1, unix time): it only grows.\n\n"
      "Exit status: 0 published, 2 usage, 3 missing catalogue or blob, 5 locked.\n\n"
      "Examples:\n"
      "  eductl mirror publish --key /etc/eductl/keys/eductl.key\n"
      "  eductl mirror publish /srv/www/primary --key eductl.key --stage primary --expires 3d");
  cmd->callback([a, &ctx, &exit_code] { exit_code = run_publish(*a, ctx); });
}

}  // namespace eductl
