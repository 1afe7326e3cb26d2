#include "core/usage/resolve.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include "core/catalog/schema.hpp"
#include "core/db/sqlite.hpp"

namespace eductl::usage {
namespace {

constexpr std::string_view k_catalog_tables[] = {"books", "revisions", "files", "units", "lessons", "resources"};
const db::Schema k_catalog{"catalogue", catalog_migrations(), "import something first ('eductl import PACKAGE')",
                           k_catalog_tables};

constexpr std::string_view k_mapping_keys[] = {"book",    "lesson", "kind",      "subject",
                                               "grade",   "stage",  "edition",   "publisher"};

bool is_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string grade_text(const SQLite::Column& from, const SQLite::Column& to) {
  if (from.isNull()) return {};
  const long long a = from.getInt64(), b = to.isNull() ? a : to.getInt64();
  return a == b ? std::to_string(a) : std::to_string(a) + "-" + std::to_string(b);
}

}  // namespace

std::string_view blob_sha(std::string_view path) {
  // ".../objects/ab/cd/<64 hex>": 9 + 3 + 3 + 64 characters at the end.
  constexpr std::size_t k_tail = 9 + 3 + 3 + 64;
  if (path.size() < k_tail) return {};
  const std::string_view t = path.substr(path.size() - k_tail);
  if (t.substr(0, 9) != "/objects/" || t[11] != '/' || t[14] != '/') return {};
  const std::string_view sha = t.substr(15);
  if (!is_hex(sha) || t.substr(9, 2) != sha.substr(0, 2) || t.substr(12, 2) != sha.substr(2, 2)) return {};
  return sha;
}

Result<std::vector<MappingRule>> parse_mapping(std::string_view text, const std::string& file) {
  std::vector<MappingRule> rules;
  std::size_t line_no = 0;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    MappingRule r;
    r.line = line_no;
    std::size_t tab = line.find('\t');
    r.pattern = std::string(line.substr(0, tab));
    if (r.pattern.empty() || r.pattern[0] != '/')
      return make_error(ErrorKind::bad_input, "line " + std::to_string(line_no) + ": the pattern must start with '/'", file);
    if (r.pattern.back() == '*') {
      r.pattern.pop_back();
      r.prefix = true;
    } else if (r.pattern.back() == '/') {
      r.prefix = true;
    }
    while (tab != std::string_view::npos) {
      line = line.substr(tab + 1);
      tab = line.find('\t');
      const std::string_view kv = line.substr(0, tab);
      const std::size_t eq = kv.find('=');
      const std::string_view key = kv.substr(0, eq);
      bool known = false;
      for (std::string_view k : k_mapping_keys) known = known || k == key;
      if (eq == std::string_view::npos || !known)
        return make_error(ErrorKind::bad_input,
                          "line " + std::to_string(line_no) + ": expected KEY=VALUE with KEY one of book, lesson, kind, "
                          "subject, grade, stage, edition, publisher",
                          file);
      r.fields[std::string(key)] = std::string(kv.substr(eq + 1));
    }
    if (r.fields.empty())
      return make_error(ErrorKind::bad_input, "line " + std::to_string(line_no) + ": a pattern without fields", file);
    rules.push_back(std::move(r));
  }
  return rules;
}

struct Resolver::Impl {
  db::Handle db;
  std::vector<MappingRule> mapping;
  std::unique_ptr<SQLite::Statement> by_sha, lesson_of, by_book, lesson_by_key;

  void fill_from_revision(SQLite::Statement& q, Entity& e) {
    // columns: subject, grade_from, grade_to, stage, edition, publisher_code, package_id, title
    e.subject = q.getColumn(0).getString();
    e.grade = grade_text(q.getColumn(1), q.getColumn(2));
    e.stage = q.getColumn(3).getString();
    e.edition = q.getColumn(4).getString();
    e.publisher = q.getColumn(5).getString();
    const std::string code = e.publisher, id = q.getColumn(6).getString();
    e.book = code.empty() ? id : code + "/" + id;
    e.title = q.getColumn(7).getString();
  }
};

Resolver::Resolver() : m(std::make_unique<Impl>()) {}
Resolver::Resolver(Resolver&&) noexcept = default;
Resolver& Resolver::operator=(Resolver&&) noexcept = default;
Resolver::~Resolver() = default;
bool Resolver::has_catalog() const { return m->db != nullptr; }

Result<Resolver> Resolver::open(const std::filesystem::path& catalog_file, std::vector<MappingRule> mapping) {
  Resolver r;
  r.m->mapping = std::move(mapping);
  auto h = db::open(catalog_file, db::Access::read_only, k_catalog);
  if (!h) {
    if (db::is_absent(h.error(), k_catalog)) return r;  // no catalogue: region and time dimensions only
    return h.error();
  }
  r.m->db = std::move(h).value();
  return db::guarded("cannot read the catalogue", catalog_file, [&]() -> Result<Resolver> {
    // A blob shared by several books counts for the current revision of the oldest book.
    r.m->by_sha = std::make_unique<SQLite::Statement>(
        *r.m->db, "SELECT r.subject, r.grade_from, r.grade_to, r.stage, r.edition, b.publisher_code, b.package_id, r.title, "
                  "r.id, f.path, f.role FROM files f "
                  "JOIN revisions r ON r.id = f.revision_id JOIN books b ON b.id = r.book_id WHERE f.sha256 = ? "
                  "ORDER BY (r.revision = b.current_revision) DESC, b.id, r.id LIMIT 1");
    r.m->lesson_of = std::make_unique<SQLite::Statement>(
        *r.m->db, "SELECT MIN(l.lesson_key), MIN(res.kind), MAX(res.kind), COUNT(DISTINCT l.id) FROM resources res "
                  "JOIN lessons l ON l.id = res.lesson_id JOIN units u ON u.id = l.unit_id "
                  "WHERE u.revision_id = ? AND res.file_path = ?");
    r.m->by_book = std::make_unique<SQLite::Statement>(
        *r.m->db, "SELECT r.subject, r.grade_from, r.grade_to, r.stage, r.edition, b.publisher_code, b.package_id, r.title, "
                  "r.id FROM books b JOIN revisions r ON r.book_id = b.id "
                  "AND r.revision = b.current_revision WHERE (b.publisher_code || '/' || b.package_id) = ? "
                  "OR (b.package_id = ? AND b.publisher_code = '') LIMIT 1");
    return std::move(r);
  });
}

Result<Entity> Resolver::resolve(std::string_view path) {
  Entity e;
  return db::guarded("cannot read the catalogue", {}, [&]() -> Result<Entity> {
    if (m->db) {
      if (const std::string_view sha = blob_sha(path); !sha.empty()) {
        auto& q = *m->by_sha;
        q.reset();
        q.bind(1, std::string(sha));
        if (q.executeStep()) {
          m->fill_from_revision(q, e);
          const std::int64_t rev = q.getColumn(8).getInt64();
          const std::string file_path = q.getColumn(9).getString();
          e.resource_kind = q.getColumn(10).getString();
          auto& l = *m->lesson_of;
          l.reset();
          l.bind(1, static_cast<std::int64_t>(rev));
          l.bind(2, file_path);
          // A file several lessons share (the textbook PDF with page ranges) belongs to
          // no single lesson; its kind counts when all of them agree.
          if (l.executeStep() && l.getColumn(3).getInt64() > 0) {
            if (l.getColumn(3).getInt64() == 1) e.lesson = e.book + "#" + l.getColumn(0).getString();
            if (l.getColumn(1).getString() == l.getColumn(2).getString()) e.resource_kind = l.getColumn(1).getString();
          }
          return e;
        }
      }
    }
    if (path.starts_with(k_event_prefix)) {
      std::string_view rest = path.substr(k_event_prefix.size());
      const std::size_t t1 = rest.find('\t'), t2 = rest.find('\t', t1 == std::string_view::npos ? rest.size() : t1 + 1);
      e.book = std::string(rest.substr(0, t1));
      const std::string lesson = t1 == std::string_view::npos ? std::string() : std::string(rest.substr(t1 + 1, t2 - t1 - 1));
      e.resource_kind = t2 == std::string_view::npos ? std::string() : std::string(rest.substr(t2 + 1));
      if (m->db) {
        auto& q = *m->by_book;
        q.reset();
        q.bind(1, e.book);
        q.bind(2, e.book);
        if (q.executeStep()) {
          const std::string book = e.book;
          m->fill_from_revision(q, e);
          e.book = book.find('/') == std::string::npos ? e.book : book;
        }
      }
      if (!lesson.empty()) e.lesson = e.book + "#" + lesson;
      return e;
    }
    // The longest matching mapping rule.
    const MappingRule* best = nullptr;
    for (const MappingRule& r : m->mapping) {
      const bool hit = r.prefix ? path.substr(0, r.pattern.size()) == r.pattern : path == r.pattern;
      if (hit && (!best || r.pattern.size() > best->pattern.size())) best = &r;
    }
    if (!best) return e;
    auto get = [&](const char* k) -> std::string {
      auto it = best->fields.find(k);
      return it == best->fields.end() ? std::string() : it->second;
    };
    if (const std::string book = get("book"); !book.empty()) {
      e.book = book;
      if (m->db) {
        auto& q = *m->by_book;
        q.reset();
        q.bind(1, book);
        q.bind(2, book);
        if (q.executeStep()) m->fill_from_revision(q, e);
      }
    }
    if (const std::string lesson = get("lesson"); !lesson.empty()) e.lesson = e.book.empty() ? lesson : e.book + "#" + lesson;
    // Fields given in the rule win over what the catalogue says.
    for (auto [key, field] : {std::pair{"kind", &e.resource_kind}, {"subject", &e.subject}, {"grade", &e.grade},
                              {"stage", &e.stage}, {"edition", &e.edition}, {"publisher", &e.publisher}})
      if (const std::string v = get(key); !v.empty()) *field = v;
    return e;
  });
}

}  // namespace eductl::usage
