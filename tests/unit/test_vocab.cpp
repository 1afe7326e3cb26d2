#include <catch2/catch.hpp>
#include <string>

#include "core/package/vocab.hpp"

using namespace eductl;

TEST_CASE("stage labels parse, with the school system the platform folds in", "[vocab]") {
  CHECK(stage_code("小学") == "primary");
  CHECK(stage_code("senior") == "senior");
  CHECK(stage_code("特殊教育") == "special");
  CHECK_FALSE(stage_code("大学"));

  auto five_four = parse_stage_label("小学（五•四学制）");
  REQUIRE(five_four);
  CHECK(five_four->stage == "primary");
  CHECK(five_four->school_system == "5-4");
  // Other dots and ASCII brackets mean the same.
  auto ascii = parse_stage_label("初中(五·四学制)");
  REQUIRE(ascii);
  CHECK(ascii->stage == "junior");
  CHECK(ascii->school_system == "5-4");
  auto plain = parse_stage_label("高中");
  REQUIRE(plain);
  CHECK(plain->school_system.empty());
  CHECK_FALSE(parse_stage_label("小学（七年制）"));

  CHECK(stage_label("junior") == "初中");
  CHECK(stage_label("nope").empty());
  CHECK(school_system_code("五四学制") == "5-4");
  CHECK(school_system_label("5-4") == "五•四学制");
  CHECK(is_known_school_system("6-3"));
}

TEST_CASE("special schools and book kinds map both ways", "[vocab]") {
  CHECK(special_school_code("盲校") == "blind");
  CHECK(special_school_code("聋校") == "deaf");
  CHECK(special_school_code("培智学校") == "intellectual");
  CHECK(special_school_label("intellectual") == "培智学校");
  CHECK(kind_code("教师用书") == "teacher");
  CHECK(kind_code("学生读本") == "reader");
  CHECK(kind_code("读本") == "reader");
  CHECK(kind_code("practice") == "practice");
  CHECK(kind_label("atlas") == "图册");
  CHECK_FALSE(kind_code("练习册"));
  CHECK(is_known_kind("student"));
  CHECK_FALSE(is_known_kind("学生用书"));
}

TEST_CASE("every subject code has a label and parses back from it", "[vocab]") {
  CHECK(subjects().size() == 33);
  for (const auto& s : subjects()) {
    INFO(s.code);
    CHECK(is_known_subject(s.code));
    CHECK(subject_label(s.code) == s.label);
    CHECK(subject_code(s.label) == std::string(s.code));
    CHECK(subject_code(s.code) == std::string(s.code));
  }
}

TEST_CASE("subject aliases and names that carry a kind or an edition note", "[vocab]") {
  CHECK(subject_code("中国历史") == "history");
  CHECK(subject_code("世界历史") == "history");
  CHECK(subject_code("信息技术") == "information-technology");
  CHECK(subject_code("信息科技") == "information-technology");
  CHECK(subject_code("艺术·舞蹈/影视/戏剧") == "arts-performance");
  CHECK(subject_code("艺术•舞蹈/影视/戏剧") == "arts-performance");  // U+2022 dot
  CHECK(subject_code("艺术·美术") == "arts-fine-art");
  CHECK(subject_code("艺术") == "arts");

  auto practice = parse_subject_label("语文·书法练习指导");
  REQUIRE(practice);
  CHECK(practice->code == "calligraphy");
  CHECK(practice->kind == "practice");

  auto atlas = parse_subject_label("地理图册");
  REQUIRE(atlas);
  CHECK(atlas->code == "geography");
  CHECK(atlas->kind == "atlas");

  auto english = parse_subject_label("英语（三年级起点）");
  REQUIRE(english);
  CHECK(english->code == "english");
  CHECK(english->kind.empty());
  CHECK(english->edition_note == "（三年级起点）");

  CHECK_FALSE(subject_code("xyz"));
  CHECK_FALSE(subject_code("天文（选修）"));
  CHECK(subject_label("nope").empty());
}

TEST_CASE("grades: single, senior, spans, digits", "[vocab]") {
  CHECK(parse_grade_label("一年级") == GradeSpan{1, 1});
  CHECK(parse_grade_label("九年级") == GradeSpan{9, 9});
  CHECK(parse_grade_label("高一") == GradeSpan{10, 10});
  CHECK(parse_grade_label("高三") == GradeSpan{12, 12});
  CHECK(parse_grade_label("高一年级") == GradeSpan{10, 10});
  CHECK(parse_grade_label("五至六年级") == GradeSpan{5, 6});
  CHECK(parse_grade_label("七至九年级") == GradeSpan{7, 9});
  CHECK(parse_grade_label("7") == GradeSpan{7, 7});
  CHECK(parse_grade_label("5-6") == GradeSpan{5, 6});
  CHECK_FALSE(parse_grade_label("高中年级"));
  CHECK_FALSE(parse_grade_label("六至五年级"));
  CHECK_FALSE(parse_grade_label("十三年级"));
  CHECK_FALSE(parse_grade_label("高四"));
  CHECK_FALSE(parse_grade_label("0"));
  CHECK_FALSE(parse_grade_label(""));

  CHECK(grade_label({7, 7}) == "七年级");
  CHECK(grade_label({11, 11}) == "高二");
  CHECK(grade_label({5, 6}) == "五至六年级");
  CHECK(grade_label({10, 11}) == "高一至高二");
}

TEST_CASE("grade ranges follow the stage and school system", "[vocab]") {
  CHECK(grade_fits_stage({6, 6}, "primary", "6-3"));
  CHECK(grade_fits_stage({6, 6}, "primary", ""));  // 6-3 by default
  CHECK_FALSE(grade_fits_stage({6, 6}, "primary", "5-4"));
  CHECK(grade_fits_stage({6, 6}, "junior", "5-4"));
  CHECK_FALSE(grade_fits_stage({6, 6}, "junior", "6-3"));
  CHECK(grade_fits_stage({10, 12}, "senior", ""));
  CHECK_FALSE(grade_fits_stage({9, 9}, "senior", ""));
  CHECK(grade_fits_stage({1, 12}, "special", ""));
  CHECK_FALSE(grade_fits_stage({1, 1}, "university", ""));
}

TEST_CASE("volumes: the platform's spellings", "[vocab]") {
  struct Case {
    const char* label;
    const char* volume;
    const char* title;
    int grade;  // 0: none
  };
  const Case cases[] = {
      {"上册", "upper", "", 0},
      {"下册", "lower", "", 0},
      {"全一册", "full", "", 0},
      {"必修 第一册", "compulsory-1", "", 0},
      {"必修 第四册", "compulsory-4", "", 0},
      {"必修三", "compulsory-3", "", 0},
      {"选择性必修 第二册", "elective-2", "", 0},
      {"选择性必修1 分子与细胞", "elective-1", "分子与细胞", 0},
      {"选择性必修10 科技人文融合创新专题", "elective-10", "科技人文融合创新专题", 0},
      {"选择性必修3", "elective-3", "", 0},
      {"必修1 分子与细胞", "compulsory-1", "分子与细胞", 0},
      {"必修 美术鉴赏", "compulsory-1", "美术鉴赏", 0},
      {"必修 技术与设计2", "compulsory-2", "技术与设计2", 0},
      {"必修 中外历史纲要（下）", "compulsory-2", "中外历史纲要（下）", 0},
      {"必修 上册", "compulsory-1", "上册", 0},
      {"选择性必修 中册", "elective-2", "中册", 0},
      {"水平三", "level-3", "", 0},
      {"舞蹈下册", "lower", "舞蹈", 0},
      {"影视上册", "upper", "影视", 0},
      {"篮球运动（全一册）", "full", "篮球运动", 0},
      {"法语III（下册）", "lower", "法语III", 0},
      {"全一册（上）", "upper", "全一册", 0},
      {"高二上册", "upper", "", 11},
      {"高三下", "lower", "", 12},
      {"七年级（全一册）", "full", "", 7},
      {"elective-2", "elective-2", "", 0},
  };
  for (const auto& c : cases) {
    INFO(c.label);
    auto m = parse_volume_label(c.label);
    REQUIRE(m);
    CHECK(m->volume == c.volume);
    CHECK(m->volume_title == c.title);
    if (c.grade == 0) {
      CHECK_FALSE(m->grade);
    } else {
      REQUIRE(m->grade);
      CHECK(m->grade->from == c.grade);
    }
  }
  for (const char* odd : {"第一册", "高一", "高中拓展内容", "《算法与程序设计》", "选择性必修13", "水平", ""}) {
    INFO(odd);
    CHECK_FALSE(parse_volume_label(odd));
  }
}

TEST_CASE("volume codes and display labels", "[vocab]") {
  CHECK(is_known_volume("upper"));
  CHECK(is_known_volume("compulsory-12"));
  CHECK(is_known_volume("level-4"));
  CHECK_FALSE(is_known_volume("compulsory-13"));
  CHECK_FALSE(is_known_volume("elective-0"));
  CHECK_FALSE(is_known_volume("elective-01"));
  CHECK_FALSE(is_known_volume("elective-"));
  CHECK_FALSE(is_known_volume("middle"));

  CHECK(volume_label("upper") == "上册");
  CHECK(volume_label("full") == "全一册");
  CHECK(volume_label("elective-1", "分子与细胞") == "选择性必修 第1册 分子与细胞");
  CHECK(volume_label("compulsory-2") == "必修 第2册");
  CHECK(volume_label("level-3") == "水平三");
  CHECK(volume_label("lower", "舞蹈") == "舞蹈 下册");
  CHECK(volume_label("", "中国历史 第一册") == "中国历史 第一册");
  CHECK(volume_label("bogus").empty());
}

TEST_CASE("Chinese numerals", "[vocab]") {
  CHECK(parse_chinese_number("一") == 1);
  CHECK(parse_chinese_number("十") == 10);
  CHECK(parse_chinese_number("十二") == 12);
  CHECK(parse_chinese_number("二十一") == 21);
  CHECK(parse_chinese_number("12") == 12);
  CHECK_FALSE(parse_chinese_number("十十"));
  CHECK_FALSE(parse_chinese_number("三a"));
  CHECK_FALSE(parse_chinese_number(""));
  for (int n = 1; n <= 99; ++n) CHECK(parse_chinese_number(chinese_number(n)) == n);
}

TEST_CASE("textbook media types by format or extension", "[vocab]") {
  CHECK(textbook_media_type("pdf") == "application/pdf");
  CHECK(textbook_media_type(".EPUB") == "application/epub+zip");
  CHECK(textbook_media_type("docx").empty());
}
