// eductl mirror status: what this data folder serves, and whether it is whole.
#include <memory>

#include "commands/mirror.hpp"
#include "commands/mirror_shared.hpp"
#include "commands/render.hpp"
#include "core/data/data_folder.hpp"
#include "core/mirror/status.hpp"
#include "core/util/text.hpp"

namespace eductl {
namespace {

using nlohmann::json;

// "3 h ago", or "in 2 days" for a time ahead of this clock (a skewed publisher).
std::string human_age(std::int64_t s) {
  const std::int64_t a = s < 0 ? -s : s;
  std::string span = a < 120     ? std::to_string(a) + " s"
                     : a < 7200   ? std::to_string(a / 60) + " min"
                     : a < 172800 ? std::to_string(a / 3600) + " h"
                                  : std::to_string(a / 86400) + " days";
  return s < 0 ? "in the future: in " + span : span + " ago";
}

struct StatusArgs {
  bool deep = false;
};

int run_status(const StatusArgs& a, const Context& ctx) {
  DataFolder data(ctx.data_dir);
  auto r = mirror::mirror_status(data, a.deep);
  if (!r) return report_error(ctx, r.error());
  const bool whole = r->missing_blobs == 0 && r->corrupt_blobs == 0 && !r->interrupted;
  if (ctx.json) {
    json doc = {{"schema", "eductl.mirror.status/1"},
                {"role", r->role},
                {"version", r->version},
                {"created", r->created},
                {"expires", r->expires},
                {"age_seconds", r->age_seconds},
                {"expired", r->expired},
                {"origin", r->origin},
                {"books", r->books},
                {"blobs", r->blobs},
                {"bytes", r->bytes},
                {"missing_blobs", r->missing_blobs},
                {"corrupt_blobs", r->deep ? json(r->corrupt_blobs) : json(nullptr)},
                {"problems", r->problems},
                {"ok", whole}};
    if (r->state) {
      doc["upstream"] = r->state->upstream;
      doc["synced_at"] = r->state->synced_at;
      doc["trusted_key_id"] = [&] {
        auto k = minisign::parse_public_key(r->state->trusted_key);
        return k ? minisign::key_id_hex(k->key_id) : std::string();
      }();
      doc["selection"] = snapshot::selection_to_json(r->state->selection);
    } else {
      doc["upstream"] = nullptr;
    }
    print_json(ctx, doc);
  } else {
    std::vector<std::pair<std::string, std::string>> rows;
    rows.push_back({"role", r->role});
    if (r->state) {
      rows.push_back({"upstream", r->state->upstream});
      rows.push_back({"selection", r->state->selection.describe()});
      rows.push_back({"synced", r->state->synced_at});
    }
    rows.push_back({"version", std::to_string(r->version)});
    rows.push_back({"created", r->created + " (" + human_age(r->age_seconds) + ")"});
    rows.push_back({"expires", r->expires + (r->expired ? " (EXPIRED)" : "")});
    rows.push_back({"books", std::to_string(r->books)});
    rows.push_back({"blobs", std::to_string(r->blobs) + " (" + human_bytes(r->bytes) + ")"});
    rows.push_back({"missing blobs", std::to_string(r->missing_blobs)});
    rows.push_back({"corrupt blobs", r->deep ? std::to_string(r->corrupt_blobs) : "not checked (--deep re-hashes)"});
    for (const auto& [k, v] : rows) *ctx.out << pad_right(k + ":", 15) << printable(v) << '\n';
    for (const auto& p : r->problems) *ctx.out << "  " << printable(p) << '\n';
    if (!whole) *ctx.out << "run `eductl mirror sync` (a mirror) or `eductl store verify` to repair\n";
  }
  if (r->interrupted) return static_cast<int>(ErrorKind::interrupted);
  return whole && !r->expired ? 0 : static_cast<int>(ErrorKind::findings);
}

}  // namespace

void register_mirror_status(CLI::App* mirror, Context& ctx, int& exit_code) {
  auto a = std::make_shared<StatusArgs>();
  CLI::App* cmd = mirror->add_subcommand("status", "What this data folder serves: upstream, version, age, expiry, books, missing blobs");
  cmd->add_flag("--deep", a->deep, "Also re-hash every blob (reads all content)");
  cmd->footer(
      "Exit status: 0 whole and current, 1 missing or corrupt blobs or an expired snapshot,\n"
      "3 nothing published or synced yet, 130 interrupted.\n\n"
      "Examples:\n"
      "  eductl --data /srv/eductl mirror status\n"
      "  eductl --data /srv/eductl mirror status --deep --json");
  cmd->callback([a, &ctx, &exit_code] { exit_code = run_status(*a, ctx); });
}

}  // namespace eductl
