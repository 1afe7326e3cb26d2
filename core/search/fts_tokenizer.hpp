// Makes the tokenizer of tokenize.hpp available to SQLite FTS5 as `eductl` on every
// connection this process opens (sqlite3_auto_extension), so the index's schema can
// name it and snippet()/highlight() point into the original text.
#pragma once

namespace eductl::search {

// Idempotent and thread-safe; call before opening index.sqlite.
void register_fts_tokenizer();

}  // namespace eductl::search
