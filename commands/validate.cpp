#include "commands/validate.hpp"

#include "commands/progress.hpp"
#include "commands/render.hpp"
#include "core/package/discover.hpp"
#include "core/util/cancel.hpp"
#include "core/util/parallel.hpp"
#include "core/util/text.hpp"
#include "core/validate/deep.hpp"
#include "core/validate/validator.hpp"

namespace eductl {

namespace {

struct Outcome {
  PackageInput input;
  std::optional<PackageReport> report;
  std::optional<Error> error;
};

nlohmann::json package_json(const Outcome& o, bool strict) {
  nlohmann::json j;
  j["path"] = o.input.path.string();
  if (!o.input.skipped.empty()) {
    j["skipped"] = o.input.skipped;
    return j;
  }
  if (o.error) {
    j["valid"] = false;
    j["error"] = o.error->message;
    j["errors"] = 1;
    j["warnings"] = 0;
    j["findings"] = nlohmann::json::array();
    return j;
  }
  const PackageReport& r = *o.report;
  j["container"] = r.scan.container;
  if (r.book) {
    j["package_id"] = r.book->package_id;
    j["revision"] = r.book->revision;
    j["publisher"] = r.book->meta.publisher_code;
    j["title"] = r.book->meta.title;
  }
  j["valid"] = r.valid(strict);
  j["files"] = r.scan.files.size();
  j["bytes"] = r.scan.unpacked_bytes;
  j["errors"] = count(r.findings, Severity::error);
  j["warnings"] = count(r.findings, Severity::warning);
  j["findings"] = findings_json(r.findings);
  return j;
}

// Every string here comes from the input (file names, manifest text): printable() keeps
// escape sequences and bidi controls from reaching the terminal.
void print_package_text(const Context& ctx, const Outcome& o, bool strict) {
  std::ostream& out = *ctx.out;
  const std::string path = printable(o.input.path.string());
  if (!o.input.skipped.empty()) {
    if (ctx.verbosity != Verbosity::quiet)
      out << paint(ctx, Color::yellow, "- ") << path << "  skipped: " << o.input.skipped << '\n';
    return;
  }
  if (o.error) {
    out << paint(ctx, Color::red, "✗ ") << path << ": " << printable(o.error->message) << '\n';
    return;
  }
  const PackageReport& r = *o.report;
  const bool ok = r.valid(strict);
  const std::size_t errors = count(r.findings, Severity::error), warnings = count(r.findings, Severity::warning);
  if (ok && ctx.verbosity == Verbosity::quiet) return;
  std::string what = r.scan.container;
  if (r.book && !r.book->package_id.empty())
    what += ", " + printable(r.book->meta.publisher_code) + "/" + printable(r.book->package_id) + " r" +
            std::to_string(r.book->revision);
  out << (ok ? paint(ctx, Color::green, "✓ ") : paint(ctx, Color::red, "✗ ")) << printable(r.path) << "  ("
      << what << ")  ";
  if (errors == 0 && warnings == 0)
    out << "valid";
  else
    out << errors << (errors == 1 ? " error, " : " errors, ") << warnings << (warnings == 1 ? " warning" : " warnings");
  out << '\n';
  if (r.book && !r.book->meta.title.empty() && ctx.verbosity == Verbosity::verbose)
    out << "  " << printable(r.book->meta.publisher_name) << " · " << printable(r.book->meta.edition) << " · "
        << printable(r.book->meta.title) << '\n';
  print_findings_text(ctx, r.findings, "    ");
}

}  // namespace

namespace {

// The run's counts and its exit code, fed one judged package at a time.
struct Tally {
  std::size_t valid = 0, invalid = 0, unreadable = 0, skipped = 0, errors = 0, warnings = 0;
  int code = 0;

  void add(const Outcome& o, bool strict) {
    if (!o.input.skipped.empty()) {
      ++skipped;
      // Like rsync's "skipping non-regular file", a skip alone does not fail the run; it is
      // in the report and the summary. --strict, which fails on warnings, fails on skips too.
      if (strict) code = worst_of(code, ErrorKind::findings);
      return;
    }
    const bool bad_input = o.error || o.report->unreadable();
    if (bad_input) ++unreadable;
    // An error that is not about the package (ffmpeg missing for --deep, disk full) keeps its
    // own kind; an unreadable package is bad input.
    if (o.error) code = worst_of(code, o.error->kind);
    else if (bad_input) code = worst_of(code, ErrorKind::bad_input);
    if (o.report) {
      errors += count(o.report->findings, Severity::error);
      warnings += count(o.report->findings, Severity::warning);
    } else {
      ++errors;
    }
    if (!bad_input && o.report->valid(strict)) {
      ++valid;
    } else {
      ++invalid;
      code = worst_of(code, ErrorKind::findings);
    }
  }
};

Outcome judge_package(const PackageInput& input, const ValidateOptions& opts, const ScanLimits& limits,
                      ProgressLine& progress) {
  Outcome o{input, std::nullopt, input.error};
  if (!o.input.skipped.empty()) {
    // nothing to read: reported as skipped
  } else if (!o.error && !interrupted()) {
    auto r = validate_package(input.path, limits, [&](std::uint64_t n) { progress.add_bytes(n); });
    if (r) o.report = std::move(r).value();
    else o.error = r.error();
    if (o.report && opts.deep) {
      if (auto deep = check_videos_decode(input.path, *o.report); !deep) o.error = deep.error();
    }
  } else if (!o.error) {
    o.error = make_error(ErrorKind::interrupted, "interrupted");
  }
  progress.item_done();
  return o;
}

void print_summary(const Context& ctx, const ValidateOptions& opts, const Tally& t, std::size_t inputs,
                   nlohmann::json packages) {
  const std::size_t checked = inputs - t.skipped;
  if (ctx.json) {
    nlohmann::json doc;
    doc["schema"] = "eductl.validate/1";
    doc["strict"] = opts.strict;
    doc["packages"] = std::move(packages);
    doc["summary"] = {{"packages", checked}, {"valid", t.valid},   {"invalid", t.invalid}, {"unreadable", t.unreadable},
                      {"skipped", t.skipped}, {"errors", t.errors}, {"warnings", t.warnings}};
    print_json(ctx, doc);
  } else if (inputs > 1 || ctx.verbosity != Verbosity::quiet) {
    *ctx.out << checked << (checked == 1 ? " package: " : " packages: ") << t.valid << " valid, " << t.invalid << " invalid";
    if (t.skipped) *ctx.out << ", " << t.skipped << " skipped";
    *ctx.out << "; " << t.errors << (t.errors == 1 ? " error, " : " errors, ") << t.warnings
             << (t.warnings == 1 ? " warning" : " warnings") << '\n';
  }
}

}  // namespace

int run_validate(const ValidateOptions& opts, const Context& ctx) {
  if (opts.deep)
    if (auto st = deep_tools_available(); !st) return report_error(ctx, st.error());
  const ScanLimits limits = to_scan_limits(opts.limits);
  std::vector<PackageInput> inputs = discover_packages(opts.paths, opts.recursive);
  std::uint64_t total_bytes = 0;
  for (const auto& in : inputs) total_bytes += in.size;
  ProgressLine progress(ctx, {"validate", "packages", inputs.size(), total_bytes});

  Tally tally;
  bool was_interrupted = false;
  nlohmann::json packages = nlohmann::json::array();
  parallel_ordered<Outcome>(
      inputs.size(), opts.jobs, [&](std::size_t i) { return judge_package(inputs[i], opts, limits, progress); },
      [&](std::size_t, Outcome o) {
        if (o.error && o.error->kind == ErrorKind::interrupted) {
          was_interrupted = true;
          return;
        }
        tally.add(o, opts.strict);
        if (ctx.json) {
          packages.push_back(package_json(o, opts.strict));
        } else {
          progress.finish();
          print_package_text(ctx, o, opts.strict);
          *ctx.out << std::flush;  // a log file keeps every judged package, even if the process is killed
        }
      });
  progress.finish();
  if (was_interrupted) {
    ctx.warn("interrupted; nothing was written");
    return static_cast<int>(ErrorKind::interrupted);
  }
  print_summary(ctx, opts, tally, inputs.size(), std::move(packages));
  return tally.code;
}

void register_validate(CLI::App& app, Context& ctx, int& exit_code) {
  auto opts = std::make_shared<ValidateOptions>();
  CLI::App* cmd = app.add_subcommand("validate", "Judge publisher packages against the textbook-package/1 contract");
  cmd->footer(
      "PATH is a package archive (.zip, .tar, .tar.gz/.tgz, .tar.zst, .tar.xz), an unpacked\n"
      "package folder, or a folder of packages (with --recursive, every level below it).\n\n"
      "Exit status: 0 all valid, 1 some package has errors (or warnings with --strict),\n"
      "3 a path cannot be read at all, 2 usage error, 130 interrupted.\n\n"
      "Examples:\n"
      "  eductl validate pep-math-7a.zip\n"
      "  eductl validate --recursive --jobs 4 incoming/2026-autumn/\n"
      "  eductl validate --json batch/ | jq '.packages[] | select(.valid | not) | .path'\n"
      "  eductl validate --max-unpacked 40GiB big-video-package.tar.zst");
  cmd->add_option("PATH", opts->paths, "Package archives, package folders or batch folders")->required();
  cmd->add_flag("-r,--recursive", opts->recursive, "Look for packages in every folder level below a batch folder");
  add_jobs_option(cmd, opts->jobs, "Packages checked in parallel (default: number of cores)");
  cmd->add_flag("--strict", opts->strict, "Warnings fail a package too");
  cmd->add_flag("--deep", opts->deep,
                "Also decode every video for its first 10 s with ffmpeg: one that does not play is MED-VIDEO-UNDECODABLE");
  add_limit_options(cmd, opts->limits);
  cmd->callback([opts, &ctx, &exit_code] { exit_code = run_validate(*opts, ctx); });
}

}  // namespace eductl
