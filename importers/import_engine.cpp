#include "importers/import_engine.hpp"

#include <nlohmann/json.hpp>
#include <set>

#include "core/package/discover.hpp"
#include "core/util/cancel.hpp"
#include "core/util/lock.hpp"
#include "core/util/parallel.hpp"
#include "importers/importer.hpp"

namespace eductl {
namespace fs = std::filesystem;

std::string_view to_string(ImportOutcome o) {
  switch (o) {
    case ImportOutcome::imported: return "imported";
    case ImportOutcome::unchanged: return "unchanged";
    case ImportOutcome::refused: return "refused";
    case ImportOutcome::failed: return "failed";
    case ImportOutcome::skipped: return "skipped";
    case ImportOutcome::would_import: return "would-import";
  }
  return "failed";
}

namespace {

// Inputs: packages as `validate` finds them, plus PDF folders and listing files, which
// the package discovery would not pick up inside a batch folder. What discovery skipped
// (links, unsupported archives) stays in the list and is reported as skipped.
std::vector<PackageInput> discover_inputs(const std::vector<fs::path>& inputs, const ImportOptions& opt) {
  std::vector<PackageInput> out;
  for (const auto& in : inputs) {
    const Importer* imp = find_importer(in, opt.format);
    if (imp && imp->name() != "textbook-package/1" && imp->accepts(in)) {
      std::error_code ec;
      out.push_back({in, std::nullopt, fs::is_regular_file(in, ec) ? fs::file_size(in, ec) : 0, {}});
      continue;
    }
    auto found = discover_packages({in}, opt.recursive);
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

struct ReadOutcome {
  PackageInput input;
  std::vector<ImportItem> items;
  std::optional<Error> error;
};

std::string findings_detail(const Findings& findings) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& f : findings) j.push_back({{"code", f.code}, {"entry", f.entry}, {"message", f.message}});
  return j.dump();
}

class Writer {
 public:
  // catalog and store are null on a dry run without a data folder.
  Writer(Catalog* catalog, BlobStore* store, const ImportOptions& opt, ImportSummary& summary)
      : m_catalog(catalog), m_store(store), m_opt(opt), m_summary(summary) {}

  // Decides and applies one item. Errors are fatal for the run (database, disk).
  Status take(ImportItem& item, ImportItemResult& r) {
    r.source = item.source_path;
    r.findings = item.findings;
    r.bytes = item.bytes;
    if (item.book) {
      r.key = {item.book->meta.publisher_code, item.book->package_id};
      r.revision = item.book->revision;
      r.title = item.book->meta.title;
    }
    if (item.unreadable) {
      r.outcome = ImportOutcome::failed;
      r.message = item.error.empty() ? "the input cannot be read" : item.error;
      ++m_summary.unreadable;
      return log(r);
    }
    if (!item.book || has_errors(item.findings)) {
      r.outcome = item.book || has_errors(item.findings) ? ImportOutcome::refused : ImportOutcome::skipped;
      if (r.outcome == ImportOutcome::skipped) r.message = item.error;  // a discovery skip says why
      return log(r);
    }
    BookRecord& book = *item.book;
    if (auto revs = m_catalog ? m_catalog->revisions_of(r.key) : std::nullopt) {
      const RevisionInfo& newest = revs->back();
      if (item.auto_revision) {
        // A listing record: the same content as any stored revision is unchanged,
        // other content is the next revision.
        for (const auto& rev : *revs)
          if (rev.digest == item.digest) {
            r.revision = rev.revision;
            r.outcome = ImportOutcome::unchanged;
            r.message = "the catalogue has this record's content as revision " + std::to_string(rev.revision);
            return log(r);
          }
        book.revision = newest.revision + 1;
        r.revision = book.revision;
      }
      for (const auto& rev : *revs) {
        if (rev.revision != book.revision) continue;
        if (rev.digest == item.digest) {
          r.outcome = ImportOutcome::unchanged;
          r.message = "revision " + std::to_string(book.revision) + " is already in the catalogue with the same bytes";
        } else {
          r.outcome = ImportOutcome::refused;
          r.findings.push_back(make_finding("IMP-REVISION-CONFLICT", "manifest.json#/revision",
                                            "revision " + std::to_string(book.revision) + " was imported on " +
                                                rev.imported_at + " with other bytes"));
        }
        return log(r);
      }
      if (book.revision < newest.revision) {
        r.outcome = ImportOutcome::refused;
        r.findings.push_back(make_finding("IMP-REVISION-LOWER", "manifest.json#/revision",
                                          "revision " + std::to_string(book.revision) + " is lower than the current " +
                                              std::to_string(newest.revision)));
        return log(r);
      }
    }
    if (m_opt.dry_run) {
      r.outcome = ImportOutcome::would_import;
      return log(r);
    }
    // Blobs first (each fsynced and renamed into place), then the rows in one transaction.
    std::set<fs::path> dirs;
    for (auto& blob : item.blobs)
      if (auto st = m_store->commit(blob, r.stored, &dirs); !st) return st;
    if (auto st = m_store->sync_dirs(dirs); !st) return st;
    if (auto st = ensure_run(); !st) return st;
    auto rev_id = m_catalog->add_revision(book, item.digest, item.bytes, item.source_path, m_summary.run_id);
    if (!rev_id) return rev_id.error();
    if (m_opt.keep_revisions > 0) {
      if (auto pruned = m_catalog->prune_revisions(r.key, m_opt.keep_revisions); !pruned) return pruned.error();
    }
    r.outcome = ImportOutcome::imported;
    m_summary.store.stored_blobs += r.stored.stored_blobs;
    m_summary.store.stored_bytes += r.stored.stored_bytes;
    m_summary.store.dedup_blobs += r.stored.dedup_blobs;
    m_summary.store.dedup_bytes += r.stored.dedup_bytes;
    return log(r);
  }

  Status finish(const std::string& status) {
    if (m_summary.run_id == 0) return ok_status();
    return m_catalog->finish_run(m_summary.run_id, m_summary.counts, status);
  }

 private:
  // A run is recorded from its first change on; a run that changes nothing leaves the
  // catalogue untouched (its report on stdout is the record).
  Status ensure_run() {
    if (m_summary.run_id != 0) return ok_status();
    auto run = m_catalog->begin_run(m_opt.command_line);
    if (!run) return run.error();
    m_summary.run_id = *run;
    for (const auto& p : m_pending)
      if (auto st = write_item(p); !st) return st;
    m_pending.clear();
    return ok_status();
  }

  Status log(const ImportItemResult& r) {
    switch (r.outcome) {
      case ImportOutcome::imported: ++m_summary.counts.imported; break;
      case ImportOutcome::unchanged: ++m_summary.counts.unchanged; break;
      case ImportOutcome::refused: ++m_summary.counts.refused; break;
      case ImportOutcome::failed: ++m_summary.counts.failed; break;
      case ImportOutcome::skipped: ++m_summary.skipped; break;
      case ImportOutcome::would_import: ++m_summary.would_import; break;
    }
    if (m_opt.dry_run) return ok_status();
    if (m_summary.run_id == 0) {
      m_pending.push_back(r);
      return ok_status();
    }
    return write_item(r);
  }

  Status write_item(const ImportItemResult& r) {
    return m_catalog->record_item(m_summary.run_id, m_position++, r.source, r.key, r.revision,
                                 std::string(to_string(r.outcome)),
                                 r.findings.empty() ? r.message : findings_detail(r.findings));
  }

  Catalog* m_catalog;
  BlobStore* m_store;
  const ImportOptions& m_opt;
  ImportSummary& m_summary;
  std::vector<ImportItemResult> m_pending;
  int m_position = 0;
};

}  // namespace

Result<ImportSummary> run_import(const fs::path& data_dir, const std::vector<fs::path>& inputs, const ImportOptions& opt,
                                 const ImportCallbacks& cb) {
  std::optional<WriterLock> lock;
  if (!opt.dry_run) {
    auto l = WriterLock::acquire(data_dir, "import");
    if (!l) return l.error();
    lock.emplace(std::move(l).value());
  }
  // A dry run writes nothing, not even a new data folder: it reads an existing
  // catalogue, and without one every book is new.
  std::optional<BlobStore> store;
  std::optional<Catalog> catalog;
  if (!opt.dry_run) {
    auto s = BlobStore::open(data_dir);
    if (!s) return s.error();
    store.emplace(std::move(s).value());
    auto c = Catalog::open(data_dir);
    if (!c) return c.error();
    catalog.emplace(std::move(c).value());
  } else if (std::filesystem::exists(data_dir / "catalog.sqlite")) {
    auto c = Catalog::open(data_dir, true);
    if (!c) return c.error();
    if (c->schema_version() < Catalog::latest_schema_version())
      return make_error(ErrorKind::usage, "the catalogue's schema is older than this eductl; run 'eductl catalog migrate' first",
                        data_dir.string());
    catalog.emplace(std::move(c).value());
  }

  std::vector<PackageInput> found = discover_inputs(inputs, opt);
  std::uint64_t total = 0;
  for (const auto& f : found) total += f.size;
  if (cb.on_start) cb.on_start(found.size(), total);

  ImporterContext ictx;
  ictx.store = store ? &*store : nullptr;
  ictx.limits = opt.limits;
  ictx.progress = cb.on_bytes;

  ImportSummary summary;
  Writer writer(catalog ? &*catalog : nullptr, store ? &*store : nullptr, opt, summary);
  std::optional<Error> fatal;
  parallel_ordered<ReadOutcome>(
      found.size(), opt.jobs,
      [&](std::size_t i) {
        ReadOutcome o{found[i], {}, found[i].error};
        if (!found[i].skipped.empty()) {
          o.items.push_back(skipped_item(found[i].path.string(), found[i].skipped));
        } else if (!o.error && !interrupted()) {
          const Importer* imp = find_importer(found[i].path, opt.format);
          auto items = imp->read(found[i].path, ictx);
          if (items) o.items = std::move(items).value();
          else o.error = items.error();
        } else if (!o.error) {
          o.error = make_error(ErrorKind::interrupted, "interrupted");
        }
        if (cb.on_input_done) cb.on_input_done();
        return o;
      },
      [&](std::size_t, ReadOutcome o) {
        if (fatal || summary.interrupted) return;  // staged blobs die with `o`
        if (o.error) {
          if (o.error->kind == ErrorKind::interrupted) {
            summary.interrupted = true;
            return;
          }
          if (o.error->kind != ErrorKind::bad_input) {
            fatal = o.error;
            return;
          }
          o.items.push_back(unreadable_item(o.input.path.string(), o.error->message));
        }
        for (auto& item : o.items) {
          if (interrupted()) {
            summary.interrupted = true;
            return;
          }
          ImportItemResult r;
          if (auto st = writer.take(item, r); !st) {
            fatal = st.error();
            return;
          }
          if (cb.on_item) cb.on_item(r);
          summary.items.push_back(std::move(r));
        }
      });
  if (fatal) {
    (void)writer.finish("failed");
    return *fatal;
  }
  if (auto st = writer.finish(summary.interrupted ? "interrupted" : "done"); !st) return st.error();
  return summary;
}

}  // namespace eductl
