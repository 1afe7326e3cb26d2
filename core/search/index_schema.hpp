// index.sqlite's schema, shared by the writer (index.cpp) and the reader (query.cpp).
// One FTS5 table over (title, body) with the `eductl` tokenizer; docs holds what a hit
// points at (book, unit, lesson, file, page); books the filter columns and the digest
// each book was indexed at, so `eductl index` redoes only changed books.
#pragma once
#include <string_view>

#include "core/db/sqlite.hpp"

namespace eductl::search {

inline constexpr std::string_view k_index_migrations[] = {
    R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE books (
  book TEXT PRIMARY KEY,           -- "CODE/package_id" (bare id for platform listings)
  digest TEXT NOT NULL,            -- the catalogue revision's digest this book was indexed at
  title TEXT NOT NULL, stage TEXT NOT NULL, grade_from INTEGER, grade_to INTEGER,
  subject TEXT NOT NULL, edition TEXT NOT NULL, kind TEXT NOT NULL
);
CREATE TABLE docs (
  id INTEGER PRIMARY KEY,          -- = fts.rowid
  book TEXT NOT NULL REFERENCES books(book),
  type TEXT NOT NULL,              -- book | lesson | task_sheet | exercise | subtitle | courseware | page | section
  unit TEXT NOT NULL, lesson_key TEXT NOT NULL, lesson_title TEXT NOT NULL,
  file TEXT NOT NULL,              -- path in the book; '' for metadata rows
  page INTEGER                     -- textbook page (PDF) or spine section (EPUB)
);
CREATE INDEX docs_book ON docs(book);
CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize = 'eductl');
)sql",
};

inline constexpr std::string_view k_index_tables[] = {"meta", "books", "docs", "fts"};

inline const db::Schema k_index_schema{"search index", k_index_migrations, "build it with 'eductl index'",
                                       k_index_tables};

}  // namespace eductl::search
