#include "commands/import.hpp"

#include <sstream>
#include <memory>

#include "commands/progress.hpp"
#include "commands/common.hpp"
#include "commands/render.hpp"
#include "core/util/fs.hpp"
#include "core/util/text.hpp"
#include "importers/import_engine.hpp"
#include "importers/importer.hpp"

namespace eductl {
namespace fs = std::filesystem;

namespace {

struct ImportArgs {
  std::vector<fs::path> paths;
  fs::path from_list;
  bool recursive = false;
  bool deep = false;
  unsigned jobs = default_jobs();
  bool dry_run = false;
  int keep_revisions = 0;
  bool prune = false;
  std::string format = "auto";
  LimitArgs limits;
};

Color outcome_color(ImportOutcome o) {
  switch (o) {
    case ImportOutcome::imported: return Color::green;
    case ImportOutcome::would_import: return Color::green;
    case ImportOutcome::unchanged: return Color::dim;
    case ImportOutcome::skipped: return Color::dim;
    default: return Color::red;
  }
}

nlohmann::json item_json(const ImportItemResult& r) {
  nlohmann::json j = {{"source", r.source}, {"outcome", to_string(r.outcome)}, {"publisher", r.key.publisher_code},
                      {"package_id", r.key.package_id}, {"title", r.title}, {"bytes", r.bytes},
                      {"stored_bytes", r.stored.stored_bytes}, {"dedup_bytes", r.stored.dedup_bytes},
                      {"findings", findings_json(r.findings)}};
  j["revision"] = r.revision ? nlohmann::json(*r.revision) : nlohmann::json(nullptr);
  if (!r.message.empty()) j["message"] = r.message;
  return j;
}

void print_item(const Context& ctx, const ImportItemResult& r) {
  if (ctx.verbosity == Verbosity::quiet &&
      (r.outcome == ImportOutcome::imported || r.outcome == ImportOutcome::unchanged || r.outcome == ImportOutcome::skipped))
    return;
  std::string what = std::string(to_string(r.outcome));
  // Every string here comes from the input or the catalogue: printable() keeps control
  // characters in a title or file name from driving the terminal.
  *ctx.out << paint(ctx, outcome_color(r.outcome), pad_right(what, 12)) << ' ' << printable(r.source);
  if (!r.key.package_id.empty())
    *ctx.out << "  " << printable(book_ref(r.key))
             << (r.revision ? " r" + std::to_string(*r.revision) : "");
  if (!r.title.empty()) *ctx.out << "  " << printable(r.title);
  *ctx.out << '\n';
  // "unchanged" says it all in the text report (but for content it restored); the reason stays in --json.
  if (!r.message.empty() && r.outcome != ImportOutcome::imported &&
      (r.outcome != ImportOutcome::unchanged || r.stored.restored_blobs > 0 || r.stored.stored_blobs > 0))
    *ctx.out << "    " << printable(r.message) << '\n';
  print_findings_text(ctx, r.findings, "    ");
  *ctx.out << std::flush;  // a log file keeps every finished item, even if the process is killed
}

// The paths of --from-list FILE (one a line, # comments) join the command line's.
Status read_from_list(ImportArgs& a) {
  if (a.from_list.empty()) return ok_status();
  // Read like any sidecar: a FIFO or device cannot hang the import, nor a huge file fill memory.
  auto list = read_file(a.from_list, 64ull << 20);
  if (!list) return list.error();
  std::istringstream in(*list);
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty() || line.front() == '#') continue;
    a.paths.emplace_back(line);
  }
  return ok_status();
}

Status check_import_args(const ImportArgs& a) {
  if (a.paths.empty()) return make_error(ErrorKind::usage, "nothing to import: give PATHs or --from-list FILE");
  if (a.format != "auto" && !find_importer({}, a.format)) {
    std::string names;
    for (const auto& imp : importer_registry()) names += " " + std::string(imp->name());
    return make_error(ErrorKind::usage, "unknown --format " + a.format + "; one of: auto" + names);
  }
  return ok_status();
}

void print_import_json(const Context& ctx, const ImportArgs& a, const ImportSummary& s) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& r : s.items) items.push_back(item_json(r));
  print_json(ctx, {{"schema", "eductl.import/1"},
                   {"dry_run", a.dry_run},
                   {"data", ctx.data_dir.string()},
                   {"run", s.run_id ? nlohmann::json(s.run_id) : nlohmann::json(nullptr)},
                   {"items", items},
                   {"summary",
                    {{"imported", s.counts.imported}, {"unchanged", s.counts.unchanged}, {"refused", s.counts.refused},
                     {"failed", s.counts.failed}, {"skipped", s.skipped}, {"would_import", s.would_import},
                     {"stored_blobs", s.store.stored_blobs}, {"stored_bytes", s.store.stored_bytes},
                     {"dedup_blobs", s.store.dedup_blobs}, {"dedup_bytes", s.store.dedup_bytes},
                     {"restored_blobs", s.store.restored_blobs},
                     {"interrupted", s.interrupted}}}});
}

void print_import_text(const Context& ctx, const ImportArgs& a, const ImportSummary& s) {
  std::ostream& out = *ctx.out;
  if (a.dry_run)
    out << "dry run: " << s.would_import << " would be imported, ";
  else
    out << s.counts.imported << " imported, ";
  out << s.counts.unchanged << " unchanged, " << s.counts.refused << " refused, " << s.counts.failed << " failed";
  if (s.skipped) out << ", " << s.skipped << " skipped";
  out << '\n';
  if (!a.dry_run && (s.store.stored_blobs || s.store.dedup_blobs))
    out << "content store: " << s.store.stored_blobs << " new objects (" << human_bytes(s.store.stored_bytes) << "), "
        << s.store.dedup_blobs << " already stored (" << human_bytes(s.store.dedup_bytes) << " saved by deduplication)\n";
}

int run_import_cmd(ImportArgs& a, const Context& ctx, const std::string& command_line) {
  if (auto st = read_from_list(a); !st) return report_error(ctx, st.error());
  if (auto st = check_import_args(a); !st) return report_error(ctx, st.error());
  ImportOptions opt;
  opt.limits = to_scan_limits(a.limits);
  opt.jobs = a.jobs;
  opt.dry_run = a.dry_run;
  opt.keep_revisions = a.prune ? 1 : a.keep_revisions;
  opt.format = a.format;
  opt.recursive = a.recursive;
  opt.deep = a.deep;
  opt.command_line = command_line;

  std::unique_ptr<ProgressLine> progress;
  ImportCallbacks cb;
  cb.on_start = [&](std::uint64_t n, std::uint64_t bytes) {
    progress = std::make_unique<ProgressLine>(ctx, ProgressSpec{a.dry_run ? "import (dry run)" : "import", "inputs", n, bytes});
  };
  cb.on_bytes = [&](std::uint64_t n) {
    if (progress) progress->add_bytes(n);
  };
  cb.on_input_done = [&] {
    if (progress) progress->item_done();
  };
  cb.on_item = [&](const ImportItemResult& r) {
    if (ctx.json) return;
    if (progress) progress->finish();
    print_item(ctx, r);
  };
  auto result = run_import(ctx.data_dir, a.paths, opt, cb);
  if (progress) progress->finish();
  if (!result) return report_error(ctx, result.error());
  const ImportSummary& s = *result;
  if (ctx.json)
    print_import_json(ctx, a, s);
  else
    print_import_text(ctx, a, s);
  int code = 0;
  if (s.interrupted) {
    ctx.warn("interrupted: packages taken so far are complete; run the same command again to finish");
    code = worst_of(code, ErrorKind::interrupted);
  }
  if (s.unreadable) code = worst_of(code, ErrorKind::bad_input);
  if (s.counts.refused || s.counts.failed) code = worst_of(code, ErrorKind::findings);
  return code;
}

}  // namespace

void register_import(CLI::App& app, Context& ctx, int& exit_code) {
  auto a = std::make_shared<ImportArgs>();
  CLI::App* cmd = app.add_subcommand("import", "Take packages into the catalogue and the content store");
  std::string formats;
  for (const auto& imp : importer_registry())
    formats += "  " + pad_right(std::string(imp->name()), 20) + std::string(imp->description()) + "\n";
  cmd->footer(
      "Each package is validated first; a package with errors is refused with its findings and\n"
      "nothing of it is written. A valid package goes in whole: its files into the content\n"
      "store, then its rows into the catalogue in one transaction. Re-delivery: a higher\n"
      "revision adds a revision, the same revision with the same bytes is 'unchanged', the\n"
      "same revision with other bytes or a lower one is refused. Re-running a batch after a\n"
      "crash or Ctrl-C finishes it without duplicates.\n\n"
      "Formats (--format, default auto):\n" + formats +
      "\nExit status: 0 all imported or unchanged, 1 some refused or failed, 3 an input cannot be\n"
      "read, 5 another eductl is writing to the data folder, 130 interrupted.\n\n"
      "Examples:\n"
      "  eductl import incoming/pep-math-7a.zip\n"
      "  eductl import --recursive --jobs 4 incoming/2026-autumn/\n"
      "  eductl import --dry-run --json incoming/ | jq .summary\n"
      "  eductl import --from-list batch.txt --keep-revisions 3\n"
      "  eductl import --format platform-listing tchMaterial/part_100.json");
  cmd->add_option("PATH", a->paths, "Packages, batch folders, PDF folders (with books.csv) or listing JSON files");
  cmd->add_option("--from-list", a->from_list, "Read more PATHs from FILE, one per line (# comments)");
  cmd->add_flag("-r,--recursive", a->recursive, "Look for packages in every folder level below a batch folder");
  cmd->add_flag("--deep", a->deep, "Decode every video first (as validate --deep): one that does not play refuses its package");
  add_jobs_option(cmd, a->jobs, "Inputs read and hashed in parallel (one catalogue writer)");
  cmd->add_flag("-n,--dry-run", a->dry_run, "Validate and decide, but write nothing");
  cmd->add_option("--keep-revisions", a->keep_revisions,
                  "Keep only the newest N revisions of each imported book (0: keep all); content no longer "
                  "referenced is removed by 'eductl store gc'")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--prune", a->prune, "Keep only the newest revision of each imported book (same as --keep-revisions 1)");
  cmd->add_option("--format", a->format, "Source format: auto, textbook-package/1, platform-listing, pdf-folder");
  add_limit_options(cmd, a->limits);
  add_sidecar_option(cmd, a->limits);
  cmd->callback([a, &ctx, &exit_code] {
    std::string line = "eductl import";
    for (const auto& p : a->paths) line += " " + p.string();
    if (!a->from_list.empty()) line += " --from-list " + a->from_list.string();
    exit_code = run_import_cmd(*a, ctx, line);
  });
}

}  // namespace eductl
