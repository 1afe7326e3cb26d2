#include "commands/usage.hpp"

#include <sys/stat.h>

#include <limits>
#include <optional>

#include "commands/common.hpp"
#include "commands/progress.hpp"
#include "commands/render.hpp"
#include "core/data/data_folder.hpp"
#include "core/usage/regions.hpp"
#include "core/util/text.hpp"

namespace eductl {
namespace {

using usage::LineClass;

nlohmann::json classes_json(const usage::LineCounts& c) {
  nlohmann::json j = nlohmann::json::object();
  for (int i = 0; i < usage::k_line_classes; ++i)
    j[std::string(usage::to_string(static_cast<LineClass>(i)))] = c[static_cast<std::size_t>(i)];
  return j;
}

std::string classes_text(const usage::LineCounts& c) {
  std::string s;
  for (int i : {4, 2, 3, 1, 0, 5}) {  // counted, bot, error, health_check, malformed, other
    if (!c[static_cast<std::size_t>(i)] && i != 4) continue;
    if (!s.empty()) s += ", ";
    s += group_thousands(c[static_cast<std::size_t>(i)]) + " " + std::string(usage::to_string(static_cast<LineClass>(i)));
  }
  return s;
}

nlohmann::json summary_json(const usage::IngestSummary& s, const std::vector<Error>& errors) {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& f : s.files)
    files.push_back({{"file", f.file}, {"status", f.status}, {"skipped_bytes", f.skipped_bytes}, {"lines", f.lines},
                     {"classes", classes_json(f.classes)}, {"views", f.views}, {"bytes", f.bytes},
                     {"pending_tail", f.pending_tail}});
  for (const Error& e : errors)
    files.push_back({{"file", e.file}, {"status", "failed"}, {"error", e.message}});
  nlohmann::json samples = nlohmann::json::array();
  for (const auto& m : s.samples)
    samples.push_back({{"file", m.file}, {"line", m.line}, {"code", m.code}, {"reason", m.reason}});
  return {{"schema", "eductl.usage.ingest/1"}, {"files", files},     {"lines", classes_json(s.classes)},
          {"views", s.views},                  {"bytes", s.bytes},   {"malformed_samples", samples}};
}

// Oldest first (by each file's first line), whatever order the shell gave; files
// without a readable first line keep their place after the dated ones.
std::vector<std::string> oldest_first(usage::Ingester& ing, const std::vector<std::string>& logs) {
  std::vector<std::pair<std::int64_t, std::string>> keyed;
  for (const std::string& f : logs)
    keyed.emplace_back(ing.first_line_time(f).value_or(std::numeric_limits<std::int64_t>::max()), f);
  std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (auto& [t, f] : keyed) out.push_back(std::move(f));
  return out;
}

void print_summary_text(std::ostream& out, const usage::IngestSummary& summary) {
  for (const auto& f : summary.files) {
    out << pad_right(f.status, 10) << ' ' << printable(f.file) << ": " << group_thousands(f.lines) << " lines";
    if (f.lines) out << " (" << classes_text(f.classes) << "), " << group_thousands(f.views) << " views, "
                     << human_bytes(f.bytes);
    if (f.skipped_bytes) out << "; " << human_bytes(f.skipped_bytes) << " read before";
    if (f.pending_tail) out << "; an unfinished last line waits for the next ingest";
    out << '\n';
  }
  // A few samples in the text report; --json has up to 20.
  const std::size_t shown = std::min<std::size_t>(summary.samples.size(), 5);
  for (std::size_t i = 0; i < shown; ++i) {
    const auto& m = summary.samples[i];
    out << "  " << printable(m.file) << ":" << m.line << ": " << m.code << " " << m.reason << '\n';
  }
  const std::uint64_t malformed = summary.classes[static_cast<std::size_t>(LineClass::malformed)];
  if (malformed > shown) out << "  (" << group_thousands(malformed - shown) << " more malformed lines)\n";
  if (summary.files.size() > 1)
    out << "total: " << group_thousands(summary.lines) << " lines (" << classes_text(summary.classes) << "), "
        << group_thousands(summary.views) << " views, " << human_bytes(summary.bytes) << '\n';
}

// More than half of a file's lines malformed: most likely the wrong --format.
void warn_mostly_malformed(const Context& ctx, const usage::IngestSummary& summary) {
  for (const auto& f : summary.files) {
    const std::uint64_t bad = f.classes[static_cast<std::size_t>(LineClass::malformed)];
    if (f.lines && bad * 2 > f.lines)
      ctx.warn(printable(f.file) + ": " + group_thousands(bad) + " of " + group_thousands(f.lines) +
               " lines are malformed; is --format right?");
  }
}

struct IngestRun {
  usage::IngestSummary summary;
  std::vector<Error> errors;
  std::optional<Error> interrupted;
};

IngestRun ingest_files(const Context& ctx, usage::Ingester& ing, const std::vector<std::string>& logs) {
  std::uint64_t total = 0;
  for (const std::string& f : logs) {
    struct stat st{};
    if (f != "-" && ::stat(f.c_str(), &st) == 0) total += static_cast<std::uint64_t>(st.st_size);
  }
  ProgressLine progress(ctx, {"ingest", "files", logs.size(), total});
  IngestRun run;
  for (const std::string& f : logs) {
    std::uint64_t last = 0;
    auto st = ing.ingest_file(f, run.summary, [&](std::uint64_t pos) {
      if (pos > last) progress.add_bytes(pos - last);
      last = pos;
    });
    progress.item_done();
    if (st) continue;
    if (st.error().kind == ErrorKind::interrupted) {
      run.interrupted = st.error();
      break;
    }
    run.errors.push_back(st.error());
    if (st.error().file.empty()) run.errors.back().file = f;
  }
  progress.finish();
  return run;
}

}  // namespace

int run_usage_ingest(const UsageIngestOptions& o, const Context& ctx) {
  usage::IngestOptions opts = o.ingest;
  if (!o.region.empty()) {
    const auto code = usage::parse_province(o.region);
    if (!code) return report_error(ctx, make_error(ErrorKind::usage, "--region: not a province code or name: " + o.region));
    opts.region = *code;
  }
  const DataFolder data(ctx.data_dir);
  auto lock = data.lock("usage ingest");
  if (!lock) return report_error(ctx, lock.error());
  auto store = usage::open_sqlite_store(data.usage_file(), Access::read_write);
  if (!store) return report_error(ctx, store.error());
  auto ing = usage::Ingester::create(**store, opts);
  if (!ing) return report_error(ctx, ing.error());
  IngestRun run = ingest_files(ctx, *ing, oldest_first(*ing, o.logs));
  // Closed days lose their keys even when the run was cut short.
  const Status closed = ing->close_days();
  if (run.interrupted) return report_error(ctx, *run.interrupted);
  if (ctx.json) print_json(ctx, summary_json(run.summary, run.errors));
  else print_summary_text(*ctx.out, run.summary);
  warn_mostly_malformed(ctx, run.summary);
  for (const Error& e : run.errors) ctx.warn(printable(e.describe()) + "; nothing of this file was kept");
  int code = 0;
  for (const Error& e : run.errors) code = worst_of(code, e.kind);
  if (!closed) {
    ctx.warn(printable(closed.error().describe()));
    code = worst_of(code, closed.error().kind);
  }
  return code;
}

void register_usage(CLI::App& app, Context& ctx, int& exit_code) {
  CLI::App* usage_cmd = app.add_subcommand("usage", "Usage figures from access logs: ingest");
  usage_cmd->require_subcommand(1);
  auto opts = std::make_shared<UsageIngestOptions>();
  CLI::App* cmd = usage_cmd->add_subcommand("ingest", "Count views, visitors and bytes of access logs into <data>/usage.sqlite");
  cmd->footer(
      "LOG is an nginx access log, plain or .gz (rotated files too), or '-' for standard input.\n"
      "A file read before is recognised by its first 4 KiB and read from where it stopped;\n"
      "open view windows carry over, so logs ingested piece by piece count as one whole.\n"
      "Counting rules: docs/usage.md.\n\n"
      "Exit status: 0 ok (malformed lines are counted, not fatal), 3 a log cannot be read\n"
      "(or a malformed line with --strict), 2 usage error, 5 another writer, 130 interrupted.\n\n"
      "Examples:\n"
      "  eductl usage ingest --geoip GeoLite2-City.mmdb /var/log/nginx/access.log*\n"
      "  eductl usage ingest --region 450000 gx-mirror-access.log.1.gz\n"
      "  zcat old/*.gz | eductl usage ingest --geoip city.mmdb -\n"
      "  eductl usage ingest --format '$remote_addr [$time_iso8601] \"$request\" $status $body_bytes_sent' app.log");
  cmd->add_option("LOG", opts->logs, "Access logs (plain or .gz) or '-'")->required();
  cmd->add_option("--geoip", opts->ingest.geoip, "GeoIP2-City-format database (.mmdb) for client regions");
  cmd->add_option("--region", opts->region, "Attribute every line to this province (a provincial mirror's log), e.g. 450000");
  cmd->add_option("--format", opts->ingest.format, "combined (default) or an nginx log_format string");
  cmd->add_option("--bot-pattern", opts->ingest.bot_patterns,
                  "More user-agent substrings that mark robots (case-insensitive; repeatable)");
  cmd->add_option("--trusted-proxy", opts->ingest.trusted_proxies,
                  "Address or CIDR of a proxy whose X-Forwarded-For is believed (repeatable; needs $http_x_forwarded_for in --format)");
  cmd->add_flag("--events", opts->ingest.events,
                "Every LOG is a player event file (JSON Lines, schemas/eductl.event-1.schema.json); *.jsonl and *.ndjson are anyway");
  cmd->add_flag("--strict", opts->ingest.strict, "A malformed line fails its file (nothing of it is kept)");
  cmd->callback([opts, &ctx, &exit_code] { exit_code = run_usage_ingest(*opts, ctx); });
}

}  // namespace eductl
