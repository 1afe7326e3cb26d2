// eductl index: brings <data>/index.sqlite up to date with the catalogue (only books
// whose current revision changed), or rebuilds it. Reads the catalogue and the store,
// writes only the index, in one transaction; it takes no data folder lock (SQLite's own
// write lock keeps two index runs apart: the second waits, then exits 5).
#include "commands/index.hpp"

#include <memory>

#include "commands/common.hpp"
#include "commands/progress.hpp"
#include "commands/render.hpp"
#include "core/search/index.hpp"
#include "core/util/text.hpp"

namespace eductl {

namespace {

struct IndexOptions {
  bool rebuild = false;
  unsigned jobs = default_jobs();
};

int run_index(const IndexOptions& o, const Context& ctx) {
  const DataFolder data(ctx.data_dir);
  std::unique_ptr<ProgressLine> line;
  auto stats = search::update_index(data, o.rebuild ? search::IndexMode::rebuild : search::IndexMode::incremental, o.jobs,
                                    [&](std::size_t, std::size_t total) {
                                      if (!line) line = std::make_unique<ProgressLine>(ctx, ProgressSpec{"index", "books", total, 0});
                                      line->item_done();
                                    });
  if (line) line->finish();
  if (!stats) return report_error(ctx, stats.error());
  const search::IndexStats& s = *stats;
  if (ctx.json) {
    nlohmann::json problems = nlohmann::json::array();
    for (const auto& p : s.problems) problems.push_back({{"book", p.book}, {"file", p.file}, {"message", p.message}});
    print_json(ctx, {{"schema", "eductl.index/1"}, {"index", data.index_file().string()}, {"rebuilt", s.rebuilt},
                     {"added", s.added}, {"updated", s.updated}, {"removed", s.removed}, {"unchanged", s.unchanged},
                     {"documents", s.documents}, {"files_read", s.files_read}, {"unreadable", problems}});
    return 0;
  }
  for (const auto& p : s.problems)
    ctx.warn("cannot read the text of " + printable(p.book) + " " + printable(p.file) + ": " + printable(p.message));
  *ctx.out << (s.rebuilt ? "index rebuilt: " : "index updated: ") << s.added << " books added, " << s.updated << " updated, "
           << s.removed << " removed, " << s.unchanged << " unchanged; " << s.documents << " documents from " << s.files_read
           << " files" << (s.problems.empty() ? "" : ", " + std::to_string(s.problems.size()) + " files unreadable") << '\n';
  return 0;
}

}  // namespace

void register_index(CLI::App& app, Context& ctx, int& exit_code) {
  auto o = std::make_shared<IndexOptions>();
  CLI::App* cmd = app.add_subcommand("index", "Build or update the search index (<data>/index.sqlite) from the catalogue");
  cmd->add_flag("--rebuild", o->rebuild, "Index every book again instead of only the changed ones");
  add_jobs_option(cmd, o->jobs, "Documents read in parallel (default: number of cores)");
  cmd->footer(
      "Indexes book metadata, unit and lesson titles, task sheets, exercises and subtitles (PDF, EPUB, HTML,\n"
      "WebVTT) and the textbook page by page. After an import only changed books are read again.\n"
      "Examples:\n  eductl --data /srv/eductl index\n  eductl index --rebuild --json | jq .documents\nSee docs/search.md.");
  cmd->callback([o, &ctx, &exit_code] { exit_code = run_index(*o, ctx); });
}

}  // namespace eductl
