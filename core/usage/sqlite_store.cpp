// The aggregate store in <data>/usage.sqlite (see aggregate_store.hpp).
#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <tuple>

#include "core/db/sqlite.hpp"
#include "core/usage/aggregate_store.hpp"
#include "core/usage/log_line.hpp"
#include "core/util/fs.hpp"

namespace eductl::usage {
namespace {

constexpr std::string_view k_migrations[] = {
    R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE paths (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE);
-- day: days since 1970-01-01 in the log's own offset; province/city: GB/T 2260, 0 = unknown
CREATE TABLE cells (
  day INTEGER NOT NULL, province INTEGER NOT NULL, city INTEGER NOT NULL, path_id INTEGER NOT NULL,
  views INTEGER NOT NULL, bytes INTEGER NOT NULL, lines INTEGER NOT NULL, watch_seconds INTEGER NOT NULL,
  PRIMARY KEY (day, province, city, path_id)) WITHOUT ROWID;
-- client: keyed hash (SipHash-2-4 with the secret in meta) of the address
CREATE TABLE visitors (
  day INTEGER NOT NULL, province INTEGER NOT NULL, city INTEGER NOT NULL, path_id INTEGER NOT NULL,
  client INTEGER NOT NULL,
  PRIMARY KEY (day, province, city, path_id, client)) WITHOUT ROWID;
CREATE TABLE line_counts (day INTEGER NOT NULL, class TEXT NOT NULL, n INTEGER NOT NULL,
  PRIMARY KEY (day, class)) WITHOUT ROWID;
CREATE TABLE windows (client INTEGER NOT NULL, path_id INTEGER NOT NULL, last INTEGER NOT NULL,
  PRIMARY KEY (client, path_id)) WITHOUT ROWID;
CREATE TABLE files (
  id INTEGER PRIMARY KEY, head_len INTEGER NOT NULL, head_hash TEXT NOT NULL, offset INTEGER NOT NULL,
  lines INTEGER NOT NULL, device INTEGER NOT NULL, inode INTEGER NOT NULL, size INTEGER NOT NULL,
  name TEXT NOT NULL, ingested_at TEXT NOT NULL);
CREATE INDEX files_head ON files(head_len, head_hash);
)sql",
    // 2: no key outlives its day. A key per day (day_keys) while the day is open; a closed
    // day's visitors are numbers 1..n (closed_visitors). The one secret of version 1 keys
    // the days it hashed until the next ingest closes them. Windows become whole views
    // (first and last line, the view's day and region) so that files join in any order;
    // the old ones (last line only) cannot be converted and go.
    R"sql(
CREATE TABLE day_keys (day INTEGER PRIMARY KEY, key BLOB NOT NULL);
INSERT INTO day_keys SELECT DISTINCT v.day, m.value FROM visitors v JOIN meta m ON m.key = 'secret';
DELETE FROM meta WHERE key = 'secret';
CREATE TABLE closed_visitors (
  day INTEGER NOT NULL, province INTEGER NOT NULL, city INTEGER NOT NULL, path_id INTEGER NOT NULL,
  visitor INTEGER NOT NULL,
  PRIMARY KEY (day, province, city, path_id, visitor)) WITHOUT ROWID;
DROP TABLE windows;
CREATE TABLE windows (client INTEGER NOT NULL, path_id INTEGER NOT NULL, first INTEGER NOT NULL,
  last INTEGER NOT NULL, day INTEGER NOT NULL, province INTEGER NOT NULL, city INTEGER NOT NULL,
  PRIMARY KEY (client, path_id, first)) WITHOUT ROWID;
)sql",
};
constexpr std::string_view k_tables[] = {"meta",    "paths", "cells",     "visitors",       "line_counts",
                                         "windows", "files", "day_keys", "closed_visitors"};
// Sums saturate at 2^63-1 instead of wrapping (or turning into floating point).
constexpr std::string_view k_saturated_bytes =
    "bytes = CASE WHEN bytes > 9223372036854775807 - excluded.bytes THEN 9223372036854775807 "
    "ELSE bytes + excluded.bytes END";
const db::Schema k_schema{"usage data", k_migrations, "ingest a log first ('eductl usage ingest LOG')", k_tables,
                          "run 'eductl usage ingest' once (it brings usage.sqlite up to date)"};

std::int64_t as_i64(std::uint64_t v) {
  std::int64_t r;
  std::memcpy(&r, &v, sizeof r);
  return r;
}
std::uint64_t as_u64(std::int64_t v) {
  std::uint64_t r;
  std::memcpy(&r, &v, sizeof r);
  return r;
}

std::string now_text() {
  char buf[32];
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// WHERE clause over day and province for the filter, with ? placeholders bound by bind_filter.
std::string where_clause(const QueryFilter& f, bool with_province = true) {
  std::string w = " WHERE 1";
  if (f.since) w += " AND day >= ?";
  if (f.until) w += " AND day <= ?";
  if (with_province && !f.provinces.empty()) {
    w += " AND province IN (";
    for (std::size_t i = 0; i < f.provinces.size(); ++i) w += i ? ",?" : "?";
    w += ")";
  }
  return w;
}
void bind_filter(SQLite::Statement& q, const QueryFilter& f, bool with_province = true, std::size_t first = 1) {
  int i = static_cast<int>(first);
  if (f.since) q.bind(i++, static_cast<std::int64_t>(*f.since));
  if (f.until) q.bind(i++, static_cast<std::int64_t>(*f.until));
  if (with_province)
    for (std::uint32_t p : f.provinces) q.bind(i++, static_cast<std::int64_t>(p));
}

class SqliteStore final : public AggregateStore {
 public:
  SqliteStore(db::Handle db, std::filesystem::path file) : m_db(std::move(db)), m_file(std::move(file)) {}

  template <class F>
  auto guarded(std::string_view what, F&& body) -> decltype(body()) {
    return db::guarded(what, m_file, std::forward<F>(body));
  }

  Result<std::vector<std::pair<std::int64_t, DayKey>>> day_keys() override {
    return guarded("cannot read the day keys", [&]() -> Result<std::vector<std::pair<std::int64_t, DayKey>>> {
      std::vector<std::pair<std::int64_t, DayKey>> out;
      SQLite::Statement q(*m_db, "SELECT day, key FROM day_keys");
      while (q.executeStep()) {
        DayKey key{};
        if (q.getColumn(1).getBytes() != static_cast<int>(key.size()))
          return make_error(ErrorKind::bad_input, "a day key of the wrong size (damaged usage data)", m_file.string());
        std::memcpy(key.data(), q.getColumn(1).getBlob(), key.size());
        out.emplace_back(q.getColumn(0).getInt64(), key);
      }
      return out;
    });
  }

  Result<std::int64_t> newest_time() override {
    return guarded("cannot read the usage state", [&]() -> Result<std::int64_t> {
      SQLite::Statement q(*m_db, "SELECT value FROM meta WHERE key = 'newest_time'");
      return q.executeStep() ? static_cast<std::int64_t>(q.getColumn(0).getInt64()) : std::int64_t{0};
    });
  }

  Result<std::vector<WindowEntry>> windows() override {
    return guarded("cannot read the open view windows", [&]() -> Result<std::vector<WindowEntry>> {
      std::vector<WindowEntry> out;
      SQLite::Statement q(*m_db, "SELECT client, path_id, first, last, day, province, city FROM windows");
      while (q.executeStep())
        out.push_back({as_u64(q.getColumn(0).getInt64()), q.getColumn(1).getInt64(), q.getColumn(2).getInt64(),
                       q.getColumn(3).getInt64(), q.getColumn(4).getInt64(),
                       static_cast<std::uint32_t>(q.getColumn(5).getInt64()),
                       static_cast<std::uint32_t>(q.getColumn(6).getInt64())});
      return out;
    });
  }

  Result<std::vector<std::pair<std::string, std::int64_t>>> paths() override {
    return guarded("cannot read the usage paths", [&]() -> Result<std::vector<std::pair<std::string, std::int64_t>>> {
      std::vector<std::pair<std::string, std::int64_t>> out;
      SQLite::Statement q(*m_db, "SELECT path, id FROM paths");
      while (q.executeStep()) out.emplace_back(q.getColumn(0).getString(), q.getColumn(1).getInt64());
      return out;
    });
  }

  Result<std::vector<FileRecord>> files() override {
    return guarded("cannot read the ingested files", [&]() -> Result<std::vector<FileRecord>> {
      std::vector<FileRecord> out;
      SQLite::Statement q(*m_db,
                          "SELECT id, head_len, head_hash, offset, lines, device, inode, size, name FROM files ORDER BY id");
      while (q.executeStep()) {
        FileRecord r;
        r.id = q.getColumn(0).getInt64();
        r.head_len = static_cast<std::uint64_t>(q.getColumn(1).getInt64());
        r.head_hash = q.getColumn(2).getString();
        r.offset = static_cast<std::uint64_t>(q.getColumn(3).getInt64());
        r.lines = static_cast<std::uint64_t>(q.getColumn(4).getInt64());
        r.device = static_cast<std::uint64_t>(q.getColumn(5).getInt64());
        r.inode = static_cast<std::uint64_t>(q.getColumn(6).getInt64());
        r.size = static_cast<std::uint64_t>(q.getColumn(7).getInt64());
        r.name = q.getColumn(8).getString();
        out.push_back(std::move(r));
      }
      return out;
    });
  }

  Status begin() override {
    return guarded("cannot start a usage transaction", [&]() -> Status {
      m_db->exec("BEGIN IMMEDIATE");
      m_in_tx = true;
      return ok_status();
    });
  }

  Result<std::int64_t> add_path(std::string_view path) override {
    return guarded("cannot record a path", [&]() -> Result<std::int64_t> {
      if (!m_add_path) m_add_path = std::make_unique<SQLite::Statement>(*m_db, "INSERT INTO paths(path) VALUES (?)");
      m_add_path->reset();
      m_add_path->bind(1, path.data(), static_cast<int>(path.size()));
      m_add_path->exec();
      return static_cast<std::int64_t>(m_db->getLastInsertRowid());
    });
  }

  Status add_cells(const std::vector<std::pair<CellKey, CellValues>>& cells) override {
    return guarded("cannot write usage figures", [&]() -> Status {
      SQLite::Statement q(*m_db,
                          "INSERT INTO cells VALUES (?,?,?,?,?,?,?,?) ON CONFLICT DO UPDATE SET views = views + "
                          "excluded.views, " + std::string(k_saturated_bytes) + ", lines = lines + excluded.lines, "
                          "watch_seconds = watch_seconds + excluded.watch_seconds");
      for (const auto& [k, v] : cells) {
        q.reset();
        q.bind(1, static_cast<std::int64_t>(k.day));
        q.bind(2, static_cast<std::int64_t>(k.province));
        q.bind(3, static_cast<std::int64_t>(k.city));
        q.bind(4, static_cast<std::int64_t>(k.path_id));
        q.bind(5, static_cast<std::int64_t>(v.views));
        q.bind(6, static_cast<std::int64_t>(std::min(v.bytes, k_max_sum)));
        q.bind(7, static_cast<std::int64_t>(v.lines));
        q.bind(8, static_cast<std::int64_t>(v.watch_seconds));
        q.exec();
      }
      return ok_status();
    });
  }

  Status add_visitors(const std::vector<VisitorKey>& keys) override {
    return guarded("cannot write visitors", [&]() -> Status {
      SQLite::Statement q(*m_db, "INSERT OR IGNORE INTO visitors VALUES (?,?,?,?,?)");
      for (const VisitorKey& k : keys) {
        q.reset();
        q.bind(1, static_cast<std::int64_t>(k.cell.day));
        q.bind(2, static_cast<std::int64_t>(k.cell.province));
        q.bind(3, static_cast<std::int64_t>(k.cell.city));
        q.bind(4, static_cast<std::int64_t>(k.cell.path_id));
        q.bind(5, static_cast<std::int64_t>(as_i64(k.client)));
        q.exec();
      }
      return ok_status();
    });
  }

  Status add_line_counts(const std::vector<std::pair<std::int64_t, LineCounts>>& by_day) override {
    return guarded("cannot write line counts", [&]() -> Status {
      SQLite::Statement q(*m_db, "INSERT INTO line_counts VALUES (?,?,?) ON CONFLICT DO UPDATE SET n = n + excluded.n");
      for (const auto& [day, counts] : by_day)
        for (std::size_t c = 0; c < counts.size(); ++c) {
          if (!counts[c]) continue;
          q.reset();
          q.bind(1, static_cast<std::int64_t>(day));
          q.bind(2, std::string(to_string(static_cast<LineClass>(c))));
          q.bind(3, static_cast<std::int64_t>(counts[c]));
          q.exec();
        }
      return ok_status();
    });
  }

  Status replace_windows(const std::vector<WindowEntry>& windows, std::int64_t newest) override {
    return guarded("cannot save the open view windows", [&]() -> Status {
      m_db->exec("DELETE FROM windows");
      SQLite::Statement q(*m_db, "INSERT INTO windows VALUES (?,?,?,?,?,?,?)");
      for (const WindowEntry& w : windows) {
        q.reset();
        q.bind(1, static_cast<std::int64_t>(as_i64(w.client)));
        q.bind(2, static_cast<std::int64_t>(w.path_id));
        q.bind(3, static_cast<std::int64_t>(w.first));
        q.bind(4, static_cast<std::int64_t>(w.last));
        q.bind(5, static_cast<std::int64_t>(w.day));
        q.bind(6, static_cast<std::int64_t>(w.province));
        q.bind(7, static_cast<std::int64_t>(w.city));
        q.exec();
      }
      SQLite::Statement m(*m_db, "INSERT OR REPLACE INTO meta(key, value) VALUES ('newest_time', ?)");
      m.bind(1, static_cast<std::int64_t>(newest));
      m.exec();
      return ok_status();
    });
  }

  Status save_file(const FileRecord& r) override {
    return guarded("cannot record the file's progress", [&]() -> Status {
      SQLite::Statement q(*m_db, r.id ? "UPDATE files SET head_len=?, head_hash=?, offset=?, lines=?, device=?, inode=?, "
                                        "size=?, name=?, ingested_at=? WHERE id=?"
                                      : "INSERT INTO files(head_len, head_hash, offset, lines, device, inode, size, "
                                        "name, ingested_at) VALUES (?,?,?,?,?,?,?,?,?)");
      q.bind(1, static_cast<std::int64_t>(r.head_len));
      q.bind(2, r.head_hash);
      q.bind(3, static_cast<std::int64_t>(r.offset));
      q.bind(4, static_cast<std::int64_t>(r.lines));
      q.bind(5, static_cast<std::int64_t>(r.device));
      q.bind(6, static_cast<std::int64_t>(r.inode));
      q.bind(7, static_cast<std::int64_t>(r.size));
      q.bind(8, r.name);
      q.bind(9, now_text());
      if (r.id) q.bind(10, static_cast<std::int64_t>(r.id));
      q.exec();
      return ok_status();
    });
  }

  Status save_day_key(std::int64_t day, const DayKey& key) override {
    return guarded("cannot save a day key", [&]() -> Status {
      SQLite::Statement q(*m_db, "INSERT OR REPLACE INTO day_keys(day, key) VALUES (?, ?)");
      q.bind(1, static_cast<std::int64_t>(day));
      q.bind(2, key.data(), static_cast<int>(key.size()));
      q.exec();
      return ok_status();
    });
  }

  Status close_days_through(std::int64_t last_day) override {
    return guarded("cannot close past days", [&]() -> Status {
      // The rank of a hash among its day's distinct hashes says nothing of the address
      // once the key is gone; numbers continue after those of a day closed before. The
      // ranks go through an indexed temporary table: joining the window query directly
      // is quadratic.
      m_db->exec("CREATE TEMP TABLE IF NOT EXISTS closing_base (day INTEGER PRIMARY KEY, top INTEGER NOT NULL)");
      m_db->exec("CREATE TEMP TABLE IF NOT EXISTS closing (day INTEGER NOT NULL, client INTEGER NOT NULL, "
                 "n INTEGER NOT NULL, PRIMARY KEY (day, client)) WITHOUT ROWID");
      m_db->exec("DELETE FROM temp.closing_base");
      m_db->exec("DELETE FROM temp.closing");
      for (const char* sql :
           {"INSERT INTO temp.closing_base SELECT day, MAX(visitor) FROM closed_visitors WHERE day <= ?1 GROUP BY day",
            "INSERT INTO temp.closing SELECT d.day, d.client, ROW_NUMBER() OVER (PARTITION BY d.day ORDER BY d.client) "
            "+ COALESCE(b.top, 0) FROM (SELECT DISTINCT day, client FROM visitors WHERE day <= ?1) d "
            "LEFT JOIN temp.closing_base b ON b.day = d.day",
            "INSERT INTO closed_visitors SELECT v.day, v.province, v.city, v.path_id, c.n FROM visitors v "
            "JOIN temp.closing c ON c.day = v.day AND c.client = v.client WHERE v.day <= ?1"}) {
        SQLite::Statement q(*m_db, sql);
        q.bind(1, static_cast<std::int64_t>(last_day));
        q.exec();
      }
      m_db->exec("DELETE FROM temp.closing_base");
      m_db->exec("DELETE FROM temp.closing");
      for (const char* sql : {"DELETE FROM visitors WHERE day <= ?", "DELETE FROM day_keys WHERE day <= ?",
                              "DELETE FROM windows WHERE day <= ?"}) {
        SQLite::Statement q(*m_db, sql);
        q.bind(1, static_cast<std::int64_t>(last_day));
        q.exec();
      }
      return ok_status();
    });
  }

  Status commit() override {
    return guarded("cannot commit usage figures", [&]() -> Status {
      m_add_path.reset();
      m_db->exec("COMMIT");
      m_in_tx = false;
      return ok_status();
    });
  }

  void rollback() override {
    m_add_path.reset();
    if (!m_in_tx) return;
    m_in_tx = false;
    try {
      m_db->exec("ROLLBACK");
    } catch (const std::exception&) {
      // The transaction is gone already (SQLite rolls back on some errors by itself).
    }
  }

  Status for_each_cell(const QueryFilter& f, const std::function<void(const CellKey&, const CellValues&)>& fn) override {
    return guarded("cannot read usage figures", [&]() -> Status {
      SQLite::Statement q(*m_db, "SELECT day, province, city, path_id, views, bytes, lines, watch_seconds FROM cells" +
                                     where_clause(f));
      bind_filter(q, f);
      while (q.executeStep()) {
        CellKey k{q.getColumn(0).getInt64(), static_cast<std::uint32_t>(q.getColumn(1).getInt64()),
                  static_cast<std::uint32_t>(q.getColumn(2).getInt64()), q.getColumn(3).getInt64()};
        CellValues v{q.getColumn(4).getInt64(),
                     static_cast<std::uint64_t>(q.getColumn(5).getInt64()),
                     static_cast<std::uint64_t>(q.getColumn(6).getInt64()),
                     static_cast<std::uint64_t>(q.getColumn(7).getInt64())};
        fn(k, v);
      }
      return ok_status();
    });
  }

  Status for_each_visitor(const QueryFilter& f, const std::function<void(const VisitorKey&)>& fn) override {
    return guarded("cannot read visitors", [&]() -> Status {
      // Open days hold hashes, closed days numbers; a day is never in both after a commit.
      const std::string w = where_clause(f);
      SQLite::Statement q(*m_db, "SELECT day, province, city, path_id, client FROM visitors" + w +
                                     " UNION ALL SELECT day, province, city, path_id, visitor FROM closed_visitors" + w);
      bind_filter(q, f);
      bind_filter(q, f, true, f.since.has_value() + f.until.has_value() + f.provinces.size() + 1);
      while (q.executeStep()) {
        VisitorKey k{{q.getColumn(0).getInt64(), static_cast<std::uint32_t>(q.getColumn(1).getInt64()),
                      static_cast<std::uint32_t>(q.getColumn(2).getInt64()), q.getColumn(3).getInt64()},
                     as_u64(q.getColumn(4).getInt64())};
        fn(k);
      }
      return ok_status();
    });
  }

  Result<LineCounts> line_counts(const QueryFilter& f) override {
    return guarded("cannot read line counts", [&]() -> Result<LineCounts> {
      LineCounts out{};
      // Line classes have no region: a province filter does not narrow them.
      SQLite::Statement q(*m_db, "SELECT class, SUM(n) FROM line_counts" + where_clause(f, false) +
                                     (f.since || f.until ? " AND day != " + std::to_string(k_no_day) : std::string()) +
                                     " GROUP BY class");
      bind_filter(q, f, false);
      while (q.executeStep()) {
        const std::string c = q.getColumn(0).getString();
        for (int i = 0; i < k_line_classes; ++i)
          if (to_string(static_cast<LineClass>(i)) == c) out[static_cast<std::size_t>(i)] = static_cast<std::uint64_t>(q.getColumn(1).getInt64());
      }
      return out;
    });
  }

 private:
  db::Handle m_db;
  std::filesystem::path m_file;
  std::unique_ptr<SQLite::Statement> m_add_path;
  bool m_in_tx = false;
};

}  // namespace

bool VisitorKey::operator<(const VisitorKey& o) const {
  return std::tie(cell.day, cell.province, cell.city, cell.path_id, client) <
         std::tie(o.cell.day, o.cell.province, o.cell.city, o.cell.path_id, o.client);
}

Result<std::unique_ptr<AggregateStore>> open_sqlite_store(const std::filesystem::path& file, Access access) {
  if (access == Access::read_write) {
    // Created 0600 before SQLite sees it: it holds the keys of the client hashes
    // (SQLite gives the -wal and -shm files the same mode).
    if (auto st = make_dirs(file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path()); !st)
      return st.error();
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return make_error(ErrorKind::internal, "cannot create the usage data: " + errno_text(errno), file.string());
    ::close(fd);
  }
  auto h = db::open(file, access, k_schema);
  if (!h) return h.error();
  return std::unique_ptr<AggregateStore>(std::make_unique<SqliteStore>(std::move(h).value(), file));
}

bool is_absent_store(const Error& e) { return db::is_absent(e, k_schema); }

}  // namespace eductl::usage
