#include "core/package/vocab.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace eductl {
namespace {

// Display labels first in each table; further rows of the same code are aliases that
// only parse. Keys are compared after normalise(), so separator and bracket variants of
// a label need no row of their own.
constexpr std::array k_stages{
    VocabEntry{"primary", "小学"},
    VocabEntry{"junior", "初中"},
    VocabEntry{"senior", "高中"},
    VocabEntry{"special", "特殊教育"},
};
constexpr std::array k_stage_aliases{
    VocabEntry{"senior", "普通高中"},
};

constexpr std::array k_school_systems{
    VocabEntry{"6-3", "六•三学制"},
    VocabEntry{"5-4", "五•四学制"},
};
constexpr std::array k_school_system_aliases{
    VocabEntry{"6-3", "六三学制"}, VocabEntry{"6-3", "六三制"}, VocabEntry{"6-3", "6·3学制"},
    VocabEntry{"5-4", "五四学制"}, VocabEntry{"5-4", "五四制"}, VocabEntry{"5-4", "5·4学制"},
};

constexpr std::array k_special_schools{
    VocabEntry{"blind", "盲校"},
    VocabEntry{"deaf", "聋校"},
    VocabEntry{"intellectual", "培智学校"},
};
constexpr std::array k_special_school_aliases{
    VocabEntry{"intellectual", "培智"},
};

constexpr std::array k_kinds{
    VocabEntry{"student", "学生用书"}, VocabEntry{"teacher", "教师用书"},
    VocabEntry{"reader", "读本"},      VocabEntry{"atlas", "图册"},
    VocabEntry{"practice", "练习指导"},
};
constexpr std::array k_kind_aliases{
    VocabEntry{"reader", "学生读本"},
    VocabEntry{"teacher", "教师教学用书"},
};

constexpr std::array k_subjects{
    VocabEntry{"chinese", "语文"},
    VocabEntry{"math", "数学"},
    VocabEntry{"english", "英语"},
    VocabEntry{"morality-law", "道德与法治"},
    VocabEntry{"politics", "思想政治"},
    VocabEntry{"history", "历史"},
    VocabEntry{"geography", "地理"},
    VocabEntry{"physics", "物理"},
    VocabEntry{"chemistry", "化学"},
    VocabEntry{"biology", "生物学"},
    VocabEntry{"science", "科学"},
    VocabEntry{"information-technology", "信息科技"},
    VocabEntry{"general-technology", "通用技术"},
    VocabEntry{"music", "音乐"},
    VocabEntry{"art", "美术"},
    VocabEntry{"arts", "艺术"},
    VocabEntry{"arts-music", "艺术·音乐"},
    VocabEntry{"arts-fine-art", "艺术·美术"},
    VocabEntry{"arts-performance", "艺术·舞蹈/影视/戏剧"},
    VocabEntry{"pe-health", "体育与健康"},
    VocabEntry{"labor", "劳动"},
    VocabEntry{"labor-technology", "劳动与技术"},
    VocabEntry{"calligraphy", "书法"},
    VocabEntry{"japanese", "日语"},
    VocabEntry{"russian", "俄语"},
    VocabEntry{"french", "法语"},
    VocabEntry{"german", "德语"},
    VocabEntry{"spanish", "西班牙语"},
    VocabEntry{"life-chinese", "生活语文"},
    VocabEntry{"life-math", "生活数学"},
    VocabEntry{"life-adaptation", "生活适应"},
    VocabEntry{"communication", "沟通与交往"},
    VocabEntry{"rehabilitation", "康复训练"},
};

// Further names of a subject, some of which imply the book's kind.
struct SubjectAlias {
  std::string_view label;
  std::string_view code;
  std::string_view kind;
};
constexpr std::array k_subject_aliases{
    SubjectAlias{"中国历史", "history", ""},
    SubjectAlias{"世界历史", "history", ""},
    SubjectAlias{"信息技术", "information-technology", ""},
    SubjectAlias{"生物", "biology", ""},
    SubjectAlias{"艺术（综合）", "arts", ""},
    SubjectAlias{"艺术·舞蹈", "arts-performance", ""},
    SubjectAlias{"艺术·影视", "arts-performance", ""},
    SubjectAlias{"艺术·戏剧", "arts-performance", ""},
    SubjectAlias{"体育", "pe-health", ""},
    SubjectAlias{"语文·书法练习指导", "calligraphy", "practice"},
    SubjectAlias{"书法练习指导", "calligraphy", "practice"},
    SubjectAlias{"地理图册", "geography", "atlas"},
};

// Volume labels that do not follow the general grammar, as the platform writes them.
struct VolumeException {
  std::string_view label;
  std::string_view volume;
  std::string_view volume_title;
};
constexpr std::array k_volume_exceptions{
    VolumeException{"必修 上册", "compulsory-1", "上册"},
    VolumeException{"必修 下册", "compulsory-2", "下册"},
    VolumeException{"必修 全一册", "compulsory-1", ""},
    VolumeException{"选择性必修 上册", "elective-1", "上册"},
    VolumeException{"选择性必修 中册", "elective-2", "中册"},
    VolumeException{"选择性必修 下册", "elective-3", "下册"},
    VolumeException{"全一册（上）", "upper", "全一册"},
    VolumeException{"全一册（下）", "lower", "全一册"},
};

constexpr std::array k_volume_bases{
    VocabEntry{"upper", "上册"},
    VocabEntry{"lower", "下册"},
    VocabEntry{"full", "全一册"},
};

// Numbered volume series; the longer prefix first, since 必修 is a suffix of 选择性必修.
struct VolumeSeries {
  std::string_view prefix;  // code prefix, "elective-"
  std::string_view label;   // 选择性必修
};
constexpr std::array k_volume_series{
    VolumeSeries{"elective-", "选择性必修"},
    VolumeSeries{"compulsory-", "必修"},
    VolumeSeries{"level-", "水平"},
};

constexpr std::array<std::string_view, 10> k_digits{"〇", "一", "二", "三", "四",
                                                    "五", "六", "七", "八", "九"};
constexpr std::string_view k_ten = "十";
constexpr std::array<std::string_view, 3> k_senior_grades{"高一", "高二", "高三"};
constexpr int k_max_volume_number = 12;

// Replacements applied before any comparison: separator dots, brackets, spaces.
struct Replacement {
  std::string_view from;
  std::string_view to;
};
constexpr std::array k_replacements{
    Replacement{"\u2022", "\u00b7"},  // • bullet
    Replacement{"\u30fb", "\u00b7"},  // ・ katakana middle dot
    Replacement{"\uff65", "\u00b7"},  // ･ halfwidth middle dot
    Replacement{"\u2027", "\u00b7"},  // ‧ hyphenation point
    Replacement{"(", "（"},
    Replacement{")", "）"},
    Replacement{"\u3000", " "},  // ideographic space
    Replacement{"\t", " "},
};

std::string normalise(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    bool replaced = false;
    for (const auto& r : k_replacements) {
      if (text.starts_with(r.from)) {
        out += r.to;
        text.remove_prefix(r.from.size());
        replaced = true;
        break;
      }
    }
    if (replaced) continue;
    out += text.front();
    text.remove_prefix(1);
  }
  // Collapse runs of spaces and trim.
  std::string collapsed;
  for (char c : out) {
    if (c == ' ' && (collapsed.empty() || collapsed.back() == ' ')) continue;
    collapsed += c;
  }
  while (!collapsed.empty() && collapsed.back() == ' ') collapsed.pop_back();
  return collapsed;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// Code or label (display row or alias) → code.
template <std::size_t N, std::size_t M>
std::optional<std::string> lookup_code(const std::array<VocabEntry, N>& table,
                                       const std::array<VocabEntry, M>& aliases,
                                       std::string_view text) {
  const std::string key = normalise(text);
  for (const auto& e : table) {
    if (key == e.code || key == normalise(e.label)) return std::string(e.code);
  }
  for (const auto& e : aliases) {
    if (key == normalise(e.label)) return std::string(e.code);
  }
  return std::nullopt;
}

template <std::size_t N>
std::string_view lookup_label(const std::array<VocabEntry, N>& table, std::string_view code) {
  for (const auto& e : table) {
    if (e.code == code) return e.label;
  }
  return {};
}

template <std::size_t N>
bool has_code(const std::array<VocabEntry, N>& table, std::string_view code) {
  return !lookup_label(table, code).empty();
}

std::optional<int> parse_ascii_number(std::string_view s) {
  if (s.empty() || s.size() > 4) return std::nullopt;
  int value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// Splits a leading number (ASCII digits or Chinese numerals) off `s`.
std::optional<int> take_number(std::string_view& s) {
  std::size_t n = 0;
  while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
  if (n == 0) {
    for (;;) {
      std::string_view rest = s.substr(n);
      auto is_numeral = [&](std::string_view d) { return rest.starts_with(d); };
      if (std::any_of(k_digits.begin() + 1, k_digits.end(), is_numeral) || is_numeral(k_ten)) {
        n += k_ten.size();  // every numeral is one three-byte UTF-8 character
      } else {
        break;
      }
    }
  }
  if (n == 0) return std::nullopt;
  auto value = parse_chinese_number(s.substr(0, n));
  if (value) s.remove_prefix(n);
  return value;
}

std::optional<int> parse_single_grade(std::string_view s) {
  s = trim(s);
  if (s.ends_with("年级")) s.remove_suffix(std::string_view("年级").size());
  bool senior = false;
  if (s.starts_with("高")) {
    senior = true;
    s.remove_prefix(std::string_view("高").size());
  }
  auto n = take_number(s);
  if (!n || !s.empty()) return std::nullopt;
  if (senior) {
    if (*n < 1 || *n > 3) return std::nullopt;
    return *n + 9;
  }
  if (*n < 1 || *n > 12) return std::nullopt;
  return *n;
}

// The number a series volume without one implies: 技术与设计2 → 2, 纲要（下） → 2.
int implied_volume_number(std::string_view title) {
  std::size_t n = title.size();
  while (n > 0 && title[n - 1] >= '0' && title[n - 1] <= '9') --n;
  if (n < title.size()) {
    if (auto v = parse_ascii_number(title.substr(n)); v && *v >= 1) return *v;
  }
  if (title.ends_with("（下）") || title.ends_with("（下册）")) return 2;
  return 1;
}

std::optional<VolumeMatch> parse_series_volume(std::string_view s) {
  for (const auto& series : k_volume_series) {
    if (!s.starts_with(series.label)) continue;
    std::string_view rest = trim(s.substr(series.label.size()));
    std::optional<int> number;
    if (rest.starts_with("第")) {
      std::string_view r = rest.substr(std::string_view("第").size());
      number = take_number(r);
      if (!number || !r.starts_with("册")) return std::nullopt;
      rest = trim(r.substr(std::string_view("册").size()));
    } else {
      number = take_number(rest);
      rest = trim(rest);
    }
    if (!number) {
      if (rest.empty() || series.prefix == "level-") return std::nullopt;
      number = implied_volume_number(rest);
    }
    if (*number < 1 || *number > k_max_volume_number) return std::nullopt;
    return VolumeMatch{std::string(series.prefix) + std::to_string(*number), std::string(rest),
                       std::nullopt};
  }
  return std::nullopt;
}

// "<name><base>" or "<name>（<base>）": 舞蹈下册, 篮球运动（全一册）, 高二上册, 七年级（全一册）.
std::optional<VolumeMatch> parse_named_base(std::string_view s) {
  for (const auto& base : k_volume_bases) {
    std::string_view name;
    const std::string bracketed = "（" + std::string(base.label) + "）";
    if (s.ends_with(bracketed)) {
      name = s.substr(0, s.size() - bracketed.size());
    } else if (s.ends_with(base.label)) {
      name = s.substr(0, s.size() - base.label.size());
    } else {
      continue;
    }
    name = trim(name);
    if (name.empty()) return std::nullopt;
    VolumeMatch m{std::string(base.code), {}, std::nullopt};
    if (auto g = parse_single_grade(name)) {
      m.grade = GradeSpan{*g, *g};
    } else {
      m.volume_title = std::string(name);
    }
    return m;
  }
  // 高三下: a grade and half of its year.
  for (const auto& [suffix, code] : {std::pair{std::string_view("上"), "upper"},
                                     std::pair{std::string_view("下"), "lower"}}) {
    if (!s.ends_with(suffix)) continue;
    if (auto g = parse_single_grade(s.substr(0, s.size() - suffix.size()))) {
      return VolumeMatch{code, {}, GradeSpan{*g, *g}};
    }
  }
  return std::nullopt;
}

}  // namespace

std::span<const VocabEntry> stages() { return k_stages; }
std::span<const VocabEntry> school_systems() { return k_school_systems; }
std::span<const VocabEntry> special_schools() { return k_special_schools; }
std::span<const VocabEntry> subjects() { return k_subjects; }
std::span<const VocabEntry> book_kinds() { return k_kinds; }

std::optional<std::string> stage_code(std::string_view text) {
  return lookup_code(k_stages, k_stage_aliases, text);
}
std::optional<std::string> school_system_code(std::string_view text) {
  return lookup_code(k_school_systems, k_school_system_aliases, text);
}
std::optional<std::string> special_school_code(std::string_view text) {
  return lookup_code(k_special_schools, k_special_school_aliases, text);
}
std::optional<std::string> kind_code(std::string_view text) {
  return lookup_code(k_kinds, k_kind_aliases, text);
}

std::optional<StageMatch> parse_stage_label(std::string_view text) {
  if (auto stage = stage_code(text)) return StageMatch{*stage, {}};
  const std::string s = normalise(text);
  const auto open = s.find("（");
  if (open == std::string::npos || !s.ends_with("）")) return std::nullopt;
  const std::string_view sv = s;
  const auto inner = sv.substr(open + std::string_view("（").size(),
                               sv.size() - open - 2 * std::string_view("（").size());
  auto stage = stage_code(sv.substr(0, open));
  auto system = school_system_code(inner);
  if (!stage || !system) return std::nullopt;
  return StageMatch{*stage, *system};
}

std::string_view stage_label(std::string_view code) { return lookup_label(k_stages, code); }
std::string_view school_system_label(std::string_view code) {
  return lookup_label(k_school_systems, code);
}
std::string_view special_school_label(std::string_view code) {
  return lookup_label(k_special_schools, code);
}
std::string_view kind_label(std::string_view code) { return lookup_label(k_kinds, code); }

bool is_known_stage(std::string_view code) { return has_code(k_stages, code); }
bool is_known_school_system(std::string_view code) { return has_code(k_school_systems, code); }
bool is_known_special_school(std::string_view code) { return has_code(k_special_schools, code); }
bool is_known_kind(std::string_view code) { return has_code(k_kinds, code); }

std::optional<SubjectMatch> parse_subject_label(std::string_view text) {
  const std::string key = normalise(text);
  for (const auto& e : k_subjects) {
    if (key == e.code || key == normalise(e.label)) return SubjectMatch{std::string(e.code), {}, {}};
  }
  for (const auto& a : k_subject_aliases) {
    if (key == normalise(a.label)) {
      return SubjectMatch{std::string(a.code), std::string(a.kind), {}};
    }
  }
  // 英语（三年级起点）: the bracket belongs to the edition.
  const auto open = key.find("（");
  if (open != std::string::npos && open > 0 && key.ends_with("）")) {
    if (auto base = parse_subject_label(std::string_view(key).substr(0, open))) {
      if (base->edition_note.empty()) {
        base->edition_note = key.substr(open);
        return base;
      }
    }
  }
  return std::nullopt;
}

std::optional<std::string> subject_code(std::string_view text) {
  if (auto m = parse_subject_label(text)) return m->code;
  return std::nullopt;
}

std::string_view subject_label(std::string_view code) { return lookup_label(k_subjects, code); }
bool is_known_subject(std::string_view code) { return has_code(k_subjects, code); }

std::optional<GradeSpan> parse_grade_label(std::string_view text) {
  const std::string s = normalise(text);
  std::string_view sv = s;
  for (std::string_view sep : {"至", "-", "–", "~", "～"}) {
    const auto at = sv.find(sep);
    if (at == std::string_view::npos) continue;
    std::string_view left = sv.substr(0, at);
    std::string_view right = sv.substr(at + sep.size());
    // 五至六年级: the 年级 of the right side covers both.
    auto from = parse_single_grade(left);
    auto to = parse_single_grade(right);
    if (!from || !to || *from >= *to) return std::nullopt;
    return GradeSpan{*from, *to};
  }
  if (auto g = parse_single_grade(sv)) return GradeSpan{*g, *g};
  return std::nullopt;
}

std::string grade_label(GradeSpan grade) {
  auto one = [](int g, bool with_suffix) {
    if (g >= 10 && g <= 12) return std::string(k_senior_grades[static_cast<std::size_t>(g - 10)]);
    return chinese_number(g) + (with_suffix ? "年级" : "");
  };
  if (grade.to == grade.from) return one(grade.from, true);
  const bool both_compulsory = grade.to <= 9;
  return one(grade.from, !both_compulsory) + "至" + one(grade.to, true);
}

bool grade_fits_stage(GradeSpan grade, std::string_view stage, std::string_view school_system) {
  struct Range {
    std::string_view stage;
    std::string_view system;
    int from;
    int to;
  };
  static constexpr std::array k_ranges{
      Range{"primary", "6-3", 1, 6}, Range{"junior", "6-3", 7, 9},
      Range{"primary", "5-4", 1, 5}, Range{"junior", "5-4", 6, 9},
      Range{"senior", "", 10, 12},   Range{"special", "", 1, 12},
  };
  const bool has_system = stage == "primary" || stage == "junior";
  const std::string_view system = has_system ? (school_system.empty() ? "6-3" : school_system) : "";
  for (const auto& r : k_ranges) {
    if (r.stage == stage && r.system == system) {
      return grade.from >= r.from && grade.to <= r.to && grade.from <= grade.to;
    }
  }
  return false;
}

std::optional<VolumeMatch> parse_volume_label(std::string_view text) {
  const std::string s = normalise(text);
  if (s.empty()) return std::nullopt;
  if (is_known_volume(s)) return VolumeMatch{s, {}, std::nullopt};
  for (const auto& e : k_volume_exceptions) {
    if (s == normalise(e.label)) {
      return VolumeMatch{std::string(e.volume), std::string(e.volume_title), std::nullopt};
    }
  }
  for (const auto& base : k_volume_bases) {
    if (s == base.label) return VolumeMatch{std::string(base.code), {}, std::nullopt};
  }
  if (auto m = parse_series_volume(s)) return m;
  return parse_named_base(s);
}

std::string volume_label(std::string_view code, std::string_view volume_title) {
  std::string label;
  bool title_first = false;
  if (auto base = lookup_label(k_volume_bases, code); !base.empty()) {
    label = base;
    title_first = true;
  } else if (is_known_volume(code)) {
    for (const auto& series : k_volume_series) {
      if (!code.starts_with(series.prefix)) continue;
      const int n = *parse_ascii_number(code.substr(series.prefix.size()));
      label = series.prefix == "level-"
                  ? std::string(series.label) + chinese_number(n)
                  : std::string(series.label) + " 第" + std::to_string(n) + "册";
      break;
    }
  }
  if (volume_title.empty()) return label;
  if (label.empty()) return std::string(volume_title);
  return title_first ? std::string(volume_title) + " " + label
                     : label + " " + std::string(volume_title);
}

bool is_known_volume(std::string_view code) {
  if (!lookup_label(k_volume_bases, code).empty()) return true;
  for (const auto& series : k_volume_series) {
    if (!code.starts_with(series.prefix)) continue;
    const std::string_view digits = code.substr(series.prefix.size());
    if (digits.empty() || digits.front() == '0') return false;
    auto n = parse_ascii_number(digits);
    return n && *n >= 1 && *n <= k_max_volume_number;
  }
  return false;
}

std::optional<int> parse_chinese_number(std::string_view text) {
  if (auto n = parse_ascii_number(text)) return n;
  // Forms: 一…九, 十, 十一…十九, 二十…九十九.
  auto digit = [](std::string_view& s) -> std::optional<int> {
    for (std::size_t i = 1; i < k_digits.size(); ++i) {
      if (s.starts_with(k_digits[i])) {
        s.remove_prefix(k_digits[i].size());
        return static_cast<int>(i);
      }
    }
    return std::nullopt;
  };
  std::string_view s = text;
  if (s.empty()) return std::nullopt;
  int value = 0;
  auto tens = digit(s);
  if (s.starts_with(k_ten)) {
    s.remove_prefix(k_ten.size());
    value = 10 * tens.value_or(1);
    if (!s.empty()) {
      auto units = digit(s);
      if (!units) return std::nullopt;
      value += *units;
    }
  } else {
    if (!tens) return std::nullopt;
    value = *tens;
  }
  if (!s.empty()) return std::nullopt;
  return value;
}

std::string chinese_number(int n) {
  if (n < 1 || n > 99) return std::to_string(n);
  std::string out;
  const int tens = n / 10;
  const int units = n % 10;
  if (tens > 1) out += k_digits[static_cast<std::size_t>(tens)];
  if (tens > 0) out += k_ten;
  if (units > 0) out += k_digits[static_cast<std::size_t>(units)];
  return out;
}

std::string_view textbook_media_type(std::string_view format) {
  std::string f;
  for (char c : format) f += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (f.starts_with(".")) f.erase(0, 1);
  if (f == "pdf") return "application/pdf";
  if (f == "epub") return "application/epub+zip";
  return {};
}

}  // namespace eductl
