#include <catch2/catch.hpp>

#include "core/package/manifest.hpp"
#include "core/package/path_rules.hpp"
#include "core/util/suggest.hpp"
#include "core/util/text.hpp"

using namespace eductl;

TEST_CASE("UTF-8 validity, GBK decoding and NFC", "[text]") {
  CHECK(is_valid_utf8("数学 七年级"));
  CHECK_FALSE(is_valid_utf8("\xff\xfe"));
  auto gbk = utf8_to_gbk("课时1/任务单.pdf");
  REQUIRE(gbk);
  CHECK_FALSE(is_valid_utf8(*gbk));
  CHECK(gbk_to_utf8(*gbk) == std::optional<std::string>("课时1/任务单.pdf"));
  CHECK_FALSE(gbk_to_utf8("\xff\xfe"));
  CHECK(is_nfc("caf\xC3\xA9"));          // é precomposed
  CHECK_FALSE(is_nfc("cafe\xCC\x81"));   // e + combining acute
  CHECK(to_nfc("cafe\xCC\x81") == "caf\xC3\xA9");
}

TEST_CASE("display width counts CJK as two columns", "[text]") {
  CHECK(display_width("abc") == 3);
  CHECK(display_width("数学") == 4);
  CHECK(display_width("人音版（五线谱）") == 16);
  CHECK(codepoint_count("数学a") == 3);
}

TEST_CASE("sizes parse and print", "[text]") {
  CHECK(parse_bytes("1048576") == std::optional<std::uint64_t>(1048576));
  CHECK(parse_bytes("20GiB") == std::optional<std::uint64_t>(20ull << 30));
  CHECK(parse_bytes("1.5MiB") == std::optional<std::uint64_t>(1572864));
  CHECK(parse_bytes("2MB") == std::optional<std::uint64_t>(2000000));
  CHECK_FALSE(parse_bytes("lots"));
  CHECK_FALSE(parse_bytes("-1"));
  CHECK(human_bytes(12) == "12 B");
  CHECK(human_bytes(1536) == "1.50 KiB");
}

TEST_CASE("printable escapes control bytes and invalid UTF-8", "[text]") {
  CHECK(printable("a\x1b[31m") == "a\\x1b[31m");
  CHECK(printable("\xff") == "\\xff");
  CHECK(printable("数学") == "数学");
}

TEST_CASE("printable escapes C1 and bidi controls as code points", "[text]") {
  CHECK(printable("a\u202eb") == "a\\u{202e}b");
  CHECK(printable("\u2066x\u2069") == "\\u{2066}x\\u{2069}");
  CHECK(printable("\u009b31m") == "\\u{9b}31m");
  CHECK(printable("a\x7f") == "a\\x7f");
  CHECK(printable("\u200e\u00a0") == "\u200e\u00a0");  // marks and no-break space are harmless
  CHECK(first_unsafe_codepoint("标题\u202e") == U'\u202e');
  CHECK_FALSE(first_unsafe_codepoint("数学 · 七年级").has_value());
  CHECK(codepoint_name(0x1b) == "U+001B");
}

TEST_CASE("path rules of the contract", "[path]") {
  auto codes = [](std::string_view p) {
    std::vector<std::string> out;
    for (const auto& problem : path_problems(p)) out.emplace_back(problem.code);
    return out;
  };
  CHECK(codes("课本/数学.pdf").empty());
  CHECK(codes("../evil.pdf") == std::vector<std::string>{"PKG-PATH-TRAVERSAL"});
  CHECK(codes("a/../../b") == std::vector<std::string>{"PKG-PATH-TRAVERSAL"});
  CHECK(codes("a..b/c").empty());
  CHECK(codes("/etc/passwd") == std::vector<std::string>{"PKG-PATH-ABSOLUTE"});
  CHECK(codes("C:/x") == std::vector<std::string>{"PKG-PATH-ABSOLUTE"});
  CHECK(codes("a\\b.pdf") == std::vector<std::string>{"PKG-PATH-BACKSLASH"});
  auto both = codes("..\\evil");
  CHECK(std::find(both.begin(), both.end(), "PKG-PATH-TRAVERSAL") != both.end());
  CHECK(codes("a\nb") == std::vector<std::string>{"PKG-PATH-CONTROL"});
  CHECK(codes(std::string(256, 'a')) == std::vector<std::string>{"PKG-PATH-TOO-LONG"});
  CHECK(codes("cafe\xCC\x81.pdf") == std::vector<std::string>{"PKG-PATH-NFC"});
  CHECK(normalise_entry_path("./a/b/") == "a/b");
}

TEST_CASE("ISBN normalisation and check digits", "[isbn]") {
  CHECK(normalise_isbn("978-7-107-31520-6") == "9787107315206");
  CHECK(isbn_check_digit_ok("9787107315206"));
  CHECK_FALSE(isbn_check_digit_ok("9787107315201"));
  CHECK(normalise_isbn("0-306-40615-2") == "0306406152");
  CHECK(isbn_check_digit_ok("0306406152"));
  CHECK(isbn_check_digit_ok("710731520X"));
  CHECK(normalise_isbn("97871073152") == "");
  CHECK(normalise_isbn("978X107315206") == "");
}

#include "core/util/parallel.hpp"

TEST_CASE("parallel_ordered emits in order and carries worker exceptions to the caller", "[parallel]") {
  std::vector<std::size_t> seen;
  eductl::parallel_ordered<std::size_t>(
      50, 4, [](std::size_t i) { return i * i; }, [&](std::size_t i, std::size_t v) {
        CHECK(v == i * i);
        seen.push_back(i);
      });
  REQUIRE(seen.size() == 50);
  CHECK(std::is_sorted(seen.begin(), seen.end()));
  CHECK_THROWS_AS(eductl::parallel_ordered<int>(
                      20, 3,
                      [](std::size_t i) -> int {
                        if (i == 7) throw std::runtime_error("boom");
                        return static_cast<int>(i);
                      },
                      [](std::size_t, int) {}),
                  std::runtime_error);
}

TEST_CASE("did you mean: the closest known word", "[text][suggest]") {
  CHECK(edit_distance("maths", "math") == 1);
  CHECK(edit_distance("MATH", "math") == 0);
  CHECK(edit_distance("mtah", "math") == 1);  // a transposition is one edit
  CHECK(edit_distance("数学", "数字") == 1);   // code points, not bytes
  const std::vector<std::string> subjects{"math", "chinese", "english", "physics", "chemistry"};
  CHECK(closest_match("maths", subjects) == std::optional<std::string>("math"));
  CHECK(closest_match("Englsh", subjects) == std::optional<std::string>("english"));
  CHECK_FALSE(closest_match("zoology", subjects).has_value());
  CHECK(closest_match("MIR-PART-MALFORMD", {"MIR-PART-MALFORMED", "MIR-PART-MISMATCH"}) ==
        std::optional<std::string>("MIR-PART-MALFORMED"));
}
