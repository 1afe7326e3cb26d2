#include <catch2/catch.hpp>

#include "core/util/lock.hpp"
#include "importers/import_engine.hpp"
#include "support.hpp"

using namespace eductl;
using eductl::test::TempDir;

namespace {
ImportSummary import(const std::filesystem::path& data, const std::vector<std::filesystem::path>& in, bool dry = false) {
  ImportOptions opt;
  opt.jobs = 2;
  opt.dry_run = dry;
  auto r = run_import(data, in, opt);
  REQUIRE(r);
  return std::move(r).value();
}
std::vector<std::string> listing(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir)) out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

TEST_CASE("import: valid in, re-run unchanged, refused writes no content", "[import]") {
  TempDir t;
  auto m = test::write_valid_package(t / "in/a");
  auto s = import(t / "data", {t / "in/a"});
  REQUIRE(s.items.size() == 1);
  CHECK(s.items[0].outcome == ImportOutcome::imported);
  CHECK(s.store.stored_blobs == 2);
  CHECK(s.run_id > 0);
  auto again = import(t / "data", {t / "in/a"});
  CHECK(again.items[0].outcome == ImportOutcome::unchanged);
  CHECK(again.run_id == 0);  // nothing changed: no run recorded

  m["textbook"]["isbn"] = "978-7-107-31520-1";
  m["package_id"] = "broken-one";
  test::write_valid_package(t / "in/bad", "broken-one");
  test::write_file(t / "in/bad/manifest.json", m.dump());
  auto objects_before = listing(t / "data/objects");
  auto refused = import(t / "data", {t / "in/bad"});
  CHECK(refused.items[0].outcome == ImportOutcome::refused);
  CHECK(refused.counts.refused == 1);
  CHECK(listing(t / "data/objects") == objects_before);
  CHECK(std::filesystem::is_empty(t / "data/tmp"));
}

TEST_CASE("import: revision rules of the contract", "[import]") {
  TempDir t;
  auto m = test::write_valid_package(t / "r1");
  REQUIRE(import(t / "data", {t / "r1"}).counts.imported == 1);

  SECTION("higher revision adds a revision; lower is refused") {
    test::write_valid_package(t / "r2", "pep-math-7a", 2);
    auto s = import(t / "data", {t / "r2"});
    CHECK(s.items[0].outcome == ImportOutcome::imported);
    CHECK(s.store.dedup_blobs == 2);  // same files as revision 1
    test::write_valid_package(t / "r0", "pep-math-7a", 1);
    m["textbook"]["title"] = "数学 七年级 上册（修订）";
    test::write_file(t / "r0/manifest.json", m.dump());
    auto lower = import(t / "data", {t / "r0"});
    CHECK(lower.items[0].outcome == ImportOutcome::refused);
    CHECK(lower.items[0].findings.back().code == "IMP-REVISION-CONFLICT");
  }
  SECTION("same revision, other bytes: refused") {
    m["textbook"]["title"] = "数学 七年级 上册（修订）";
    test::write_valid_package(t / "r1b");
    test::write_file(t / "r1b/manifest.json", m.dump());
    auto s = import(t / "data", {t / "r1b"});
    CHECK(s.items[0].outcome == ImportOutcome::refused);
    CHECK(s.items[0].findings.back().code == "IMP-REVISION-CONFLICT");
  }
  SECTION("lower revision than the current: refused") {
    test::write_valid_package(t / "r3", "pep-math-7a", 3);
    REQUIRE(import(t / "data", {t / "r3"}).counts.imported == 1);
    test::write_valid_package(t / "r2", "pep-math-7a", 2);
    auto s = import(t / "data", {t / "r2"});
    CHECK(s.items[0].findings.back().code == "IMP-REVISION-LOWER");
  }
}

TEST_CASE("import: dry run writes nothing; a held lock refuses a second writer", "[import]") {
  TempDir t;
  test::write_valid_package(t / "a");
  auto dry = import(t / "data", {t / "a"}, true);
  CHECK(dry.would_import == 1);
  CHECK_FALSE(std::filesystem::exists(t / "data"));
  std::filesystem::create_directories(t / "data");
  auto lock = WriterLock::acquire(t / "data/lock", "test");
  REQUIRE(lock);
  ImportOptions opt;
  auto r = run_import(t / "data", {t / "a"}, opt);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::locked);
}

TEST_CASE("import: a PDF folder's files get the same media checks as package entries", "[import][pdf-folder]") {
  TempDir t;
  test::write_file(t / "in/good.pdf", test::tiny_pdf(3));
  std::string cut = test::tiny_pdf(3);
  cut.resize(cut.size() - 7);  // no %%EOF: truncated
  test::write_file(t / "in/cut.pdf", cut);
  test::write_file(t / "in/books.csv",
                   "file,title,publisher_code,publisher_name,isbn,stage,grade,subject,edition,volume,package_id\n"
                   "good.pdf,数学 七年级 上册,PEP,人民教育出版社,978-7-107-31520-6,junior,7,math,人教版,upper,pep-good\n"
                   "cut.pdf,数学 七年级 下册,PEP,人民教育出版社,978-7-107-31520-6,junior,7,math,人教版,lower,pep-cut\n");
  auto s = import(t / "data", {t / "in"});
  REQUIRE(s.items.size() == 2);
  CHECK(s.items[0].outcome == ImportOutcome::imported);
  CHECK(s.items[1].outcome == ImportOutcome::refused);
  REQUIRE_FALSE(s.items[1].findings.empty());
  CHECK(s.items[1].findings[0].code == "PDF-TRAILER");
  CHECK(s.store.stored_blobs == 1);
  CHECK(std::filesystem::is_empty(t / "data/tmp"));
}

TEST_CASE("import: a changed platform listing record becomes the next revision", "[import][listing]") {
  TempDir t;
  auto listing = [&](const std::string& title) {
    nlohmann::json r = {{"id", "5f3c0a7e-1b2d-4c3e-9f10-aa11bb22cc33"},
                        {"title", title},
                        {"resource_type_code", "teachingmaterials"},
                        {"provider_list", {{{"name", "人民教育出版社"}}}},
                        {"custom_properties", {{"format", "pdf"}, {"size", 1024}}},
                        {"tag_list",
                         {{{"tag_dimension_id", "zxxxd"}, {"tag_name", "初中"}},
                          {{"tag_dimension_id", "zxxnj"}, {"tag_name", "七年级"}},
                          {{"tag_dimension_id", "zxxcc"}, {"tag_name", "上册"}},
                          {{"tag_dimension_id", "zxxbb"}, {"tag_name", "人教版"}},
                          {{"tag_dimension_id", "zxxxk"}, {"tag_name", "数学"}}}}};
    return nlohmann::json::array({r}).dump();
  };
  test::write_file(t / "v1.json", listing("义务教育教科书·数学七年级上册"));
  test::write_file(t / "v2.json", listing("（根据2022年版课程标准修订）义务教育教科书·数学七年级上册"));
  auto first = import(t / "data", {t / "v1.json"});
  REQUIRE(first.items.size() == 1);
  CHECK(first.items[0].outcome == ImportOutcome::imported);
  CHECK(first.items[0].revision == std::optional<std::int64_t>(1));
  auto second = import(t / "data", {t / "v2.json"});
  CHECK(second.items[0].outcome == ImportOutcome::imported);
  CHECK(second.items[0].revision == std::optional<std::int64_t>(2));
  // An older listing read again changes nothing: its content is revision 1.
  auto again = import(t / "data", {t / "v1.json"});
  CHECK(again.items[0].outcome == ImportOutcome::unchanged);
  CHECK(again.items[0].revision == std::optional<std::int64_t>(1));
}
