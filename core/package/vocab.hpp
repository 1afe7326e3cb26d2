// The spec's enumerated codes and their Chinese labels, kept once: importers turn the
// platform's and publishers' Chinese names into codes, catalogue displays turn codes back
// into Chinese. Lookups accept the code itself too, and tolerate the separator and
// bracket variants real data mixes (• · ・, （） ()).
#pragma once
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/package/book.hpp"

namespace eductl {

// One row of a code table: the code and its display label.
struct VocabEntry {
  std::string_view code;
  std::string_view label;
};

std::span<const VocabEntry> stages();           // primary 小学 ...
std::span<const VocabEntry> school_systems();   // 6-3 六•三学制, 5-4 五•四学制
std::span<const VocabEntry> special_schools();  // blind 盲校 ...
std::span<const VocabEntry> subjects();         // every subject code of the spec
std::span<const VocabEntry> book_kinds();       // student 学生用书 ...

// --- stage, school system, special school, kind ------------------------------------
// Each *_code accepts the code or any Chinese name and returns the code.
std::optional<std::string> stage_code(std::string_view text);
std::optional<std::string> school_system_code(std::string_view text);
std::optional<std::string> special_school_code(std::string_view text);
std::optional<std::string> kind_code(std::string_view text);

// The platform's stage tag folds the school system in: 小学（五•四学制）.
struct StageMatch {
  std::string stage;
  std::string school_system;  // "5-4" when the label says so, else empty
};
std::optional<StageMatch> parse_stage_label(std::string_view text);

// Each *_label returns the Chinese label of a code, or "" for an unknown code.
std::string_view stage_label(std::string_view code);
std::string_view school_system_label(std::string_view code);
std::string_view special_school_label(std::string_view code);
std::string_view kind_label(std::string_view code);

bool is_known_stage(std::string_view code);
bool is_known_school_system(std::string_view code);
bool is_known_special_school(std::string_view code);
bool is_known_kind(std::string_view code);

// --- subjects -----------------------------------------------------------------------
// Some platform subject names carry more than a subject: 地理图册 is geography with kind
// atlas, 语文·书法练习指导 is calligraphy with kind practice, 英语（三年级起点） is english
// whose start grade belongs to the edition.
struct SubjectMatch {
  std::string code;
  std::string kind;          // implied book kind, or empty
  std::string edition_note;  // e.g. "（三年级起点）", to append to the edition, or empty
};
std::optional<SubjectMatch> parse_subject_label(std::string_view text);
std::optional<std::string> subject_code(std::string_view text);  // parse_subject_label().code
std::string_view subject_label(std::string_view code);
bool is_known_subject(std::string_view code);

// --- grades -------------------------------------------------------------------------
// 一年级…九年级 = 1..9, 高一…高三 (高一年级) = 10..12, spans 五至六年级; also "7", "5-6".
std::optional<GradeSpan> parse_grade_label(std::string_view text);
std::string grade_label(GradeSpan grade);  // 七年级, 高二, 五至六年级
// The spec's grade ranges: 6-3 primary 1-6, junior 7-9; 5-4 primary 1-5, junior 6-9;
// senior 10-12; special 1-12. An empty school system means 6-3.
bool grade_fits_stage(GradeSpan grade, std::string_view stage, std::string_view school_system);

// --- volumes ------------------------------------------------------------------------
// Parses a volume as the platform names it: 上册, 全一册, 必修 第一册, 选择性必修1 分子与细胞,
// 水平三, 舞蹈下册, 篮球运动（全一册）, 高二上册 (the grade goes to `grade`), or a code.
struct VolumeMatch {
  std::string volume;        // upper | lower | full | compulsory-N | elective-N | level-N
  std::string volume_title;  // 分子与细胞, 舞蹈, or empty
  std::optional<GradeSpan> grade;
};
std::optional<VolumeMatch> parse_volume_label(std::string_view text);
// "上册", "选择性必修 第1册 分子与细胞", "水平三", "舞蹈 下册"; "" for an unknown code
// without a title.
std::string volume_label(std::string_view code, std::string_view volume_title = {});
bool is_known_volume(std::string_view code);

// --- numbers and media --------------------------------------------------------------
// 一…九十九 or ASCII digits.
std::optional<int> parse_chinese_number(std::string_view text);
std::string chinese_number(int n);  // 1..99, else decimal digits
// Media type of a textbook file by format or extension ("pdf", ".EPUB"); "" if neither.
std::string_view textbook_media_type(std::string_view format);

}  // namespace eductl
