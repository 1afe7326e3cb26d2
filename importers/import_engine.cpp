#include "importers/import_engine.hpp"

#include <nlohmann/json.hpp>
#include <set>

#include "core/package/discover.hpp"
#include "core/util/cancel.hpp"
#include "core/data/data_folder.hpp"
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
    describe(item, r);
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
    auto decided = decide_revision(item, r);
    if (!decided) return decided.error();
    if (*decided) {
      // Unchanged still restores content the store lost or holds damaged: the item
      // carries staged blobs only for that.
      if (r.outcome == ImportOutcome::unchanged && !m_opt.dry_run && !item.blobs.empty()) {
        if (auto st = commit_blobs(item, r); !st) return st;
        r.stored.restored_blobs = r.stored.stored_blobs;
        add_stats(m_summary.store, r.stored);
        r.message += "; restored " + std::to_string(r.stored.stored_blobs) + " missing or damaged object(s)";
      }
      return log(r);
    }
    if (m_opt.dry_run) {
      r.outcome = ImportOutcome::would_import;
      return log(r);
    }
    // Blobs first (each fsynced and renamed into place), then the rows in one transaction.
    if (auto st = commit_blobs(item, r); !st) return st;
    r.stored.dedup_blobs += item.present_blobs;
    r.stored.dedup_bytes += item.present_bytes;
    if (auto st = ensure_run(); !st) return st;
    auto rev_id = m_catalog->add_revision(*item.book, item.digest, item.bytes, item.source_path, m_summary.run_id);
    if (!rev_id) return rev_id.error();
    if (m_opt.keep_revisions > 0) {
      if (auto pruned = m_catalog->prune_revisions(r.key, m_opt.keep_revisions); !pruned) return pruned.error();
    }
    r.outcome = ImportOutcome::imported;
    add_stats(m_summary.store, r.stored);
    return log(r);
  }

  Status finish(const std::string& status) {
    if (m_summary.run_id == 0) return ok_status();
    return m_catalog->finish_run(m_summary.run_id, m_summary.counts, status);
  }

 private:
  static void describe(const ImportItem& item, ImportItemResult& r) {
    r.source = item.source_path;
    r.findings = item.findings;
    r.bytes = item.bytes;
    if (item.book) {
      r.key = {item.book->meta.publisher_code, item.book->package_id};
      r.revision = item.book->revision;
      r.title = item.book->meta.title;
    }
  }

  static void add_stats(CommitStats& to, const CommitStats& from) {
    to.stored_blobs += from.stored_blobs;
    to.stored_bytes += from.stored_bytes;
    to.dedup_blobs += from.dedup_blobs;
    to.dedup_bytes += from.dedup_bytes;
    to.restored_blobs += from.restored_blobs;
  }

  Status commit_blobs(ImportItem& item, ImportItemResult& r) {
    std::set<fs::path> dirs;
    for (auto& blob : item.blobs)
      if (auto st = m_store->commit(blob, r.stored, &dirs); !st) return st;
    return m_store->sync_dirs(dirs);
  }

  // The re-delivery rules. True when they settle the item (unchanged, or refused as a
  // conflict or a lower revision); false when it is a new revision to take.
  Result<bool> decide_revision(ImportItem& item, ImportItemResult& r) {
    if (!m_catalog) return false;
    auto revs = m_catalog->revisions_of(r.key);
    if (!revs) return revs.error();
    if (revs->empty()) return false;
    BookRecord& book = *item.book;
    if (item.auto_revision) {
      // A listing record: the same content as any stored revision is unchanged, other
      // content is the next revision.
      for (const auto& rev : *revs)
        if (rev.digest == item.digest) {
          r.revision = rev.revision;
          r.outcome = ImportOutcome::unchanged;
          r.message = "the catalogue has this record's content as revision " + std::to_string(rev.revision);
          return true;
        }
      book.revision = revs->back().revision + 1;
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
      return true;
    }
    if (book.revision < revs->back().revision) {
      r.outcome = ImportOutcome::refused;
      r.findings.push_back(make_finding("IMP-REVISION-LOWER", "manifest.json#/revision",
                                        "revision " + std::to_string(book.revision) + " is lower than the current " +
                                            std::to_string(revs->back().revision)));
      return true;
    }
    return false;
  }

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
  const DataFolder data(data_dir);
  std::optional<WriterLock> lock;
  std::optional<BlobStore> store;
  std::optional<Catalog> catalog;
  if (!opt.dry_run) {
    auto l = data.lock("import");
    if (!l) return l.error();
    lock.emplace(std::move(l).value());
    auto s = data.store(Access::read_write);
    if (!s) return s.error();
    store.emplace(std::move(s).value());
    auto c = data.catalog(Access::read_write);
    if (!c) return c.error();
    catalog.emplace(std::move(c).value());
  } else {
    // A dry run writes nothing, not even a new data folder: it reads the catalogue
    // there is, and without one (or with one not yet created) every book is new.
    auto c = data.catalog(Access::read_only);
    if (c) catalog.emplace(std::move(c).value());
    else if (!Catalog::is_absent(c.error())) return c.error();
  }

  std::vector<PackageInput> found = discover_inputs(inputs, opt);
  std::uint64_t total = 0;
  for (const auto& f : found) total += f.size;
  if (cb.on_start) cb.on_start(found.size(), total);

  ImporterContext ictx;
  ictx.store = store ? &*store : nullptr;
  ictx.limits = opt.limits;
  ictx.deep = opt.deep;
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
