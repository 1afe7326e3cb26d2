#include "core/search/query.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <set>

#include "core/search/fts_tokenizer.hpp"
#include "core/search/index_schema.hpp"
#include "core/search/tokenize.hpp"
#include "core/util/fs.hpp"

namespace eductl::search {

namespace {

constexpr char k_open = '\x01', k_close = '\x02';

// Terms split at ASCII and ideographic spaces; a double-quoted stretch is one term.
std::vector<std::string> split_terms(std::string_view q) {
  std::vector<std::string> terms;
  std::string cur;
  bool quoted = false;
  for (std::size_t i = 0; i < q.size(); ++i) {
    const char c = q[i];
    const bool ideographic_space = q.substr(i, 3) == "\xE3\x80\x80";
    if (c == '"') {
      quoted = !quoted;
      continue;
    }
    if (!quoted && (c == ' ' || c == '\t' || c == '\n' || ideographic_space)) {
      if (!cur.empty()) terms.push_back(std::move(cur));
      cur.clear();
      if (ideographic_space) i += 2;
      continue;
    }
    cur += c;
  }
  if (!cur.empty()) terms.push_back(std::move(cur));
  return terms;
}

// The snippet as plain text. FTS5's own markers are not used for the highlights: its
// highlighter ignores colocated tokens, so the end of a match would come from the
// unigram at the last position and miss the final character of a Chinese match.
std::string plain_snippet(const std::string& marked) {
  std::string out;
  for (char c : marked) {
    if (c == k_open || c == k_close) continue;
    // Layout characters of extracted text (line and page breaks) read as spaces.
    out += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// Byte ranges of `text` where a query term matches as a phrase, found with the index's
// own tokens (so full-width, traditional and case variants are highlighted too).
std::vector<std::pair<std::size_t, std::size_t>> find_matches(const std::string& text, const std::vector<std::string>& terms) {
  std::vector<std::vector<Token>> at;  // tokens per position
  tokenize(text, TokenMode::document, [&](const Token& t) {
    if (!t.colocated || at.empty()) at.emplace_back();
    at.back().push_back(t);
    return true;
  });
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  for (const auto& term : terms) {
    std::vector<std::string> phrase;
    tokenize(term, TokenMode::query, [&](const Token& t) { return phrase.push_back(t.text), true; });
    if (phrase.empty() || phrase.size() > at.size()) continue;
    for (std::size_t p = 0; p + phrase.size() <= at.size(); ++p) {
      std::size_t begin = 0, end = 0;
      bool all = true;
      for (std::size_t j = 0; all && j < phrase.size(); ++j) {
        auto it = std::find_if(at[p + j].begin(), at[p + j].end(), [&](const Token& t) { return t.text == phrase[j]; });
        if (it == at[p + j].end()) all = false;
        else {
          if (j == 0) begin = it->begin;
          end = it->end;
        }
      }
      if (all) ranges.emplace_back(begin, end);
    }
  }
  std::sort(ranges.begin(), ranges.end());
  std::vector<std::pair<std::size_t, std::size_t>> merged;
  for (const auto& r : ranges) {
    if (!merged.empty() && r.first <= merged.back().second) merged.back().second = std::max(merged.back().second, r.second);
    else merged.push_back(r);
  }
  return merged;
}

}  // namespace

Result<ParsedQuery> parse_query(std::string_view query) {
  const auto preview = [&] { return "'" + std::string(query.substr(0, 60)) + (query.size() > 60 ? "…'" : "'"); };
  if (query.size() > k_max_query_bytes)
    return make_error(ErrorKind::usage, "the query is " + std::to_string(query.size()) + " bytes long; at most " +
                                            std::to_string(k_max_query_bytes) + " are allowed: " + preview());
  ParsedQuery parsed;
  std::set<std::string> seen;  // terms by their tokens: "ＡＢ" and "ab" are one term
  for (const std::string& term : split_terms(query)) {
    std::string key;
    tokenize(term, TokenMode::query, [&](const Token& t) { return key.append(t.text).push_back('\x1f'), true; });
    if (key.empty() || !seen.insert(key).second) continue;  // punctuation only, or said before
    if (parsed.terms.size() == k_max_query_terms)
      return make_error(ErrorKind::usage, "the query has more than " + std::to_string(k_max_query_terms) +
                                              " different terms (every one must match); use fewer: " + preview());
    std::string phrase = "\"";
    for (char c : term) phrase += c == '"' ? std::string("\"\"") : std::string(1, c);
    phrase += '"';
    parsed.expression += (parsed.expression.empty() ? "" : " AND ") + phrase;
    parsed.terms.push_back(term);
  }
  if (parsed.terms.empty())
    return make_error(ErrorKind::usage, "the query has no words or characters to search for: " + preview());
  return parsed;
}

Result<std::string> match_expression(std::string_view query) {
  auto parsed = parse_query(query);
  if (!parsed) return parsed.error();
  return parsed->expression;
}

Result<std::vector<SearchHit>> search(const std::filesystem::path& index_file, std::string_view query,
                                      const SearchFilter& f, int limit) {
  register_fts_tokenizer();
  if (auto st = check_database_files(index_file); !st) return st.error();
  auto handle = db::open(index_file, db::Access::read_only, k_index_schema);
  if (!handle) return handle.error();
  SQLite::Database& db = **handle;
  return db::guarded("cannot read the search index", index_file, [&]() -> Result<std::vector<SearchHit>> {
    // The indexer's variant table spares this process ICU's transliterator set-up.
    SQLite::Statement v(db, "SELECT value FROM meta WHERE key = 'cjk_variants'");
    if (v.executeStep()) use_cjk_variant_table(v.getColumn(0).getString());
    auto parsed = parse_query(query);
    if (!parsed) return parsed.error();
    const std::vector<std::string>& terms = parsed->terms;
    // Ranking first, over ids only; snippets (costly: each re-tokenizes its document) only
    // for the hits shown. SQLite would otherwise compute a snippet for every match.
    SQLite::Statement q(db,
                        "WITH top AS (SELECT fts.rowid AS id, bm25(fts, 8.0, 1.0) AS score "
                        "  FROM fts JOIN docs d ON d.id = fts.rowid JOIN books b ON b.book = d.book "
                        "  WHERE fts MATCH :q AND (:stage = '' OR b.stage = :stage) AND (:subject = '' OR b.subject = :subject) "
                        "  AND (:edition = '' OR instr(b.edition, :edition) > 0) AND (:kind = '' OR b.kind = :kind) "
                        "  AND (:grade = 0 OR (b.grade_from <= :grade AND b.grade_to >= :grade)) "
                        "  AND (:book = '' OR d.book = :book) AND (:type = '' OR d.type = :type) "
                        "  ORDER BY score LIMIT :limit) "
                        "SELECT d.book, b.title, b.stage, b.subject, b.edition, b.kind, b.grade_from, b.grade_to, d.type, d.unit, "
                        "d.lesson_key, d.lesson_title, d.file, d.page, top.score, "
                        "snippet(fts, -1, char(1), char(2), '…', 32) "
                        "FROM top JOIN fts ON fts.rowid = top.id JOIN docs d ON d.id = top.id JOIN books b ON b.book = d.book "
                        "WHERE fts MATCH :q ORDER BY top.score, top.id");
    q.bind(":q", parsed->expression);
    q.bind(":stage", f.stage);
    q.bind(":subject", f.subject);
    q.bind(":edition", f.edition);
    q.bind(":kind", f.kind);
    q.bind(":grade", f.grade.value_or(0));
    q.bind(":book", f.book);
    q.bind(":type", f.type);
    q.bind(":limit", limit);
    std::vector<SearchHit> hits;
    while (q.executeStep()) {
      SearchHit h;
      h.book = q.getColumn(0).getString();
      h.book_title = q.getColumn(1).getString();
      h.stage = q.getColumn(2).getString();
      h.subject = q.getColumn(3).getString();
      h.edition = q.getColumn(4).getString();
      h.kind = q.getColumn(5).getString();
      if (!q.getColumn(6).isNull()) h.grade = std::make_pair(q.getColumn(6).getInt(), q.getColumn(7).getInt());
      h.type = q.getColumn(8).getString();
      h.unit = q.getColumn(9).getString();
      h.lesson_key = q.getColumn(10).getString();
      h.lesson_title = q.getColumn(11).getString();
      h.file = q.getColumn(12).getString();
      h.page = q.getColumn(13).isNull() ? 0 : q.getColumn(13).getInt();
      h.score = q.getColumn(14).getDouble();
      h.snippet = plain_snippet(q.getColumn(15).getString());
      h.highlights = find_matches(h.snippet, terms);
      hits.push_back(std::move(h));
    }
    return hits;
  });
}

}  // namespace eductl::search
