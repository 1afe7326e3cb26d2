#include "core/search/index.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <map>
#include <set>

#include "core/search/text_extract.hpp"
#include "core/package/vocab.hpp"
#include "core/search/fts_tokenizer.hpp"
#include "core/search/index_schema.hpp"
#include "core/search/tokenize.hpp"
#include "core/util/cancel.hpp"
#include "core/util/fs.hpp"
#include "core/util/parallel.hpp"

namespace eductl::search {
namespace fs = std::filesystem;

namespace {

struct Doc {
  std::string type, unit, lesson_key, lesson_title, file;
  int page = 0;  // 0: none
  std::string title, body;
};

struct BookDocs {
  std::vector<Doc> docs;
  std::vector<IndexProblem> problems;
  std::uint64_t files_read = 0;
};

std::string join(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out += ' ';
    out += p;
  }
  return out;
}

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n\f\v") == std::string::npos; }

Doc metadata_doc(const BookDetail& d, const std::string& ref) {
  const BookMeta& m = d.current.meta;
  Doc doc;
  doc.type = "book";
  doc.title = m.title;
  doc.body = join({m.publisher_name, m.publisher_code, m.edition, stage_label(m.stage), m.grade ? grade_label(*m.grade) : "",
                   subject_label(m.subject), volume_label(m.volume, m.volume_title), kind_label(m.kind), m.isbn, ref});
  return doc;
}

// Everything one book contributes; runs on worker threads (reads the store, no SQLite).
BookDocs book_docs(const BookDetail& d, const std::string& ref, const BlobStore& store) {
  BookDocs out;
  out.docs.push_back(metadata_doc(d, ref));
  std::map<std::string, const FileDecl*> files;
  for (const auto& f : d.current.files) files[f.path] = &f;

  auto read_text = [&](const FileDecl& f) -> std::optional<DocumentText> {
    if (f.sha256.empty() || !has_text(f.media_type)) return std::nullopt;  // metadata-only source
    const fs::path object = store.object_path(f.sha256);
    if (!store.has(f.sha256, f.size)) {
      out.problems.push_back({ref, f.path, "not in the content store (run 'eductl store verify')"});
      return std::nullopt;
    }
    auto text = extract_text(object, f.media_type);
    ++out.files_read;
    if (!text) {
      out.problems.push_back({ref, f.path, text.error().message});
      return std::nullopt;
    }
    return std::move(*text);
  };

  for (const auto& f : d.current.files) {
    if (f.role != "textbook" || interrupted()) continue;
    auto text = read_text(f);
    if (!text) continue;
    for (std::size_t i = 0; i < text->parts.size(); ++i) {
      if (blank(text->parts[i])) continue;
      Doc doc;
      doc.type = text->unit == TextUnit::section ? "section" : "page";
      doc.file = f.path;
      doc.page = static_cast<int>(i + 1);
      // Titles only on the book and lesson rows: a title query then gives one hit per
      // book or lesson, not one per page, task sheet and exercise as well.
      doc.body = std::move(text->parts[i]);
      out.docs.push_back(std::move(doc));
    }
  }
  for (const auto& u : d.current.contents) {
    for (const auto& l : u.lessons) {
      if (interrupted()) return out;
      Doc lesson;
      lesson.type = "lesson";
      lesson.unit = u.title;
      lesson.lesson_key = l.id;
      lesson.lesson_title = l.title;
      lesson.title = l.title;
      lesson.body = join({u.title, l.id});
      out.docs.push_back(lesson);
      std::set<std::string> seen;
      for (const auto& r : l.resources) {
        if (r.kind == "video" || r.kind == "audio" || r.kind == "textbook_pages" || !seen.insert(r.file).second) continue;
        auto it = files.find(r.file);
        if (it == files.end()) continue;
        auto text = read_text(*it->second);
        if (!text) continue;
        Doc doc = lesson;
        doc.type = r.kind;
        doc.file = r.file;
        doc.title.clear();
        doc.body.clear();
        for (auto& part : text->parts) {
          if (blank(part)) continue;
          if (!doc.body.empty()) doc.body += '\n';
          doc.body += part;
        }
        if (!doc.body.empty()) out.docs.push_back(std::move(doc));
      }
    }
  }
  return out;
}

void remove_book(SQLite::Database& db, const std::string& ref) {
  SQLite::Statement f(db, "DELETE FROM fts WHERE rowid IN (SELECT id FROM docs WHERE book = ?)");
  f.bind(1, ref);
  f.exec();
  SQLite::Statement d(db, "DELETE FROM docs WHERE book = ?");
  d.bind(1, ref);
  d.exec();
  SQLite::Statement b(db, "DELETE FROM books WHERE book = ?");
  b.bind(1, ref);
  b.exec();
}

void insert_book(SQLite::Database& db, const std::string& ref, const std::string& digest, const BookDetail& d,
                 const BookDocs& docs) {
  const BookMeta& m = d.current.meta;
  SQLite::Statement b(db, "INSERT INTO books (book, digest, title, stage, grade_from, grade_to, subject, edition, kind) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  b.bind(1, ref);
  b.bind(2, digest);
  b.bind(3, m.title);
  b.bind(4, m.stage);
  if (m.grade) {
    b.bind(5, m.grade->from);
    b.bind(6, m.grade->to);
  }
  b.bind(7, m.subject);
  b.bind(8, m.edition);
  b.bind(9, m.kind);
  b.exec();
  SQLite::Statement doc(db, "INSERT INTO docs (book, type, unit, lesson_key, lesson_title, file, page) VALUES (?, ?, ?, ?, ?, ?, ?)");
  SQLite::Statement fts(db, "INSERT INTO fts (rowid, title, body) VALUES (?, ?, ?)");
  for (const Doc& x : docs.docs) {
    doc.bind(1, ref);
    doc.bind(2, x.type);
    doc.bind(3, x.unit);
    doc.bind(4, x.lesson_key);
    doc.bind(5, x.lesson_title);
    doc.bind(6, x.file);
    if (x.page) doc.bind(7, x.page);
    else doc.bind(7);
    doc.exec();
    doc.reset();
    fts.bind(1, db.getLastInsertRowid());
    fts.bind(2, x.title);
    fts.bind(3, x.body);
    fts.exec();
    fts.reset();
  }
}

std::map<std::string, std::string> indexed_digests(SQLite::Database& db) {
  std::map<std::string, std::string> out;
  SQLite::Statement q(db, "SELECT book, digest FROM books");
  while (q.executeStep()) out[q.getColumn(0).getString()] = q.getColumn(1).getString();
  return out;
}

std::string stored_tokenizer(SQLite::Database& db) {
  SQLite::Statement q(db, "SELECT value FROM meta WHERE key = 'tokenizer'");
  return q.executeStep() ? q.getColumn(0).getString() : "";
}

// The meta rows: a tokenizer change (or --rebuild) empties the index; the CJK variant
// table is stored once for search to load. True when everything is to be redone.
bool prepare_meta(SQLite::Database& db, IndexMode mode) {
  const bool rebuilt = mode == IndexMode::rebuild || stored_tokenizer(db) != std::to_string(k_tokenizer_version);
  if (rebuilt) {
    db.exec("DELETE FROM fts; DELETE FROM docs; DELETE FROM books;");
    SQLite::Statement m(db, "INSERT OR REPLACE INTO meta (key, value) VALUES ('tokenizer', ?)");
    m.bind(1, std::to_string(k_tokenizer_version));
    m.exec();
  }
  SQLite::Statement has(db, "SELECT 1 FROM meta WHERE key = 'cjk_variants'");
  if (rebuilt || !has.executeStep()) {
    SQLite::Statement m(db, "INSERT OR REPLACE INTO meta (key, value) VALUES ('cjk_variants', ?)");
    m.bind(1, build_cjk_variant_table());
    m.exec();
  }
  return rebuilt;
}

struct Todo {
  std::string ref, digest;
  bool update = false;
  BookDetail detail;
};

// The books to read (new, or changed since indexed); books gone from the catalogue are
// removed from the index here.
Result<std::vector<Todo>> plan_books(SQLite::Database& db, const Catalog& catalog, const std::vector<BookDigest>& books,
                                     IndexStats& stats) {
  std::map<std::string, std::string> indexed = indexed_digests(db);
  std::vector<Todo> todo;
  std::set<std::string> present;
  for (const auto& b : books) {
    const std::string ref = book_ref(b.key);
    present.insert(ref);
    auto it = indexed.find(ref);
    if (it != indexed.end() && it->second == b.digest) {
      ++stats.unchanged;
      continue;
    }
    auto detail = catalog.show_book(ref);
    if (!detail) return detail.error();
    todo.push_back({ref, b.digest, it != indexed.end(), std::move(*detail)});
  }
  for (const auto& [ref, digest] : indexed)
    if (!present.count(ref)) {
      remove_book(db, ref);
      ++stats.removed;
    }
  return todo;
}

// Documents read on `jobs` threads, written in book order by this thread.
void index_books(SQLite::Database& db, const BlobStore& store, const std::vector<Todo>& todo, unsigned jobs,
                 const IndexProgress& progress, IndexStats& stats) {
  parallel_ordered<BookDocs>(
      todo.size(), jobs, [&](std::size_t i) { return interrupted() ? BookDocs{} : book_docs(todo[i].detail, todo[i].ref, store); },
      [&](std::size_t i, BookDocs docs) {
        if (interrupted()) return;
        const Todo& t = todo[i];
        if (t.update) remove_book(db, t.ref);
        insert_book(db, t.ref, t.digest, t.detail, docs);
        ++(t.update ? stats.updated : stats.added);
        stats.documents += docs.docs.size();
        stats.files_read += docs.files_read;
        for (auto& p : docs.problems) stats.problems.push_back(std::move(p));
        if (progress) progress(i + 1, todo.size());
      });
}

}  // namespace

Result<IndexStats> update_index(const DataFolder& data, IndexMode mode, unsigned jobs, const IndexProgress& progress) {
  for (const auto& file : {data.catalog_file(), data.index_file()})
    if (auto st = check_database_files(file); !st) return st.error();
  auto catalog = data.catalog(Access::read_only);
  if (!catalog) return catalog.error();
  auto store = data.store(Access::read_only);
  if (!store) return store.error();
  auto books = catalog->current_digests();
  if (!books) return books.error();

  register_fts_tokenizer();
  auto handle = db::open(data.index_file(), db::Access::read_write, k_index_schema);
  if (!handle) return handle.error();
  SQLite::Database& db = **handle;

  return db::guarded("cannot write the search index", data.index_file(), [&]() -> Result<IndexStats> {
    IndexStats stats;
    // One transaction for the whole update: Ctrl-C or a crash leaves the previous index.
    SQLite::Transaction tx(db);
    stats.rebuilt = prepare_meta(db, mode);
    auto todo = plan_books(db, *catalog, *books, stats);
    if (!todo) return todo.error();
    index_books(db, *store, *todo, jobs, progress, stats);
    if (interrupted()) return make_error(ErrorKind::interrupted, "interrupted; the previous index is unchanged");
    // Merging FTS5 segments after a large change keeps queries fast.
    if (stats.added + stats.updated + stats.removed > 0) db.exec("INSERT INTO fts (fts) VALUES ('optimize')");
    tx.commit();
    return stats;
  });
}

}  // namespace eductl::search
