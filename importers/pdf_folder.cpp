#include "importers/pdf_folder.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <system_error>

#include "core/package/manifest.hpp"
#include "core/package/path_rules.hpp"
#include "core/package/vocab.hpp"
#include "core/util/fs.hpp"
#include "core/util/text.hpp"

namespace eductl {
namespace {

namespace fs = std::filesystem;

enum class Need { required, optional };
struct Column {
  std::string_view name;
  Need need;
};
// The sidecar's columns; order is free in the file.
constexpr std::array k_columns{
    Column{"file", Need::required},          Column{"title", Need::required},
    Column{"publisher_code", Need::required}, Column{"publisher_name", Need::required},
    Column{"isbn", Need::required},          Column{"stage", Need::required},
    Column{"school_system", Need::optional},  Column{"special_school", Need::optional},
    Column{"grade", Need::optional},         Column{"subject", Need::required},
    Column{"kind", Need::optional},          Column{"edition", Need::required},
    Column{"volume", Need::required},        Column{"volume_title", Need::optional},
    Column{"published", Need::optional},     Column{"package_id", Need::optional},
    Column{"revision", Need::optional},
};

constexpr std::string_view k_utf8_bom = "\xEF\xBB\xBF";
constexpr std::size_t k_max_title_chars = 200;

// --- RFC 4180 ---------------------------------------------------------------------------

struct CsvRecord {
  std::size_t line = 0;  // line the record starts on, 1-based
  std::vector<std::string> fields;
  std::string error;     // non-empty: the record breaks the syntax
};

// Splits CSV text into records. Accepts CRLF and LF line ends; a quoted field may hold
// commas, doubled quotes and line breaks. An unterminated quote ends the text.
std::vector<CsvRecord> parse_csv(std::string_view text) {
  std::vector<CsvRecord> out;
  std::size_t i = 0;
  std::size_t line = 1;
  while (i < text.size()) {
    CsvRecord rec;
    rec.line = line;
    std::string field;
    bool end_of_record = false;
    while (!end_of_record) {
      if (i < text.size() && text[i] == '"') {
        ++i;
        bool closed = false;
        while (i < text.size()) {
          const char c = text[i++];
          if (c == '"') {
            if (i < text.size() && text[i] == '"') {
              field += '"';
              ++i;
            } else {
              closed = true;
              break;
            }
          } else {
            if (c == '\n') ++line;
            field += c;
          }
        }
        if (!closed) {
          rec.error = "a quoted field is never closed";
          rec.fields.push_back(std::move(field));
          out.push_back(std::move(rec));
          return out;
        }
        if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r' && rec.error.empty()) {
          rec.error = "text follows the closing quote of field " + std::to_string(rec.fields.size() + 1);
        }
      }
      // Unquoted text (or what follows a closing quote) up to the separator.
      while (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') field += text[i++];
      rec.fields.push_back(std::move(field));
      field.clear();
      if (i >= text.size()) {
        end_of_record = true;
      } else if (text[i] == ',') {
        ++i;
      } else {
        if (text[i] == '\r') ++i;
        if (i < text.size() && text[i] == '\n') ++i;
        ++line;
        end_of_record = true;
      }
    }
    const bool blank = rec.fields.size() == 1 && rec.fields[0].empty() && rec.error.empty();
    if (!blank) out.push_back(std::move(rec));
  }
  return out;
}

std::string trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return std::string(s);
}

bool matches_charset(std::string_view s, std::string_view first, std::string_view rest,
                     std::size_t min_len, std::size_t max_len) {
  if (s.size() < min_len || s.size() > max_len) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((i == 0 ? first : rest).find(s[i]) == std::string_view::npos) return false;
  }
  return true;
}

constexpr std::string_view k_upper_digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
constexpr std::string_view k_lower_digits = "abcdefghijklmnopqrstuvwxyz0123456789";
constexpr std::string_view k_package_id_chars = "abcdefghijklmnopqrstuvwxyz0123456789._-";

bool is_year_month(std::string_view s) {
  if (s.size() != 7 || s[4] != '-') return false;
  for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  const int month = (s[5] - '0') * 10 + (s[6] - '0');
  return month >= 1 && month <= 12;
}

// --- the folder -------------------------------------------------------------------------

struct FolderFile {
  std::string path;  // relative, '/'-separated, as on disk
  bool symlink = false;
  std::uint64_t size = 0;
};

bool is_book_file(std::string_view path) {
  const auto dot = path.rfind('.');
  return dot != std::string_view::npos && !textbook_media_type(path.substr(dot)).empty();
}

// Files under `dir` keyed by the NFC form of their relative path, so a name written by
// macOS (NFD) still matches the sheet. Hidden files and folders (.DS_Store, ._x.pdf) are
// left out.
std::map<std::string, FolderFile> walk_folder(const fs::path& dir) {
  std::map<std::string, FolderFile> out;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.starts_with(".")) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    const bool symlink = it->is_symlink(ec);
    if (!symlink && !it->is_regular_file(ec)) continue;
    FolderFile f;
    f.path = fs::relative(it->path(), dir, ec).generic_string();
    f.symlink = symlink;
    if (!symlink) f.size = it->file_size(ec);
    const std::string key = is_valid_utf8(f.path) ? to_nfc(f.path) : f.path;
    out.emplace(key, std::move(f));
  }
  return out;
}

// --- one row ----------------------------------------------------------------------------

struct RowContext {
  std::string entry;  // books.csv:LINE
  Findings& findings;
  bool failed = false;

  void report(std::string_view code, const std::string& message) {
    Finding f = make_finding(code, entry, entry + ": " + message);
    if (f.severity == Severity::error) failed = true;
    findings.push_back(std::move(f));
  }
};

class Row {
 public:
  Row(const std::map<std::string, std::size_t, std::less<>>& columns, const std::vector<std::string>& fields)
      : m_columns(columns), m_fields(fields) {}

  std::string get(std::string_view column) const {
    auto it = m_columns.find(column);
    if (it == m_columns.end() || it->second >= m_fields.size()) return {};
    return trim(m_fields[it->second]);
  }

 private:
  const std::map<std::string, std::size_t, std::less<>>& m_columns;
  const std::vector<std::string>& m_fields;
};

template <class Parse>
auto parse_enum(const Row& row, std::string_view column, std::string_view choices, RowContext& ctx,
                Parse parse) -> decltype(parse(std::string_view())) {
  const std::string value = row.get(column);
  if (value.empty()) return {};
  auto parsed = parse(value);
  if (!parsed) {
    ctx.report("CSV-ENUM", "column '" + std::string(column) + "' value '" + value + "' is not " +
                               std::string(choices));
  }
  return parsed;
}

struct Seen {
  std::set<std::string> files;        // NFC keys of files named by any row
  std::set<std::string> package_ids;  // of accepted rows
};

std::optional<BookRecord> map_row(const Row& row, const std::map<std::string, FolderFile>& folder,
                                  Seen& seen, RowContext& ctx) {
  for (const auto& column : k_columns) {
    if (column.need == Need::required && row.get(column.name).empty()) {
      ctx.report("CSV-REQUIRED", "column '" + std::string(column.name) + "' is empty");
    }
  }
  BookRecord book;
  book.source = std::string(k_pdf_folder_source);
  BookMeta& meta = book.meta;
  meta.title = row.get("title");
  if (codepoint_count(meta.title) > k_max_title_chars) {
    ctx.report("CSV-VALUE", "title is longer than 200 characters");
  }
  meta.publisher_name = row.get("publisher_name");
  meta.publisher_code = row.get("publisher_code");
  if (!meta.publisher_code.empty() && !matches_charset(meta.publisher_code, k_upper_digits, k_upper_digits, 2, 16)) {
    ctx.report("CSV-VALUE", "publisher_code '" + meta.publisher_code + "' is not 2-16 capitals and digits (e.g. PEP)");
  }
  if (const std::string isbn = row.get("isbn"); !isbn.empty()) {
    meta.isbn = normalise_isbn(isbn);
    if (meta.isbn.empty()) {
      ctx.report("CSV-VALUE", "isbn '" + isbn + "' is not an ISBN-13 or ISBN-10");
    } else if (!isbn_check_digit_ok(meta.isbn)) {
      ctx.report("CSV-VALUE", "isbn '" + isbn + "' has a wrong check digit");
    }
  }

  // Stage and school system: 小学（五•四学制） carries both.
  auto stage = parse_enum(row, "stage", "a stage (primary, junior, senior, special, 小学, 初中…)", ctx,
                          [](std::string_view v) { return parse_stage_label(v); });
  if (stage) meta.stage = stage->stage;
  auto system = parse_enum(row, "school_system", "a school system (6-3, 5-4, 五•四学制)", ctx,
                           [](std::string_view v) { return school_system_code(v); });
  const bool takes_system = meta.stage == "primary" || meta.stage == "junior";
  if (system && !meta.stage.empty() && !takes_system) {
    ctx.report("CSV-VALUE", "school_system '" + row.get("school_system") + "' is given for stage " + meta.stage +
                                ", which has none");
  }
  if (takes_system) {
    meta.school_system = system ? *system : (stage && !stage->school_system.empty() ? stage->school_system : "6-3");
  }
  auto special = parse_enum(row, "special_school", "a special school (blind, deaf, intellectual, 盲校, 聋校, 培智学校)",
                            ctx, [](std::string_view v) { return special_school_code(v); });
  if (meta.stage == "special") {
    if (special) {
      meta.special_school = *special;
    } else if (row.get("special_school").empty()) {
      ctx.report("CSV-REQUIRED", "column 'special_school' is empty; stage special requires it");
    }
  } else if (special && !meta.stage.empty()) {
    ctx.report("CSV-VALUE", "special_school is given for stage " + meta.stage + "; only stage special takes one");
  }

  auto subject = parse_enum(row, "subject", "a subject of the contract (math, 数学, 艺术·音乐…)", ctx,
                            [](std::string_view v) { return parse_subject_label(v); });
  std::string implied_kind;
  meta.edition = row.get("edition");
  if (subject) {
    meta.subject = subject->code;
    implied_kind = subject->kind;
    if (!subject->edition_note.empty() && meta.edition.find(subject->edition_note) == std::string::npos) {
      meta.edition += subject->edition_note;
    }
  }
  auto kind = parse_enum(row, "kind", "a book kind (student, teacher, reader, atlas, practice, 教师用书…)", ctx,
                         [](std::string_view v) { return kind_code(v); });
  meta.kind = kind ? *kind : (implied_kind.empty() ? "student" : implied_kind);

  auto volume = parse_enum(row, "volume", "a volume (upper, compulsory-1, 上册, 必修 第一册, 水平三…)", ctx,
                           [](std::string_view v) { return parse_volume_label(v); });
  if (volume) {
    meta.volume = volume->volume;
    meta.volume_title = volume->volume_title;
  }
  if (const std::string title = row.get("volume_title"); !title.empty()) meta.volume_title = title;

  if (const std::string grade = row.get("grade"); !grade.empty()) {
    meta.grade = parse_grade_label(grade);
    if (!meta.grade) ctx.report("CSV-GRADE", "grade '" + grade + "' is not a grade or span (7, 5-6, 七年级, 高一)");
  } else if (volume && volume->grade) {
    meta.grade = volume->grade;
  }
  if (meta.grade && !meta.stage.empty() && !grade_fits_stage(*meta.grade, meta.stage, meta.school_system)) {
    ctx.report("CSV-GRADE", "grade " + grade_label(*meta.grade) + " lies outside stage " + meta.stage +
                                (meta.school_system.empty() ? "" : " (" + meta.school_system + ")"));
  }

  meta.published = row.get("published");
  if (!meta.published.empty() && !is_year_month(meta.published)) {
    ctx.report("CSV-VALUE", "published '" + meta.published + "' is not YYYY-MM");
  }
  book.package_id = row.get("package_id");
  if (book.package_id.empty()) {
    std::string from_isbn = meta.isbn;
    std::transform(from_isbn.begin(), from_isbn.end(), from_isbn.begin(),
                   [](char c) { return c == 'X' ? 'x' : c; });
    book.package_id = from_isbn;
    if (book.package_id.empty() && row.get("isbn").empty()) {
      ctx.report("CSV-REQUIRED", "column 'package_id' is empty and there is no ISBN to take it from");
    }
  } else if (!matches_charset(book.package_id, k_lower_digits, k_package_id_chars, 3, 64)) {
    ctx.report("CSV-VALUE", "package_id '" + book.package_id + "' does not match ^[a-z0-9][a-z0-9._-]{2,63}$");
  }
  if (const std::string revision = row.get("revision"); !revision.empty()) {
    const bool digits = revision.size() <= 9 && std::all_of(revision.begin(), revision.end(),
                                                            [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || std::stoll(revision) < 1) {
      ctx.report("CSV-VALUE", "revision '" + revision + "' is not an integer of at least 1");
    } else {
      book.revision = std::stoll(revision);
    }
  }

  // The file.
  const std::string file = row.get("file");
  if (!file.empty()) {
    const std::string key = is_valid_utf8(file) ? to_nfc(file) : file;
    const bool repeated = !seen.files.insert(key).second;
    bool path_ok = true;
    for (const auto& problem : path_problems(file)) {
      if (problem.code == "PKG-PATH-NFC") continue;  // compared after NFC anyway
      ctx.report("CSV-FILE-PATH", "file '" + file + "': " + problem.detail);
      path_ok = false;
    }
    if (path_ok && !is_book_file(file)) {
      ctx.report("CSV-FILE-TYPE", "file '" + file + "' is neither .pdf nor .epub");
      path_ok = false;
    }
    if (path_ok) {
      auto it = folder.find(key);
      if (it == folder.end()) {
        ctx.report("CSV-FILE-MISSING", "file '" + file + "' is not in the folder");
      } else if (it->second.symlink) {
        ctx.report("CSV-FILE-PATH", "file '" + file + "' is a symbolic link");
      } else if (repeated) {
        ctx.report("CSV-FILE-DUPLICATE", "file '" + file + "' is named by an earlier row too; row skipped");
      } else {
        FileDecl decl;
        decl.path = it->second.path;
        decl.size = it->second.size;
        decl.media_type = textbook_media_type(file.substr(file.rfind('.')));
        decl.role = "textbook";
        book.files.push_back(std::move(decl));
      }
    }
  }

  if (!ctx.failed && !book.package_id.empty() && !seen.package_ids.insert(book.package_id).second) {
    ctx.report("CSV-PACKAGE-DUPLICATE", "package_id '" + book.package_id + "' is used by an earlier row; row skipped");
  }
  if (ctx.failed) return std::nullopt;
  return book;
}

// Decodes the sidecar to UTF-8 without BOM; nullopt (with a finding) when it is neither
// UTF-8 nor GBK.
std::optional<std::string> decode_sidecar(std::string bytes, Findings& findings) {
  const std::string entry(k_pdf_folder_sidecar);
  if (std::string_view(bytes).starts_with(k_utf8_bom)) bytes.erase(0, k_utf8_bom.size());
  if (is_valid_utf8(bytes)) return bytes;
  if (auto decoded = gbk_to_utf8(bytes)) {
    findings.push_back(make_finding("CSV-ENCODING-GBK", entry, entry + " is GBK, not UTF-8; read as GBK"));
    return decoded;
  }
  findings.push_back(make_finding("CSV-ENCODING", entry, entry + " is neither UTF-8 nor GBK text"));
  return std::nullopt;
}

}  // namespace

Result<PdfFolderReadResult> read_pdf_folder(const fs::path& dir, std::uint64_t max_sidecar) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return make_error(ErrorKind::bad_input, "not a directory (a PDF folder is a directory with books.csv)",
                      dir.string());
  }
  PdfFolderReadResult out;
  const std::string entry(k_pdf_folder_sidecar);
  const fs::path sidecar = dir / k_pdf_folder_sidecar;
  BoundedRead bytes = read_untrusted_file(sidecar, max_sidecar);
  switch (bytes.refusal) {
    case FileRefusal::none:
      break;
    case FileRefusal::missing:
      out.findings.push_back(make_finding("CSV-SIDECAR-MISSING", entry,
                                          "the folder has no " + entry + " describing its books"));
      return out;
    case FileRefusal::symlink:
    case FileRefusal::not_regular:
      out.findings.push_back(make_finding("CSV-SIDECAR-TYPE", entry, entry + " " + bytes.detail + "; not read"));
      return out;
    case FileRefusal::too_large:
      out.findings.push_back(make_finding("CSV-SIDECAR-TOO-LARGE", entry,
                                          entry + " " + bytes.detail + " (--max-sidecar); not read"));
      return out;
    case FileRefusal::unreadable:
      return make_error(ErrorKind::bad_input, "the sidecar " + bytes.detail, sidecar.string());
  }
  auto text = decode_sidecar(std::move(bytes.data), out.findings);
  if (!text) return out;
  const auto records = parse_csv(*text);
  const auto folder = walk_folder(dir);
  Seen seen;

  if (!records.empty()) {
    // Header: column names, case and surrounding spaces ignored.
    const CsvRecord& header = records.front();
    std::map<std::string, std::size_t, std::less<>> columns;
    bool header_ok = header.error.empty();
    if (!header_ok) {
      out.findings.push_back(make_finding("CSV-SYNTAX", entry + ":1", entry + ":1: header " + header.error));
    }
    for (std::size_t i = 0; i < header.fields.size(); ++i) {
      const std::string name = to_lower_ascii(trim(header.fields[i]));
      const bool known = std::any_of(k_columns.begin(), k_columns.end(),
                                     [&](const Column& c) { return c.name == name; });
      if (!known) {
        out.findings.push_back(make_finding("CSV-COLUMN-UNKNOWN", entry + ":1",
                                            entry + ":1: column '" + name + "' is not part of the format; ignored"));
      } else if (!columns.emplace(name, i).second) {
        out.findings.push_back(make_finding("CSV-COLUMN-DUPLICATE", entry + ":1",
                                            entry + ":1: column '" + name + "' appears twice"));
        header_ok = false;
      }
    }
    for (const auto& column : k_columns) {
      if (column.need == Need::required && !columns.contains(column.name)) {
        out.findings.push_back(make_finding("CSV-COLUMN-MISSING", entry + ":1",
                                            entry + ":1: required column '" + std::string(column.name) + "' is missing"));
        header_ok = false;
      }
    }

    for (std::size_t r = 1; r < records.size(); ++r) {
      const CsvRecord& rec = records[r];
      ++out.rows;
      RowContext ctx{entry + ":" + std::to_string(rec.line), out.findings};
      if (!rec.error.empty()) {
        ctx.report("CSV-SYNTAX", rec.error);
      } else if (rec.fields.size() != header.fields.size()) {
        ctx.report("CSV-SYNTAX", "row has " + std::to_string(rec.fields.size()) + " fields, the header " +
                                     std::to_string(header.fields.size()));
      }
      if (!header_ok) continue;
      if (ctx.failed) {
        // Still count the file as named, so it is not reported as unlisted as well.
        const std::string file = Row(columns, rec.fields).get("file");
        if (!file.empty()) seen.files.insert(is_valid_utf8(file) ? to_nfc(file) : file);
        continue;
      }
      if (auto book = map_row(Row(columns, rec.fields), folder, seen, ctx)) out.books.push_back(std::move(*book));
    }
    if (!header_ok) return out;  // no row was read, so no file can be called unlisted
  }

  for (const auto& [key, file] : folder) {
    if (!file.symlink && is_book_file(file.path) && !seen.files.contains(key)) {
      out.findings.push_back(make_finding("CSV-FILE-UNLISTED", file.path,
                                          "file '" + file.path + "' is in the folder but named by no row of " + entry));
    }
  }
  return out;
}

}  // namespace eductl
