// eductl mirror publish / sync / status / export: signed snapshots of the catalogue and
// content store, carried down a chain of mirrors over HTTP or on a disk.
#include <cmath>
#include <memory>

#include "commands/mirror.hpp"
#include "commands/progress.hpp"
#include "commands/render.hpp"
#include "core/data/data_folder.hpp"
#include "core/mirror/export.hpp"
#include "core/mirror/publish.hpp"
#include "core/mirror/status.hpp"
#include "core/mirror/sync.hpp"
#include "core/util/text.hpp"

namespace eductl {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The book filters publish, sync and export share.
struct SelectionArgs {
  snapshot::Selection selection;
  void add_to(CLI::App* cmd) {
    cmd->add_option("--stage", selection.stages, "Only books of these stages: primary, junior, senior, special")
        ->delimiter(',');
    cmd->add_option("--grade", selection.grades, "Only books for these grades (1-12; spans count)")
        ->delimiter(',')
        ->check(CLI::Range(1, 12));
    cmd->add_option("--subject", selection.subjects, "Only these subject codes, e.g. math,chinese")->delimiter(',');
    cmd->add_option("--edition", selection.editions, "Only editions containing this text, e.g. 人教版")->delimiter(',');
    cmd->add_option("--publisher", selection.publishers, "Only these publisher codes, e.g. PEP")->delimiter(',');
    cmd->add_option("--kind", selection.kinds, "Only these kinds: student, teacher, reader, atlas, practice")->delimiter(',');
    cmd->add_option("--book", selection.books, "Only these books (CODE/package_id or package_id)")->delimiter(',');
    cmd->add_option("--rendition", selection.renditions,
                    "Only these renditions of transcoded videos, e.g. 360p,audio (none: no renditions; default all)")
        ->delimiter(',');
  }
};


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

// "500K", "2M", "1G" (binary units) or plain bytes, per second; at least `min`.
std::uint64_t parse_rate(const std::string& option, const std::string& text, std::uint64_t min) {
  std::string t = text;
  if (!t.empty() && (t.back() == 'K' || t.back() == 'M' || t.back() == 'G' || t.back() == 'k')) {
    if (t.back() == 'k') t.back() = 'K';
    t += "iB";
  }
  auto v = parse_bytes(t);
  if (!v || *v < min)
    throw CLI::ValidationError(option, "'" + printable(text) + "' is not a rate of at least " + std::to_string(min) +
                                           " bytes/s (e.g. 500K, 2M)");
  return *v;
}

// "3 h ago", or "in 2 days" for a time ahead of this clock (a skewed publisher).
std::string human_age(std::int64_t s) {
  const std::int64_t a = s < 0 ? -s : s;
  std::string span = a < 120     ? std::to_string(a) + " s"
                     : a < 7200   ? std::to_string(a / 60) + " min"
                     : a < 172800 ? std::to_string(a / 3600) + " h"
                                  : std::to_string(a / 86400) + " days";
  return s < 0 ? "in the future: in " + span : span + " ago";
}

// A progress line that starts when the core knows the totals (after the plan) and is
// fed running totals of bytes and files.
class PlannedProgress {
 public:
  PlannedProgress(const Context& ctx, std::string label, std::string unit)
      : m_ctx(ctx), m_label(std::move(label)), m_unit(std::move(unit)) {}
  std::function<void(std::uint64_t, std::uint64_t)> on_plan() {
    return [this](std::uint64_t files, std::uint64_t bytes) {
      if (files > 0) m_line = std::make_unique<ProgressLine>(m_ctx, ProgressSpec{m_label, m_unit, files, bytes});
    };
  }
  std::function<void(std::uint64_t, std::uint64_t)> on_progress() {
    return [this](std::uint64_t bytes, std::uint64_t files) {
      if (!m_line) return;
      m_line->add_bytes(bytes - m_bytes);
      for (; m_files < files; ++m_files) m_line->item_done();
      m_bytes = bytes;
    };
  }
  void finish() {
    if (m_line) m_line->finish();
  }

 private:
  const Context& m_ctx;
  std::string m_label, m_unit;
  std::unique_ptr<ProgressLine> m_line;
  std::uint64_t m_bytes = 0, m_files = 0;
};

// ---------------------------------------------------------------- publish
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

// ---------------------------------------------------------------- sync
struct SyncArgs {
  std::string source;
  std::string trust;
  bool retrust = false;
  bool allow_expired = false;
  int jobs = 8;
  std::string limit_rate;
  std::string min_rate = "1K";
  std::string proxy, ca_file;
  long connect_timeout = 15, stall_timeout = 60, transfer_timeout = 3600, deadline = 86400;
  int retries = 4;
  double backoff = 1.0;
  SelectionArgs select;
  CLI::App* cmd = nullptr;
};

bool any_selection_given(const SyncArgs& a) {
  for (const char* opt : {"--stage", "--grade", "--subject", "--edition", "--publisher", "--kind", "--book", "--rendition"})
    if (a.cmd->count(opt) > 0) return true;
  return false;
}

int run_sync(const SyncArgs& a, const Context& ctx) {
  DataFolder data(ctx.data_dir);
  mirror::SyncOptions o;
  o.source = a.source;
  if (!a.trust.empty()) {
    auto key = load_trusted_key(a.trust);
    if (!key) return report_error(ctx, key.error());
    o.trust = *key;
  }
  o.retrust = a.retrust;
  o.allow_expired = a.allow_expired;
  if (any_selection_given(a)) o.selection = a.select.selection;
  o.http.jobs = a.jobs;
  if (!a.limit_rate.empty()) o.http.limit_rate = parse_rate("--limit-rate", a.limit_rate, 1024);
  o.http.min_rate = parse_rate("--min-rate", a.min_rate, 1);
  o.http.proxy = a.proxy;
  o.http.ca_file = a.ca_file;
  o.http.connect_timeout = a.connect_timeout;
  o.http.stall_timeout = a.stall_timeout;
  o.http.transfer_timeout = a.transfer_timeout;
  o.http.deadline = a.deadline;
  o.http.retries = a.retries;
  o.http.backoff = a.backoff;
  PlannedProgress progress(ctx, "sync", "blobs");
  o.on_plan = progress.on_plan();
  o.progress = progress.on_progress();
  auto r = mirror::sync(data, o);
  progress.finish();
  if (!r) return report_error(ctx, r.error());
  const char* outcome = r->outcome == mirror::SyncOutcome::updated     ? "updated"
                        : r->outcome == mirror::SyncOutcome::unchanged ? "unchanged"
                                                                       : "refused";
  if (ctx.json) {
    print_json(ctx, {{"schema", "eductl.mirror.sync/1"},
                     {"outcome", outcome},
                     {"upstream", r->upstream},
                     {"version", r->version},
                     {"previous_version", r->previous_version},
                     {"expires", r->expires},
                     {"trusted_key_id", r->trusted_key_id},
                     {"key_rotated", r->key_rotated},
                     {"books", r->books},
                     {"blobs", r->blobs},
                     {"bytes", r->bytes},
                     {"fetched", {{"parts", r->parts_fetched}, {"blobs", r->blobs_fetched}, {"bytes", r->bytes_fetched}}},
                     {"bytes_transferred", r->bytes_transferred},
                     {"requests", r->requests},
                     {"removed_blobs", r->removed_blobs},
                     {"findings", findings_json(r->findings)}});
  } else if (r->outcome == mirror::SyncOutcome::refused) {
    *ctx.out << paint(ctx, Color::red, "✗ ") << "refused the snapshot from " << printable(r->upstream)
             << "; the mirror stays at version " << r->version << '\n';
    print_findings_text(ctx, r->findings);
  } else if (r->outcome == mirror::SyncOutcome::unchanged) {
    *ctx.out << "up to date: version " << r->version << " from " << printable(r->upstream) << " (" << r->books
             << " books, " << human_bytes(r->bytes) << ")\n";
  } else {
    *ctx.out << paint(ctx, Color::green, "✓ ") << "version " << r->version << " from " << printable(r->upstream) << ": "
             << r->books << " books, " << r->blobs << " blobs, " << human_bytes(r->bytes) << "; fetched "
             << r->parts_fetched << " parts and " << r->blobs_fetched << " blobs (" << human_bytes(r->bytes_transferred)
             << " transferred, " << r->requests << " requests)";
    if (r->removed_blobs) *ctx.out << "; removed " << r->removed_blobs << " blobs no longer needed";
    *ctx.out << '\n';
    if (r->key_rotated) *ctx.out << "  the upstream now signs with key " << r->trusted_key_id << " (rotation signed by the old key)\n";
    *ctx.out << "  signed by key " << r->trusted_key_id << ", expires " << r->expires << '\n';
  }
  // An update whose clean-up was skipped (MIR-CLEANUP-SKIPPED) says why and exits 1.
  if (r->outcome == mirror::SyncOutcome::updated && !r->findings.empty()) {
    for (const auto& f : r->findings) ctx.warn(f.code + ": " + printable(f.entry) + ": " + printable(f.message));
  }
  int code = 0;
  if (r->outcome == mirror::SyncOutcome::refused || !r->findings.empty()) code = worst_of(code, ErrorKind::findings);
  return code;
}

// ---------------------------------------------------------------- status
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

// ---------------------------------------------------------------- export
struct ExportArgs {
  std::string dir;
  bool verify = false;
  SelectionArgs select;
};

int run_export(const ExportArgs& a, const Context& ctx) {
  DataFolder data(ctx.data_dir);
  mirror::ExportOptions o;
  o.dir = a.dir;
  o.selection = a.select.selection;
  o.verify_existing = a.verify;
  PlannedProgress progress(ctx, "export", "files");
  o.on_plan = progress.on_plan();
  o.progress = progress.on_progress();
  auto r = mirror::export_tree(data, o);
  progress.finish();
  if (!r) return report_error(ctx, r.error());
  const bool ok = r->findings.empty();
  if (ctx.json) {
    print_json(ctx, {{"schema", "eductl.mirror.export/1"}, {"dir", a.dir}, {"complete", ok}, {"version", r->version},
                     {"books", r->books}, {"blobs", r->blobs}, {"bytes", r->bytes}, {"files_written", r->files_written},
                     {"bytes_written", r->bytes_written}, {"files_kept", r->files_kept}, {"removed", r->removed},
                     {"findings", findings_json(r->findings)}});
  } else if (ok) {
    *ctx.out << paint(ctx, Color::green, "✓ ") << "exported version " << r->version << " to " << printable(a.dir) << ": "
             << r->books << " books, " << r->blobs << " blobs, " << human_bytes(r->bytes) << " (" << r->files_written
             << " files written, " << r->files_kept << " already there)\n"
             << "  at the school: eductl mirror sync " << printable(a.dir) << " --trust UPSTREAM.pub"
             << (o.selection.empty() ? "" : " " + printable(snapshot::selection_flags(o.selection))) << '\n';
  } else {
    *ctx.out << paint(ctx, Color::red, "✗ ") << "export to " << printable(a.dir)
             << " not finished: the source has damaged or missing blobs (no index was written)\n";
    print_findings_text(ctx, r->findings);
  }
  return ok ? 0 : static_cast<int>(ErrorKind::findings);
}

}  // namespace

void register_snapshot_commands(CLI::App* mirror, Context& ctx, int& exit_code) {
  {
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
  {
    auto a = std::make_shared<SyncArgs>();
    CLI::App* cmd = mirror->add_subcommand("sync", "Take a signed snapshot from an upstream (http(s):// URL or a folder) into this mirror");
    a->cmd = cmd;
    cmd->add_option("SOURCE", a->source, "Upstream URL (its published tree) or folder (an export, a USB disk)")->required();
    cmd->add_option("--trust", a->trust, "Upstream public key (.pub file or base64); needed on the first sync, then remembered");
    cmd->add_flag("--retrust", a->retrust, "Replace the remembered key with --trust (deliberately; rotation needs no flag)");
    cmd->add_flag("--allow-expired", a->allow_expired, "Accept an expired snapshot (an old USB disk), knowingly");
    cmd->add_option("-j,--jobs", a->jobs, "Parallel transfers (default 8)")->check(CLI::Range(1, 64));
    cmd->add_option("--limit-rate", a->limit_rate, "Bandwidth cap over all transfers, e.g. 500K, 2M (bytes/s)");
    cmd->add_option("--proxy", a->proxy, "HTTP proxy (default: $http_proxy / $https_proxy)");
    cmd->add_option("--ca-file", a->ca_file, "Extra CA certificates for https upstreams (PEM)");
    cmd->add_option("--connect-timeout", a->connect_timeout, "Seconds to wait for a connection (default 15)")->check(CLI::Range(1, 600));
    cmd->add_option("--stall-timeout", a->stall_timeout,
                    "Seconds a transfer may stay below --min-rate before it is retried (default 60)")
        ->check(CLI::Range(1, 3600));
    cmd->add_option("--min-rate", a->min_rate,
                    "Slowest a transfer may be for --stall-timeout seconds, e.g. 1K, 10K (bytes/s; default 1K)");
    cmd->add_option("--transfer-timeout", a->transfer_timeout,
                    "Seconds one attempt at one file may take (default 3600)")
        ->check(CLI::Range(1, 7 * 86400));
    cmd->add_option("--deadline", a->deadline,
                    "Seconds the whole sync may take; then it stops with exit 4, the mirror unchanged (default 86400)")
        ->check(CLI::Range(1, 30 * 86400));
    cmd->add_option("--retries", a->retries, "Retries per file, with doubling backoff (default 4)")->check(CLI::Range(0, 20));
    cmd->add_option("--backoff", a->backoff, "First retry delay in seconds (default 1)")->check(CLI::Range(0.0, 60.0));
    a->select.add_to(cmd);
    cmd->footer(
        "Verifies before it uses anything: the index signature against the trusted key, the version\n"
        "(never backwards), the expiry, and the size and SHA-256 of every part and blob. The new\n"
        "snapshot becomes visible (catalogue, public/) only when complete, by atomic renames;\n"
        "refusals and failures leave the previous version in place. Filters choose the books (a\n"
        "school mirror takes only its stage) and are remembered. Interrupted downloads resume.\n\n"
        "Only an empty folder or a mirror's own is synced into: a folder holding anything else (an\n"
        "editor's catalogue, whatever its state) is refused with exit 2 and left untouched. A\n"
        "transfer slower than --min-rate for --stall-timeout seconds, or longer than\n"
        "--transfer-timeout, is retried; a sync longer than --deadline stops. --limit-rate caps\n"
        "the sum of all parallel transfers (http(s) upstreams).\n\n"
        "Exit status: 0 updated or up to date, 1 refused (MIR-* findings) or updated with its\n"
        "clean-up skipped (MIR-CLEANUP-SKIPPED), 2 usage or not a mirror's folder, 3 unreadable\n"
        "folder, 4 network failure after retries or past --deadline, 5 locked, 130 interrupted.\n\n"
        "Examples:\n"
        "  eductl --data /srv/eductl mirror sync https://central.example.cn/eductl/ --trust central.pub\n"
        "  eductl --data /srv/school mirror sync http://county.example.cn/ --stage primary --limit-rate 2M\n"
        "  eductl --data /srv/school mirror sync /media/usb/eductl");
    cmd->callback([a, &ctx, &exit_code] { exit_code = run_sync(*a, ctx); });
  }
  {
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
  {
    auto a = std::make_shared<ExportArgs>();
    CLI::App* cmd = mirror->add_subcommand("export", "Copy the served snapshot to a folder (a USB disk) for offline sync");
    cmd->add_option("DIR", a->dir, "Destination folder")->required();
    cmd->add_flag("--verify", a->verify, "Re-hash files an earlier, interrupted export left in DIR");
    a->select.add_to(cmd);
    cmd->footer(
        "Copies the signed index unchanged, the chosen books' parts and their blobs, hashing every\n"
        "byte on the way. Re-run to resume an interrupted export; the index is written last, so\n"
        "`mirror sync DIR` never takes an unfinished export.\n\n"
        "Exit status: 0 exported, 1 damaged or missing blobs in the source, 3 nothing to export,\n"
        "5 locked, 130 interrupted.\n\n"
        "Examples:\n"
        "  eductl --data /srv/eductl mirror export /media/usb/eductl --stage primary\n"
        "  eductl --data /srv/school mirror sync /media/usb/eductl --trust central.pub");
    cmd->callback([a, &ctx, &exit_code] { exit_code = run_export(*a, ctx); });
  }
}

}  // namespace eductl
