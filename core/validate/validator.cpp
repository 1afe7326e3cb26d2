#include "core/validate/validator.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

#include "core/package/manifest.hpp"
#include "core/package/path_rules.hpp"
#include "core/util/embedded.hpp"
#include "core/util/json_schema.hpp"
#include "core/util/text.hpp"

namespace eductl {
using nlohmann::json;

namespace {

const JsonSchema& manifest_schema() {
  static const JsonSchema k_schema = [] {
    auto text = embedded_schema(k_manifest_schema);
    if (!text) throw std::logic_error("manifest schema not embedded");
    auto schema = JsonSchema::parse_text(*text);
    if (!schema) throw std::logic_error("manifest schema: " + schema.error().message);
    return std::move(schema).value();
  }();
  return k_schema;
}

std::string at(std::string_view pointer) { return "manifest.json#" + std::string(pointer); }

struct GradeRange {
  int lo, hi;
};

std::optional<GradeRange> stage_grades(const std::string& stage, const std::string& system) {
  const bool five_four = system == "5-4";
  if (stage == "primary") return GradeRange{1, five_four ? 5 : 6};
  if (stage == "junior") return GradeRange{five_four ? 6 : 7, 9};
  if (stage == "senior") return GradeRange{10, 12};
  if (stage == "special") return GradeRange{1, 12};
  return std::nullopt;
}

bool parse_pages(const std::string& s, int& from, int& to) {
  auto dash = s.find('-');
  try {
    from = std::stoi(s.substr(0, dash));
    to = dash == std::string::npos ? from : std::stoi(s.substr(dash + 1));
  } catch (...) {
    return false;
  }
  return from >= 1;
}

void check_book_meta(const json& tb, const BookMeta& b, Findings& out) {
  if (!tb.is_object()) return;
  if (auto it = tb.find("isbn"); it != tb.end() && it->is_string()) {
    std::string n = normalise_isbn(it->get<std::string>());
    if (!n.empty() && !isbn_check_digit_ok(n))
      out.push_back(make_finding("MAN-ISBN-CHECKDIGIT", at("/textbook/isbn"),
                                 "ISBN " + it->get<std::string>() + " fails its check digit (digits before it call for " +
                                     std::string(1, isbn_expected_check_digit(n)) + "); a digit was mistyped"));
  }
  const bool has_system = tb.contains("school_system");
  if (has_system && b.stage != "primary" && b.stage != "junior" && !b.stage.empty())
    out.push_back(make_finding("MAN-SCHOOL-SYSTEM", at("/textbook/school_system"),
                               "school_system is only for primary and junior books, not " + b.stage));
  const bool has_special = tb.contains("special_school");
  if (b.stage == "special" && !has_special)
    out.push_back(make_finding("MAN-SPECIAL-SCHOOL", at("/textbook/special_school"),
                               "a special-education book must say blind, deaf or intellectual"));
  if (has_special && b.stage != "special" && !b.stage.empty())
    out.push_back(make_finding("MAN-SPECIAL-SCHOOL", at("/textbook/special_school"),
                               "special_school is only for stage special, not " + b.stage));
  if (b.grade) {
    if (b.grade->from > b.grade->to)
      out.push_back(make_finding("MAN-GRADE", at("/textbook/grade"), "grade span runs backwards"));
    else if (auto range = stage_grades(b.stage, b.school_system);
             range && (b.grade->from < range->lo || b.grade->to > range->hi))
      out.push_back(make_finding(
          "MAN-GRADE-STAGE", at("/textbook/grade"),
          "grade " + (b.grade->from == b.grade->to ? std::to_string(b.grade->from)
                                                   : std::to_string(b.grade->from) + "-" + std::to_string(b.grade->to)) +
              " is outside " + b.stage + (b.school_system.empty() ? "" : " (" + b.school_system + ")") + " grades " +
              std::to_string(range->lo) + "-" + std::to_string(range->hi)));
  }
}

// "/files/3/path": paths have their own rules (MAN-FILE-PATH) and are left to them.
bool is_file_path_pointer(std::string_view pointer) {
  return pointer.starts_with("/files/") && pointer.ends_with("/path") &&
         std::count(pointer.begin(), pointer.end(), '/') == 3;
}

std::string pointer_token(std::string_view key) {
  std::string out;
  for (char c : key) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
  return out;
}

// Every manifest string is single-line text shown to people (reports, the catalogue, the
// platform's pages): a control character can rewrite a terminal (ESC sequences, CR) and a
// bidi control can make a title display as something else.
// A string the schema already rejected (a pattern, an enum) has its finding; one cause,
// one report.
void check_text_controls(const json& v, std::string& pointer, const std::set<std::string>& rejected, Findings& out) {
  if (v.is_string()) {
    if (is_file_path_pointer(pointer) || rejected.contains(pointer)) return;
    if (auto cp = first_unsafe_codepoint(v.get_ref<const std::string&>()))
      out.push_back(make_finding("MAN-TEXT-CONTROL", at(pointer),
                                 "text contains the control character " + codepoint_name(*cp)));
    return;
  }
  const std::size_t len = pointer.size();
  if (v.is_object()) {
    for (const auto& [key, value] : v.items()) {
      pointer += "/" + pointer_token(key);
      check_text_controls(value, pointer, rejected, out);
      pointer.resize(len);
    }
  } else if (v.is_array()) {
    for (std::size_t i = 0; i < v.size(); ++i) {
      pointer += "/" + std::to_string(i);
      check_text_controls(v[i], pointer, rejected, out);
      pointer.resize(len);
    }
  }
}

}  // namespace

namespace {

// The manifest as JSON, or nullopt with the finding that says why there is none.
std::optional<json> read_manifest_json(const ScanResult& scan, Findings& out) {
  if (!scan.manifest_found) {
    if (scan.stopped_early) return std::nullopt;  // the manifest may sit among the entries never read
    out.push_back(make_finding("PKG-MANIFEST-MISSING", scan.root_prefix + "manifest.json",
                               "no manifest.json at the package root"));
    return std::nullopt;
  }
  if (scan.manifest_text.empty() && scan.manifest_size > 0) {
    out.push_back(make_finding("MAN-TOO-LARGE", "manifest.json",
                               "manifest.json is " + std::to_string(scan.manifest_size) + " bytes, over 4 MiB"));
    return std::nullopt;
  }
  auto parsed = parse_manifest_text(scan.manifest_text);
  if (!parsed) {
    out.push_back(make_finding("MAN-JSON-SYNTAX", "manifest.json", parsed.error().message));
    return std::nullopt;
  }
  return std::move(parsed).value();
}

// Schema findings; returns the pointers the schema rejected: a declared size or hash
// that is malformed is reported once, not compared with the file as well (a size of -1
// is no "size mismatch").
std::set<std::string> check_schema(const json& m, Findings& out) {
  std::set<std::string> rejected;
  for (const auto& v : manifest_schema().validate(m)) {
    rejected.insert(v.pointer);
    if (v.keyword == "additionalProperties")
      out.push_back(make_finding("MAN-UNKNOWN-FIELD", at(v.pointer), v.message));
    else
      out.push_back(make_finding(v.finding.empty() ? "MAN-STRUCTURE" : v.finding, at(v.pointer), v.message));
  }
  return rejected;
}

// What check_files learns that check_contents needs.
struct FileIndex {
  std::map<std::string, const ScannedFile*> present;  // by path in the package
  std::map<std::string, const FileDecl*> listed;      // by path in the manifest
  const FileDecl* textbook = nullptr;                 // the one file with role textbook
};

// files: each path safe, listed once, present with the declared size and hash.
FileIndex check_files(const ScanResult& scan, const BookRecord& book, const std::set<std::string>& rejected, Findings& out) {
  FileIndex ix;
  for (const auto& f : scan.files) ix.present.emplace(f.path, &f);
  // An entry whose name already has a finding (traversal, absolute, undecodable, NFD …)
  // is not also "unlisted", and a listed NFC name present only in NFD is not "missing":
  // the name finding is the cause.
  std::set<std::string> badly_named, nfc_of_nfd;
  for (const auto& f : scan.findings)
    if (f.code == "PKG-NAME-ENCODING" || f.code.starts_with("PKG-PATH-")) {
      badly_named.insert(f.entry);
      if (f.code == "PKG-PATH-NFC" && f.entry.starts_with(scan.root_prefix))
        nfc_of_nfd.insert(to_nfc(f.entry.substr(scan.root_prefix.size())));
    }
  int textbooks = 0;
  for (std::size_t i = 0; i < book.files.size(); ++i) {
    const FileDecl& d = book.files[i];
    const std::string ptr = at("/files/" + std::to_string(i) + "/path");
    if (d.path.empty()) continue;  // the schema reported it
    for (const auto& p : path_problems(d.path)) out.push_back(make_finding("MAN-FILE-PATH", ptr, d.path + ": " + p.detail));
    if (d.path == "manifest.json")
      out.push_back(make_finding("MAN-FILE-PATH", ptr, "manifest.json itself is not listed in files"));
    if (!ix.listed.emplace(d.path, &d).second) {
      out.push_back(make_finding("MAN-FILE-DUPLICATE", ptr, d.path + " is listed more than once"));
      continue;
    }
    if (d.role == "textbook") {
      ++textbooks;
      ix.textbook = &d;
    }
    auto it = ix.present.find(d.path);
    if (it == ix.present.end()) {
      if (d.path != "manifest.json" && !scan.stopped_early && !nfc_of_nfd.contains(d.path))
        out.push_back(make_finding("PKG-FILE-MISSING", d.path, "listed in manifest files but not in the package"));
      continue;
    }
    const ScannedFile& f = *it->second;
    if (!f.complete) continue;  // a limit or corruption finding already explains it
    const std::string fp = "/files/" + std::to_string(i);
    const bool size_ok = !rejected.contains(fp + "/size"), sha_ok = !rejected.contains(fp + "/sha256");
    if (size_ok && f.size != d.size)
      out.push_back(make_finding("PKG-SIZE-MISMATCH", d.path,
                                 "size is " + std::to_string(f.size) + " bytes, manifest says " + std::to_string(d.size)));
    else if (sha_ok && !d.sha256.empty() && f.sha256 != d.sha256)
      out.push_back(make_finding("PKG-SHA256-MISMATCH", d.path, "sha256 is " + f.sha256 + ", manifest says " + d.sha256));
    if (is_accepted_media_type(d.media_type)) {
      Findings media = check_media(d.path, d.media_type, f.media);
      out.insert(out.end(), media.begin(), media.end());
    }
  }
  for (const auto& f : scan.files)
    if (!ix.listed.count(f.path) && !badly_named.contains(scan.root_prefix + f.path))
      out.push_back(make_finding("PKG-FILE-UNLISTED", f.path, "present in the package but not listed in manifest files"));
  if (textbooks != 1) {
    out.push_back(make_finding("MAN-TEXTBOOK-FILE", at("/files"),
                               std::to_string(textbooks) + " files have role \"textbook\"; exactly one must"));
  } else if (ix.textbook->media_type != "application/pdf" && ix.textbook->media_type != "application/epub+zip") {
    out.push_back(make_finding("MAN-TEXTBOOK-FILE", ix.textbook->path,
                               "the textbook is " + ix.textbook->media_type + "; it must be a PDF or an EPUB 3"));
  }
  return ix;
}

// One textbook_pages resource: a range that runs forward and fits the book.
void check_pages(const ResourceDecl& res, const std::string& rp, const FileIndex& ix, Findings& out) {
  if (res.kind != "textbook_pages") {
    out.push_back(make_finding("MAN-RESOURCE-PAGES", at(rp + "/pages"), "pages are only for textbook_pages, not " + res.kind));
    return;
  }
  int from = 0, to = 0;
  if (!parse_pages(res.pages, from, to)) return;  // the schema reported the syntax
  if (from > to) {
    out.push_back(make_finding("MAN-RESOURCE-PAGES", at(rp + "/pages"), "page range " + res.pages + " runs backwards"));
    return;
  }
  const std::string& book_file = res.file.empty() && ix.textbook ? ix.textbook->path : res.file;
  auto it = ix.present.find(book_file);
  if (it != ix.present.end() && it->second->media.pdf_pages > 0 && to > it->second->media.pdf_pages)
    out.push_back(make_finding("MAN-PAGES-RANGE", at(rp + "/pages"),
                               "pages " + res.pages + " but " + book_file + " has " +
                                   std::to_string(it->second->media.pdf_pages) + " pages"));
}

// contents: lesson ids unique, resources point at listed files, page ranges fit the book.
void check_contents(const BookRecord& book, const FileIndex& ix, Findings& out) {
  std::set<std::string> lesson_ids;
  for (std::size_t u = 0; u < book.contents.size(); ++u) {
    const auto& unit = book.contents[u];
    for (std::size_t l = 0; l < unit.lessons.size(); ++l) {
      const auto& lesson = unit.lessons[l];
      const std::string lp = "/contents/" + std::to_string(u) + "/lessons/" + std::to_string(l);
      if (!lesson.id.empty() && !lesson_ids.insert(lesson.id).second)
        out.push_back(make_finding("MAN-LESSON-ID-DUPLICATE", at(lp + "/id"), "lesson id " + lesson.id + " is used twice"));
      for (std::size_t r = 0; r < lesson.resources.size(); ++r) {
        const auto& res = lesson.resources[r];
        const std::string rp = lp + "/resources/" + std::to_string(r);
        if (!res.file.empty() && !ix.listed.count(res.file))
          out.push_back(make_finding("MAN-RESOURCE-FILE", at(rp + "/file"), res.file + " is not listed in files"));
        if (!res.pages.empty()) check_pages(res, rp, ix, out);
      }
    }
  }
}

}  // namespace

void check_manifest(const ScanResult& scan, PackageReport& report) {
  Findings& out = report.findings;
  auto parsed = read_manifest_json(scan, out);
  if (!parsed) return;
  const json& m = *parsed;
  const std::set<std::string> rejected = check_schema(m, out);
  std::string pointer;
  check_text_controls(m, pointer, rejected, out);
  if (!m.is_object()) return;
  BookRecord book = manifest_to_record(m);
  check_book_meta(m.value("textbook", json::object()), book.meta, out);
  const FileIndex ix = check_files(scan, book, rejected, out);
  check_contents(book, ix, out);
  report.book = std::move(book);
}

Result<PackageReport> validate_package(const std::filesystem::path& path, const ScanLimits& limits,
                                       const ByteProgress& progress) {
  auto scan = scan_package(path, limits, nullptr, progress);
  if (!scan) return scan.error();
  PackageReport report;
  report.path = path.string();
  report.findings = scan->findings;
  if (!scan->unreadable) check_manifest(*scan, report);
  report.scan = std::move(scan).value();
  return report;
}

}  // namespace eductl
