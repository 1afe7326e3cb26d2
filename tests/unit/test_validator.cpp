#include <catch2/catch.hpp>

#include "core/validate/validator.hpp"
#include "support.hpp"

using namespace eductl;
using eductl::test::TempDir;
using nlohmann::json;

namespace {
std::vector<std::string> codes(const PackageReport& r) {
  std::vector<std::string> out;
  for (const auto& f : r.findings) out.push_back(f.code);
  return out;
}
bool has(const PackageReport& r, const std::string& code) {
  auto c = codes(r);
  return std::find(c.begin(), c.end(), code) != c.end();
}
PackageReport check(const std::filesystem::path& p, const ScanLimits& limits = {}) {
  auto r = validate_package(p, limits);
  REQUIRE(r);
  test::record_produced(r->findings);
  return std::move(r).value();
}
void rewrite(const std::filesystem::path& dir, const json& m) { test::write_file(dir / "manifest.json", m.dump(2)); }
}  // namespace

TEST_CASE("a valid package is valid in every container", "[validate]") {
  TempDir t;
  test::write_valid_package(t / "pkg");
  auto dir = check(t / "pkg");
  CHECK(codes(dir).empty());
  CHECK(dir.valid());
  REQUIRE(dir.book);
  CHECK(dir.book->meta.school_system == "6-3");
  CHECK(dir.book->meta.isbn == "9787107315206");
  for (const char* kind : {"zip", "tar", "tar.gz", "tar.zst"}) {
    auto archive = t / (std::string("pkg.") + kind);
    test::pack(t / "pkg", archive, kind);
    auto r = check(archive);
    INFO(kind);
    CHECK(codes(r).empty());
    CHECK(r.scan.files.size() == 2);
  }
}

TEST_CASE("a package inside one top-level folder is read from that folder", "[validate]") {
  TempDir t;
  test::write_valid_package(t / "src/人教版数学七上");
  test::pack(t / "src", t / "wrapped.zip", "zip");
  auto r = check(t / "wrapped.zip");
  CHECK(codes(r).empty());
  CHECK(r.scan.root_prefix == "人教版数学七上/");
}

TEST_CASE("manifest rules the schema cannot say", "[validate]") {
  TempDir t;
  auto pkg = t / "pkg";
  json m = test::write_valid_package(pkg);

  SECTION("ISBN check digit") {
    m["textbook"]["isbn"] = "978-7-107-31520-1";
    rewrite(pkg, m);
    CHECK(codes(check(pkg)) == std::vector<std::string>{"MAN-ISBN-CHECKDIGIT"});
  }
  SECTION("grade outside the stage, and 5-4 shifts junior to start at 6") {
    m["textbook"]["grade"] = 6;
    rewrite(pkg, m);
    CHECK(codes(check(pkg)) == std::vector<std::string>{"MAN-GRADE-STAGE"});
    m["textbook"]["school_system"] = "5-4";
    rewrite(pkg, m);
    CHECK(codes(check(pkg)).empty());
    m["textbook"]["grade"] = json::array({5, 6});
    rewrite(pkg, m);
    CHECK(codes(check(pkg)) == std::vector<std::string>{"MAN-GRADE-STAGE"});
  }
  SECTION("special education needs its school, and only there") {
    m["textbook"]["stage"] = "special";
    m["textbook"]["subject"] = "life-math";
    rewrite(pkg, m);
    CHECK(codes(check(pkg)) == std::vector<std::string>{"MAN-SPECIAL-SCHOOL"});
    m["textbook"]["special_school"] = "intellectual";
    rewrite(pkg, m);
    CHECK(codes(check(pkg)).empty());
    m["textbook"]["stage"] = "junior";
    rewrite(pkg, m);
    CHECK(codes(check(pkg)) == std::vector<std::string>{"MAN-SPECIAL-SCHOOL"});
  }
  SECTION("school system only for primary and junior") {
    m["textbook"]["stage"] = "senior";
    m["textbook"].erase("grade");
    m["textbook"]["school_system"] = "6-3";
    rewrite(pkg, m);
    CHECK(codes(check(pkg)) == std::vector<std::string>{"MAN-SCHOOL-SYSTEM"});
  }
  SECTION("resources must point at listed files; pages within the book") {
    m["contents"][0]["lessons"][0]["resources"][0]["file"] = "nope.mp4";
    m["contents"][0]["lessons"][0]["resources"][1]["pages"] = "3-9";
    rewrite(pkg, m);
    auto c = codes(check(pkg));
    CHECK(std::find(c.begin(), c.end(), "MAN-RESOURCE-FILE") != c.end());
    CHECK(std::find(c.begin(), c.end(), "MAN-PAGES-RANGE") != c.end());
  }
  SECTION("pages only on textbook_pages, and not reversed") {
    m["contents"][0]["lessons"][0]["resources"][0]["pages"] = "1";
    m["contents"][0]["lessons"][0]["resources"][1]["pages"] = "4-2";
    rewrite(pkg, m);
    CHECK(codes(check(pkg)) == std::vector<std::string>{"MAN-RESOURCE-PAGES", "MAN-RESOURCE-PAGES"});
  }
  SECTION("listed and present must agree, with sizes and hashes") {
    test::write_file(pkg / "extra.pdf", test::tiny_pdf(1));
    m["files"][1]["sha256"] = std::string(64, 'a');
    rewrite(pkg, m);
    auto r = check(pkg);
    CHECK(has(r, "PKG-FILE-UNLISTED"));
    CHECK(has(r, "PKG-SHA256-MISMATCH"));
    m["files"][1]["size"] = 1;
    m["files"].push_back({{"path", "gone.pdf"}, {"sha256", std::string(64, 'b')}, {"size", 3}, {"media_type", "application/pdf"}});
    rewrite(pkg, m);
    r = check(pkg);
    CHECK(has(r, "PKG-SIZE-MISMATCH"));
    CHECK(has(r, "PKG-FILE-MISSING"));
  }
  SECTION("exactly one textbook file, a PDF or EPUB") {
    m["files"][0].erase("role");
    rewrite(pkg, m);
    CHECK(codes(check(pkg)) == std::vector<std::string>{"MAN-TEXTBOOK-FILE"});
    m["files"][0]["role"] = "textbook";
    m["files"][1]["role"] = "textbook";
    rewrite(pkg, m);
    CHECK(codes(check(pkg)) == std::vector<std::string>{"MAN-TEXTBOOK-FILE"});
  }
  SECTION("duplicate lesson ids and listings") {
    m["contents"][0]["lessons"].push_back(m["contents"][0]["lessons"][0]);
    m["files"].push_back(m["files"][1]);
    rewrite(pkg, m);
    auto r = check(pkg);
    CHECK(has(r, "MAN-LESSON-ID-DUPLICATE"));
    CHECK(has(r, "MAN-FILE-DUPLICATE"));
  }
  SECTION("unknown members are warnings; strict makes them fail") {
    m["textbook"]["colour"] = "red";
    rewrite(pkg, m);
    auto r = check(pkg);
    CHECK(codes(r) == std::vector<std::string>{"MAN-UNKNOWN-FIELD"});
    CHECK(r.valid());
    CHECK_FALSE(r.valid(true));
  }
  SECTION("schema findings carry their field's code and a JSON pointer") {
    m["publisher"]["code"] = "pep";
    rewrite(pkg, m);
    auto r = check(pkg);
    REQUIRE(codes(r) == std::vector<std::string>{"MAN-PUBLISHER-CODE"});
    CHECK(r.findings[0].entry == "manifest.json#/publisher/code");
  }
  SECTION("a number too large for a double is a syntax finding, not a crash") {
    test::write_file(pkg / "manifest.json", "5E15155");
    CHECK(codes(check(pkg)) == std::vector<std::string>{"MAN-JSON-SYNTAX"});
  }
  SECTION("syntax errors give line and column") {
    test::write_file(pkg / "manifest.json", "{\n  \"format\": \"textbook-package/1\",\n  oops\n}");
    auto r = check(pkg);
    REQUIRE(codes(r) == std::vector<std::string>{"MAN-JSON-SYNTAX"});
    CHECK(r.findings[0].message.find("line 3") != std::string::npos);
  }
}

TEST_CASE("limits stop reading and say why", "[validate][limits]") {
  TempDir t;
  test::write_valid_package(t / "pkg");
  test::write_file(t / "pkg/big.bin", std::string(3 << 20, '\0'));
  test::pack(t / "pkg", t / "bomb.zip", "zip");
  auto r = check(t / "bomb.zip");
  CHECK(has(r, "PKG-COMPRESSION-RATIO"));
  ScanLimits small;
  small.max_unpacked = 1 << 20;
  // The cause only: files never reached are not also "missing", nor the manifest.
  CHECK(codes(check(t / "pkg", small)) == std::vector<std::string>{"PKG-TOO-LARGE"});
  ScanLimits few;
  few.max_entries = 2;
  for (const auto& path : {t / "pkg", t / "bomb.zip"}) {
    INFO(path);
    auto many = check(path, few);
    CHECK(has(many, "PKG-TOO-MANY-ENTRIES"));
    CHECK_FALSE(has(many, "PKG-FILE-MISSING"));
    CHECK_FALSE(has(many, "PKG-MANIFEST-MISSING"));
  }
}

TEST_CASE("a truncated archive is corrupt, not 'not an archive'", "[validate]") {
  TempDir t;
  test::write_valid_package(t / "pkg");
  test::write_file(t / "pkg/big.bin", std::string(256 << 10, 'x'));
  test::pack(t / "pkg", t / "whole.zip", "stored.zip");
  std::ifstream in(t / "whole.zip", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  for (std::size_t keep : {std::size_t{40}, bytes.size() / 2}) {
    test::write_file(t / "cut.zip", bytes.substr(0, keep));
    auto r = check(t / "cut.zip");
    INFO("kept " << keep << " bytes");
    CHECK(codes(r) == std::vector<std::string>{"PKG-CORRUPT"});
    CHECK(r.unreadable());
  }
}

TEST_CASE("hard links made outside a folder package do not change its verdict", "[validate]") {
  TempDir t;
  test::write_valid_package(t / "pkg");
  for (const auto& e : std::filesystem::recursive_directory_iterator(t / "pkg"))
    if (e.is_regular_file())
      std::filesystem::create_hard_link(e.path(), t / ("copy-" + std::to_string(std::hash<std::string>{}(e.path()))));
  CHECK(codes(check(t / "pkg")).empty());
}

TEST_CASE("damaged entry data is corruption even when sizes still match (CRC-32)", "[validate]") {
  TempDir t;
  test::write_valid_package(t / "pkg");
  test::pack(t / "pkg", t / "stored.zip", "stored.zip");
  CHECK(codes(check(t / "stored.zip")).empty());
  // Overwrite bytes inside the stored PDF: same size, wrong CRC.
  std::fstream f(t / "stored.zip", std::ios::in | std::ios::out | std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), {});
  auto at = bytes.find("/Type /Page ");
  REQUIRE(at != std::string::npos);
  f.seekp(static_cast<std::streamoff>(at + 1));
  f.write("XXXX", 4);
  f.close();
  auto r = check(t / "stored.zip");
  CHECK(has(r, "PKG-CORRUPT"));
  CHECK(r.unreadable());
}

TEST_CASE("a missing path is an error, not a finding; garbage is unreadable", "[validate]") {
  TempDir t;
  auto r = validate_package(t / "nope.zip", ScanLimits{});
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::bad_input);
  test::write_file(t / "junk.zip", "this is not an archive at all, just text");
  auto junk = check(t / "junk.zip");
  CHECK(junk.unreadable());
  CHECK(codes(junk) == std::vector<std::string>{"PKG-UNREADABLE"});
}

TEST_CASE("links and special files in a folder package are findings", "[validate]") {
  TempDir t;
  test::write_valid_package(t / "pkg");
  std::filesystem::create_symlink("/etc/passwd", t / "pkg/link");
  auto r = check(t / "pkg");
  CHECK(has(r, "PKG-SYMLINK"));
}

TEST_CASE("control characters in manifest text: one finding per cause", "[validate]") {
  TempDir t;
  auto pkg = t / "pkg";
  json m = test::write_valid_package(pkg);
  m["textbook"]["title"] = "数学\x1b]0;owned\x07";
  m["contents"][0]["lessons"][0]["title"] = "正数\u202e负数";
  rewrite(pkg, m);
  auto r = check(pkg);
  CHECK(codes(r) == std::vector<std::string>{"MAN-TEXT-CONTROL", "MAN-TEXT-CONTROL"});
  CHECK(r.findings[0].entry == "manifest.json#/contents/0/lessons/0/title");
  CHECK(r.findings[0].message.find("U+202E") != std::string::npos);
  CHECK(r.findings[1].entry == "manifest.json#/textbook/title");
  CHECK(r.findings[1].message.find("U+001B") != std::string::npos);
  // A package_id with a control character breaks its pattern: that finding alone.
  m = test::write_valid_package(pkg);
  m["package_id"] = "pep-math\t7a";
  rewrite(pkg, m);
  CHECK(codes(check(pkg)) == std::vector<std::string>{"MAN-PACKAGE-ID"});
}
