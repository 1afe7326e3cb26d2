// Feeds arbitrary bytes to the search tokenizer (document and query mode, checking that
// every token's byte range lies inside the input), the query parser, and the HTML and
// WebVTT text readers: everything indexed comes from untrusted files.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/search/text_extract.hpp"
#include "core/search/query.hpp"
#include "core/search/tokenize.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (auto mode : {eductl::search::TokenMode::document, eductl::search::TokenMode::query})
    eductl::search::tokenize(text, mode, [&](const eductl::search::Token& t) {
      if (t.begin > t.end || t.end > text.size() || t.text.empty()) std::abort();
      return true;
    });
  (void)eductl::search::match_expression(text);
  (void)eductl::search::html_text(text);
  (void)eductl::search::vtt_text(text);
  return 0;
}
