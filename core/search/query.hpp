// Searching index.sqlite: the query is split into terms (spaces; "double quotes" keep
// a phrase together), each term must match as a phrase after the index's own
// normalisation; hits are ranked by bm25 (titles weigh more than body text) and come
// with a snippet whose matched ranges are given as byte offsets.
#pragma once
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/util/result.hpp"

namespace eductl::search {

struct SearchFilter {
  std::string stage, subject, edition, kind;  // as in 'catalog list'; edition is a substring
  std::optional<int> grade;                   // books whose grade span contains it
  std::string book;                           // one book ("CODE/package_id" or bare id)
  std::string type;                           // book | lesson | task_sheet | exercise | subtitle | page | section
};

struct SearchHit {
  std::string book, book_title, stage, subject, edition, kind;
  std::optional<std::pair<int, int>> grade;
  std::string type, unit, lesson_key, lesson_title, file;
  int page = 0;  // 0: not a page hit
  double score = 0;  // bm25: lower is better
  std::string snippet;
  std::vector<std::pair<std::size_t, std::size_t>> highlights;  // byte ranges in snippet
};

// Bounds on a query, so its cost stays small: every term is a phrase FTS5 must match and
// the snippets are searched for each one. Longer queries are refused (usage, exit 2).
inline constexpr std::size_t k_max_query_bytes = 1024;
inline constexpr std::size_t k_max_query_terms = 32;  // different terms, after duplicates are dropped

struct ParsedQuery {
  std::vector<std::string> terms;  // as typed, each once (same tokens = same term), punctuation-only ones dropped
  std::string expression;          // the FTS5 MATCH expression: the terms as phrases joined by AND
};

// usage error when the query is over the bounds above or has nothing to match.
Result<ParsedQuery> parse_query(std::string_view query);
// parse_query(query)->expression.
Result<std::string> match_expression(std::string_view query);

// Opens the index read-only (never writes: works on a read-only data folder).
Result<std::vector<SearchHit>> search(const std::filesystem::path& index_file, std::string_view query,
                                      const SearchFilter& filter, int limit);

}  // namespace eductl::search
