// Every rule of the package, manifest and media groups is produced by the validator for
// at least one input: the fixtures of tests/fixtures cover most (tests/e2e), this file
// covers the rest through the whole validator. tests/rules_covered.sh checks that the
// two together leave no rule untested, from the codes they really produce.
#include <catch2/catch.hpp>
#include <fstream>

#include "core/findings/rules.hpp"
#include "core/validate/validator.hpp"
#include "support.hpp"

using namespace eductl;
using eductl::test::TempDir;
using nlohmann::json;

namespace {

std::vector<std::string> validate_codes(const std::filesystem::path& p) {
  auto r = validate_package(p, ScanLimits{});
  REQUIRE(r);
  test::record_produced(r->findings);
  std::vector<std::string> out;
  for (const auto& f : r->findings) out.push_back(f.code);
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& code) {
  return std::find(v.begin(), v.end(), code) != v.end();
}

// A minimal EPUB 3 folder: mimetype, container, OPF, one chapter.
void write_epub_tree(const std::filesystem::path& dir) {
  test::write_file(dir / "mimetype", "application/epub+zip");
  test::write_file(dir / "META-INF/container.xml",
                   R"(<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">)"
                   R"(<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>)");
  test::write_file(dir / "OEBPS/content.opf",
                   R"(<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0"><manifest>)"
                   R"(<item id="c1" href="ch1.xhtml" media-type="application/xhtml+xml"/></manifest><spine><itemref idref="c1"/></spine></package>)");
  std::string chapter = "<html><body>";
  for (int i = 0; i < 200; ++i) chapter += "<p>第" + std::to_string(i) + "段 正数和负数</p>";
  test::write_file(dir / "OEBPS/ch1.xhtml", chapter + "</body></html>");
}

// Overwrites 4 bytes inside the stored data of `marker` in a stored zip: same sizes, bad CRC.
void damage(const std::filesystem::path& zip, const std::string& marker) {
  std::fstream f(zip, std::ios::in | std::ios::out | std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), {});
  auto at = bytes.find(marker);
  REQUIRE(at != std::string::npos);
  f.seekp(static_cast<std::streamoff>(at));
  f.write("XXXX", 4);
}

}  // namespace

TEST_CASE("manifest rules through the whole validator, one mutation each", "[rules]") {
  struct Case {
    const char* code;
    std::function<void(json&)> mutate;
  };
  const std::vector<Case> cases = {
      {"MAN-STRUCTURE", [](json& m) { m = json::array(); }},
      {"MAN-REVISION", [](json& m) { m["revision"] = 0; }},
      {"MAN-PUBLISHER", [](json& m) { m["publisher"] = "PEP"; }},
      {"MAN-PUBLISHER-NAME", [](json& m) { m["publisher"]["name"] = ""; }},
      {"MAN-TEXTBOOK", [](json& m) { m["textbook"] = 1; }},
      {"MAN-TITLE", [](json& m) { m["textbook"]["title"] = ""; }},
      {"MAN-GRADE", [](json& m) { m["textbook"]["grade"] = 13; }},
      {"MAN-KIND", [](json& m) { m["textbook"]["kind"] = "novel"; }},
      {"MAN-EDITION", [](json& m) { m["textbook"]["edition"] = ""; }},
      {"MAN-VOLUME-TITLE", [](json& m) { m["textbook"]["volume_title"] = 5; }},
      {"MAN-LANGUAGE", [](json& m) { m["textbook"]["language"] = "zh_CN"; }},
      {"MAN-FILES", [](json& m) { m["files"] = json::object(); }},
      {"MAN-FILE-PATH", [](json& m) { m["files"][1]["path"] = "第1单元/../视频.mp4"; }},
      {"MAN-FILE-SIZE", [](json& m) { m["files"][1]["size"] = -1; }},
      {"MAN-FILE-ROLE", [](json& m) { m["files"][1]["role"] = "cover"; }},
      {"MAN-CONTENTS", [](json& m) { m["contents"] = "第一章"; }},
      {"MAN-UNIT-TITLE", [](json& m) { m["contents"][0]["title"] = ""; }},
      {"MAN-LESSONS", [](json& m) { m["contents"][0]["lessons"] = 5; }},
      {"MAN-LESSON-ID", [](json& m) { m["contents"][0]["lessons"][0]["id"] = "m 1"; }},
      {"MAN-LESSON-TITLE", [](json& m) { m["contents"][0]["lessons"][0]["title"] = ""; }},
      {"MAN-RESOURCE-KIND", [](json& m) { m["contents"][0]["lessons"][0]["resources"][0]["kind"] = "movie"; }},
  };
  TempDir t;
  for (const auto& c : cases) {
    auto pkg = t / c.code;
    json m = test::write_valid_package(pkg);
    c.mutate(m);
    test::write_file(pkg / "manifest.json", m.dump());
    INFO(c.code);
    CHECK(contains(validate_codes(pkg), c.code));
  }
}

TEST_CASE("container and media rules the fixtures do not reach", "[rules]") {
  TempDir t;
  SECTION("PKG-PATH-TOO-LONG") {
    json m = test::write_valid_package(t / "pkg");
    test::write_file(t / "pkg" / std::string(200, 'd') / (std::string(60, 'f') + ".pdf"), test::tiny_pdf(1));
    CHECK(contains(validate_codes(t / "pkg"), "PKG-PATH-TOO-LONG"));
  }
  SECTION("PDF-PAGES is a warning when no page tree can be found") {
    json m = test::write_valid_package(t / "pkg");
    const std::string pdf = "%PDF-1.5\n% compressed object streams only\n%%EOF\n";
    test::write_file(t / "pkg/课本/数学.pdf", pdf);
    m["files"][0]["sha256"] = sha256_hex(pdf);
    m["files"][0]["size"] = pdf.size();
    test::write_file(t / "pkg/manifest.json", m.dump());
    auto r = validate_package(t / "pkg", ScanLimits{});
    REQUIRE(r);
    CHECK(contains(validate_codes(t / "pkg"), "PDF-PAGES"));
    CHECK(r->valid());
  }
  SECTION("EPUB-CORRUPT and ZIP-CORRUPT for damaged data inside nested zips") {
    write_epub_tree(t / "epub");
    test::pack(t / "epub", t / "book.epub", "stored.zip");
    damage(t / "book.epub", "<p>第100段");
    test::pack(t / "epub", t / "courseware.zip", "stored.zip");
    damage(t / "courseware.zip", "<p>第150段");
    json m = test::write_valid_package(t / "pkg");
    for (const char* name : {"book.epub", "courseware.zip"}) {
      std::ifstream in(t / name, std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), {});
      test::write_file(t / "pkg" / name, bytes);
      m["files"].push_back({{"path", name}, {"sha256", sha256_hex(bytes)}, {"size", bytes.size()},
                            {"media_type", std::string(name) == "book.epub" ? "application/epub+zip" : "application/zip"}});
    }
    test::write_file(t / "pkg/manifest.json", m.dump());
    auto codes = validate_codes(t / "pkg");
    CHECK(contains(codes, "EPUB-CORRUPT"));
    CHECK(contains(codes, "ZIP-CORRUPT"));
  }
}
