// eductl transcode: HLS renditions of the catalogue's lesson videos into the content
// store. Holds the data folder lock for the whole run (jobs write the catalogue and the
// store; a long ffmpeg run keeps imports waiting - they exit 5 - until it ends).
#include "commands/transcode.hpp"

#include <memory>

#include "commands/common.hpp"
#include "commands/render.hpp"
#include "core/media/transcode_jobs.hpp"
#include "core/util/text.hpp"

namespace eductl {

namespace {

struct TranscodeOptions {
  media::TranscodeRequest request;
  int grade = 0;
};

std::string shell_quote(const std::string& s) {
  if (s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=%,+") == std::string::npos)
    return s;
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

int run_transcode_cmd(const TranscodeOptions& o, const Context& ctx) {
  const DataFolder data(ctx.data_dir);
  media::TranscodeRequest r = o.request;
  if (o.grade) r.filter.grade = o.grade;
  std::optional<WriterLock> lock;
  if (!r.dry_run) {
    auto l = data.lock("transcode");
    if (!l) return report_error(ctx, l.error());
    lock.emplace(std::move(*l));
  }
  auto report = media::run_transcode(data, r, [&](std::size_t i, std::size_t n, const std::string& rendition, double f) {
    if (!ctx.progress) return;
    *ctx.err << "\r\033[Ktranscode: job " << (i + 1) << "/" << n << "  " << rendition << " " << static_cast<int>(f * 100) << "%"
             << std::flush;
  });
  if (ctx.progress) *ctx.err << "\r\033[K" << std::flush;
  if (!report) return report_error(ctx, report.error());
  std::size_t failed = 0, done = 0, skipped = 0;
  for (const auto& j : report->jobs) {
    failed += j.outcome == "failed";
    done += j.outcome == "done";
    skipped += j.outcome == "skipped";
  }
  if (ctx.json) {
    nlohmann::json jobs = nlohmann::json::array();
    for (const auto& j : report->jobs) {
      nlohmann::json cmds = nlohmann::json::array();
      for (const auto& c : j.commands) cmds.push_back({{"rendition", c.rendition}, {"argv", c.argv}});
      jobs.push_back({{"book", j.book}, {"file", j.file}, {"input_sha256", j.input_sha256}, {"profile", j.profile},
                      {"outcome", j.outcome}, {"message", j.message}, {"renditions", j.renditions}, {"files", j.files},
                      {"bytes", j.bytes}, {"commands", cmds}});
    }
    print_json(ctx, {{"schema", "eductl.transcode/1"}, {"jobs", jobs},
                     {"summary", {{"done", done}, {"skipped", skipped}, {"failed", failed},
                                  {"stale_work_dirs_removed", report->stale_work_dirs}, {"interrupted", report->interrupted}}}});
  } else {
    std::ostream& out = *ctx.out;
    for (const auto& j : report->jobs) {
      const Color c = j.outcome == "failed" ? Color::red : j.outcome == "done" ? Color::green : Color::none;
      out << paint(ctx, c, pad_right(j.outcome, 11)) << printable(j.book) << "  " << printable(j.file) << "  [" << j.profile << "]";
      if (!j.renditions.empty()) {
        out << "  ";
        for (std::size_t k = 0; k < j.renditions.size(); ++k) out << (k ? "," : "") << j.renditions[k];
        out << "  " << j.files << " files, " << human_bytes(j.bytes);
      }
      out << '\n';
      if (!j.message.empty() && j.outcome != "skipped") out << "    " << printable(j.message) << '\n';
      for (const auto& c : j.commands) {
        out << "    ";
        for (std::size_t k = 0; k < c.argv.size(); ++k) out << (k ? " " : "") << printable(shell_quote(c.argv[k]));
        out << '\n';
      }
    }
    if (ctx.verbosity != Verbosity::quiet)
      out << done << " done, " << skipped << " skipped, " << failed << " failed"
          << (report->stale_work_dirs ? ", " + std::to_string(report->stale_work_dirs) + " stale work folders removed" : "")
          << (report->interrupted ? "; interrupted" : "") << '\n';
  }
  if (report->interrupted) return static_cast<int>(ErrorKind::interrupted);
  return failed ? static_cast<int>(ErrorKind::findings) : 0;
}

}  // namespace

void register_transcode(CLI::App& app, Context& ctx, int& exit_code) {
  auto o = std::make_shared<TranscodeOptions>();
  CLI::App* cmd = app.add_subcommand("transcode", "Make HLS renditions (H.264/AAC ladder, master playlist, poster) of lesson videos");
  cmd->add_option("--book", o->request.books, "Only this book (CODE/package_id); repeatable");
  cmd->add_option("--stage", o->request.filter.stage, "primary, junior, senior or special");
  cmd->add_option("--grade", o->grade, "Books for this grade (1-12)")->check(CLI::Range(1, 12));
  cmd->add_option("--subject", o->request.filter.subject, "Subject code, e.g. math");
  cmd->add_option("--edition", o->request.filter.edition, "Edition text (substring)");
  cmd->add_option("--profile", o->request.profiles, "Profile name (default standard; built-in: standard, remote); repeatable")
      ->default_val(std::vector<std::string>{"standard"});
  cmd->add_option("--profiles", o->request.profiles_file, "JSON file of extra profiles (see docs/transcode.md)");
  add_jobs_option(cmd, o->request.jobs, "Jobs run at once (default 1: ffmpeg uses every core itself)");
  cmd->add_flag("--dry-run", o->request.dry_run, "Print the ffmpeg commands each job would run; write nothing");
  cmd->footer(
      "Jobs are keyed by (video, profile) in the catalogue: finished ones are skipped, a killed run is resumed.\n"
      "Exit: 0 all done or skipped, 1 some job failed (its log is kept in the catalogue), 5 locked,\n"
      "70 ffmpeg/ffprobe missing (apt-get install ffmpeg), 130 interrupted.\n"
      "Examples:\n  eductl transcode --book PEP/pep-math-g7-upper --profile remote\n"
      "  eductl transcode --subject math --jobs 2 --json | jq .summary\nSee docs/transcode.md.");
  cmd->callback([o, &ctx, &exit_code] { exit_code = run_transcode_cmd(*o, ctx); });
}

}  // namespace eductl
