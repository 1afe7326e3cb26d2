// eductl store verify / gc: check the content store against the catalogue, and remove
// what nothing references. gc's guard (a catalogue it cannot trust removes nothing) is
// in core/store/guarded_gc, where every caller gets it.
#include "commands/store.hpp"

#include <memory>

#include "commands/progress.hpp"
#include "commands/render.hpp"
#include "core/data/data_folder.hpp"
#include "core/store/guarded_gc.hpp"
#include "core/util/text.hpp"

namespace eductl {

namespace {

struct VerifyOptions {
  double sample = 1.0;
  bool quarantine = false;
};

struct GcOptions {
  bool dry_run = false;
  bool force = false;
};

// A deterministic spread: every k-th object, at least one.
std::vector<std::pair<std::string, std::uint64_t>> pick_sample(std::vector<std::pair<std::string, std::uint64_t>> objects,
                                                               double fraction) {
  if (fraction >= 1.0) return objects;
  const std::size_t step = std::max<std::size_t>(1, static_cast<std::size_t>(1.0 / fraction));
  std::vector<std::pair<std::string, std::uint64_t>> picked;
  for (std::size_t i = 0; i < objects.size(); i += step) picked.push_back(objects[i]);
  return picked;
}

// A damaged object of the right size passes the size check an import makes, so it has
// to be moved aside before an import can store the bytes again.
bool needs_quarantine(const VerifyProblem& p) { return p.problem.rfind("corrupt", 0) == 0; }

void print_verify_text(const Context& ctx, const VerifyResult& r, std::size_t total, const std::vector<BlobUse>& uses,
                       bool quarantined) {
  std::ostream& out = *ctx.out;
  for (const auto& p : r.problems) {
    out << paint(ctx, Color::red, "✗ ") << p.sha256 << "  " << p.problem << '\n';
    for (const auto& u : uses)
      if (u.sha256 == p.sha256)
        out << "    used by " << printable(book_ref(u.book)) << " r" << u.revision << "  " << printable(u.path)
            << "  (imported from " << printable(u.source_path) << ")\n";
  }
  out << r.checked << (r.interrupted ? " of " + std::to_string(total) : "") << " objects checked ("
      << human_bytes(r.bytes) << "), " << r.problems.size() << " problems" << (r.interrupted ? "; interrupted" : "") << '\n';
  if (r.problems.empty()) return;
  const bool any_corrupt = std::any_of(r.problems.begin(), r.problems.end(), needs_quarantine);
  if (any_corrupt && !quarantined)
    out << "to repair: move the damaged objects aside with 'eductl store verify --quarantine', then import the sources named above again\n";
  else
    out << "to repair: import the sources named above again; the import stores the missing content\n";
}

int run_verify(const VerifyOptions& o, const Context& ctx) {
  const DataFolder data(ctx.data_dir);
  std::optional<WriterLock> lock;
  if (o.quarantine) {
    auto l = data.lock("store verify --quarantine");
    if (!l) return report_error(ctx, l.error());
    lock.emplace(std::move(l).value());
  }
  auto cat = data.catalog(Access::read_only);
  if (!cat) return report_error(ctx, cat.error());
  auto st = data.store(Access::read_only);
  if (!st) return report_error(ctx, st.error());
  auto all = cat->referenced_blob_sizes();
  if (!all) return report_error(ctx, all.error());
  const auto objects = pick_sample(std::move(all).value(), o.sample);
  std::uint64_t total_bytes = 0;
  for (const auto& obj : objects) total_bytes += obj.second;

  ProgressLine progress(ctx, {"verify", "objects", objects.size(), total_bytes});
  VerifyResult r = st->verify(objects, [&](std::uint64_t n) { progress.add_bytes(n); });
  progress.finish();

  std::vector<std::string> damaged, moved;
  for (const auto& p : r.problems) {
    damaged.push_back(p.sha256);
    if (needs_quarantine(p)) moved.push_back(p.sha256);
  }
  auto uses = cat->blob_uses(damaged);
  if (!uses) return report_error(ctx, uses.error());
  if (o.quarantine && !moved.empty())
    if (auto q = st->quarantine(moved, data.quarantine_dir()); !q) return report_error(ctx, q.error());

  if (ctx.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& p : r.problems) {
      nlohmann::json books = nlohmann::json::array();
      for (const auto& u : *uses)
        if (u.sha256 == p.sha256)
          books.push_back({{"book", book_ref(u.book)}, {"revision", u.revision}, {"path", u.path}, {"source", u.source_path}});
      arr.push_back({{"sha256", p.sha256}, {"problem", p.problem}, {"books", books}});
    }
    print_json(ctx, {{"schema", "eductl.store.verify/1"}, {"checked", r.checked}, {"selected", objects.size()},
                     {"bytes", r.bytes}, {"interrupted", r.interrupted}, {"problems", arr},
                     {"quarantined", o.quarantine ? moved : std::vector<std::string>{}}});
  } else {
    print_verify_text(ctx, r, objects.size(), *uses, o.quarantine);
    if (o.quarantine && !moved.empty())
      *ctx.out << "moved " << moved.size() << " damaged objects to " << printable(data.quarantine_dir().string()) << '\n';
  }
  if (r.interrupted) return static_cast<int>(ErrorKind::interrupted);
  return r.problems.empty() ? 0 : static_cast<int>(ErrorKind::findings);
}

int run_gc(const GcOptions& o, const Context& ctx) {
  const DataFolder data(ctx.data_dir);
  auto lock = data.lock("store gc");
  if (!lock) return report_error(ctx, lock.error());
  auto r = guarded_gc(data, o.dry_run, o.force);
  if (!r) return report_error(ctx, r.error());
  for (const auto& p : r->left_alone) ctx.warn("left alone (not eductl's staging file): " + printable(p));
  if (ctx.json) {
    print_json(ctx, {{"schema", "eductl.store.gc/1"}, {"dry_run", o.dry_run}, {"objects", r->objects}, {"bytes", r->bytes},
                     {"temp_files", r->temps}, {"temp_bytes", r->temp_bytes}, {"removed", r->removed},
                     {"left_alone", r->left_alone}});
    return 0;
  }
  const char* verb = o.dry_run ? "would remove " : "removed ";
  if (ctx.verbosity == Verbosity::verbose)
    for (const auto& sha : r->removed) *ctx.out << verb << sha << '\n';
  *ctx.out << verb << r->objects << " unreferenced objects (" << human_bytes(r->bytes) << ") and " << r->temps
           << " staging leftovers (" << human_bytes(r->temp_bytes) << ")\n";
  return 0;
}

}  // namespace

void register_store(CLI::App& app, Context& ctx, int& exit_code) {
  CLI::App* store = app.add_subcommand("store", "Check and clean the content store: verify, gc");
  store->require_subcommand(1);

  auto v = std::make_shared<VerifyOptions>();
  CLI::App* verify = store->add_subcommand("verify", "Re-hash stored content; report missing or damaged objects and the books they hold");
  verify->add_option("--sample", v->sample, "Fraction of objects to re-hash, more than 0 and at most 1 (default: all)")
      ->check(CLI::Validator(
          [](std::string& s) -> std::string {
            double d = 0;
            try {
              d = std::stod(s);
            } catch (...) {
              return "not a number: " + s;
            }
            return d > 0 && d <= 1 ? std::string() : "must be more than 0 and at most 1";
          },
          "FRACTION"));
  verify->add_flag("--quarantine", v->quarantine,
                   "Move damaged objects to <data>/quarantine/ so that importing their sources stores them again "
                   "(takes the writer lock)");
  verify->footer(
      "Each problem names the books and revisions that use the object and the source they were\n"
      "imported from. Missing or truncated objects come back by importing any package with\n"
      "those bytes; a damaged object of the right size is first moved aside with --quarantine.\n\n"
      "Exit status: 0 all good, 1 missing or damaged objects, 3 no catalogue, 130 interrupted.\n\n"
      "Examples:\n  eductl store verify\n  eductl store verify --sample 0.05 --json   # a nightly spot check\n"
      "  eductl store verify --quarantine && eductl import incoming/pep-math-7a.zip");
  verify->callback([v, &ctx, &exit_code] { exit_code = run_verify(*v, ctx); });

  auto g = std::make_shared<GcOptions>();
  CLI::App* gc = store->add_subcommand("gc", "Remove content no revision references, and leftovers of interrupted imports");
  gc->add_flag("-n,--dry-run", g->dry_run, "Only report what would be removed");
  gc->add_flag("--force", g->force, "Run even though the catalogue references nothing (it removes every object)");
  gc->footer(
      "gc refuses to remove anything when the catalogue is missing, empty, damaged or at\n"
      "another schema version, and when it references nothing while the store holds\n"
      "objects (unless --force). It removes only objects and its own staging files\n"
      "(tmp/blob-*), never through a symbolic link.\n\n"
      "Exit status: 0 done, 2 refused without --force, 3 no usable catalogue, 5 locked.\n\n"
      "Examples:\n  eductl store gc --dry-run -v\n  eductl import --keep-revisions 2 incoming/ && eductl store gc");
  gc->callback([g, &ctx, &exit_code] { exit_code = run_gc(*g, ctx); });
}

}  // namespace eductl
