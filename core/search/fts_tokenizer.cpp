#include "core/search/fts_tokenizer.hpp"

#include <sqlite3.h>

#include <exception>
#include <mutex>

#include "core/search/tokenize.hpp"

namespace eductl::search {
namespace {

struct Instance {};  // stateless: the tokenizer keeps its ICU objects per thread

int create(void*, const char**, int, Fts5Tokenizer** out) {
  static Instance instance;
  *out = reinterpret_cast<Fts5Tokenizer*>(&instance);
  return SQLITE_OK;
}

void destroy(Fts5Tokenizer*) {}

int run(Fts5Tokenizer*, void* ctx, int flags, const char* text, int n,
        int (*token)(void*, int, const char*, int, int, int)) {
  const TokenMode mode = (flags & FTS5_TOKENIZE_QUERY) ? TokenMode::query : TokenMode::document;
  int rc = SQLITE_OK;
  try {
    tokenize(std::string_view(text, n > 0 ? static_cast<std::size_t>(n) : 0), mode, [&](const Token& t) {
      rc = token(ctx, t.colocated ? FTS5_TOKEN_COLOCATED : 0, t.text.data(), static_cast<int>(t.text.size()),
                 static_cast<int>(t.begin), static_cast<int>(t.end));
      return rc == SQLITE_OK;
    });
  } catch (const std::exception&) {
    return SQLITE_ERROR;  // ICU missing its data: the statement fails with a message, not the process
  }
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

fts5_api* fts5_of(sqlite3* db) {
  fts5_api* api = nullptr;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, nullptr) == SQLITE_OK) {
    sqlite3_bind_pointer(stmt, 1, static_cast<void*>(&api), "fts5_api_ptr", nullptr);
    sqlite3_step(stmt);
  }
  sqlite3_finalize(stmt);
  return api;
}

int on_connection(sqlite3* db, char**, const sqlite3_api_routines*) {
  fts5_api* api = fts5_of(db);
  if (!api) return SQLITE_OK;  // SQLite without FTS5: the index's schema then says so
  static fts5_tokenizer tokenizer{create, destroy, run};
  return api->xCreateTokenizer(api, "eductl", nullptr, &tokenizer, nullptr);
}

}  // namespace

void register_fts_tokenizer() {
  static std::once_flag once;
  std::call_once(once, [] {
    sqlite3_auto_extension(reinterpret_cast<void (*)(void)>(on_connection));
  });
}

}  // namespace eductl::search
