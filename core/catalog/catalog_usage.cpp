// The catalogue read for usage reports: which book, lesson and resource kind a blob or a
// book reference stands for (core/usage/resolve.cpp turns request paths into these).
#include <SQLiteCpp/SQLiteCpp.h>

#include <string>
#include <string_view>

#include "core/catalog/catalog.hpp"
#include "core/db/sqlite.hpp"

namespace eductl {
namespace {

constexpr std::string_view k_revision_columns =
    "SELECT r.subject, r.grade_from, r.grade_to, r.stage, r.edition, b.publisher_code, b.package_id, r.title, r.id";

// The revision columns (read by revision_facts) followed by the rest of a query.
std::string revision_query(std::string_view rest) {
  std::string sql;
  sql.reserve(k_revision_columns.size() + rest.size());
  sql.append(k_revision_columns).append(rest);
  return sql;
}

std::string grade_text(const SQLite::Column& from, const SQLite::Column& to) {
  if (from.isNull()) return {};
  const long long a = from.getInt64(), b = to.isNull() ? a : to.getInt64();
  return a == b ? std::to_string(a) : std::to_string(a) + "-" + std::to_string(b);
}

UsageFacts revision_facts(SQLite::Statement& q) {
  UsageFacts f;
  f.subject = q.getColumn(0).getString();
  f.grade = grade_text(q.getColumn(1), q.getColumn(2));
  f.stage = q.getColumn(3).getString();
  f.edition = q.getColumn(4).getString();
  f.publisher_code = q.getColumn(5).getString();
  f.package_id = q.getColumn(6).getString();
  f.title = q.getColumn(7).getString();
  return f;
}

}  // namespace

Result<std::optional<UsageFacts>> Catalog::usage_facts_of_blob(const std::string& sha256) const {
  return db::guarded("cannot read the catalogue", m_file, [&]() -> Result<std::optional<UsageFacts>> {
    SQLite::Statement q(*m_db, revision_query(", f.path, f.role FROM files f JOIN revisions r ON r.id = f.revision_id "
                                              "JOIN books b ON b.id = r.book_id WHERE f.sha256 = ? "
                                              "ORDER BY (r.revision = b.current_revision) DESC, b.id, r.id LIMIT 1"));
    q.bind(1, sha256);
    if (!q.executeStep()) return std::optional<UsageFacts>();
    UsageFacts f = revision_facts(q);
    const std::int64_t revision = q.getColumn(8).getInt64();
    const std::string path = q.getColumn(9).getString();
    f.resource_kind = q.getColumn(10).getString();
    // A file several lessons share (the textbook PDF with page ranges) belongs to no
    // single lesson; its kind counts when all of them agree.
    SQLite::Statement l(*m_db,
                        "SELECT MIN(l.lesson_key), MIN(res.kind), MAX(res.kind), COUNT(DISTINCT l.id) FROM resources res "
                        "JOIN lessons l ON l.id = res.lesson_id JOIN units u ON u.id = l.unit_id "
                        "WHERE u.revision_id = ? AND res.file_path = ?");
    l.bind(1, static_cast<std::int64_t>(revision));
    l.bind(2, path);
    if (l.executeStep() && l.getColumn(3).getInt64() > 0) {
      if (l.getColumn(3).getInt64() == 1) f.lesson_key = l.getColumn(0).getString();
      if (l.getColumn(1).getString() == l.getColumn(2).getString()) f.resource_kind = l.getColumn(1).getString();
    }
    return std::optional<UsageFacts>(std::move(f));
  });
}

Result<std::optional<UsageFacts>> Catalog::usage_facts_of_book(const std::string& book) const {
  return db::guarded("cannot read the catalogue", m_file, [&]() -> Result<std::optional<UsageFacts>> {
    SQLite::Statement q(*m_db, revision_query(" FROM books b JOIN revisions r ON r.book_id = b.id AND r.revision = "
                                              "b.current_revision WHERE (b.publisher_code || '/' || b.package_id) = ? "
                                              "OR (b.package_id = ? AND b.publisher_code = '') LIMIT 1"));
    q.bind(1, book);
    q.bind(2, book);
    if (!q.executeStep()) return std::optional<UsageFacts>();
    return std::optional<UsageFacts>(revision_facts(q));
  });
}

}  // namespace eductl
