// Chinese-aware tokens for the search index and its queries. Text is normalised per
// token (NFKC + case fold: full-width "Ｕｎｉｔ ３" = "unit 3"; traditional -> simplified
// characters: 長城 = 长城); Latin words and numbers come from ICU's word break (UAX #29,
// so "2.1" stays one token); CJK characters are indexed as unigrams plus colocated
// bigrams, so one- and two-character queries match without a dictionary.
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace eductl::search {

// Bumped whenever the tokens for the same text (or the rows made of a book) change: an
// index built with another version is rebuilt. 2: titles only on book and lesson rows.
inline constexpr int k_tokenizer_version = 2;

enum class TokenMode {
  document,  // CJK: every character, plus the bigram starting there at the same position
  query      // CJK: bigrams in sequence (a phrase), or the single character of a 1-char run
};

struct Token {
  std::string text;         // normalised
  std::size_t begin = 0;    // byte range in the original UTF-8 text
  std::size_t end = 0;
  bool colocated = false;   // same position as the previous token (a bigram beside its unigram)
};

// Invalid UTF-8 bytes are skipped. Returns false when `emit` asked to stop.
bool tokenize(std::string_view utf8, TokenMode mode, const std::function<bool(const Token&)>& emit);

// Every CJK character (the BMP blocks) whose normal form differs from itself (a
// traditional character, a compatibility ideograph), as "char TAB normal-form NEWLINE"
// lines. ICU's Traditional-Simplified transliterator takes ~30 ms to set up; the indexer
// pays that once and stores this table in the index, and a search process loads it instead.
std::string build_cjk_variant_table();
// From now on this process maps CJK characters through `table` (and NFKC) and never sets
// up the transliterator. Call before tokenizing on any thread.
void use_cjk_variant_table(std::string_view table);

// The tokens' texts joined by spaces: for tests and the LIKE-scan comparison.
std::string normalise_for_display(std::string_view utf8, TokenMode mode);

}  // namespace eductl::search
