#include "core/package/manifest.hpp"

#include <limits>
#include <optional>

#include "core/util/text.hpp"

namespace eductl {
using nlohmann::json;

Result<json> parse_manifest_text(std::string_view text) {
  if (!is_valid_utf8(text)) return make_error(ErrorKind::bad_input, "manifest.json is not valid UTF-8");
  std::string_view body = text;
  if (body.starts_with("\xEF\xBB\xBF")) body.remove_prefix(3);
  try {
    return json::parse(body);
  } catch (const json::parse_error& e) {
    // Byte offset -> line:column for the message.
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i + 1 < e.byte && i < body.size(); ++i) {
      if (body[i] == '\n') ++line, col = 1;
      else if ((static_cast<unsigned char>(body[i]) & 0xC0) != 0x80) ++col;
    }
    std::string what = e.what();
    auto colon = what.rfind(": ");
    return make_error(ErrorKind::bad_input, "line " + std::to_string(line) + ", column " + std::to_string(col) + ": " +
                                                (colon == std::string::npos ? what : what.substr(colon + 2)));
  } catch (const json::exception& e) {
    // Not a syntax error but still unusable, e.g. a number too large for a double.
    std::string what = e.what();
    auto colon = what.rfind("] ");
    return make_error(ErrorKind::bad_input, colon == std::string::npos ? what : what.substr(colon + 2));
  }
}

namespace {
std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
const json& obj(const json& j, const char* key) {
  static const json k_empty = json::object();
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : k_empty;
}
// An integer that fits int64 (the catalogue's type); nullopt for floats, non-numbers and
// values beyond it, which the schema reports. Never wraps 2^64-1 round to -1.
std::optional<std::int64_t> as_int64(const json& v) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<std::int64_t>();
  return std::nullopt;
}
// A grade number as the schema allows it (1-12); nullopt otherwise, so no cast truncates.
std::optional<int> as_grade(const json& v) {
  auto n = as_int64(v);
  if (!n || *n < 1 || *n > 12) return std::nullopt;
  return static_cast<int>(*n);
}
const json& arr(const json& j, const char* key) {
  static const json k_empty = json::array();
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : k_empty;
}
}  // namespace

std::string normalise_isbn(std::string_view isbn) {
  std::string out;
  for (char c : isbn) {
    if (c == '-' || c == ' ') continue;
    if (c >= '0' && c <= '9') out += c;
    else if (c == 'x' || c == 'X') out += 'X';
    else return {};
  }
  if (out.size() == 13 && out.find('X') == std::string::npos) return out;
  if (out.size() == 10 && out.find('X') >= 9) return out;
  return {};
}

char isbn_expected_check_digit(std::string_view s) {
  if (s.size() == 13) {
    int sum = 0;
    for (int i = 0; i < 12; ++i) sum += (s[i] - '0') * (i % 2 ? 3 : 1);
    return static_cast<char>('0' + (10 - sum % 10) % 10);
  }
  if (s.size() == 10) {
    int sum = 0;
    for (int i = 0; i < 9; ++i) sum += (s[i] - '0') * (10 - i);
    int check = (11 - sum % 11) % 11;
    return check == 10 ? 'X' : static_cast<char>('0' + check);
  }
  return '?';
}

bool isbn_check_digit_ok(std::string_view s) {
  return (s.size() == 13 || s.size() == 10) && isbn_expected_check_digit(s) == s.back();
}

BookRecord manifest_to_record(const json& m) {
  BookRecord r;
  r.source = std::string(k_package_format);
  if (!m.is_object()) return r;
  r.package_id = str(m, "package_id");
  if (auto it = m.find("revision"); it != m.end())
    if (auto rev = as_int64(*it); rev && *rev >= 1) r.revision = *rev;
  const json& pub = obj(m, "publisher");
  r.meta.publisher_code = str(pub, "code");
  r.meta.publisher_name = str(pub, "name");
  const json& tb = obj(m, "textbook");
  BookMeta& b = r.meta;
  b.title = str(tb, "title");
  b.isbn = normalise_isbn(str(tb, "isbn"));
  b.stage = str(tb, "stage");
  b.school_system = str(tb, "school_system");
  if (b.school_system.empty() && (b.stage == "primary" || b.stage == "junior")) b.school_system = "6-3";
  b.special_school = str(tb, "special_school");
  if (auto it = tb.find("grade"); it != tb.end()) {
    if (auto g = as_grade(*it)) {
      b.grade = GradeSpan{*g, *g};
    } else if (it->is_array() && it->size() == 2) {
      auto from = as_grade((*it)[0]), to = as_grade((*it)[1]);
      if (from && to) b.grade = GradeSpan{*from, *to};
    }
  }
  b.subject = str(tb, "subject");
  if (std::string k = str(tb, "kind"); !k.empty()) b.kind = k;
  b.edition = str(tb, "edition");
  b.volume = str(tb, "volume");
  b.volume_title = str(tb, "volume_title");
  if (std::string l = str(tb, "language"); !l.empty()) b.language = l;
  b.published = str(tb, "published");
  for (const json& f : arr(m, "files")) {
    if (!f.is_object()) continue;
    FileDecl d;
    d.path = str(f, "path");
    d.sha256 = str(f, "sha256");
    if (auto it = f.find("size"); it != f.end())
      if (auto size = as_int64(*it); size && *size >= 0) d.size = static_cast<std::uint64_t>(*size);
    d.media_type = str(f, "media_type");
    d.role = str(f, "role");
    r.files.push_back(std::move(d));
  }
  for (const json& u : arr(m, "contents")) {
    if (!u.is_object()) continue;
    UnitDecl unit;
    unit.title = str(u, "title");
    for (const json& l : arr(u, "lessons")) {
      if (!l.is_object()) continue;
      LessonDecl lesson;
      lesson.id = str(l, "id");
      lesson.title = str(l, "title");
      for (const json& res : arr(l, "resources")) {
        if (!res.is_object()) continue;
        lesson.resources.push_back({str(res, "kind"), str(res, "file"), str(res, "pages")});
      }
      unit.lessons.push_back(std::move(lesson));
    }
    r.contents.push_back(std::move(unit));
  }
  return r;
}

}  // namespace eductl
