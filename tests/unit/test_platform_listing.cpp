#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "importers/platform_listing.hpp"

using namespace eductl;
using nlohmann::json;

namespace {

// A record shaped like the platform's, reduced to the fields the mapping reads.
json record(const std::string& id, const std::string& title, const std::string& type,
            std::initializer_list<std::pair<const char*, const char*>> tags) {
  json r = {{"id", id},
            {"title", title},
            {"resource_type_code", type},
            {"language", "zh-CN"},
            {"provider_list", json::array()},
            {"custom_properties", json::object()},
            {"tag_list", json::array()}};
  int order = 0;
  for (const auto& [dim, name] : tags) {
    r["tag_list"].push_back({{"tag_dimension_id", dim}, {"tag_name", name}, {"order_num", order++}});
  }
  return r;
}

json with_file(json r, const char* format, std::uint64_t size) {
  r["custom_properties"]["format"] = format;
  r["custom_properties"]["size"] = size;
  return r;
}

json with_provider(json r, const char* name) {
  r["provider_list"].push_back({{"name", name}, {"type", "provider"}});
  return r;
}

const Finding* find_code(const Findings& findings, std::string_view code) {
  for (const auto& f : findings) {
    if (f.code == code) return &f;
  }
  return nullptr;
}

ListingReadResult map_one(const json& r) { return map_platform_listing(json::array({r})); }

}  // namespace

TEST_CASE("a five-four system junior book from a syncClassroom part", "[listing]") {
  auto out = map_one(record("1a2b3c4d-0000-0000-0000-000000000001", "初中（五•四学制）艺术鲁教版六年级上册",
                            "teachingmaterials",
                            {{"zxxbb", "鲁教版"}, {"zxxcc", "上册"}, {"zxxnj", "六年级"},
                             {"zxxxd", "初中（五•四学制）"}, {"zxxxk", "艺术·舞蹈/影视/戏剧"},
                             {"tagView", "同步课资源视图"}}));
  CHECK(out.records == 1);
  CHECK(out.findings.empty());
  REQUIRE(out.books.size() == 1);
  const BookRecord& b = out.books[0];
  CHECK(b.package_id == "1a2b3c4d-0000-0000-0000-000000000001");
  CHECK(b.revision == 1);
  CHECK(b.source == "platform-listing");
  CHECK(b.meta.stage == "junior");
  CHECK(b.meta.school_system == "5-4");
  CHECK(b.meta.grade == GradeSpan{6, 6});
  CHECK(b.meta.subject == "arts-performance");
  CHECK(b.meta.volume == "upper");
  CHECK(b.meta.edition == "鲁教版");
  CHECK(b.meta.kind == "student");
  CHECK(b.meta.isbn.empty());
  CHECK(b.meta.publisher_code.empty());
  CHECK(b.files.empty());  // a catalogue entry without a document
}

TEST_CASE("special education: blind school and intellectual school books", "[listing]") {
  auto blind = with_provider(
      with_file(record("f52c0000-6ba9-47ef-fbc3-9331700eae52",
                       "盲校义务教育实验教科书 英语（三年级起点） 三年级 下册（供低视力学生使用）",
                       "assets_document",
                       {{"5036342742", "电子教材"}, {"zxxcc", "下册"}, {"zxxlb", "盲校"}, {"zxxnj", "三年级"},
                        {"zxxxd", "小学"}, {"zxxxd", "特殊教育"}, {"zxxxk", "英语（三年级起点）"}}),
                "pdf", 6271438),
      "人民教育出版社");
  auto intellectual = record("29250000-b429-11da-10d3-f7b1c034a3f6",
                             "培智学校义务教育实验教科书 生活适应 一年级 下册", "assets_document",
                             {{"zxxcc", "下册"}, {"zxxlb", "培智学校"}, {"zxxnj", "一年级"},
                              {"zxxxd", "特殊教育"}, {"zxxxk", "生活适应"}});
  auto out = map_platform_listing(json::array({blind, intellectual}));
  CHECK(out.findings.empty());
  REQUIRE(out.books.size() == 2);

  const BookMeta& b = out.books[0].meta;
  CHECK(b.stage == "special");
  CHECK(b.school_system.empty());
  CHECK(b.special_school == "blind");
  CHECK(b.subject == "english");
  CHECK(b.edition == "（三年级起点）");
  CHECK(b.grade == GradeSpan{3, 3});
  CHECK(b.publisher_name == "人民教育出版社");
  REQUIRE(out.books[0].files.size() == 1);
  const FileDecl& f = out.books[0].files[0];
  CHECK(f.path == "f52c0000-6ba9-47ef-fbc3-9331700eae52.pdf");
  CHECK(f.size == 6271438);
  CHECK(f.media_type == "application/pdf");
  CHECK(f.role == "textbook");
  CHECK(f.sha256.empty());

  const BookMeta& i = out.books[1].meta;
  CHECK(i.special_school == "intellectual");
  CHECK(i.subject == "life-adaptation");
}

TEST_CASE("grade span, teacher's book, reader and named volumes", "[listing]") {
  auto span = record("a0000000-0000-0000-0000-000000000001", "小学体育与健康人教版五至六年级水平三",
                     "teachingmaterials",
                     {{"zxxbb", "人教版"}, {"zxxcc", "水平三"}, {"zxxnj", "五至六年级"}, {"zxxxd", "小学"},
                      {"zxxxk", "体育与健康"}});
  auto teacher = record("a0000000-0000-0000-0000-000000000002", "体育与健康教师用书 篮球运动（全一册）",
                        "assets_document",
                        {{"zxxbb", "华东师大版"}, {"zxxcc", "篮球运动（全一册）"}, {"zxxnj", "教师用书"},
                         {"zxxxd", "小学"}, {"zxxxk", "体育与健康"}});
  auto elective = record("a0000000-0000-0000-0000-000000000003", "高中生物学人教版选择性必修1 稳态与调节",
                         "teachingmaterials",
                         {{"zxxbb", "人教版"}, {"zxxcc", "选择性必修1 稳态与调节"}, {"zxxxd", "高中"},
                          {"zxxxk", "生物学"}});
  auto arts = record("a0000000-0000-0000-0000-000000000004", "初中艺术 舞蹈人教版八年级下册",
                     "teachingmaterials",
                     {{"zxxbb", "人教版"}, {"zxxcc", "舞蹈下册"}, {"zxxnj", "八年级"}, {"zxxxd", "初中"},
                      {"zxxxk", "艺术·舞蹈/影视/戏剧"}});
  auto practice = record("a0000000-0000-0000-0000-000000000005", "小学语文·书法练习指导苏少版六年级下册",
                         "teachingmaterials",
                         {{"zxxbb", "苏少版"}, {"zxxcc", "下册"}, {"zxxnj", "六年级"}, {"zxxxd", "小学"},
                          {"zxxxk", "语文·书法练习指导"}});
  auto senior = record("a0000000-0000-0000-0000-000000000006", "高中艺术沪音乐版高三下册", "teachingmaterials",
                       {{"zxxbb", "沪音乐版"}, {"zxxcc", "高三下册"}, {"zxxxd", "高中"}, {"zxxxk", "艺术"}});
  auto out = map_platform_listing(json::array({span, teacher, elective, arts, practice, senior}));
  CHECK(out.findings.empty());
  REQUIRE(out.books.size() == 6);

  CHECK(out.books[0].meta.grade == GradeSpan{5, 6});
  CHECK(out.books[0].meta.volume == "level-3");

  CHECK(out.books[1].meta.kind == "teacher");
  CHECK_FALSE(out.books[1].meta.grade);
  CHECK(out.books[1].meta.volume == "full");
  CHECK(out.books[1].meta.volume_title == "篮球运动");

  CHECK(out.books[2].meta.stage == "senior");
  CHECK(out.books[2].meta.school_system.empty());
  CHECK(out.books[2].meta.volume == "elective-1");
  CHECK(out.books[2].meta.volume_title == "稳态与调节");
  CHECK_FALSE(out.books[2].meta.grade);

  CHECK(out.books[3].meta.subject == "arts-performance");
  CHECK(out.books[3].meta.volume == "lower");
  CHECK(out.books[3].meta.volume_title == "舞蹈");

  CHECK(out.books[4].meta.subject == "calligraphy");
  CHECK(out.books[4].meta.kind == "practice");

  CHECK(out.books[5].meta.grade == GradeSpan{12, 12});  // from the volume tag
  CHECK(out.books[5].meta.volume == "lower");
}

TEST_CASE("a history part named in the grade tag and a free-form volume", "[listing]") {
  auto out = map_one(record("b0000000-0000-0000-0000-000000000001", "初中（五•四学制）历史统编版中国历史第一册",
                            "teachingmaterials",
                            {{"zxxbb", "统编版"}, {"zxxcc", "第一册"}, {"zxxnj", "中国历史"},
                             {"zxxxd", "初中（五•四学制）"}, {"zxxxk", "历史"}}));
  REQUIRE(out.books.size() == 1);  // mapped, with a warning
  CHECK(out.books[0].meta.subject == "history");
  CHECK(out.books[0].meta.volume.empty());
  CHECK(out.books[0].meta.volume_title == "中国历史 第一册");
  REQUIRE(out.findings.size() == 1);
  CHECK(out.findings[0].code == "LST-VOLUME");
  CHECK(out.findings[0].severity == Severity::warning);
  CHECK(out.findings[0].entry == "b0000000-0000-0000-0000-000000000001");
}

TEST_CASE("an unmappable record is reported with its id and the failing tag", "[listing]") {
  auto bad = record("5f3c0000-0000-0000-0000-00000000dead", "小学天文人教版三年级上册", "teachingmaterials",
                    {{"zxxbb", "人教版"}, {"zxxcc", "上册"}, {"zxxnj", "三年级"}, {"zxxxd", "小学"},
                     {"zxxxk", "天文"}});
  auto good = record("5f3c0000-0000-0000-0000-000000000001", "小学数学人教版三年级上册", "teachingmaterials",
                     {{"zxxbb", "人教版"}, {"zxxcc", "上册"}, {"zxxnj", "三年级"}, {"zxxxd", "小学"},
                      {"zxxxk", "数学"}});
  auto out = map_platform_listing(json::array({bad, good}));
  CHECK(out.records == 2);
  REQUIRE(out.books.size() == 1);
  CHECK(out.books[0].package_id == "5f3c0000-0000-0000-0000-000000000001");
  const Finding* f = find_code(out.findings, "LST-SUBJECT");
  REQUIRE(f);
  CHECK(f->severity == Severity::error);
  CHECK(f->entry == "5f3c0000-0000-0000-0000-00000000dead");
  CHECK(f->message.find("5f3c0000-0000-0000-0000-00000000dead") != std::string::npos);
  CHECK(f->message.find("'天文' (zxxxk)") != std::string::npos);
}

TEST_CASE("records failing on stage, grade, special school or conflicting tags", "[listing]") {
  auto no_stage = record("c0000000-0000-0000-0000-000000000001", "x", "teachingmaterials", {{"zxxxk", "数学"}});
  auto bad_grade = record("c0000000-0000-0000-0000-000000000002", "x", "teachingmaterials",
                          {{"zxxxd", "小学"}, {"zxxxk", "数学"}, {"zxxnj", "幼儿园"}});
  auto no_school = record("c0000000-0000-0000-0000-000000000003", "x", "teachingmaterials",
                          {{"zxxxd", "特殊教育"}, {"zxxxk", "生活数学"}, {"zxxnj", "一年级"}});
  auto conflict = record("c0000000-0000-0000-0000-000000000004", "x", "teachingmaterials",
                         {{"zxxxd", "小学"}, {"zxxxk", "数学"}, {"zxxbb", "人教版"}, {"zxxbb", "北师大版"}});
  auto range = record("c0000000-0000-0000-0000-000000000005", "x", "teachingmaterials",
                      {{"zxxxd", "小学（五•四学制）"}, {"zxxxk", "数学"}, {"zxxnj", "六年级"}, {"zxxcc", "上册"}});
  auto out = map_platform_listing(json::array({no_stage, bad_grade, no_school, conflict, range}));
  REQUIRE(out.books.size() == 1);  // the out-of-range grade is kept, with a warning
  CHECK(out.books[0].package_id == "c0000000-0000-0000-0000-000000000005");
  auto entry_of = [&](std::string_view code) {
    const Finding* f = find_code(out.findings, code);
    return f ? f->entry : std::string("(none)");
  };
  CHECK(entry_of("LST-STAGE") == "c0000000-0000-0000-0000-000000000001");
  CHECK(entry_of("LST-GRADE") == "c0000000-0000-0000-0000-000000000002");
  CHECK(entry_of("LST-SPECIAL-SCHOOL") == "c0000000-0000-0000-0000-000000000003");
  CHECK(entry_of("LST-TAG-CONFLICT") == "c0000000-0000-0000-0000-000000000004");
  CHECK(entry_of("LST-GRADE-RANGE") == "c0000000-0000-0000-0000-000000000005");
}

TEST_CASE("non-book records are skipped with a warning, never silently", "[listing]") {
  auto course = record("d0000000-0000-0000-0000-000000000001", "第1课时 认识图形", "thematic_course",
                       {{"zxxxd", "小学"}, {"zxxxk", "数学"}});
  auto video = record("d0000000-0000-0000-0000-000000000002", "课程视频", "assets_video", {});
  auto out = map_platform_listing(json::array({course, video}));
  CHECK(out.books.empty());
  REQUIRE(out.findings.size() == 2);
  for (const auto& f : out.findings) {
    CHECK(f.code == "LST-NOT-A-BOOK");
    CHECK(f.severity == Severity::warning);
  }
  CHECK(out.findings[0].entry == "d0000000-0000-0000-0000-000000000001");
}

TEST_CASE("a compound textbook: tagged parent course plus its document part", "[listing]") {
  auto parent = with_provider(record("e0000000-0000-0000-0000-00000000000p",
                                     "义务教育教科书• 体育与健康教师用书 足球运动（全一册）", "thematic_course",
                                     {{"5036342742", "电子教材"}, {"zxxbb", "华东师大版"},
                                      {"zxxcc", "足球运动（全一册）"}, {"zxxnj", "教师用书"}, {"zxxxd", "初中"},
                                      {"zxxxk", "体育与健康"}}),
                              "华东师范大学出版社");
  auto part = with_file(record("e0000000-0000-0000-0000-00000000000s",
                               "义务教育教科书• 体育与健康教师用书 足球运动（全一册）", "assets_document", {}),
                        "pdf", 4244168);
  part["resource_custom_properties"] = {{"compound_node", "sub"}};
  part["teachmeterial_ids"] = {"e0000000-0000-0000-0000-00000000000p"};
  auto orphan = part;
  orphan["id"] = "e0000000-0000-0000-0000-00000000000o";
  orphan["teachmeterial_ids"] = {"e0000000-0000-0000-0000-0000000000xx"};

  auto out = map_platform_listing(json::array({part, parent, orphan}));
  CHECK(out.records == 3);
  REQUIRE(out.books.size() == 1);
  const BookRecord& b = out.books[0];
  CHECK(b.package_id == "e0000000-0000-0000-0000-00000000000p");
  CHECK(b.meta.kind == "teacher");
  CHECK(b.meta.publisher_name == "华东师范大学出版社");
  REQUIRE(b.files.size() == 1);
  CHECK(b.files[0].path == "e0000000-0000-0000-0000-00000000000s.pdf");
  CHECK(b.files[0].size == 4244168);
  CHECK(b.files[0].role == "textbook");
  REQUIRE(out.findings.size() == 1);
  CHECK(out.findings[0].code == "LST-PART-ORPHAN");
  CHECK(out.findings[0].entry == "e0000000-0000-0000-0000-00000000000o");
}

TEST_CASE("records without id, duplicates, odd formats and unknown dimensions", "[listing]") {
  json no_id = record("", "无编号", "teachingmaterials", {{"zxxxd", "小学"}, {"zxxxk", "数学"}});
  no_id.erase("id");
  auto first = with_file(record("f0000000-0000-0000-0000-000000000001", "x", "assets_document",
                                {{"zxxxd", "小学"}, {"zxxxk", "数学"}, {"zxxnew", "新维度"}}),
                         "docx", 10);
  auto again = first;
  auto out = map_platform_listing(json::array({no_id, first, again, 42}));
  CHECK(out.records == 4);
  REQUIRE(out.books.size() == 1);
  CHECK(out.books[0].files.empty());
  REQUIRE(find_code(out.findings, "LST-NO-ID"));
  CHECK(find_code(out.findings, "LST-NO-ID")->entry == "record[0]");
  CHECK(find_code(out.findings, "LST-FORMAT"));
  CHECK(find_code(out.findings, "LST-TAG-DIMENSION"));
  CHECK(find_code(out.findings, "LST-DUPLICATE-ID"));
  REQUIRE(find_code(out.findings, "LST-RECORD"));
  CHECK(find_code(out.findings, "LST-RECORD")->entry == "record[3]");
}

TEST_CASE("read_platform_listing refuses what is not a JSON array", "[listing]") {
  const auto dir = std::filesystem::temp_directory_path() / "eductl-test-listing";
  std::filesystem::remove_all(dir);  // a failed earlier run may have left its files
  std::filesystem::create_directories(dir);
  auto write = [&](const char* name, const std::string& text) {
    std::ofstream(dir / name, std::ios::binary) << text;
    return dir / name;
  };
  auto missing = read_platform_listing(dir / "absent.json");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == ErrorKind::bad_input);
  auto garbage = read_platform_listing(write("garbage.json", "[{\"id\": "));
  REQUIRE_FALSE(garbage);
  CHECK(garbage.error().kind == ErrorKind::bad_input);
  auto object = read_platform_listing(write("object.json", "{\"id\": \"x\"}"));
  REQUIRE_FALSE(object);
  CHECK(object.error().kind == ErrorKind::bad_input);
  auto empty = read_platform_listing(write("empty.json", "[]"));
  REQUIRE(empty);
  CHECK(empty->records == 0);
  auto one = read_platform_listing(
      write("one.json", json::array({record("0f000000-0000-0000-0000-000000000001", "小学数学人教版一年级上册",
                                            "teachingmaterials",
                                            {{"zxxxd", "小学"}, {"zxxxk", "数学"}, {"zxxnj", "一年级"},
                                             {"zxxcc", "上册"}, {"zxxbb", "人教版"}})})
                            .dump()));
  REQUIRE(one);
  CHECK(one->books.size() == 1);

  // Not regular, or over the cap: one finding for the whole file, nothing read.
  std::filesystem::create_symlink("/dev/zero", dir / "zero.json");
  auto zero = read_platform_listing(dir / "zero.json");
  REQUIRE(zero);
  REQUIRE(zero->findings.size() == 1);
  CHECK(zero->findings[0].code == "LST-FILE-TYPE");
  CHECK(zero->findings[0].entry.empty());
  REQUIRE(::mkfifo((dir / "fifo.json").c_str(), 0600) == 0);
  auto fifo = read_platform_listing(dir / "fifo.json");
  REQUIRE(fifo);
  REQUIRE(fifo->findings.size() == 1);
  CHECK(fifo->findings[0].code == "LST-FILE-TYPE");
  auto big = read_platform_listing(write("big.json", "[" + std::string(4096, ' ') + "]"), 1024);
  REQUIRE(big);
  REQUIRE(big->findings.size() == 1);
  CHECK(big->findings[0].code == "LST-FILE-TOO-LARGE");
  std::filesystem::remove_all(dir);
}

TEST_CASE("a file size beyond int64 is a record error, never a wrapped size", "[listing]") {
  auto out = map_one(with_file(record("0f000000-0000-0000-0000-000000000009", "小学数学人教版一年级上册",
                                      "teachingmaterials",
                                      {{"zxxxd", "小学"}, {"zxxxk", "数学"}, {"zxxnj", "一年级"},
                                       {"zxxcc", "上册"}, {"zxxbb", "人教版"}}),
                               "pdf", 18446744073709551615ull));
  CHECK(out.books.empty());
  REQUIRE(find_code(out.findings, "LST-RECORD"));
  CHECK(find_code(out.findings, "LST-RECORD")->message.find("2^63-1") != std::string::npos);
}
