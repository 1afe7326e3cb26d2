#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "core/search/text_extract.hpp"
#include "core/search/fts_tokenizer.hpp"
#include "core/search/query.hpp"
#include "core/search/tokenize.hpp"
#include "tests/fixtures/pdf_writer.hpp"
#include "tests/unit/support.hpp"

using namespace eductl;
using search::normalise_for_display;
using search::TokenMode;

TEST_CASE("tokenize: CJK unigrams and colocated bigrams in documents, bigram phrases in queries", "[search]") {
  CHECK(normalise_for_display("有理数", TokenMode::document) == "有 有理 理 理数 数");
  CHECK(normalise_for_display("有理数", TokenMode::query) == "有理 理数");
  CHECK(normalise_for_display("勾股", TokenMode::query) == "勾股");
  CHECK(normalise_for_display("春", TokenMode::query) == "春");
  std::vector<bool> colocated;
  search::tokenize("勾股定", TokenMode::document, [&](const search::Token& t) { return colocated.push_back(t.colocated), true; });
  CHECK(colocated == std::vector<bool>{false, true, false, true, false});
}

TEST_CASE("tokenize: Latin words, numbers and mixed text", "[search]") {
  CHECK(normalise_for_display("Unit 3", TokenMode::query) == "unit 3");
  CHECK(normalise_for_display("2.1 有理数", TokenMode::query) == "2.1 有理 理数");
  CHECK(normalise_for_display("Ｈ２Ｏ", TokenMode::query) == "h2o");
  CHECK(normalise_for_display("Photosynthesis, DNA!", TokenMode::document) == "photosynthesis dna");
  // punctuation between CJK characters ends a run: no bigram across it
  CHECK(normalise_for_display("数，学", TokenMode::document) == "数 学");
}

TEST_CASE("tokenize: full-width, half-width and traditional forms normalise alike", "[search]") {
  CHECK(normalise_for_display("Ｕｎｉｔ ３", TokenMode::query) == "unit 3");
  CHECK(normalise_for_display("長城", TokenMode::query) == "长城");
  CHECK(normalise_for_display("課後練習", TokenMode::document) == normalise_for_display("课后练习", TokenMode::document));
}

TEST_CASE("tokenize: offsets point into the original text", "[search]") {
  const std::string text = "第17章 勾股定理";
  std::vector<std::string> pieces;
  search::tokenize(text, TokenMode::query, [&](const search::Token& t) {
    pieces.push_back(text.substr(t.begin, t.end - t.begin));
    return true;
  });
  CHECK(pieces == std::vector<std::string>{"第", "17", "章", "勾股", "股定", "定理"});
}

TEST_CASE("tokenize: invalid UTF-8 and control bytes do not stop the tokenizer", "[search]") {
  CHECK(normalise_for_display(std::string("ab\xFF\xFE" "cd\x01" "数学"), TokenMode::document) == "ab cd 数 数学 学");
  CHECK(normalise_for_display("", TokenMode::query).empty());
}

TEST_CASE("match expression: terms ANDed as phrases; nothing to match is a usage error", "[search]") {
  CHECK(*search::match_expression("2.1 有理数") == "\"2.1\" AND \"有理数\"");
  CHECK(*search::match_expression("\"Unit 3\"") == "\"Unit 3\"");
  CHECK(*search::match_expression("a\"\"b") == "\"ab\"");
  auto none = search::match_expression(" ，。！ ");
  REQUIRE_FALSE(none);
  CHECK(none.error().kind == ErrorKind::usage);
}

TEST_CASE("query: duplicate terms count once; over the byte or term bound is a usage error", "[search]") {
  auto dup = search::parse_query("勾股 勾股 ＡＢ ab 勾股");
  REQUIRE(dup);
  CHECK(dup->terms == std::vector<std::string>{"勾股", "ＡＢ"});
  CHECK(dup->expression == "\"勾股\" AND \"ＡＢ\"");
  // 4,000 copies of one word: one term, as fast as the word alone (was seconds).
  std::string same;
  for (int i = 0; i < 200; ++i) same += "ab ";
  auto one = search::parse_query(same);
  REQUIRE(one);
  CHECK(one->terms.size() == 1);
  std::string many;
  for (std::size_t i = 0; i <= search::k_max_query_terms; ++i) many += "w" + std::to_string(i) + " ";
  auto too_many = search::parse_query(many);
  REQUIRE_FALSE(too_many);
  CHECK(too_many.error().kind == ErrorKind::usage);
  CHECK(too_many.error().message.find(std::to_string(search::k_max_query_terms)) != std::string::npos);
  auto too_long = search::parse_query(std::string(search::k_max_query_bytes + 1, 'a'));
  REQUIRE_FALSE(too_long);
  CHECK(too_long.error().kind == ErrorKind::usage);
  CHECK(too_long.error().message.find("bytes") != std::string::npos);
  CHECK(search::parse_query(std::string(search::k_max_query_bytes, 'a')));
}

TEST_CASE("FTS5 with the eductl tokenizer: 1-, 2-, 3-character, mixed and variant queries match", "[search]") {
  search::register_fts_tokenizer();
  SQLite::Database db(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("CREATE VIRTUAL TABLE t USING fts5(body, tokenize = 'eductl')");
  db.exec("INSERT INTO t (rowid, body) VALUES (1, '第十七章 勾股定理 直角三角形'), (2, '2.1 有理数的加法'), "
          "(3, 'Ｕｎｉｔ ３ Is this your pencil?'), (4, '萬里長城是中國古代的偉大工程')");
  auto hits = [&](const std::string& query) {
    std::vector<int> ids;
    SQLite::Statement q(db, "SELECT rowid FROM t WHERE t MATCH ? ORDER BY rowid");
    q.bind(1, *search::match_expression(query));
    while (q.executeStep()) ids.push_back(q.getColumn(0).getInt());
    return ids;
  };
  CHECK(hits("勾") == std::vector<int>{1});
  CHECK(hits("勾股") == std::vector<int>{1});
  CHECK(hits("勾股定理") == std::vector<int>{1});
  CHECK(hits("股定理") == std::vector<int>{1});
  CHECK(hits("定勾").empty());  // order matters within a term
  CHECK(hits("2.1 有理数") == std::vector<int>{2});
  CHECK(hits("unit 3") == std::vector<int>{3});
  CHECK(hits("PENCIL") == std::vector<int>{3});
  CHECK(hits("长城") == std::vector<int>{4});
  CHECK(hits("長城") == std::vector<int>{4});
  CHECK(hits("中国古代") == std::vector<int>{4});
}

TEST_CASE("text extraction: PDF pages with Chinese text (ToUnicode), HTML, WebVTT", "[search]") {
  test::TempDir dir;
  const auto pdf = dir / "t.pdf";
  std::ofstream(pdf, std::ios::binary) << fixtures::make_pdf({.title = "t", .lines = {"page one", "勾股定理 a² + b² = c²\n第二行"}});
  auto text = search::extract_text(pdf, "application/pdf");
  REQUIRE(text);
  REQUIRE(text->parts.size() == 2);
  CHECK(text->unit == search::TextUnit::page);
  CHECK(text->parts[0].find("page one") != std::string::npos);
  CHECK(text->parts[1].find("勾股定理") != std::string::npos);
  CHECK(text->parts[1].find("第二行") != std::string::npos);

  const auto bad = dir / "bad.pdf";
  std::ofstream(bad, std::ios::binary) << "%PDF-1.4 not really";
  auto refused = search::extract_text(bad, "application/pdf");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == ErrorKind::bad_input);

  CHECK(search::html_text("<html><head><style>p{}</style><script>x()</script></head><body><p>课程</p><p>任务单</p></body></html>") ==
        "课程\n任务单\n");
  CHECK(search::vtt_text("WEBVTT\n\nNOTE a comment\nstill comment\n\n1\n00:00:01.000 --> 00:00:02.000\n<v 老师>同学们好\n\n"
                        "00:00:03.000 --> 00:00:04.000\n今天学习勾股定理\n") == "同学们好\n今天学习勾股定理\n");
}

TEST_CASE("tokenize: random bytes and CJK fragments give tokens inside the input", "[search]") {
  const std::string pieces[] = {"勾", "股", "長", "Ｕ", "３", " ", ".", "a", "Z", "9", "\xE5", "\x80", "\xFF", "\n", "《", "ß", "İ"};
  std::uint32_t seed = 7;
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    const int n = static_cast<int>((seed = seed * 1664525u + 1013904223u) >> 27);
    for (int i = 0; i < n; ++i) text += pieces[((seed = seed * 1664525u + 1013904223u) >> 12) % std::size(pieces)];
    for (auto mode : {TokenMode::document, TokenMode::query})
      search::tokenize(text, mode, [&](const search::Token& t) {
        REQUIRE(t.begin < t.end);
        REQUIRE(t.end <= text.size());
        REQUIRE_FALSE(t.text.empty());
        return true;
      });
  }
}
