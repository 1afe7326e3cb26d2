// The one way the data folder's SQLite databases (catalogue, and later usage and index)
// are opened: writers get WAL, full sync and pending migrations; readers get a
// read-only handle that writes nothing, not even on a read-only mount. SQLite failures
// become Errors whose kind is the documented exit code (busy = locked, corrupt = bad input).
#pragma once
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/util/access.hpp"
#include "core/util/result.hpp"

namespace SQLite {
class Database;
}

namespace eductl::db {

using eductl::Access;

struct Schema {
  std::string_view name;                         // "catalogue": used in messages
  std::span<const std::string_view> migrations;  // PRAGMA user_version counts how many ran
  std::string_view first_step;                   // what to do when there is none yet
  std::span<const std::string_view> tables;      // must exist once the schema is current
  std::string_view upgrade_step = "run 'eductl catalog migrate'";  // what brings an old file up to date
};

using Handle = std::unique_ptr<SQLite::Database>;

// read_write creates the file (and its folder) if needed and brings the schema up to
// date, each migration in its own transaction. read_only needs the file with its
// schema at the current version; it never creates or changes a file, and falls back to
// SQLite's immutable mode where the folder cannot hold the shared-memory index.
Result<Handle> open(const std::filesystem::path& file, Access access, const Schema& schema);

// True for open()'s error on a database not there yet (no file, or no schema in it).
bool is_absent(const Error& e, const Schema& schema);

int user_version(SQLite::Database& db);
// PRAGMA quick_check: "ok" or the first problem found.
std::string quick_check(SQLite::Database& db);

// Maps a SQLite (or other) exception to an Error: SQLITE_BUSY/LOCKED -> locked,
// CORRUPT/NOTADB -> bad_input, FULL -> internal "disk full", READONLY -> internal
// with a hint; anything else internal.
Error to_error(const std::exception& e, std::string_view what, const std::filesystem::path& file = {});

// Runs `body` and turns any exception it throws into an Error via to_error().
template <class F>
auto guarded(std::string_view what, const std::filesystem::path& file, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const std::exception& e) {
    return to_error(e, what, file);
  }
}

// Binds ARGS to a statement's parameters 1, 2, ... in order (the statement is a
// SQLite::Statement; the caller includes SQLiteCpp).
template <class Statement, class... Args>
void bind_all(Statement& q, const Args&... args) {
  int i = 0;
  (q.bind(++i, args), ...);
}

}  // namespace eductl::db
