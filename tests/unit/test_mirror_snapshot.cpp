// The snapshot format's parsers (untrusted input), the book selection, and the verified
// download sink: every field bounded, every mismatch a finding.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "core/mirror/selection.hpp"
#include "core/mirror/snapshot.hpp"
#include "core/mirror/source_impl.hpp"
#include "core/util/sha256.hpp"
#include "support.hpp"

using namespace eductl;
namespace sn = eductl::snapshot;

namespace {

sn::Part sample_part() {
  sn::Part p;
  p.book = "PEP/math-g1";
  p.digest = std::string(64, 'a');
  p.record.package_id = "math-g1";
  p.record.revision = 2;
  p.record.source = "textbook-package/1";
  p.record.meta.publisher_code = "PEP";
  p.record.meta.title = "数学 一年级 上册";
  p.record.meta.stage = "primary";
  p.record.meta.subject = "math";
  p.record.meta.edition = "人教版";
  p.record.meta.grade = GradeSpan{1, 1};
  p.record.files.push_back(FileDecl{"textbook.pdf", std::string(64, 'b'), 1234, "application/pdf", "textbook"});
  p.record.contents.push_back(UnitDecl{"第一单元", {LessonDecl{"u1l1", "数一数", {ResourceDecl{"video", "textbook.pdf", ""}}}}});
  return p;
}

sn::Index sample_index() {
  sn::Index idx;
  idx.version = 42;
  idx.created = "2026-11-30T06:00:00Z";
  idx.expires = "2026-12-07T06:00:00Z";
  auto part = sample_part();
  std::string text = sn::part_json(part);
  idx.parts.push_back(sn::PartEntry{sn::facts_of(part), sha256_hex(text), text.size(), 1, 1234});
  return idx;
}

std::string first_code(const Findings& f) { return f.empty() ? "" : f.front().code; }

}  // namespace

TEST_CASE("an index and a part survive writing and reading", "[mirror][snapshot]") {
  auto idx = sample_index();
  auto parsed = sn::parse_index(sn::index_json(idx));
  REQUIRE(parsed.index);
  CHECK(parsed.index->version == 42);
  CHECK(parsed.index->parts.at(0).facts.book == "PEP/math-g1");
  CHECK(parsed.index->parts.at(0).facts.grade == GradeSpan{1, 1});
  auto part = sn::parse_part(sn::part_json(sample_part()), "p.json");
  REQUIRE(part.part);
  CHECK(part.part->record.meta.title == "数学 一年级 上册");
  CHECK(part.part->record.contents.at(0).lessons.at(0).resources.at(0).kind == "video");
  CHECK(sn::object_path(std::string(64, 'c')) == "objects/cc/cc/" + std::string(64, 'c'));
}

TEST_CASE("a malformed index is one finding naming the field", "[mirror][snapshot]") {
  auto text = sn::index_json(sample_index());
  auto with = [&](const std::string& from, const std::string& to) {
    std::string t = text;
    auto at = t.find(from);
    REQUIRE(at != std::string::npos);
    return t.replace(at, from.size(), to);
  };
  CHECK(first_code(sn::parse_index("not json").findings) == "MIR-INDEX-MALFORMED");
  CHECK(first_code(sn::parse_index("[]").findings) == "MIR-INDEX-MALFORMED");
  CHECK(first_code(sn::parse_index(with("eductl.snapshot/1", "eductl.snapshot/2")).findings) == "MIR-FORMAT");
  auto huge = sn::parse_index(with("\"version\":42", "\"version\":18446744073709551615"));
  CHECK(first_code(huge.findings) == "MIR-INDEX-MALFORMED");
  CHECK(huge.findings.at(0).entry == "/version");
  CHECK(first_code(sn::parse_index(with("\"version\":42", "\"version\":-1")).findings) == "MIR-INDEX-MALFORMED");
  CHECK(first_code(sn::parse_index(with("\"version\":42", "\"version\":4.2")).findings) == "MIR-INDEX-MALFORMED");
  CHECK(first_code(sn::parse_index(with("2026-12-07T06:00:00Z", "next week")).findings) == "MIR-INDEX-MALFORMED");
  auto bad_sha = sn::parse_index(with(sample_index().parts[0].sha256, "../../etc/passwd"));
  CHECK(first_code(bad_sha.findings) == "MIR-INDEX-MALFORMED");
  CHECK(bad_sha.findings.at(0).entry == "/parts/0/sha256");
  // the same book twice: a mirror could not tell which part is the book
  auto idx = sample_index();
  idx.parts.push_back(idx.parts[0]);
  CHECK(first_code(sn::parse_index(sn::index_json(idx)).findings) == "MIR-INDEX-MALFORMED");
}

TEST_CASE("a malformed part is a finding", "[mirror][snapshot]") {
  auto p = sample_part();
  p.record.files.push_back(p.record.files[0]);  // the same path twice
  CHECK(first_code(sn::parse_part(sn::part_json(p), "p").findings) == "MIR-PART-MALFORMED");
  auto q = sample_part();
  q.record.files[0].sha256 = "XYZ";
  CHECK(first_code(sn::parse_part(sn::part_json(q), "p").findings) == "MIR-PART-MALFORMED");
  CHECK(first_code(sn::parse_part("{\"schema\":\"eductl.snapshot-part/1\"}", "p").findings) == "MIR-PART-MALFORMED");
}

TEST_CASE("UTC times parse exactly", "[mirror][snapshot]") {
  CHECK(sn::parse_utc("1970-01-01T00:00:00Z") == 0);
  CHECK(sn::parse_utc("2026-11-30T06:00:00Z") == 1796018400);
  CHECK_FALSE(sn::parse_utc("2026-11-30 06:00:00Z"));
  CHECK_FALSE(sn::parse_utc("2026-13-30T06:00:00Z"));
  CHECK(sn::format_utc(1796018400) == "2026-11-30T06:00:00Z");
}

TEST_CASE("a selection takes books by every given filter", "[mirror][selection]") {
  sn::PartFacts f{"PEP/math-g1", "PEP", "primary", "math", "人教版", "student", GradeSpan{1, 2}, "数学"};
  sn::Selection s;
  CHECK(s.matches(f));
  s.stages = {"primary"};
  CHECK(s.matches(f));
  s.grades = {2};
  CHECK(s.matches(f));
  s.grades = {3};
  CHECK_FALSE(s.matches(f));
  s.grades = {};
  s.editions = {"人教"};
  CHECK(s.matches(f));
  s.books = {"math-g1"};
  CHECK(s.matches(f));
  s.books = {"PEP/other"};
  CHECK_FALSE(s.matches(f));
  sn::Selection junior;
  junior.stages = {"junior"};
  CHECK_FALSE(junior.matches(f));
  CHECK(junior.describe() == "stage=junior");
}

TEST_CASE("a verified sink refuses extra bytes and wrong content, and resumes a partial file", "[mirror][source]") {
  test::TempDir t;
  const std::string data = "hello mirror";
  mirror::Wanted w{"objects/x", sha256_hex(data), data.size(), false};
  {
    mirror::VerifiedSink sink(w, t.path());
    REQUIRE(sink.open_fresh());
    CHECK(sink.accept(data.data(), 5));
    sink.suspend();  // a dropped connection
  }
  {
    mirror::VerifiedSink sink(w, t.path());
    auto offset = sink.open_resume();
    REQUIRE(offset);
    CHECK(*offset == 5);
    CHECK(sink.accept(data.data() + 5, data.size() - 5));
    CHECK_FALSE(sink.accept("!", 1));  // more than declared
    auto v = sink.finish(false);
    REQUIRE(v);
    CHECK_FALSE(v->finding);
    std::ifstream in(v->file);
    std::string got((std::istreambuf_iterator<char>(in)), {});
    CHECK(got == data);
  }
  {
    mirror::VerifiedSink sink(mirror::Wanted{"objects/y", sha256_hex("other"), 5, true}, t.path());
    REQUIRE(sink.open_fresh());
    CHECK(sink.accept("evil!", 5));
    auto v = sink.finish(false);
    REQUIRE(v);
    REQUIRE(v->finding);
    CHECK(v->finding->code == "MIR-HASH-MISMATCH");
  }
  {
    mirror::VerifiedSink sink(mirror::Wanted{"objects/z", sha256_hex("abc"), 3, false}, t.path());
    REQUIRE(sink.open_fresh());
    auto v = sink.finish(/*too_long=*/true);
    REQUIRE(v);
    REQUIRE(v->finding);
    CHECK(v->finding->message.find("longer") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(mirror::download_path(t.path(), sha256_hex("abc"))));
  }
}

TEST_CASE("a part that gives one blob two sizes is malformed", "[mirror][snapshot]") {
  auto p = sample_part();
  auto copy = p.record.files[0];
  copy.path = "copy-of-textbook.pdf";
  p.record.files.push_back(copy);
  CHECK(sn::parse_part(sn::part_json(p), "p").part);  // the same blob twice, one size: fine
  p.record.files[1].size += 1;
  auto two = sn::parse_part(sn::part_json(p), "p");
  CHECK(first_code(two.findings) == "MIR-PART-MALFORMED");
  REQUIRE(!two.findings.empty());
  CHECK(two.findings[0].entry == "/files/1/size");
  CHECK(two.findings[0].message.find("two sizes") != std::string::npos);
  // a rendition that gives a file's blob another size
  auto q = sample_part();
  q.renditions.push_back(sn::Rendition{std::string(64, 'b'), "test", "audio", "audio/index.m3u8", std::string(64, 'b'), 1});
  CHECK(first_code(sn::parse_part(sn::part_json(q), "p").findings) == "MIR-PART-MALFORMED");
}

TEST_CASE("a selection renders as the flags that make it", "[mirror][selection]") {
  sn::Selection s;
  CHECK(sn::selection_flags(s).empty());
  s.stages = {"primary"};
  s.grades = {1, 2};
  s.books = {"PEP/math-g1"};
  CHECK(sn::selection_flags(s) == "--stage primary --grade 1,2 --book PEP/math-g1");
  CHECK(s.describe() == "stage=primary grade=1,2 book=PEP/math-g1");
}
