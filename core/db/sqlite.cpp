#include "core/db/sqlite.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>

#include "core/util/fs.hpp"

namespace eductl::db {
namespace fs = std::filesystem;

namespace {

constexpr int k_busy_timeout_ms = 5000;

// A WAL database can be read without writing only where SQLite may create (or already
// finds) its -shm index; elsewhere (read-only mount, a folder the user cannot write)
// the file is opened as immutable, which takes no locks and reads the main file only.
bool needs_immutable(const fs::path& file) {
  std::error_code ec;
  const fs::path dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
  if (fs::exists(fs::path(file.string() + "-shm"), ec)) return ::access((file.string() + "-shm").c_str(), W_OK) != 0;
  return ::access(dir.c_str(), W_OK) != 0;
}

bool has_pending_wal(const fs::path& file) {
  std::error_code ec;
  const auto size = fs::file_size(fs::path(file.string() + "-wal"), ec);
  return !ec && size > 0;
}

std::string uri_escape(const std::string& path) {
  std::string out;
  for (unsigned char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string absent_message(const Schema& schema) {
  return "no " + std::string(schema.name) + " here yet; " + std::string(schema.first_step);
}

Status check_version(SQLite::Database& db, const fs::path& file, const Schema& schema, Access access) {
  const int have = user_version(db);
  const int latest = static_cast<int>(schema.migrations.size());
  if (have > latest)
    return make_error(ErrorKind::bad_input,
                      std::string(schema.name) + " schema version " + std::to_string(have) +
                          " is newer than this eductl knows (" + std::to_string(latest) + "); upgrade eductl",
                      file.string());
  if (access == Access::read_only && have == 0)
    return make_error(ErrorKind::bad_input, absent_message(schema), file.string());
  if (access == Access::read_only && have < latest)
    return make_error(ErrorKind::usage,
                      std::string(schema.name) + " schema version " + std::to_string(have) + " is older than this eductl's (" +
                          std::to_string(latest) + "); " + std::string(schema.upgrade_step) + " (needs write access)",
                      file.string());
  // A file can carry the right version yet lack tables (hand-edited, half-restored):
  // say so now rather than fail on the first query.
  for (std::string_view table : schema.tables) {
    SQLite::Statement q(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
    q.bind(1, std::string(table));
    if (have == latest && !q.executeStep())
      return make_error(ErrorKind::bad_input,
                        std::string(schema.name) + " is damaged: table " + std::string(table) +
                            " is missing; restore it from a backup or a mirror",
                        file.string());
  }
  return ok_status();
}

Status migrate(SQLite::Database& db, const Schema& schema) {
  for (int v = user_version(db); v < static_cast<int>(schema.migrations.size()); ++v) {
    SQLite::Transaction t(db);
    db.exec(std::string(schema.migrations[static_cast<std::size_t>(v)]));
    db.exec("PRAGMA user_version = " + std::to_string(v + 1));
    t.commit();
  }
  return ok_status();
}

// A new database is made whole beside its final name, then renamed into place: a crash
// while the migrations run never leaves a half-created file under the real name (readers
// would take it for "no catalogue yet" or an old schema). Writers hold the data folder's
// lock, so the fixed side name is theirs alone; a leftover from a crash is replaced.
Status create_aside(const fs::path& file, const Schema& schema) {
  const fs::path side = file.string() + ".new";
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) ::unlink((side.string() + suffix).c_str());
  {
    SQLite::Database db(side.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, k_busy_timeout_ms);
    db.exec("PRAGMA journal_mode=DELETE");
    db.exec("PRAGMA synchronous=FULL");
    if (auto st = migrate(db, schema); !st) return st;
  }
  if (auto st = fsync_file(side); !st) return st;
  // Another writer (outside the lock: a second host) may have made it meanwhile: keep theirs.
  if (::link(side.c_str(), file.c_str()) != 0 && errno != EEXIST)
    return make_error(ErrorKind::internal, "cannot create: " + errno_text(errno), file.string());
  ::unlink(side.c_str());
  return fsync_dir(file.parent_path().empty() ? fs::path(".") : file.parent_path());
}

}  // namespace

bool is_absent(const Error& e, const Schema& schema) {
  return e.kind == ErrorKind::bad_input && e.message == absent_message(schema);
}

int user_version(SQLite::Database& db) {
  SQLite::Statement q(db, "PRAGMA user_version");
  q.executeStep();
  return q.getColumn(0).getInt();
}

std::string quick_check(SQLite::Database& db) {
  SQLite::Statement q(db, "PRAGMA quick_check(1)");
  return q.executeStep() ? q.getColumn(0).getString() : std::string("no answer");
}

Error to_error(const std::exception& e, std::string_view what, const fs::path& file) {
  const std::string where = file.string();
  if (const auto* s = dynamic_cast<const SQLite::Exception*>(&e)) {
    const std::string text = std::string(what) + ": " + s->what();
    switch (s->getErrorCode()) {
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
        return make_error(ErrorKind::locked, text + "; another program is writing to it, try again when it is done", where);
      case SQLITE_CORRUPT:
      case SQLITE_NOTADB:
        return make_error(ErrorKind::bad_input, text + "; restore it from a backup or a mirror", where);
      case SQLITE_FULL:
        return make_error(ErrorKind::internal, text + " (disk full); nothing of this change was kept", where);
      case SQLITE_READONLY:
      case SQLITE_CANTOPEN:
      case SQLITE_PERM:
        return make_error(ErrorKind::internal, text + "; check the folder's permissions and that it is not mounted read-only",
                          where);
      case SQLITE_INTERRUPT:
        return make_error(ErrorKind::interrupted, text, where);
      default: break;
    }
    return make_error(ErrorKind::internal, text, where);
  }
  return make_error(ErrorKind::internal, std::string(what) + ": " + e.what(), where);
}

Result<Handle> open(const fs::path& file, Access access, const Schema& schema) {
  const std::string what = "cannot open the " + std::string(schema.name);
  return guarded(what, file, [&]() -> Result<Handle> {
    Handle db;
    if (access == Access::read_only) {
      std::error_code ec;
      if (!fs::exists(file, ec))
        return make_error(ErrorKind::bad_input, absent_message(schema), file.string());
      auto open_immutable = [&] {
        return std::make_unique<SQLite::Database>("file:" + uri_escape(fs::absolute(file).string()) + "?immutable=1",
                                                  SQLite::OPEN_READONLY | SQLite::OPEN_URI, k_busy_timeout_ms);
      };
      if (needs_immutable(file)) {
        db = open_immutable();
      } else {
        try {
          db = std::make_unique<SQLite::Database>(file.string(), SQLite::OPEN_READONLY, k_busy_timeout_ms);
          user_version(*db);  // the first read creates the -shm index, which can fail
        } catch (const SQLite::Exception& e) {
          // A full disk (or a folder that refuses the -shm file in another way): read the
          // main file as it is, unless a write-ahead log holds changes not in it yet.
          const int code = e.getErrorCode();
          if ((code != SQLITE_IOERR && code != SQLITE_CANTOPEN && code != SQLITE_READONLY) || has_pending_wal(file)) throw;
          db = open_immutable();
        }
      }
      if (auto st = check_version(*db, file, schema, access); !st) return st.error();
      return db;
    }
    if (auto st = make_dirs(file.parent_path().empty() ? fs::path(".") : file.parent_path()); !st) return st.error();
    std::error_code ec;
    if (!fs::exists(file, ec))
      if (auto st = create_aside(file, schema); !st) return st.error();
    db = std::make_unique<SQLite::Database>(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, k_busy_timeout_ms);
    db->exec("PRAGMA journal_mode=WAL");
    db->exec("PRAGMA synchronous=FULL");
    db->exec("PRAGMA foreign_keys=ON");
    if (auto st = check_version(*db, file, schema, access); !st) return st.error();
    if (auto st = migrate(*db, schema); !st) return st.error();
    return db;
  });
}

}  // namespace eductl::db
