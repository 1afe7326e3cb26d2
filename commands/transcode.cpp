// eductl transcode: HLS renditions of the catalogue's lesson videos into the content
// store. Holds the data folder lock for the whole run (jobs write the catalogue and the
// store; a long ffmpeg run keeps imports waiting - they exit 5 - until it ends).
#include "commands/transcode.hpp"

#include <memory>

#include "commands/common.hpp"
#include "commands/progress.hpp"
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

struct Counts {
  std::size_t done = 0, skipped = 0, failed = 0;
};

Counts count_outcomes(const media::TranscodeReport& report) {
  Counts c;
  for (const auto& j : report.jobs) {
    c.failed += j.outcome == "failed";
    c.done += j.outcome == "done";
    c.skipped += j.outcome == "skipped";
  }
  return c;
}

// 0, or the worst of the failed jobs (1: an input; 70: the environment), 130 when interrupted.
int exit_code_of(const media::TranscodeReport& report) {
  int code = 0;
  for (const auto& j : report.jobs)
    if (j.outcome == "failed") code = worst_of(code, j.failure);
  if (report.interrupted) code = worst_of(code, ErrorKind::interrupted);
  return code;
}

void print_json_report(const Context& ctx, const media::TranscodeReport& report, const Counts& c) {
  nlohmann::json jobs = nlohmann::json::array();
  for (const auto& j : report.jobs) {
    nlohmann::json cmds = nlohmann::json::array();
    for (const auto& cmd : j.commands) cmds.push_back({{"rendition", cmd.rendition}, {"argv", cmd.argv}});
    jobs.push_back({{"book", j.book}, {"file", j.file}, {"input_sha256", j.input_sha256}, {"profile", j.profile},
                    {"outcome", j.outcome}, {"message", j.message}, {"renditions", j.renditions}, {"files", j.files},
                    {"bytes", j.bytes}, {"commands", cmds}});
  }
  print_json(ctx, {{"schema", "eductl.transcode/1"}, {"jobs", jobs},
                   {"summary", {{"done", c.done}, {"skipped", c.skipped}, {"failed", c.failed},
                                {"stale_work_dirs_removed", report.stale_work_dirs}, {"interrupted", report.interrupted}}}});
}

void print_text_job(const Context& ctx, const media::JobReport& j) {
  std::ostream& out = *ctx.out;
  const Color c = j.outcome == "failed" ? Color::red : j.outcome == "done" ? Color::green : Color::none;
  // The outcome column is as wide as its longest word ("interrupted") plus one space.
  out << paint(ctx, c, pad_right(j.outcome, 12)) << printable(j.book) << "  " << printable(j.file) << "  [" << j.profile << "]";
  if (!j.renditions.empty()) {
    out << "  ";
    for (std::size_t k = 0; k < j.renditions.size(); ++k) out << (k ? "," : "") << j.renditions[k];
    out << "  " << j.files << " files, " << human_bytes(j.bytes);
  }
  out << '\n';
  if (!j.message.empty() && j.outcome != "skipped") out << "    " << printable(j.message) << '\n';
  for (const auto& cmd : j.commands) {
    out << "    ";
    for (std::size_t k = 0; k < cmd.argv.size(); ++k) out << (k ? " " : "") << printable(shell_quote(cmd.argv[k]));
    out << '\n';
  }
}

void print_text_report(const Context& ctx, const media::TranscodeReport& report, const Counts& c) {
  for (const auto& j : report.jobs) print_text_job(ctx, j);
  if (ctx.verbosity != Verbosity::quiet)
    *ctx.out << c.done << " done, " << c.skipped << " skipped, " << c.failed << " failed"
             << (report.stale_work_dirs ? ", " + std::to_string(report.stale_work_dirs) + " stale work folders removed" : "")
             << (report.interrupted ? "; interrupted" : "") << '\n';
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
  std::unique_ptr<ProgressLine> line;
  media::TranscodeProgress progress;
  progress.start = [&](std::size_t jobs, std::uint64_t bytes) {
    line = std::make_unique<ProgressLine>(ctx, ProgressSpec{"transcode", "jobs", jobs, bytes});
  };
  progress.advance = [&](std::uint64_t bytes) { line->add_bytes(bytes); };
  progress.job_done = [&] { line->item_done(); };
  auto report = media::run_transcode(data, r, progress);
  if (line) line->finish();
  if (!report) return report_error(ctx, report.error());
  const Counts counts = count_outcomes(*report);
  if (ctx.json) print_json_report(ctx, *report, counts);
  else print_text_report(ctx, *report, counts);
  return exit_code_of(*report);
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
  cmd->add_flag("--force", o->request.force, "Transcode again jobs that are done (by default a done job is redone only when its profile changed)");
  cmd->footer(
      "Jobs are keyed by (video, profile content) in the catalogue: finished ones are skipped, a profile\n"
      "redefined under the same name is redone, a killed run is resumed.\n"
      "Exit: 0 all done or skipped, 1 some input failed (its log is kept in the catalogue), 5 locked,\n"
      "70 ffmpeg/ffprobe missing (apt-get install ffmpeg) or the environment failed (disk full,\n"
      "store or catalogue not writable; the job is marked failed), 130 interrupted.\n"
      "Examples:\n  eductl transcode --book PEP/pep-math-g7-upper --profile remote\n"
      "  eductl transcode --subject math --jobs 2 --json | jq .summary\nSee docs/transcode.md.");
  cmd->callback([o, &ctx, &exit_code] { exit_code = run_transcode_cmd(*o, ctx); });
}

}  // namespace eductl
