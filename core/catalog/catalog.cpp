#include "core/catalog/catalog.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <ctime>

#include "core/catalog/schema.hpp"
#include "core/db/sqlite.hpp"
#include "core/util/time.hpp"

namespace eductl {
namespace fs = std::filesystem;

namespace {


constexpr std::string_view k_tables[] = {"publishers", "books", "revisions", "files", "units", "lessons", "resources",
                                         "import_runs", "import_items", "media_facts", "transcode_jobs", "rendition_files",
                                         "mirror_snapshot"};
const db::Schema k_schema{"catalogue", catalog_migrations(), "import something first ('eductl import PACKAGE')", k_tables};

constexpr const char* k_live_renditions =
    "SELECT sha256 FROM rendition_files WHERE input_sha256 IN (SELECT sha256 FROM files)";
constexpr const char* k_live_rendition_sizes =
    "SELECT sha256, size FROM rendition_files WHERE input_sha256 IN (SELECT sha256 FROM files)";

std::string text(const SQLite::Statement& q, int col) { return q.getColumn(col).getString(); }

constexpr const char* k_meta_columns =
    "r.title, r.isbn, r.stage, r.school_system, r.special_school, r.grade_from, r.grade_to, r.subject, r.kind, "
    "r.edition, r.volume, r.volume_title, r.language, r.published, r.publisher_name, b.publisher_code, "
    "b.package_id, r.revision, b.source, b.id, b.current_revision, r.bytes, r.id";

// Reads the columns of k_meta_columns starting at 0.
BookSummary read_summary(SQLite::Statement& q) {
  BookSummary s;
  BookMeta& m = s.record.meta;
  m.title = text(q, 0);
  m.isbn = text(q, 1);
  m.stage = text(q, 2);
  m.school_system = text(q, 3);
  m.special_school = text(q, 4);
  if (!q.getColumn(5).isNull()) m.grade = GradeSpan{q.getColumn(5).getInt(), q.getColumn(6).getInt()};
  m.subject = text(q, 7);
  m.kind = text(q, 8);
  m.edition = text(q, 9);
  m.volume = text(q, 10);
  m.volume_title = text(q, 11);
  m.language = text(q, 12);
  m.published = text(q, 13);
  m.publisher_name = text(q, 14);
  m.publisher_code = text(q, 15);
  s.record.package_id = text(q, 16);
  s.record.revision = q.getColumn(17).getInt64();
  s.source = text(q, 18);
  s.record.source = s.source;
  s.id = q.getColumn(19).getInt64();
  s.current_revision = q.getColumn(20).getInt64();
  s.bytes = static_cast<std::uint64_t>(q.getColumn(21).getInt64());
  return s;
}

}  // namespace

Catalog::Catalog(std::unique_ptr<SQLite::Database> db, fs::path file) : m_db(std::move(db)), m_file(std::move(file)) {}
Catalog::Catalog(Catalog&&) noexcept = default;
Catalog& Catalog::operator=(Catalog&&) noexcept = default;
Catalog::~Catalog() = default;

template <class F>
auto Catalog::guarded(std::string_view what, F&& body) const -> decltype(body()) {
  return db::guarded(what, m_file, std::forward<F>(body));
}

int Catalog::latest_schema_version() { return static_cast<int>(catalog_migrations().size()); }

Result<Catalog> Catalog::open(const fs::path& file, Access access) {
  auto handle = db::open(file, access, k_schema);
  if (!handle) return handle.error();
  return Catalog(std::move(handle).value(), file);
}

bool Catalog::is_absent(const Error& e) { return db::is_absent(e, k_schema); }

int Catalog::schema_version() const { return db::user_version(*m_db); }

std::string Catalog::quick_check() const {
  try {
    return db::quick_check(*m_db);
  } catch (const std::exception& e) {
    return e.what();
  }
}

Result<std::vector<RevisionInfo>> Catalog::revisions_of(const BookKey& key) const {
  return guarded("cannot read the catalogue", [&]() -> Result<std::vector<RevisionInfo>> {
  SQLite::Statement q(*m_db,
                      "SELECT r.revision, r.digest, r.imported_at, r.bytes, (SELECT count(*) FROM files f WHERE f.revision_id = r.id) "
                      "FROM books b JOIN revisions r ON r.book_id = b.id "
                      "WHERE b.publisher_code = ? AND b.package_id = ? ORDER BY r.revision");
  q.bind(1, key.publisher_code);
  q.bind(2, key.package_id);
  std::vector<RevisionInfo> out;
  while (q.executeStep()) {
    out.push_back({q.getColumn(0).getInt64(), text(q, 1), text(q, 2), static_cast<std::uint64_t>(q.getColumn(3).getInt64()),
                   static_cast<std::uint64_t>(q.getColumn(4).getInt64())});
  }
  return out;
  });
}

std::int64_t Catalog::upsert_book(const BookRecord& book) {
  const BookMeta& m = book.meta;
  SQLite::Statement pub(*m_db,
                        "INSERT INTO publishers(code, name) VALUES(?, ?) "
                        "ON CONFLICT(code) DO UPDATE SET name = excluded.name WHERE excluded.name <> ''");
  pub.bind(1, m.publisher_code);
  pub.bind(2, m.publisher_name);
  pub.exec();
  SQLite::Statement q(*m_db, "SELECT id, current_revision FROM books WHERE publisher_code = ? AND package_id = ?");
  q.bind(1, m.publisher_code);
  q.bind(2, book.package_id);
  if (q.executeStep()) {
    const std::int64_t book_id = q.getColumn(0).getInt64();
    if (book.revision > q.getColumn(1).getInt64()) {
      SQLite::Statement u(*m_db, "UPDATE books SET current_revision = ? WHERE id = ?");
      u.bind(1, book.revision);
      u.bind(2, book_id);
      u.exec();
    }
    return book_id;
  }
  SQLite::Statement ins(*m_db,
                        "INSERT INTO books(publisher_code, package_id, source, current_revision, created_at) "
                        "VALUES(?, ?, ?, ?, ?)");
  db::bind_all(ins, m.publisher_code, book.package_id, book.source, book.revision, now_utc());
  ins.exec();
  return m_db->getLastInsertRowid();
}

std::int64_t Catalog::insert_revision(std::int64_t book_id, const BookRecord& book, const std::string& digest,
                                      std::uint64_t bytes, const std::string& source_path, std::int64_t run_id) {
  const BookMeta& m = book.meta;
  SQLite::Statement rev(*m_db,
                        "INSERT INTO revisions(book_id, revision, digest, title, isbn, stage, school_system, special_school, "
                        "grade_from, grade_to, subject, kind, edition, volume, volume_title, language, published, "
                        "publisher_name, bytes, source_path, import_run, imported_at) "
                        "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  int i = 1;
  rev.bind(i++, book_id);
  rev.bind(i++, book.revision);
  rev.bind(i++, digest);
  for (const std::string* s : {&m.title, &m.isbn, &m.stage, &m.school_system, &m.special_school}) rev.bind(i++, *s);
  if (m.grade) {
    rev.bind(i++, m.grade->from);
    rev.bind(i++, m.grade->to);
  } else {
    rev.bind(i++);
    rev.bind(i++);
  }
  for (const std::string* s : {&m.subject, &m.kind, &m.edition, &m.volume, &m.volume_title, &m.language, &m.published,
                               &m.publisher_name})
    rev.bind(i++, *s);
  rev.bind(i++, static_cast<std::int64_t>(bytes));
  rev.bind(i++, source_path);
  if (run_id > 0) rev.bind(i++, run_id);
  else rev.bind(i++);
  rev.bind(i++, now_utc());
  rev.exec();
  return m_db->getLastInsertRowid();
}

void Catalog::insert_files(std::int64_t revision_id, const std::vector<FileDecl>& files) {
  SQLite::Statement file(*m_db, "INSERT INTO files(revision_id, path, sha256, size, media_type, role) VALUES(?,?,?,?,?,?)");
  for (const FileDecl& f : files) {
    file.bind(1, revision_id);
    file.bind(2, f.path);
    file.bind(3, f.sha256);
    file.bind(4, static_cast<std::int64_t>(f.size));
    file.bind(5, f.media_type);
    file.bind(6, f.role);
    file.exec();
    file.reset();
  }
}

void Catalog::insert_contents(std::int64_t revision_id, const std::vector<UnitDecl>& contents) {
  SQLite::Statement unit(*m_db, "INSERT INTO units(revision_id, position, title) VALUES(?,?,?)");
  SQLite::Statement lesson(*m_db, "INSERT INTO lessons(unit_id, position, lesson_key, title) VALUES(?,?,?,?)");
  SQLite::Statement res(*m_db, "INSERT INTO resources(lesson_id, position, kind, file_path, pages) VALUES(?,?,?,?,?)");
  for (std::size_t u = 0; u < contents.size(); ++u) {
    unit.bind(1, revision_id);
    unit.bind(2, static_cast<int>(u));
    unit.bind(3, contents[u].title);
    unit.exec();
    unit.reset();
    const std::int64_t unit_id = m_db->getLastInsertRowid();
    const auto& lessons = contents[u].lessons;
    for (std::size_t l = 0; l < lessons.size(); ++l) {
      lesson.bind(1, unit_id);
      lesson.bind(2, static_cast<int>(l));
      lesson.bind(3, lessons[l].id);
      lesson.bind(4, lessons[l].title);
      lesson.exec();
      lesson.reset();
      const std::int64_t lesson_id = m_db->getLastInsertRowid();
      for (std::size_t r = 0; r < lessons[l].resources.size(); ++r) {
        const auto& rr = lessons[l].resources[r];
        res.bind(1, lesson_id);
        res.bind(2, static_cast<int>(r));
        res.bind(3, rr.kind);
        res.bind(4, rr.file);
        res.bind(5, rr.pages);
        res.exec();
        res.reset();
      }
    }
  }
}

Result<std::int64_t> Catalog::add_revision(const BookRecord& book, const std::string& digest, std::uint64_t bytes,
                                           const std::string& source_path, std::int64_t run_id) {
  return guarded("cannot write to the catalogue", [&]() -> Result<std::int64_t> {
    SQLite::Transaction t(*m_db);
    const std::int64_t book_id = upsert_book(book);
    const std::int64_t revision_id = insert_revision(book_id, book, digest, bytes, source_path, run_id);
    insert_files(revision_id, book.files);
    insert_contents(revision_id, book.contents);
    t.commit();
    return revision_id;
  });
}

Result<int> Catalog::prune_revisions(const BookKey& key, int keep) {
  return guarded("cannot write to the catalogue", [&]() -> Result<int> {
    SQLite::Transaction t(*m_db);
    SQLite::Statement q(*m_db,
                        "DELETE FROM revisions WHERE id IN (SELECT r.id FROM revisions r JOIN books b ON b.id = r.book_id "
                        "WHERE b.publisher_code = ? AND b.package_id = ? ORDER BY r.revision DESC LIMIT -1 OFFSET ?)");
    q.bind(1, key.publisher_code);
    q.bind(2, key.package_id);
    q.bind(3, keep);
    int n = q.exec();
    t.commit();
    return n;
  });
}

Result<std::int64_t> Catalog::begin_run(const std::string& command) {
  return guarded("cannot write to the catalogue", [&]() -> Result<std::int64_t> {
    char host[256] = "unknown";
    ::gethostname(host, sizeof host - 1);
    const char* user = std::getenv("USER");
    SQLite::Statement q(*m_db, "INSERT INTO import_runs(started_at, user, host, command) VALUES(?,?,?,?)");
    q.bind(1, now_utc());
    q.bind(2, user ? user : std::to_string(::getuid()));
    q.bind(3, host);
    q.bind(4, command);
    q.exec();
    return m_db->getLastInsertRowid();
  });
}

Status Catalog::record_item(std::int64_t run, int position, const std::string& path, const BookKey& key,
                            std::optional<std::int64_t> revision, const std::string& outcome, const std::string& detail) {
  return guarded("cannot write to the catalogue", [&]() -> Status {
    SQLite::Statement q(*m_db,
                        "INSERT INTO import_items(run_id, position, source_path, publisher_code, package_id, revision, outcome, detail) "
                        "VALUES(?,?,?,?,?,?,?,?)");
    q.bind(1, run);
    q.bind(2, position);
    q.bind(3, path);
    q.bind(4, key.publisher_code);
    q.bind(5, key.package_id);
    if (revision) q.bind(6, *revision);
    else q.bind(6);
    q.bind(7, outcome);
    q.bind(8, detail);
    q.exec();
    return ok_status();
  });
}

Status Catalog::finish_run(std::int64_t run, const RunCounts& c, const std::string& status) {
  return guarded("cannot write to the catalogue", [&]() -> Status {
    SQLite::Statement q(*m_db,
                        "UPDATE import_runs SET finished_at = ?, status = ?, imported = ?, unchanged = ?, refused = ?, failed = ? "
                        "WHERE id = ?");
    q.bind(1, now_utc());
    q.bind(2, status);
    q.bind(3, static_cast<std::int64_t>(c.imported));
    q.bind(4, static_cast<std::int64_t>(c.unchanged));
    q.bind(5, static_cast<std::int64_t>(c.refused));
    q.bind(6, static_cast<std::int64_t>(c.failed));
    q.bind(7, run);
    q.exec();
    return ok_status();
  });
}

Result<std::vector<BookSummary>> Catalog::list_books(const BookFilter& f) const {
  return guarded("cannot read the catalogue", [&]() -> Result<std::vector<BookSummary>> {
  std::string sql = std::string("SELECT ") + k_meta_columns +
                    ", (SELECT count(*) FROM files x WHERE x.revision_id = r.id)"
                    ", (SELECT count(*) FROM lessons l JOIN units u ON u.id = l.unit_id WHERE u.revision_id = r.id)"
                    " FROM books b JOIN revisions r ON r.book_id = b.id AND r.revision = b.current_revision WHERE 1=1";
  std::vector<std::string> args;
  auto add = [&](const std::string& value, const char* clause) {
    if (value.empty()) return;
    sql += clause;
    args.push_back(value);
  };
  add(f.publisher, " AND (b.publisher_code = ? COLLATE NOCASE)");
  add(f.stage, " AND r.stage = ?");
  add(f.subject, " AND r.subject = ?");
  add(f.kind, " AND r.kind = ?");
  if (!f.edition.empty()) {
    sql += " AND instr(r.edition, ?) > 0";
    args.push_back(f.edition);
  }
  if (!f.text.empty()) {
    sql += " AND (instr(r.title, ?) > 0 OR instr(b.package_id, ?) > 0)";
    args.push_back(f.text);
    args.push_back(f.text);
  }
  if (f.grade) {
    sql += " AND r.grade_from <= ? AND r.grade_to >= ?";
    args.push_back(std::to_string(*f.grade));
    args.push_back(std::to_string(*f.grade));
  }
  sql += " ORDER BY r.stage, r.grade_from, r.subject, r.edition, r.volume, b.package_id";
  SQLite::Statement q(*m_db, sql);
  for (std::size_t i = 0; i < args.size(); ++i) q.bind(static_cast<int>(i + 1), args[i]);
  std::vector<BookSummary> out;
  while (q.executeStep()) {
    BookSummary s = read_summary(q);
    s.files = static_cast<std::uint64_t>(q.getColumn(23).getInt64());
    s.lessons = static_cast<std::uint64_t>(q.getColumn(24).getInt64());
    out.push_back(std::move(s));
  }
  return out;
  });
}

Result<BookDetail> Catalog::show_book(const std::string& book) const {
  return guarded("cannot read the catalogue", [&]() -> Result<BookDetail> {
  std::string code, id = book;
  if (auto slash = book.find('/'); slash != std::string::npos) {
    code = book.substr(0, slash);
    id = book.substr(slash + 1);
  }
  std::string sql = std::string("SELECT ") + k_meta_columns +
                    " FROM books b JOIN revisions r ON r.book_id = b.id AND r.revision = b.current_revision "
                    "WHERE b.package_id = ?" + (code.empty() ? "" : " AND b.publisher_code = ? COLLATE NOCASE");
  SQLite::Statement q(*m_db, sql);
  q.bind(1, id);
  if (!code.empty()) q.bind(2, code);
  std::vector<BookSummary> hits;
  std::vector<std::int64_t> revision_ids;
  while (q.executeStep()) {
    hits.push_back(read_summary(q));
    revision_ids.push_back(q.getColumn(22).getInt64());
  }
  if (hits.empty()) return make_error(ErrorKind::bad_input, "no book " + book + " in the catalogue");
  if (hits.size() > 1)
    return make_error(ErrorKind::usage, "several publishers have a book " + id + "; name it as CODE/" + id);
  BookDetail d;
  d.summary = hits.front();
  d.current = d.summary.record;
  const std::int64_t rid = revision_ids.front();
  SQLite::Statement files(*m_db, "SELECT path, sha256, size, media_type, role FROM files WHERE revision_id = ? ORDER BY path");
  files.bind(1, rid);
  while (files.executeStep())
    d.current.files.push_back({text(files, 0), text(files, 1), static_cast<std::uint64_t>(files.getColumn(2).getInt64()),
                               text(files, 3), text(files, 4)});
  SQLite::Statement units(*m_db, "SELECT id, title FROM units WHERE revision_id = ? ORDER BY position");
  units.bind(1, rid);
  SQLite::Statement lessons(*m_db, "SELECT id, lesson_key, title FROM lessons WHERE unit_id = ? ORDER BY position");
  SQLite::Statement res(*m_db, "SELECT kind, file_path, pages FROM resources WHERE lesson_id = ? ORDER BY position");
  while (units.executeStep()) {
    UnitDecl u;
    u.title = text(units, 1);
    lessons.bind(1, units.getColumn(0).getInt64());
    while (lessons.executeStep()) {
      LessonDecl l{text(lessons, 1), text(lessons, 2), {}};
      res.bind(1, lessons.getColumn(0).getInt64());
      while (res.executeStep()) l.resources.push_back({text(res, 0), text(res, 1), text(res, 2)});
      res.reset();
      u.lessons.push_back(std::move(l));
    }
    lessons.reset();
    d.current.contents.push_back(std::move(u));
  }
  d.summary.files = d.current.files.size();
  for (const auto& u : d.current.contents) d.summary.lessons += u.lessons.size();
  auto revs = revisions_of({d.summary.record.meta.publisher_code, d.summary.record.package_id});
  if (!revs) return revs.error();
  d.revisions = std::move(revs).value();
  return d;
  });
}

Result<CatalogStats> Catalog::stats() const {
  return guarded("cannot read the catalogue", [&]() -> Result<CatalogStats> {
  CatalogStats s;
  auto scalar = [&](const char* sql) {
    SQLite::Statement q(*m_db, sql);
    q.executeStep();
    return static_cast<std::uint64_t>(q.getColumn(0).getInt64());
  };
  s.books = scalar("SELECT count(*) FROM books");
  s.revisions = scalar("SELECT count(*) FROM revisions");
  s.files = scalar("SELECT count(*) FROM files");
  s.lessons = scalar("SELECT count(*) FROM lessons");
  s.referenced_bytes = scalar("SELECT coalesce(sum(size), 0) FROM files WHERE sha256 <> ''");
  s.unique_bytes = scalar("SELECT coalesce(sum(size), 0) FROM (SELECT sha256, max(size) AS size FROM files WHERE sha256 <> '' GROUP BY sha256)");
  auto group = [&](const char* column, std::vector<std::pair<std::string, std::uint64_t>>& out) {
    SQLite::Statement q(*m_db, std::string("SELECT ") + column +
                                   ", count(*) FROM books b JOIN revisions r ON r.book_id = b.id AND r.revision = b.current_revision "
                                   "GROUP BY 1 ORDER BY 2 DESC, 1");
    while (q.executeStep()) out.emplace_back(text(q, 0), static_cast<std::uint64_t>(q.getColumn(1).getInt64()));
  };
  group("r.stage", s.by_stage);
  group("r.subject", s.by_subject);
  group("r.edition", s.by_edition);
  group("b.publisher_code", s.by_publisher);
  return s;
  });
}

Result<std::set<std::string>> Catalog::referenced_blobs() const {
  return guarded("cannot read the catalogue", [&]() -> Result<std::set<std::string>> {
  std::set<std::string> out;
  // Renditions count while the video they were made from is still referenced.
  SQLite::Statement q(*m_db, "SELECT sha256 FROM files WHERE sha256 <> '' UNION " + std::string(k_live_renditions));
  while (q.executeStep()) out.insert(text(q, 0));
  return out;
  });
}

Result<std::vector<std::pair<std::string, std::uint64_t>>> Catalog::referenced_blob_sizes() const {
  return guarded("cannot read the catalogue", [&]() -> Result<std::vector<std::pair<std::string, std::uint64_t>>> {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  SQLite::Statement q(*m_db, "SELECT sha256, max(size) FROM (SELECT sha256, size FROM files WHERE sha256 <> '' UNION ALL " +
                                 std::string(k_live_rendition_sizes) + ") GROUP BY sha256 ORDER BY sha256");
  while (q.executeStep()) out.emplace_back(text(q, 0), static_cast<std::uint64_t>(q.getColumn(1).getInt64()));
  return out;
  });
}

Result<std::vector<BlobUse>> Catalog::blob_uses(const std::vector<std::string>& sha256s) const {
  return guarded("cannot read the catalogue", [&]() -> Result<std::vector<BlobUse>> {
    std::vector<BlobUse> out;
    SQLite::Statement q(*m_db,
                        "SELECT f.sha256, b.publisher_code, b.package_id, r.revision, f.path, r.source_path "
                        "FROM files f JOIN revisions r ON r.id = f.revision_id JOIN books b ON b.id = r.book_id "
                        "WHERE f.sha256 = ? ORDER BY b.publisher_code, b.package_id, r.revision, f.path");
    for (const auto& sha : sha256s) {
      q.bind(1, sha);
      while (q.executeStep())
        out.push_back({text(q, 0), {text(q, 1), text(q, 2)}, q.getColumn(3).getInt64(), text(q, 4), text(q, 5)});
      q.reset();
    }
    return out;
  });
}

Result<std::vector<BookDigest>> Catalog::current_digests() const {
  return guarded("cannot read the catalogue", [&]() -> Result<std::vector<BookDigest>> {
    SQLite::Statement q(*m_db,
                        "SELECT b.publisher_code, b.package_id, r.digest FROM books b "
                        "JOIN revisions r ON r.book_id = b.id AND r.revision = b.current_revision "
                        "ORDER BY b.publisher_code, b.package_id");
    std::vector<BookDigest> out;
    while (q.executeStep()) out.push_back({{text(q, 0), text(q, 1)}, text(q, 2)});
    return out;
  });
}

}  // namespace eductl
