// eductl mirror sync: takes a signed snapshot from an upstream into this mirror.
#include <memory>

#include "commands/mirror.hpp"
#include "commands/mirror_shared.hpp"
#include "commands/render.hpp"
#include "core/data/data_folder.hpp"
#include "core/mirror/sync.hpp"
#include "core/util/text.hpp"

namespace eductl {
namespace {

using nlohmann::json;

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

}  // namespace

void register_mirror_sync(CLI::App* mirror, Context& ctx, int& exit_code) {
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

}  // namespace eductl
